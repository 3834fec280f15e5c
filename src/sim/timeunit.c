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

static int is_time_key(const char *k)
{
    static const char *const keys[] = { "serverTime", "time",      "updateTime", "transactTime",
                                        "workingTime", "openTime", "closeTime",  "T",
                                        "E",           NULL };
    for (int i = 0; keys[i]; i++)
        if (!strcmp(k, keys[i]))
            return 1;
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

/* WebSocket events abbreviate times to letters that other events use for
 * ids or counts, so these depend on the event ("e") of the object holding
 * them; event is "kline.k" inside a kline's candle. */
static int is_event_time_key(const char *event, const char *k)
{
    static const struct {
        const char *event, *keys[3];
    } ev[] = {
        { "session", { "authorizedSince", "connectedSince", NULL } },
        { "executionReport", { "O", "W", NULL } },
        { "outboundAccountPosition", { "u", NULL } },
        { "24hrTicker", { "O", "C", NULL } },
        { "kline.k", { "t", NULL } },
    };
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
        if (event && !strcmp(event, ev[i].event))
            for (int j = 0; ev[i].keys[j]; j++)
                if (!strcmp(k, ev[i].keys[j]))
                    return 1;
    return 0;
}

/* ws: a WebSocket message (event-dependent keys too; event is the
 * enclosing object's, NULL outside any). */
static void walk(json_t *v, int klines, int ws, const char *event)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        const char *e = json_string_value(json_object_get(v, "e"));
        if (ws && !e)
            e = json_object_get(v, "connectedSince") ? "session" : event;
        json_object_foreach(v, k, x) {
            if (is_time_key(k) || (ws && is_event_time_key(e, k)))
                scale(x);
            else if (e && !strcmp(e, "kline") && !strcmp(k, "k"))
                walk(x, klines, ws, "kline.k");
            else
                walk(x, klines, ws, NULL);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) {
            /* a kline: [openTime, o, h, l, c, v, closeTime, ...] */
            if (klines && json_is_array(x) && json_array_size(x) > 6) {
                scale(json_array_get(x, 0));
                scale(json_array_get(x, 6));
            } else {
                walk(x, klines, ws, NULL);
            }
        }
    }
}

static int micro(struct strbuf *json, int klines, int ws)
{
    json_error_t je;
    json_t *root = json_loadb(json->buf, json->len, JSON_DECODE_ANY, &je);
    if (!root)
        return -1;
    walk(root, klines, ws, NULL);
    char *text = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(root);
    if (!text)
        return -1;
    strbuf_reset(json);
    int rc = strbuf_addstr(json, text) ? -1 : 0;
    free(text);
    return rc;
}

int time_unit_micro(struct strbuf *json, int klines)
{
    return micro(json, klines, 0);
}

int time_unit_micro_ws(struct strbuf *json)
{
    return micro(json, 1, 1);
}
