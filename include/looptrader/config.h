/*
 * config.h - the run configuration: flags + libconfig file, merged.
 *
 * Precedence, field by field: command-line flag > user's strategy block >
 * the file's global strategy block > built-in default.  The result is
 * immutable once config_load returns.  Errors name the file, line and field
 * ("etc/demo.conf:12: strategy.slippage: must be >= 0").  Pure apart from
 * reading the config, users and secret files and the environment.
 */
#ifndef LOOPTRADER_CONFIG_H
#define LOOPTRADER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/target.h"
#include "looptrader/venue.h"

/* Bits of strategy_config.set: which fields were given at this level. */
enum {
    SC_SYMBOL = 1 << 0, SC_BUY_AMOUNT = 1 << 1, SC_TARGET = 1 << 2,
    SC_TARGET_POINTS = 1 << 3, SC_MULTIPLIER = 1 << 4, SC_MAX_COST = 1 << 5,
    SC_SLIPPAGE = 1 << 6, SC_SLIPPAGE_STEP = 1 << 7, SC_MAX_TRIES = 1 << 8,
    SC_FILL_TIMEOUT = 1 << 9, SC_TIF = 1 << 10, SC_WINDOW = 1 << 11, SC_OTO = 1 << 12
};

struct strategy_config {
    unsigned set;              /* SC_* bits given at this level */
    char symbol[32];
    money_t buy_amount;        /* quote per round */
    money_t target;            /* quote volume (derived from points if given) */
    int target_points;         /* 0 = not used */
    int volume_multiplier;     /* default 1 */
    money_t max_cost;          /* quote; 0 = unlimited */
    money_t slippage;          /* fraction, default 0.001 */
    money_t slippage_step;     /* fraction, default 0.002 */
    int max_tries;             /* default 5 */
    int fill_timeout_ms;       /* default 2000 */
    enum time_in_force tif;    /* default GTC */
    struct window window;      /* default utc-day */
    int oto;                   /* rounds as one OTO request (buy + its sell)
                                  where the venue offers it; default
                                  exchange.oto, else 0 */
};

struct user_config {
    char *name;
    char *api_key;             /* may be NULL (cookie/header auth) */
    char *api_secret;          /* HMAC: resolved from api_secret / _file / _env */
    enum sign_key_type key_type;   /* key_type, default hmac */
    struct sign_key *key;      /* owned; ed25519/rsa: from private_key_file */
    char **headers;            /* "Name: value" */
    size_t n_headers;
    char *cookies;
    int enabled;
    struct strategy_config strategy;  /* merged: the effective config */
    struct venue_auth auth;           /* views into the fields above */
};

struct run_config {
    char *config_path;         /* NULL when no file */
    char *users_path;          /* users_file, if any */
    struct venue_config exchange;
    char *rest_url, *ws_url;   /* storage behind exchange.* */
    char *ca_file;             /* exchange.ca_file / --ca-file, checked readable; NULL = the
                                  system's trust store */
    int legacy_listen_key;     /* exchange.user_stream = "listenkey" */
    int ws_logon;              /* exchange.user_stream = "ws-api-logon": an Ed25519 user
                                  logs on its own WS API connection */
    int order_transport_set;   /* exchange.order_transport given; if not, exchange.order_ws_api
                                  is 1 wherever it can work (dialect binance, a WS API stream) */
    int users_per_connection;  /* exchange.users_per_connection, default 100 */
    int oto;                   /* exchange.oto: the accounts' default for
                                  strategy.oto (default false) */
    int ws_requests_per_second; /* exchange.ws_requests_per_second, default 200 */
    long counted_recheck_ms;   /* exchange.counted_recheck_ms: after the run, wait this
                                  long and re-read a points venue's counted volume; 0 = no */
    int workers;               /* default 4 */
    int stop_timeout_ms;       /* bound on flattening after a stop; default 10000 */
    char *report_path;
    char *trades_path;         /* --trades: CSV of filled orders; NULL = none */
    char *metrics_addr;        /* --metrics-addr; NULL = none */
    char *log_file;
    int log_level;             /* enum log_level */
    int log_format;            /* enum log_format */
    int dry_run;
    int quiet;                 /* --quiet: no live table, no progress lines */
    int daily;                 /* --daily: a new run of every account each UTC day */
    int progress_interval_s;   /* --progress-interval, default 30; 0 = none */
    char *state_dir;           /* journal directory; default "state" */
    char *lock_dir;            /* host-wide account locks; NULL = lock_dir_default() */
    char *pid_file;            /* --pid-file; NULL = none */
    int allow_insecure_secrets;
    char **only;               /* --only names, NULL-terminated, or NULL */
    struct strategy_config global;  /* file + flags, before per-user merge */
    struct user_config *users;
    size_t n_users;
    int show_help, show_version;
};

/* Parses argv and the files it names, merges and validates.  Returns 0,
 * LT_ECONFIG (err names file:line: field) or LT_ENOMEM. */
int config_load(int argc, char **argv, struct run_config *out, struct lt_err *err);
void config_free(struct run_config *c);

/* Field-by-field merge: fields set in over replace those of base. */
void config_strategy_merge(struct strategy_config *dst, const struct strategy_config *base,
                           const struct strategy_config *over);

/* A user name fit for file names (journal, stop files) and logs: 1 to 64
 * of [A-Za-z0-9._-], not starting with '.' or '-'. */
int config_valid_name(const char *s);

/* The state_dir a configuration file names (default "state"), for the
 * commands that find a running trader through it (malloc'd into *out). */
int config_file_state_dir(const char *path, char **out, struct lt_err *err);

/* The --help text. */
const char *config_usage(void);

#endif
