/*
 * counting.h - a points venue's counted volume (venue.h's optional ops,
 * Alpha), read at start-up and re-read once the run is over.
 *
 * The venue's multiplier is the venue's, so target_points means counted
 * volume; its counted figure lags our fills, so start-up takes the larger
 * of the two, and the re-read only reports a shortfall (the next run tops
 * it up).  On a venue without those ops both calls do nothing.
 */
#ifndef LOOPTRADER_COUNTING_H
#define LOOPTRADER_COUNTING_H

#include "looptrader/error.h"
#include "looptrader/http.h"
#include "looptrader/money.h"
#include "looptrader/runctx.h"
#include "looptrader/symbol.h"

/* Start-up, for users[idx] (whose start-up is this caller's alone), on
 * the caller's HTTP handle h: the venue's multiplier replaces the
 * configured one (and the target from target_points follows), and
 * *before becomes the larger of our fills and the venue's counted figure
 * in real quote.  Writes only users[idx] and its configuration. */
int counting_check(struct run *r, unsigned idx, const struct symbol_rules *rules,
                   struct http *h, money_t *before, struct lt_err *err);

/* After the run, once exchange.counted_recheck_ms has passed (a nap that
 * ends at a stop): each account that bought is read again and the
 * venue's figure logged against the run's window total x the multiplier.
 * Changes nothing. */
void counting_recheck(struct run *r);

#endif
