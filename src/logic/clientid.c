/*
 * clientid.c - client order ids that the program can find again.
 *
 * The id is the only thing an order carries back from the venue, so it holds
 * what recovery needs (run, user, round, step) in Binance's 36-character
 * alphabet.  Parsing is strict: anything that does not round-trip exactly is
 * not ours, so a foreign order is never cancelled or sold by mistake.
 */
#include "looptrader/clientid.h"
#include "looptrader/decimal.h"
#include "looptrader/error.h"

#include <string.h>

#define RUN_LEN 6

static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

void clientid_new_run(char run[8], uint64_t entropy)
{
    /* splitmix64 finaliser: close entropy values (successive pids or
     * seconds) give unrelated tags. */
    uint64_t z = entropy + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (int i = 0; i < RUN_LEN; i++) {
        run[i] = b36[z % 36];
        z /= 36;
    }
    run[RUN_LEN] = '\0';
}

static int valid_run(const char *run)
{
    for (int i = 0; i < RUN_LEN; i++)
        if (!run[i] || !strchr(b36, run[i]))
            return 0;
    return run[RUN_LEN] == '\0';
}

static int valid_side(char c)
{
    return c == 'b' || c == 's' || c == 'f';
}

/* Appends, by hand (an id is made for every order, and snprintf's
 * format parsing cost more than the id): t has room for any id's parts,
 * which are a run tag and unsigned ints. */
static size_t put(char *t, size_t n, const char *s)
{
    size_t k = strlen(s);
    memcpy(t + n, s, k);
    return n + k;
}

static size_t put_uint(char *t, size_t n, unsigned v)
{
    return n + decimal_u64(v, t + n);
}

/* "lt.<run>.<user>.<round>.<side><seq>[e<epoch>]" */
int clientid_format(const struct clientid *id, char out[CLIENTID_MAX])
{
    if (!valid_run(id->run) || !valid_side(id->side))
        return LT_EINVAL;
    char t[sizeof CLIENTID_PREFIX + sizeof id->run + 5 * DECIMAL_MAX];
    size_t n = put(t, 0, CLIENTID_PREFIX);
    n = put(t, n, id->run);
    t[n++] = '.';
    n = put_uint(t, n, id->user);
    t[n++] = '.';
    n = put_uint(t, n, id->round);
    t[n++] = '.';
    t[n++] = id->side;
    n = put_uint(t, n, id->seq);
    if (id->epoch) {
        t[n++] = 'e';
        n = put_uint(t, n, id->epoch);
    }
    if (n >= CLIENTID_MAX) {
        out[0] = '\0';
        return LT_ERANGE;
    }
    memcpy(out, t, n);
    out[n] = '\0';
    return 0;
}

/* A canonical decimal (no sign, no leading zero) that fits unsigned. */
static const char *parse_uint(const char *s, unsigned *out)
{
    unsigned long long v = 0;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return NULL;
    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return NULL;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (unsigned)(*p - '0');
        if (v > 0xffffffffULL)
            return NULL;
    }
    *out = (unsigned)v;
    return p;
}

int clientid_parse(const char *s, struct clientid *out)
{
    struct clientid id;
    const char *p;

    if (!s || strlen(s) >= CLIENTID_MAX || !clientid_is_ours(s))
        return LT_EPARSE;
    p = s + strlen(CLIENTID_PREFIX);
    if (strnlen(p, RUN_LEN + 1) <= RUN_LEN || p[RUN_LEN] != '.')
        return LT_EPARSE;
    memcpy(id.run, p, RUN_LEN);
    id.run[RUN_LEN] = '\0';
    if (!valid_run(id.run))
        return LT_EPARSE;
    p += RUN_LEN + 1;
    if (!(p = parse_uint(p, &id.user)) || *p++ != '.')
        return LT_EPARSE;
    if (!(p = parse_uint(p, &id.round)) || *p++ != '.')
        return LT_EPARSE;
    id.side = *p++;
    if (!valid_side(id.side))
        return LT_EPARSE;
    if (!(p = parse_uint(p, &id.seq)))
        return LT_EPARSE;
    id.epoch = 0;
    if (*p == 'e' && (!(p = parse_uint(p + 1, &id.epoch)) || id.epoch == 0))
        return LT_EPARSE;
    if (*p != '\0')
        return LT_EPARSE;
    *out = id;
    return 0;
}

int clientid_is_ours(const char *s)
{
    return s && strncmp(s, CLIENTID_PREFIX, strlen(CLIENTID_PREFIX)) == 0;
}
