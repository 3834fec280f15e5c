/*
 * oto.h - rounds as one OTO request (strategy.oto / exchange.oto): the
 * buy and the sell of what it buys in one request, where the venue offers
 * it (venue_ops.place_oto; the Alpha dialect).  The round itself is
 * src/run/oto.c, run by the strategy; this is the start-up check.
 */
#ifndef LOOPTRADER_OTO_H
#define LOOPTRADER_OTO_H

#include "looptrader/config.h"
#include "looptrader/error.h"
#include "looptrader/venue.h"

/* 0, or LT_ECONFIG naming the first enabled account with oto = true when
 * the venue's dialect offers no OTO orders. */
int oto_check(const struct run_config *cfg, const struct venue_ops *ops, struct lt_err *err);

#endif
