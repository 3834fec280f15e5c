/*
 * alpha.h - the Binance Alpha web dialect served by the simulator.
 *
 * Alpha tokens trade through the endpoints Binance's web page uses
 * (/bapi/...), authenticated like a browser, with every answer wrapped in
 * {"code":"000000","message":null,"messageDetail":null,"data":...,
 * "success":true}.  This module serves that dialect on the same engine the
 * Spot dialect uses (struct sim_exchange), on the same listener: paths
 * under /bapi/ come here, everything else goes to rest.c.  What it adds to
 * the engine is Alpha's own: the token list with its mulPoint multipliers,
 * the counted volume of today (multiplied, and lagging by a configurable
 * delay as Binance's does), OTO pairs (a buy whose sell is placed when it
 * fills), and browser sessions that expire or demand a step-up
 * verification at configured times.  docs/venues.md sets it beside Spot
 * field by field.
 *
 * Configuration, in the simulator's file (an account is the simconf
 * account of that name; its session cookie and "csrftoken: ..." header are
 * the identity, and the other browser headers must be present):
 *
 *   alpha = {
 *     volume_lag_ms = 3000;
 *     tokens = ( { alpha_id = "ALPHA_971"; name = "KOGE"; mul_point = 4; } );
 *     sessions = ( { account = "frank"; expire_after_s = 20.0;
 *                    step_up_after_s = 0.0; } );
 *   };
 *
 * A token's engine symbol is alpha_id + "USDT" and must be in `symbols`.
 * Like the engine, everything here runs on the server's one service thread.
 */
#ifndef LOOPTRADER_SIM_ALPHA_H
#define LOOPTRADER_SIM_ALPHA_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/strbuf.h"
#include "looptrader/sim/exchange.h"
#include "looptrader/sim/listenkey.h"
#include "looptrader/sim/rest.h"
#include "looptrader/sim/server.h"

#define ALPHA_PATH_PREFIX "/bapi/"

/* Envelope codes (strings on the wire).  481020, 481013 and 100002001 are
 * Binance's as seen publicly; the others are the simulator's choice. */
#define ALPHA_OK "000000"
#define ALPHA_E_PARAM "000002"
#define ALPHA_E_BALANCE "481020"
#define ALPHA_E_MIN_NOTIONAL "481013"
#define ALPHA_E_NO_ORDER "481006"
#define ALPHA_E_REJECTED "481000"
#define ALPHA_E_LOGIN_EXPIRED "100002001"
#define ALPHA_E_STEP_UP "100001005"
#define ALPHA_E_TOO_MANY "100001429"

struct alpha_token {
    char alpha_id[24];  /* "ALPHA_971": the base asset */
    char name[32];      /* "KOGE": the ticker users know */
    int symbol;         /* engine symbol index of alpha_id + "USDT" */
    int mul_point;      /* 1, 2 or 4: how many times a buy counts */
};

struct alpha_session {
    int account;
    int64_t expire_ms;  /* absolute; 0 = never */
    int64_t step_up_ms; /* absolute; 0 = never */
};

enum alpha_oto_state { OTO_WAITING = 0, OTO_PLACED, OTO_CANCELED };

/* A buy and the sell it places once it has filled completely. */
struct alpha_oto {
    int account, symbol;
    int64_t list_id;     /* orderListId */
    int64_t working_id;  /* the buy */
    int64_t pending_id;  /* the sell, once placed; 0 before */
    money_t pending_price;
    char pending_client_id[SIM_CLIENT_ID_MAX + 1]; /* pendingClientOrderId, "" = generated */
    enum alpha_oto_state state;
};

struct alpha {
    struct sim_exchange *ex;  /* borrowed */
    struct rest *rest;        /* borrowed: the shared request-weight window */
    struct listenkeys *keys;  /* borrowed: pushes ride the Spot user stream */
    struct alpha_token *tokens;
    size_t n_tokens;
    struct alpha_session *sessions;
    size_t n_sessions;
    int64_t volume_lag_ms;
    struct alpha_oto *otos;
    size_t n_otos, cap_otos;
};

/* Reads the `alpha` group of the simulator's configuration file at path
 * (none: a dialect with no tokens).  Session times count from now_ms.
 * Errors read "FILE:LINE: alpha.FIELD: problem". */
int alpha_init(struct alpha *a, const char *path, struct sim_exchange *ex, struct rest *rest,
               struct listenkeys *keys, int64_t now_ms, struct lt_err *err);
/* Same from text in memory (name stands for the file in messages). */
int alpha_init_string(struct alpha *a, const char *text, const char *name,
                      struct sim_exchange *ex, struct rest *rest, struct listenkeys *keys,
                      int64_t now_ms, struct lt_err *err);
void alpha_free(struct alpha *a);

/* 1 when path belongs to this dialect. */
int alpha_path(const char *path);
/* server_handlers.http for paths under /bapi/ (arg: a struct alpha). */
void alpha_handle(void *arg, struct sim_req *q, struct sim_resp *resp);
/* Places the sell of every OTO whose buy has filled; cancels the pending
 * leg of one whose buy ended otherwise.  Called on each tick. */
void alpha_tick(struct alpha *a, int64_t now_ms);

/* ---- pure pieces (unit-tested) ---- */

/* Envelopes: ok wraps data (raw JSON, NULL = null). */
void alpha_render_ok(struct strbuf *sb, const char *data);
void alpha_render_error(struct strbuf *sb, const char *code, const char *msg);
/* The Alpha code and message for an engine (Binance Spot) error. */
void alpha_map_error(int binance_code, const char *binance_msg, const char **code,
                     const char **msg);
/* Counted volume of one buy: quote x mul_point (saturating). */
money_t alpha_counted(money_t quote, int mul_point);
/* 1 when a buy trade at trade_ms counts in the figure served at now_ms:
 * in today's UTC day and older than lag_ms. */
int alpha_trade_counts(int64_t trade_ms, int64_t now_ms, int64_t lag_ms);
/* The session check at now_ms: NULL when valid, else an ALPHA_E_* code
 * with *msg set. */
const char *alpha_session_state(const struct alpha_session *s, int64_t now_ms,
                                const char **msg);

#endif
