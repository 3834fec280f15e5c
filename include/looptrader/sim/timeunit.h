/*
 * timeunit.h - Binance's timeUnit option: times in microseconds.
 *
 * A client that sends X-MBX-TIME-UNIT: MICROSECOND (REST), or connects a
 * WebSocket with timeUnit=MICROSECOND in its URL, gets every time field of
 * the answers (and events) in microseconds instead of milliseconds.  The
 * simulator renders milliseconds everywhere and converts the finished JSON
 * here, by field name, so no renderer needs to know the option exists.
 * Pure: no I/O.
 */
#ifndef LOOPTRADER_SIM_TIMEUNIT_H
#define LOOPTRADER_SIM_TIMEUNIT_H

#include "looptrader/strbuf.h"

enum time_unit { TIME_UNIT_MS, TIME_UNIT_US };

/* "MILLISECOND" / "MICROSECOND" in any case; NULL or "" is milliseconds.
 * 0, or -1 for any other text. */
int time_unit_parse(const char *s, enum time_unit *out);

/* Rewrites json (an answer the simulator rendered) with its time fields
 * (serverTime, time, updateTime, transactTime, workingTime, openTime,
 * closeTime, T, E, and the open and close times of kline arrays when
 * klines) multiplied by 1000.  0, or -1 when json is not JSON or memory
 * ran out (json then unchanged). */
int time_unit_micro(struct strbuf *json, int klines);

/* The same for one WebSocket message (a WS API response or a stream
 * event): klines as above, and also authorizedSince and connectedSince of
 * a session, and the times that only some events abbreviate:
 * executionReport O and W, outboundAccountPosition u, 24hrTicker O and C,
 * a kline's k.t (elsewhere those letters are ids or counts). */
int time_unit_micro_ws(struct strbuf *json);

#endif
