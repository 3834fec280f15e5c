/*
 * listenkey.h - the legacy user-data-stream listenKeys of the simulator.
 *
 * POST /api/v3/userDataStream hands an account a 60-character key that
 * opens /ws/<listenKey>; PUT keeps it alive for another 60 minutes; DELETE
 * closes it.  As on Binance, asking again while a key is alive returns the
 * same key.  A fixed table: the simulator has few accounts.
 */
#ifndef LOOPTRADER_SIM_LISTENKEY_H
#define LOOPTRADER_SIM_LISTENKEY_H

#include <stdint.h>

#define LISTENKEY_LEN 60
#define LISTENKEY_MAX 1024
#define LISTENKEY_TTL_MS (60 * 60 * 1000)

struct listenkey {
    char key[LISTENKEY_LEN + 1];
    int account;
    int64_t expires_ms;
};

struct listenkeys {
    struct listenkey k[LISTENKEY_MAX];
    int n;
    uint64_t rng;
};

void listenkeys_init(struct listenkeys *t, uint64_t seed);
/* The account's live key (extended) or a new one; NULL when the table is full. */
const char *listenkeys_create(struct listenkeys *t, int account, int64_t now_ms);
/* Extends key of account; 0, or -1 when unknown or expired. */
int listenkeys_keepalive(struct listenkeys *t, int account, const char *key, int64_t now_ms);
/* Removes key of account; 0 or -1. */
int listenkeys_delete(struct listenkeys *t, int account, const char *key, int64_t now_ms);
/* Account of a live key, or -1. */
int listenkeys_account(const struct listenkeys *t, const char *key, int64_t now_ms);

#endif
