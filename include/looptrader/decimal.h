/*
 * decimal.h - integers as decimal text, by hand.
 *
 * Why: integers are written several times an order (the request's id and
 * timestamp, client ids, journal lines, amounts), and printf's machinery
 * (parsing the format, setting up a FILE on the stack for each call) cost
 * more than the rest of those strings, in instructions and, with hundreds
 * of workers, in cache lines of cold stacks.  Pure: no I/O, no allocation.
 */
#ifndef LOOPTRADER_DECIMAL_H
#define LOOPTRADER_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define DECIMAL_MAX 21 /* "-9223372036854775808" or 20 digits, and the NUL */

/* u's digits, most significant first, into out, NUL-terminated: their count. */
size_t decimal_u64(uint64_t u, char out[DECIMAL_MAX]);

/* v the same way, with a '-' when it is negative: the count with it. */
size_t decimal_i64(int64_t v, char out[DECIMAL_MAX]);

#endif
