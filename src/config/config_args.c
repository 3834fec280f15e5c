/*
 * config_args.c - the command line: flags parsed strictly ("5x" is not a
 * number), both "--flag value" and "--flag=value", and the --help text.
 *
 * Flags are only parsed here; config.c applies them last, because a flag is
 * the operator's last word over the file and over every user's overrides.
 */
#include "config_internal.h"

#include "looptrader/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum opt_id {
    O_STRATEGY, O_CONFIG, O_USERS, O_WORKERS, O_STOP_TIMEOUT, O_REST_URL, O_WS_URL, O_CA_FILE, O_ONLY, O_REPORT, O_TRADES,
    O_LOG_FILE, O_LOG_LEVEL, O_STATE_DIR, O_LOCK_DIR, O_PID_FILE, O_INSECURE, O_DRY_RUN, O_VERSION, O_HELP,
    O_PROGRESS, O_QUIET, O_METRICS, O_DAILY, O_LOG_FORMAT
};

struct opt {
    const char *name;
    enum opt_id id;
    int takes_value;
};

static const struct opt opts[] = {
    { "--config", O_CONFIG, 1 },       { "--users", O_USERS, 1 },
    { "--workers", O_WORKERS, 1 },     { "--rest-url", O_REST_URL, 1 },
    { "--stop-timeout-ms", O_STOP_TIMEOUT, 1 },
    { "--ws-url", O_WS_URL, 1 },       { "--only", O_ONLY, 1 },
    { "--ca-file", O_CA_FILE, 1 },
    { "--report", O_REPORT, 1 },       { "--log-file", O_LOG_FILE, 1 },
    { "--trades", O_TRADES, 1 },       { "--progress-interval", O_PROGRESS, 1 },
    { "--quiet", O_QUIET, 0 },         { "--metrics-addr", O_METRICS, 1 },
    { "--daily", O_DAILY, 0 },
    { "--log-level", O_LOG_LEVEL, 1 }, { "--log-format", O_LOG_FORMAT, 1 },
    { "--state-dir", O_STATE_DIR, 1 },
    { "--lock-dir", O_LOCK_DIR, 1 },   { "--pid-file", O_PID_FILE, 1 },
    { "--allow-insecure-secrets", O_INSECURE, 0 },
    { "--dry-run", O_DRY_RUN, 0 },     { "--version", O_VERSION, 0 },
    { "--help", O_HELP, 0 },           { "-h", O_HELP, 0 },
    { NULL, O_HELP, 0 },
};

static const char usage[] =
    "usage: looptrader [--config FILE] [options]\n"
    "       looptrader stop [--state-dir DIR | --config FILE] USER... | --all\n"
    "       looptrader status [--state-dir DIR | --config FILE]\n"
    "       looptrader ctl [--state-dir DIR | --config FILE] status [--json] | stop USER... |\n"
    "           stop --all | resume USER | set USER target=AMOUNT\n"
    "       looptrader report FILE     (an earlier run's --report, as its table)\n"
    "       looptrader db init|migrate [--coordinator URL]\n"
    "\n"
    "Buys and sells a token round after round for every configured account until\n"
    "each account's filled buy volume in the window reaches its target.\n"
    "Flags override the configuration file and every user's strategy overrides.\n"
    "Both --flag VALUE and --flag=VALUE are accepted.\n"
    "\n"
    "Files:\n"
    "  --config FILE             libconfig file (see docs/configuration.md)\n"
    "  --users FILE              users file (users = ( ... );), instead of the\n"
    "                            config's users_file or inline users list\n"
    "  --allow-insecure-secrets  accept a users or secret file readable by group\n"
    "                            or others (otherwise refused: chmod 600 it)\n"
    "\n"
    "Strategy (global; a flag also beats per-user overrides):\n"
    "  --symbol SYMBOL           trading pair, e.g. ALPHAUSDT\n"
    "  --buy-amount QUOTE        quote amount bought per round\n"
    "  --target QUOTE            filled buy volume to reach in the window\n"
    "  --target-points N         instead of --target: 2^N / multiplier (1..62)\n"
    "  --volume-multiplier M     the token's volume multiplier (1..1024, default 1)\n"
    "  --max-cost QUOTE          stop a user whose fees + price loss would exceed\n"
    "                            this per window (default 0 = unlimited)\n"
    "  --slippage F              slippage of the first rung (0..0.5, default 0.001)\n"
    "  --slippage-step F         added per rung (0..0.5, default 0.002)\n"
    "  --max-tries N             rungs per buy step (1..100, default 5)\n"
    "  --fill-timeout-ms MS      wait for a fill per rung (10..600000, default 2000)\n"
    "  --tif GTC|IOC             time in force of every order (default GTC)\n"
    "  --window W                utc-day (default), all, or rolling:<N><d|h|m|s>\n"
    "  --oto true|false          a round as one OTO request, the buy and its sell\n"
    "                            (binance-alpha only; default exchange.oto, else false)\n"
    "\n"
    "Run:\n"
    "  --workers N               worker threads (1..1024, default 4)\n"
    "  --stop-timeout-ms N       after a stop, time to cancel and sell a round's inventory\n"
    "                            (100..600000, default 10000); what is left is reported\n"
    "  --rest-url URL            exchange REST base (default http://127.0.0.1:8080)\n"
    "  --ws-url URL              exchange WebSocket base (default ws://127.0.0.1:8080)\n"
    "  --ca-file FILE            trust the CAs of this PEM bundle for https:// and\n"
    "                            wss:// instead of the system's\n"
    "  --only USER[,USER]        run only these users (repeatable)\n"
    "  --state-dir DIR           journal directory (default state); one trader\n"
    "                            per state dir (the lock file DIR/looptrader.lock)\n"
    "  --lock-dir DIR            host-wide account locks: one trader per account\n"
    "                            (default $XDG_RUNTIME_DIR/looptrader-locks, else\n"
    "                            /tmp/looptrader-locks-<uid>)\n"
    "  --pid-file FILE           write the process id to FILE (removed at exit)\n"
    "  --coordinator URL         share the accounts with other processes through\n"
    "                            PostgreSQL (libpq URL; \"\" = PG* environment);\n"
    "                            --ip-group G, --lease-ms N (docs/scale-out.md)\n"
    "  --dry-run                 print the plan, place nothing\n"
    "\n"
    "Output:\n"
    "  --report FILE             write the JSON report to FILE\n"
    "  --trades FILE             append a CSV row per filled order to FILE\n"
    "  --progress-interval S     not on a terminal: a progress line per running\n"
    "                            account every S seconds (0 = none; default 30)\n"
    "  --quiet                   no live table on a terminal, no progress lines\n"
    "  --daily                   keep running: when the UTC day rolls over, every\n"
    "                            account's target applies afresh (SIGTERM ends it)\n"
    "  --metrics-addr HOST:PORT  serve Prometheus /metrics and /health there\n"
    "                            (loopback only, e.g. 127.0.0.1:9464; port 0: a free\n"
    "                            one, named in the log)\n"
    "  --log-file FILE           append the log to FILE (stderr: warnings, errors)\n"
    "  --log-level LEVEL         debug, info (default), warn, error or off\n"
    "  --log-format FORMAT       text (default) or json: one object a line for log shippers\n"
    "  --version                 print the version and exit\n"
    "  --help, -h                print this help and exit\n"
    "\n"
    "Stopping: SIGINT/SIGTERM stop every user gracefully (twice: at once);\n"
    "SIGHUP reopens the log file. 'looptrader stop USER' writes DIR/stop-USER\n"
    "and signals the trader holding DIR's lock; the file keeps that user\n"
    "stopped at later starts too, until it is deleted. 'stop --all' sends SIGTERM.\n"
    "\n"
    "Exit status: 0 every user reached its target or was skipped, 1 a failure\n"
    "(or a dry run with an account that cannot run), 2 a usage or configuration\n"
    "error or a state dir in use (nothing sent), 3 stopped early.\n";

const char *config_usage(void)
{
    return usage;
}

static int fail(struct lt_err *err, const char *flag, const char *why)
{
    return conf_fail(err, NULL, 0, flag, "%s", why);
}

/* A whole decimal integer: optional sign, digits, nothing else. */
static int parse_int(const char *s, long long *out)
{
    char *end;
    if (!*s || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int strategy_flag(struct conf_flags *f, const struct conf_field *fld, const char *v,
                         struct lt_err *err)
{
    struct conf_value val = { .text = v };
    char why[200];
    if (fld->kind == CK_MONEY && money_parse(v, &val.money) != 0)
        return fail(err, fld->flag, "must be a decimal number, e.g. 0.002");
    if (fld->kind == CK_INT && parse_int(v, &val.num) != 0)
        return fail(err, fld->flag, "must be an integer");
    if (fld->kind == CK_BOOL) {
        if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
            return fail(err, fld->flag, "must be true or false");
        val.num = v[0] == 't';
    }
    if (conf_strategy_set(&f->sc, fld, &val, why, sizeof why) != 0)
        return fail(err, fld->flag, why);
    return 0;
}

/* --only values, collected as slices of argv until the block is built. */
struct only_list {
    const char **names;
    size_t *lens;
    size_t n, bytes;
};

static int only_add(struct only_list *o, const char *v, struct lt_err *err)
{
    for (const char *p = v;; p++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0)
            return fail(err, "--only", "must be USER[,USER...] without empty names");
        const char **nn = realloc(o->names, (o->n + 1) * sizeof *nn);
        if (nn)
            o->names = nn;
        size_t *nl = nn ? realloc(o->lens, (o->n + 1) * sizeof *nl) : NULL;
        if (!nl)
            return lt_err_set(err, LT_ENOMEM, "out of memory");
        o->lens = nl;
        o->names[o->n] = p;
        o->lens[o->n++] = len;
        o->bytes += len + 1;
        if (!end)
            return 0;
        p = end;
    }
}

/* One block: n+1 pointers, then the names, so one free releases it. */
static char **only_block(const struct only_list *o)
{
    char **b = malloc((o->n + 1) * sizeof(char *) + o->bytes);
    if (!b)
        return NULL;
    char *s = (char *)(b + o->n + 1);
    for (size_t i = 0; i < o->n; i++) {
        memcpy(s, o->names[i], o->lens[i]);
        s[o->lens[i]] = '\0';
        b[i] = s;
        s += o->lens[i] + 1;
    }
    b[o->n] = NULL;
    return b;
}

static int apply(struct conf_flags *f, const struct opt *o, const char *v,
                 struct only_list *only, struct lt_err *err)
{
    long long n;
    const char **slot = NULL;

    switch (o->id) {
    case O_CONFIG: slot = &f->config_path; break;
    case O_USERS: slot = &f->users_path; break;
    case O_REST_URL: slot = &f->rest_url; break;
    case O_WS_URL: slot = &f->ws_url; break;
    case O_CA_FILE: slot = &f->ca_file; break;
    case O_REPORT: slot = &f->report; break;
    case O_TRADES: slot = &f->trades; break;
    case O_METRICS: slot = &f->metrics_addr; break;
    case O_LOG_FILE: slot = &f->log_file; break;
    case O_STATE_DIR: slot = &f->state_dir; break;
    case O_LOCK_DIR: slot = &f->lock_dir; break;
    case O_PID_FILE: slot = &f->pid_file; break;
    case O_WORKERS:
        if (parse_int(v, &n) != 0 || n < 1 || n > 1024)
            return fail(err, o->name, "must be an integer between 1 and 1024");
        f->workers = (int)n;
        return 0;
    case O_STOP_TIMEOUT:
        if (parse_int(v, &n) != 0 || n < 100 || n > 600000)
            return fail(err, o->name, "must be an integer between 100 and 600000");
        f->stop_timeout_ms = (int)n;
        return 0;
    case O_LOG_LEVEL:
        if ((f->log_level = log_level_parse(v)) < 0)
            return fail(err, o->name, "must be debug, info, warn, error or off");
        return 0;
    case O_LOG_FORMAT:
        if ((f->log_format = log_format_parse(v)) < 0)
            return fail(err, o->name, "must be text or json");
        return 0;
    case O_ONLY: return only_add(only, v, err);
    case O_INSECURE: f->allow_insecure_secrets = 1; return 0;
    case O_DRY_RUN: f->dry_run = 1; return 0;
    case O_QUIET: f->quiet = 1; return 0;
    case O_DAILY: f->daily = 1; return 0;
    case O_PROGRESS:
        if (parse_int(v, &n) != 0 || n < 0 || n > 86400)
            return fail(err, o->name, "must be an integer between 0 and 86400 (seconds)");
        f->progress_interval_s = (int)n;
        return 0;
    case O_VERSION: f->version = 1; return 0;
    case O_HELP: f->help = 1; return 0;
    case O_STRATEGY: break;
    }
    if (!slot || !*v)
        return fail(err, o->name, "must not be empty");
    *slot = v;
    return 0;
}

static int parse(int argc, char **argv, struct conf_flags *f, struct only_list *only,
                 struct lt_err *err)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        size_t len = eq && strncmp(arg, "--", 2) == 0 ? (size_t)(eq - arg) : strlen(arg);
        const struct opt *o = opts;
        const struct conf_field *fld = conf_strategy_fields;
        while (o->name && (strlen(o->name) != len || strncmp(o->name, arg, len) != 0))
            o++;
        while (fld->key && (strlen(fld->flag) != len || strncmp(fld->flag, arg, len) != 0))
            fld++;
        if (!o->name && !fld->key) {
            if (arg[0] == '-')
                return conf_fail(err, NULL, 0, NULL, "unknown option %.*s", (int)len, arg);
            return conf_fail(err, NULL, 0, NULL, "unexpected argument \"%.64s\"", arg);
        }
        const char *name = o->name ? o->name : fld->flag;
        int takes = o->name ? o->takes_value : 1;
        const char *v = NULL;
        if (len < strlen(arg)) {
            if (!takes)
                return fail(err, name, "takes no value");
            v = arg + len + 1;
        } else if (takes) {
            if (i + 1 >= argc)
                return fail(err, name, "needs a value");
            v = argv[++i];
        }
        int rc = o->name ? apply(f, o, v, only, err) : strategy_flag(f, fld, v, err);
        if (rc)
            return rc;
    }
    return 0;
}

int conf_args_parse(int argc, char **argv, struct conf_flags *f, struct lt_err *err)
{
    struct only_list only = { 0 };

    memset(f, 0, sizeof *f);
    f->log_level = -1;
    f->log_format = -1;
    f->progress_interval_s = -1;
    int rc = parse(argc, argv, f, &only, err);
    if (!rc && only.n && !(f->only = only_block(&only)))
        rc = lt_err_set(err, LT_ENOMEM, "out of memory");
    free(only.names);
    free(only.lens);
    return rc;
}
