/* timeunit.c - milliseconds to microseconds in a rendered answer (timeunit.h). */
#include "looptrader/sim/timeunit.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int time_unit_parse(const char *s, enum time_unit *out)
{
    if (!s || !*s || !strcasecmp(s, "MILLISECOND"))
        *out = TIME_UNIT_MS;
    else if (!strcasecmp(s, "MICROSECOND"))
        *out = TIME_UNIT_US;
    else
        return -1;
    return 0;
}

static int listed(const char *k, const char *const *keys)
{
    for (int i = 0; keys[i]; i++)
        if (!strcmp(k, keys[i]))
            return 1;
    return 0;
}

/* k is a time in an object of the event named event (the "e" of the
 * nearest object that has one; NULL in REST answers).  Single letters
 * mean a time only in some events: "u" is an update id in a depth event
 * and the last update's time in outboundAccountPosition, "t" a trade id
 * in a trade and a kline's start in a kline. */
static int is_time_key(const char *k, const char *event)
{
    static const char *const keys[] = { "serverTime", "time", "updateTime", "transactTime",
                                        "workingTime", "openTime", "closeTime", "T", "E",
                                        "authorizedSince", "connectedSince", NULL };
    static const struct {
        const char *event;
        const char *const keys[3];
    } per_event[] = {
        { "executionReport", { "O", "W", NULL } },
        { "outboundAccountPosition", { "u", NULL } },
        { "kline", { "t", NULL } },
        { "24hrTicker", { "O", "C", NULL } },
        { "24hrMiniTicker", { "O", "C", NULL } },
    };
    if (listed(k, keys))
        return 1;
    for (size_t i = 0; event && i < sizeof per_event / sizeof per_event[0]; i++)
        if (!strcmp(event, per_event[i].event))
            return listed(k, per_event[i].keys);
    return 0;
}

/* A value past the microsecond range is no time the simulator rendered:
 * left as it is rather than overflowed. */
static void scale(json_t *v)
{
    json_int_t t = json_is_integer(v) ? json_integer_value(v) : 0;
    if (t && t <= INT64_MAX / 1000 && t >= -(INT64_MAX / 1000))
        json_integer_set(v, t * 1000);
}

static void walk(json_t *v, int klines, const char *event)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_t *e = json_object_get(v, "e");
        if (json_is_string(e))
            event = json_string_value(e);
        json_object_foreach(v, k, x) {
            if (is_time_key(k, event))
                scale(x);
            else
                walk(x, klines, event);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) {
            /* a kline: [openTime, o, h, l, c, v, closeTime, ...] */
            if (klines && json_is_array(x) && json_array_size(x) > 6) {
                scale(json_array_get(x, 0));
                scale(json_array_get(x, 6));
            } else {
                walk(x, klines, event);
            }
        }
    }
}

int time_unit_micro(struct strbuf *json, int klines)
{
    json_error_t je;
    json_t *root = json_loadb(json->buf, json->len, JSON_DECODE_ANY, &je);
    if (!root)
        return -1;
    walk(root, klines, NULL);
    char *text = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(root);
    if (!text)
        return -1;
    strbuf_reset(json);
    int rc = strbuf_addstr(json, text) ? -1 : 0;
    free(text);
    return rc;
}
