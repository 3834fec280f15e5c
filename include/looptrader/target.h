/*
 * target.h - the volume target: window, points, remaining amount.
 *
 * Volume programmes count points = floor(log2(buy volume * multiplier)), so a
 * points target converts to a quote volume of 2^points / multiplier.  Only
 * filled buy volume inside the window counts.  Pure.
 */
#ifndef LOOPTRADER_TARGET_H
#define LOOPTRADER_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/money.h"

enum window_kind {
    WINDOW_UTC_DAY,  /* since 00:00 UTC today (default) */
    WINDOW_ROLLING,  /* the last window_ms milliseconds */
    WINDOW_ALL       /* all history */
};

struct window {
    enum window_kind kind;
    int64_t rolling_ms; /* WINDOW_ROLLING only */
};

/* "utc-day", "all", "rolling:24h" / "rolling:90m" / "rolling:3600s". */
int target_window_parse(const char *s, struct window *out, struct lt_err *err);

/* Start of the window (ms since epoch) at time now_ms; 0 for WINDOW_ALL. */
int64_t target_window_start(const struct window *w, int64_t now_ms);

/* 2^points / multiplier as quote volume. */
money_t target_from_points(int points, int multiplier);

/* floor(log2(volume * multiplier)), 0 when that product is below 1. */
int target_points(money_t volume, int multiplier);

/* target - done, never below 0. */
money_t target_remaining(money_t target, money_t done);

#endif
