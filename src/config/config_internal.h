/*
 * config_internal.h - what the three parts of the configuration loader
 * share: config.c (file, merge, validation), config_users.c (users and their
 * secrets), config_args.c (command line and --help).  Not a public header:
 * nothing outside src/config*.c includes it.
 */
#ifndef LOOPTRADER_CONFIG_INTERNAL_H
#define LOOPTRADER_CONFIG_INTERNAL_H

#include <libconfig.h>

#include "looptrader/config.h"

/* The command line, before it is applied.  Strings point into argv. */
struct conf_flags {
    struct strategy_config sc;  /* strategy flags, with their SC_* bits */
    const char *config_path, *users_path, *rest_url, *ws_url, *ca_file;
    const char *report, *trades, *metrics_addr, *log_file, *state_dir, *lock_dir, *pid_file;
    int log_level;              /* -1 = not given */
    int log_format;             /* -1 = not given */
    int workers;                /* 0 = not given */
    int stop_timeout_ms;        /* 0 = not given */
    int progress_interval_s;    /* -1 = not given */
    int quiet, daily;
    int allow_insecure_secrets, dry_run, help, version;
    char **only;                /* one malloc'd block: NULL-terminated pointers, then the names */
};

/* 0 or LT_ECONFIG ("--max-tries: must be an integer between 1 and 100"). */
int conf_args_parse(int argc, char **argv, struct conf_flags *f, struct lt_err *err);

/* One field of a strategy block: its key in a file and its flag. */
enum conf_kind { CK_TEXT, CK_MONEY, CK_INT, CK_BOOL };
struct conf_field {
    const char *key;    /* "slippage_step" */
    const char *flag;   /* "--slippage-step" */
    unsigned bit;       /* SC_SLIPPAGE_STEP */
    enum conf_kind kind;
};

/* The strategy fields, terminated by a {NULL} entry. */
extern const struct conf_field conf_strategy_fields[];

/* A value in the field's kind (only the member of that kind is read). */
struct conf_value {
    const char *text;
    money_t money;
    long long num;
};

/* Validates v for f and stores it in sc (setting f->bit).  0, or LT_ECONFIG
 * with why[] saying what is wrong ("must be between 0 and 0.5"). */
int conf_strategy_set(struct strategy_config *sc, const struct conf_field *f,
                      const struct conf_value *v, char *why, size_t why_size);

/* Parses a strategy block; errors and warnings say "<file>:<line>: <prefix>.<key>". */
int conf_strategy_parse(const config_setting_t *grp, const char *file, const char *prefix,
                        struct strategy_config *out, struct lt_err *err);

/* Derives target from target_points and checks that the fields a user needs
 * are there.  need_all = 0 checks the symbol only (the run's global view). */
int conf_strategy_finish(struct strategy_config *sc, int need_all, const char *file,
                         int line, const char *prefix, struct lt_err *err);

/* Fills err with "<file>:<line>: <field>: <message>" (parts left out when
 * unknown) and returns LT_ECONFIG. */
int conf_fail(struct lt_err *err, const char *file, int line, const char *field,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* conf_fail at a setting's own file and line. */
int conf_fail_at(struct lt_err *err, const config_setting_t *s, const char *file,
                 const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The known key nearest to key (a near miss: a typo), or NULL. */
const char *conf_suggest(const char *key, const char *const *known);

/* An unknown setting is an error, not a silent default: "<file>:<line>:
 * field: unknown setting (did you mean "x"?)".  known is NULL-terminated. */
int conf_unknown(struct lt_err *err, const config_setting_t *s, const char *file,
                 const char *field, const char *const *known);

/* Reads a setting written as an int or a float. */
int conf_read_int(const config_setting_t *s, const char *file, const char *field,
                  long long min, long long max, long long *out, struct lt_err *err);
int conf_read_str(const config_setting_t *s, const char *file, const char *field,
                  const char **out, struct lt_err *err);
/* true or false, as 1 or 0. */
int conf_read_bool(const config_setting_t *s, const char *file, const char *field,
                   long long *out, struct lt_err *err);

/* config_init + config_read_file with syntax errors as "<file>:<line>:
 * <message>".  The caller calls config_destroy(cf) whatever the result. */
int conf_file_read(config_t *cf, const char *path, struct lt_err *err);

/* rel resolved against the directory of the file `of` (malloc'd; NULL on
 * ENOMEM).  Absolute paths, and any path when `of` is NULL, are copied. */
char *conf_path_near(const char *of, const char *rel);

/* Refuses a secrets file readable by group or others unless allowed. */
int conf_check_private(const char *path, int allow_insecure, struct lt_err *err);

/* What the users loader needs from the rest of the configuration. */
struct conf_users_ctx {
    const struct strategy_config *base;   /* defaults + the file's global block */
    const struct strategy_config *flags;  /* command-line strategy flags */
    int allow_insecure_secrets;
};

/* Appends the users of a libconfig list (inline in a config file) to rc. */
int conf_users_parse(struct run_config *rc, const config_setting_t *list, const char *file,
                     const struct conf_users_ctx *ctx, struct lt_err *err);

/* Reads a users file ("users = ( ... );") and appends its users to rc. */
int conf_users_load(struct run_config *rc, const char *path,
                    const struct conf_users_ctx *ctx, struct lt_err *err);

#endif
