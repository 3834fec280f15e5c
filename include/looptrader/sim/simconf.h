/*
 * simconf.h - the simulator's configuration file (libconfig), parsed.
 *
 * One file describes the whole simulated venue: symbols with their filters
 * and market parameters, fees, the tick, accounts with their auth, balances
 * and pre-existing order history, and optional rate limits.  Parsing is
 * separate from the exchange so the file's errors can name file, line and
 * field before anything runs.  See etc/sim.conf for a documented example.
 */
#ifndef LOOPTRADER_SIM_SIMCONF_H
#define LOOPTRADER_SIM_SIMCONF_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/sign.h"
#include "looptrader/money.h"
#include "looptrader/symbol.h"

struct simconf_symbol {
    struct symbol_rules rules;  /* filters as served by exchangeInfo */
    money_t start_price;        /* rounded to the tick */
    double volatility;          /* std deviation of the relative move per tick */
    int spread_ticks;           /* best ask - best bid, in ticks (>= 1) */
    int level_gap_ticks;        /* distance between synthetic levels (>= 1) */
    int levels;                 /* synthetic levels per side */
    money_t level_qty;          /* base quantity per synthetic level */
    double trade_rate;          /* chance per tick of a public trade by others */
};

struct simconf_balance {
    char asset[16];
    money_t amount;             /* free at start, before history is applied */
};

/* A filled order that happened before the simulator started. */
struct simconf_history {
    int symbol;                 /* index into simconf.symbols */
    enum order_side side;
    money_t quote;              /* quote volume (price x qty) */
    money_t price;              /* 0 = the symbol's start price */
    int64_t ago_ms;             /* how long before start it filled */
    int today;                  /* clamp into the current UTC day */
    int line;                   /* for error messages */
};

struct simconf_account {
    char name[64];
    char api_key[128];          /* "" when the account uses session auth */
    char api_secret[128];       /* HMAC; "" when public_key is set */
    struct sign_key *public_key;  /* owned: Ed25519 or RSA from public_key_file, or NULL */
    char session_cookie[256];   /* "name=value", "" when none */
    char session_header[64];    /* header name, e.g. "X-Session-Token" */
    char session_token[256];    /* that header's value */
    struct simconf_balance *balances;
    size_t n_balances;
    struct simconf_history *history;
    size_t n_history;
};

/* 0 = not enforced. */
struct simconf_limits {
    int weight_per_minute;
    int orders_per_10s;
    int orders_per_day;
};

struct simconf {
    char *path;
    int tick_ms;                /* market step, default 100 */
    money_t maker_fee;          /* rate as a fraction, e.g. 0.001 */
    money_t taker_fee;
    char fee_asset[16];         /* "" = fees in the quote; else (e.g. "BNB")
                                 * charged in this asset, valued at the mid of
                                 * its ASSET+QUOTE symbol, when the account
                                 * holds enough of it (Binance's BNB discount
                                 * without the discount) */
    struct simconf_symbol *symbols;
    size_t n_symbols;
    struct simconf_account *accounts;
    size_t n_accounts;
    struct simconf_limits limits;
};

/* Parses the file at path into *out (which the caller frees with
 * simconf_free, also on error).  Errors read "FILE:LINE: FIELD: problem". */
int simconf_load(const char *path, struct simconf *out, struct lt_err *err);

/* Same from text in memory; name stands for the file in messages. */
int simconf_parse_string(const char *text, const char *name, struct simconf *out,
                         struct lt_err *err);

void simconf_free(struct simconf *c);

/* Index of the symbol named sym (case-insensitive), or -1. */
int simconf_symbol_index(const struct simconf *c, const char *sym);

#endif
