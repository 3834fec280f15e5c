/*
 * clientid.h - client order ids that the program can find again.
 *
 * Format (<= 36 chars, Binance's [.A-Za-z0-9_:/-] alphabet):
 *     lt.<run>.<user>.<round>.<side><seq>[e<epoch>]   e.g. "lt.k3j9x2.3.17.b2"
 * run: 6 base-36 chars, new per process; user: index in the config; round:
 * round number within the run; side: 'b' or 's' (or 'f' for a flatten sell
 * during recovery/stop); seq: order number within the round (unique);
 * epoch: with a coordinator (coord.h), the account's lease epoch, so the
 * venue's own order history tells which owner sent each order (absent,
 * never "e0", without one).
 * Every order of ours starts with "lt.", which is how recovery finds them.
 */
#ifndef LOOPTRADER_CLIENTID_H
#define LOOPTRADER_CLIENTID_H

#include <stdint.h>

#define CLIENTID_MAX 37 /* 36 chars + NUL */
#define CLIENTID_PREFIX "lt."

struct clientid {
    char run[8];     /* 6 chars of [0-9a-z] + NUL */
    unsigned user;
    unsigned round;
    char side;       /* 'b', 's' or 'f' */
    unsigned seq;
    unsigned epoch;  /* 0 = none */
};

/* Makes a fresh run tag from entropy (time, pid). */
void clientid_new_run(char run[8], uint64_t entropy);

/* 0 or LT_ERANGE if it would not fit 36 chars. */
int clientid_format(const struct clientid *id, char out[CLIENTID_MAX]);

/* 0 or LT_EPARSE if s is not one of ours. */
int clientid_parse(const char *s, struct clientid *out);

/* 1 if s starts with our prefix. */
int clientid_is_ours(const char *s);

#endif
