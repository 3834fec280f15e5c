/*
 * timeunit.h - Binance's timeUnit option: times in microseconds.
 *
 * A client that sends X-MBX-TIME-UNIT: MICROSECOND (REST) or opens its
 * WebSocket with ?timeUnit=MICROSECOND (the WebSocket API and the streams)
 * gets every time field in microseconds instead of milliseconds.  The
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

/* Rewrites json (an answer or event the simulator rendered) with its time
 * fields (serverTime, time, updateTime, transactTime, workingTime,
 * openTime, closeTime, authorizedSince, connectedSince, T, E; in events,
 * by their "e", executionReport's O and W, outboundAccountPosition's u, a
 * kline's t, a 24hr ticker's O and C; and the open and close times of
 * kline arrays when klines) multiplied by 1000.  0, or -1 when json is
 * not JSON or memory ran out (json then unchanged). */
int time_unit_micro(struct strbuf *json, int klines);

#endif
