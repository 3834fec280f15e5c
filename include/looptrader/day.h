/*
 * day.h - --daily: the turn from one UTC day to the next once every
 * account ended its day (phases 2 to 4 then run again).
 *
 * Main thread only, with the executor joined: it frees the day's
 * executor and WebSocket client and resets every user's slot, while the
 * account locks stay held.  The wait for the next day is a nap of 200 ms
 * at a time that ends at a stop.
 */
#ifndef LOOPTRADER_DAY_H
#define LOOPTRADER_DAY_H

#include "looptrader/runctx.h"

/* Once every account ended its day: the day's table printed, then a wait
 * (ended by a stop) for the next UTC day by the venue's clock, then every
 * user set back to the start of phase 2.  1 when a stop ended the wait
 * (the run ends with the finished day's report). */
int day_next(struct run *r);

#endif
