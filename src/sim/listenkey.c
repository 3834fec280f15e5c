/* listenkey.c - listenKey table of the legacy user data stream (listenkey.h). */
#include "looptrader/sim/listenkey.h"

#include <string.h>

void listenkeys_init(struct listenkeys *t, uint64_t seed)
{
    memset(t, 0, sizeof(*t));
    t->rng = seed ^ 0x6c697374656e6b65ull;
}

static uint64_t next(struct listenkeys *t)
{
    uint64_t z = (t->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int find(const struct listenkeys *t, int account, const char *key, int64_t now_ms)
{
    for (int i = 0; i < t->n; i++) {
        const struct listenkey *k = &t->k[i];
        if (k->expires_ms <= now_ms)
            continue;
        if ((account < 0 || k->account == account) && (!key || !strcmp(k->key, key)))
            return i;
    }
    return -1;
}

const char *listenkeys_create(struct listenkeys *t, int account, int64_t now_ms)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    int live = find(t, account, NULL, now_ms);
    struct listenkey *k = live >= 0 ? &t->k[live] : NULL;
    if (!k) {
        for (int i = 0; i < t->n && !k; i++)
            if (t->k[i].expires_ms <= now_ms)
                k = &t->k[i];
        if (!k) {
            if (t->n >= LISTENKEY_MAX)
                return NULL;
            k = &t->k[t->n++];
        }
        for (int i = 0; i < LISTENKEY_LEN; i++)
            k->key[i] = alnum[next(t) % (sizeof(alnum) - 1)];
        k->key[LISTENKEY_LEN] = '\0';
        k->account = account;
    }
    k->expires_ms = now_ms + LISTENKEY_TTL_MS;
    return k->key;
}

int listenkeys_keepalive(struct listenkeys *t, int account, const char *key, int64_t now_ms)
{
    int i = find(t, account, key, now_ms);
    if (i < 0)
        return -1;
    t->k[i].expires_ms = now_ms + LISTENKEY_TTL_MS;
    return 0;
}

int listenkeys_delete(struct listenkeys *t, int account, const char *key, int64_t now_ms)
{
    int i = find(t, account, key, now_ms);
    if (i < 0)
        return -1;
    t->k[i].expires_ms = 0;
    return 0;
}

int listenkeys_account(const struct listenkeys *t, const char *key, int64_t now_ms)
{
    int i = find(t, -1, key, now_ms);
    return i >= 0 ? t->k[i].account : -1;
}
