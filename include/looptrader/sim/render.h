/*
 * render.h - the simulator's JSON, spelled the way Binance spells it.
 *
 * REST responses, WebSocket API results and pushed events share the same
 * objects (an order, a fill, an executionReport), so they are written in
 * one place.  Numbers that are amounts are strings with 8 decimals
 * ("1.25000000"); ids and times are JSON integers.  Output goes straight
 * into a strbuf: no intermediate JSON tree on the hot path.
 */
#ifndef LOOPTRADER_SIM_RENDER_H
#define LOOPTRADER_SIM_RENDER_H

#include "looptrader/sim/exchange.h"
#include "looptrader/strbuf.h"

/* A JSON string literal with escapes. */
void render_str(struct strbuf *sb, const char *s);
/* A JSON integer (ids, times), as printf's %lld writes it. */
void render_int(struct strbuf *sb, long long v);
/* A key after the object's first field: ,"key": */
void render_key(struct strbuf *sb, const char *key);
/* "1.25000000" */
void render_money(struct strbuf *sb, money_t v);
/* A field after the object's first: ,"key":"1.25000000" and ,"key":"text" */
void render_money_field(struct strbuf *sb, const char *key, money_t v);
void render_str_field(struct strbuf *sb, const char *key, const char *v);
/* ,"key":123 */
void render_int_field(struct strbuf *sb, const char *key, long long v);
/* A book level ["price","qty"], and an array of n of them (depth answers
 * and the partial-depth and diff-depth streams). */
void render_level(struct strbuf *sb, money_t price, money_t qty);
void render_levels(struct strbuf *sb, const struct sim_level *l, size_t n);
/* {"code":c,"msg":"..."} */
void render_error(struct strbuf *sb, int code, const char *msg);

/* An order as GET /api/v3/order shows it. */
void render_order(struct strbuf *sb, const struct sim_order *o);
/* POST /api/v3/order answer for the response type. */
void render_place(struct strbuf *sb, const struct sim_place_result *r,
                  enum sim_resp_type type);
/* DELETE /api/v3/order answer (o: the canceled order). */
void render_cancel(struct strbuf *sb, const struct sim_order *o, const char *cancel_client_id,
                   int64_t transact_ms);

/* Events (objects, unwrapped). */
void render_exec_report(struct strbuf *sb, const struct sim_exec_report *r);
void render_account_position(struct strbuf *sb, int64_t event_ms, const struct sim_balance *b,
                             size_t n);

/* exchangeInfo's symbol entry and the rateLimits array. */
void render_symbol_info(struct strbuf *sb, const struct symbol_rules *r);
void render_rate_limits(struct strbuf *sb, const struct simconf_limits *l);

#endif
