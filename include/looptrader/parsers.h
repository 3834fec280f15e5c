/*
 * parsers.h - private parsers of the venue and WebSocket layers, exposed
 * so that the fuzz harnesses of test/fuzz/ (and the replay test of
 * their findings) can reach them.
 *
 * Each is a thin entry into a static function of its module, which stays
 * the one implementation its module calls; nothing else should use these.
 * They take untrusted bytes, have no I/O and no threads.
 */
#ifndef LOOPTRADER_PARSERS_H
#define LOOPTRADER_PARSERS_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/strbuf.h"

/* POST /api/v3/userDataStream body -> listenKey, NUL-terminated in key[size]
 * (venue_binance.c).  0 or LT_EPARSE. */
int venue_binance_parse_listen_key(const char *buf, size_t len, char *key, size_t size,
                                   struct lt_err *err);

/* One received WebSocket fragment into the message reassembly buffer rx,
 * bounded by rx's strbuf limit (wsclient.c).  final: the message's last
 * fragment.  Returns 1 when rx holds a whole message (the caller consumes
 * it, then calls wsclient_rx_done), -1 when this fragment made the message
 * too large (it and the rest of it are dropped), 0 otherwise.  *dropping
 * is the state of the message being dropped, 0 at the start. */
int wsclient_rx_fragment(struct strbuf *rx, int *dropping, const void *in, size_t len,
                         int final);
/* The consumed message is gone; a huge buffer is not kept. */
void wsclient_rx_done(struct strbuf *rx);

#endif
