/*
 * faults.c - parsing of --fault specs and seeded fault draws (faults.h).
 *
 * The generator is splitmix64: tiny, fast and good enough to decide
 * whether a response fails; reproducibility matters more than quality here.
 */
#include "looptrader/sim/faults.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void faults_init(struct faults *f, uint64_t seed)
{
    memset(f, 0, sizeof(*f));
    f->rng = seed ^ 0x5deece66dull;
}

uint64_t faults_next(struct faults *f)
{
    uint64_t z = (f->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int faults_draw(struct faults *f, money_t rate)
{
    if (rate <= 0)
        return 0;
    if (rate >= MONEY_SCALE)
        return 1;
    return (money_t)(faults_next(f) % (uint64_t)MONEY_SCALE) < rate;
}

enum fault_http faults_draw_http(struct faults *f, struct fault_answer *ans)
{
    if (!f)
        return FAULT_HTTP_NONE;
    if (faults_draw(f, f->http429)) {
        *ans = (struct fault_answer){ 429, -1003,
                                      "Too much request weight used; please use WebSocket "
                                      "Streams for live updates to avoid polling the API.",
                                      FAULT_RETRY_AFTER_S };
        return FAULT_HTTP_429;
    }
    if (!faults_draw(f, f->http5xx))
        return FAULT_HTTP_NONE;
    if (faults_draw(f, MONEY_SCALE / 2)) {
        *ans = (struct fault_answer){ 500, -1000,
                                      "An unknown error occurred while processing the request.",
                                      -1 };
        return FAULT_HTTP_5XX_AFTER;
    }
    /* the request never reached the engine */
    *ans = (struct fault_answer){ 503, -1001, "Service Unavailable.", -1 };
    return FAULT_HTTP_5XX_BEFORE;
}

static int parse_ms(const char *v, int *out)
{
    char *end;
    if (!*v || *v < '0' || *v > '9')
        return -1;
    long n = strtol(v, &end, 10);
    if (*end || n < 0 || n > 600000)
        return -1;
    *out = (int)n;
    return 0;
}

static int parse_rate(const char *v, money_t *out)
{
    money_t m;
    if (money_parse(v, &m) || m < 0 || m > MONEY_SCALE)
        return -1;
    *out = m;
    return 0;
}

int faults_parse(struct faults *f, const char *spec, struct lt_err *err)
{
    static const struct {
        const char *name;
        int is_rate;
        size_t off;
    } kinds[] = {
        { "latency_ms", 0, offsetof(struct faults, latency_ms) },
        { "ws_drop_ms", 0, offsetof(struct faults, ws_drop_ms) },
        { "http5xx", 1, offsetof(struct faults, http5xx) },
        { "http429", 1, offsetof(struct faults, http429) },
        { "push_loss", 1, offsetof(struct faults, push_loss) },
        { "partial", 1, offsetof(struct faults, partial) },
        { "ws_order_drop", 1, offsetof(struct faults, ws_order_drop) },
    };
    const char *eq = strchr(spec, '=');
    if (!eq)
        return lt_err_set(err, LT_EINVAL, "fault '%s': expected KIND=VALUE", spec);
    size_t klen = (size_t)(eq - spec);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strlen(kinds[i].name) != klen || memcmp(kinds[i].name, spec, klen))
            continue;
        char *field = (char *)f + kinds[i].off;
        int rc = kinds[i].is_rate ? parse_rate(eq + 1, (money_t *)(void *)field)
                                  : parse_ms(eq + 1, (int *)(void *)field);
        if (rc)
            return lt_err_set(err, LT_EINVAL,
                              kinds[i].is_rate
                                  ? "fault '%s': value must be a decimal from 0 to 1"
                                  : "fault '%s': value must be an integer from 0 to 600000",
                              spec);
        return 0;
    }
    return lt_err_set(err, LT_EINVAL,
                      "fault '%s': unknown kind (latency_ms, http5xx, http429, ws_drop_ms, "
                      "push_loss, partial, ws_order_drop)",
                      spec);
}
