/*
 * trades.h - the --trades record: a CSV row per filled order, appended.
 *
 *   time,account,symbol,side,order_id,client_id,price,qty,quote,fee,fee_asset,round,order_no,rung
 *
 * rung is the ladder rung the order was priced at (0 = at the touch;
 * empty when not known: an earlier run's order settled at start-up).  A
 * file begun by an older version has no rung column (TRADES_HEADER_V1):
 * its header decides, so rows appended to it keep its columns (and a log
 * line says so); name a new file to get the rung.  Readers go by the
 * header's column names, so either file reads the same.  A fee in a third
 * asset is written with that asset's name (BNB) as fee_asset.
 *
 * One row per order that filled (its trades summed; price is the average),
 * written once the order is final, so a row never changes afterwards.  The
 * order id is the key: at open the file's rows are read back and an order
 * already there is never written again, so a run restarted after a SIGKILL
 * (whose recovery settles and re-reads the earlier run's orders) adds only
 * what is missing.  A torn last line (a kill in mid-write) is cut at open.
 * Rows are fsync'ed each time a batch is written (at a round's end).
 * Orders settled at start-up from a query alone have no commission figures:
 * their fee is left empty.  Each row is one write(2) on an O_APPEND file.
 *
 * Thread-safe: workers record concurrently; t->lock guards the file and
 * the key set and is held only for the write of one batch.
 */
#ifndef LOOPTRADER_TRADES_H
#define LOOPTRADER_TRADES_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/ledger.h"
#include "looptrader/venue.h"

#define TRADES_HEADER_V1 \
    "time,account,symbol,side,order_id,client_id,price,qty,quote,fee,fee_asset,round,order_no\n"
#define TRADES_HEADER \
    "time,account,symbol,side,order_id,client_id,price,qty,quote,fee,fee_asset,round,order_no," \
    "rung\n"

struct trades;

/* Opens (creating, mode 0600) and reads back path.  LT_EIO when it cannot
 * be opened or read, LT_EPARSE when it is not a trades file. */
int trades_open(const char *path, struct trades **out, struct lt_err *err);
void trades_close(struct trades *t);

/* Rows for the ledger's final orders with a fill not yet recorded. */
void trades_ledger(struct trades *t, const char *account, const char *symbol,
                   const struct ledger *l);

/* A row for an order a query found final with a fill (fee unknown). */
void trades_order(struct trades *t, const char *account, const char *symbol,
                  const struct order_state *st);

/* Rows written since open (for tests and the log). */
size_t trades_written(const struct trades *t);

/* One CSV row (with '\n') into out; pure.  fee_asset NULL: fee unknown.
 * rung < 0: unknown (empty); with_rung 0: the older file's columns. */
int trades_format_row(char *out, size_t size, int64_t time_ms, const char *account,
                      const char *symbol, enum order_side side, int64_t order_id,
                      const char *client_id, money_t qty, money_t quote, money_t fee,
                      const char *fee_asset, int rung, int with_rung);

#endif
