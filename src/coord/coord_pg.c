/*
 * coord_pg.c - the coordinator on PostgreSQL (libpq): schema, leases,
 * the fenced order journal, the renewal thread.
 *
 * Every time that decides ownership is the server's now(); this process
 * only measures, on its monotonic clock, how long ago a renewal was sent,
 * and stops trusting a lease a margin before the server could end it.
 * Two connections: `ctl` for main and the renewal thread, `fence` for the
 * workers' intent writes, each with its own mutex held only around that
 * connection's statement (a libpq connection runs one statement at a
 * time), so a worker waits at most one renewal-free fence behind another.
 */
#include "looptrader/coord.h"
#include "looptrader/clock.h"
#include "looptrader/journal.h"
#include "looptrader/log.h"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One account as this process sees it.  epoch and the times are written
 * by the thread that claims or renews (main before coord_start, then the
 * renewal thread) and read by workers: atomics. */
struct coord_slot {
    char *account;                 /* owned; set by coord_register */
    _Atomic int64_t epoch;         /* ours; 0 = not ours; -1 = lost for good */
    _Atomic int64_t trust_until;   /* monotonic ms: renewed lease minus margin */
    _Atomic int64_t start_after;   /* monotonic ms: the fence wait's end */
    atomic_int stop;               /* desired = stop */
    atomic_int ended;              /* its user ended here: never claimed again */
    atomic_int done_elsewhere;     /* another process reached its target */
    atomic_int handover;           /* rebalancing: give it up at its round's end */
    atomic_int extra;              /* claimed back beyond the share, an orphan */
    _Atomic int64_t handed_at;     /* monotonic ms of our last handover; 0 none */
};

struct coord {
    struct coord_config cfg;
    char owner[COORD_OWNER_MAX];
    PGconn *ctl;                   /* main + renewal thread; under ctl_lock */
    PGconn *fence;                 /* workers; under fence_lock */
    pthread_mutex_t ctl_lock, fence_lock;
    struct coord_slot *slots;      /* n_slots; set before coord_start */
    size_t n_slots;
    pthread_t thread;
    int started;
    atomic_int quit;
    atomic_int claiming;           /* 0 until the first claim is due */
    int registered;                /* our lt_process row exists (main only) */
    int draining;                  /* rebalancing's hysteresis (renewal thread) */
    _Atomic int64_t day;           /* the trading day's start, venue clock, ms
                                    * (coord_day); done marks of earlier days
                                    * do not count */
};

static PGresult *fence_exec(struct coord *c, size_t slot, const char *sql, int n,
                            const char *const *p);

/* The schema, one step per version: step i takes version i to i + 1
 * (version 0 is the version table alone, which migrate() creates). */
static const char *const migrations[] = {
    "CREATE TABLE lt_process ("
    "  id text PRIMARY KEY, ip_group text NOT NULL,"
    "  started timestamptz NOT NULL DEFAULT now(), seen timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE lt_account_lease ("
    "  account text PRIMARY KEY, ip_group text NOT NULL, owner text,"
    "  epoch bigint NOT NULL DEFAULT 0, lease_end timestamptz,"
    "  desired text NOT NULL DEFAULT 'run' CHECK (desired IN ('run', 'stop')),"
    "  done boolean NOT NULL DEFAULT false);"
    "CREATE INDEX lt_account_lease_group ON lt_account_lease (ip_group, lease_end);"
    "CREATE TABLE lt_account_state ("
    "  account text PRIMARY KEY REFERENCES lt_account_lease, epoch bigint NOT NULL,"
    "  window_start bigint, bought text, inventory text, last_round integer,"
    "  updated timestamptz NOT NULL DEFAULT now());"
    /* the file journal's lines, per account across owners: intents (one
     * per order, before it is sent) and settled marks (everything before
     * is final; residual = the base all of it left) */
    "CREATE TABLE lt_order_journal ("
    "  seq bigserial PRIMARY KEY, account text NOT NULL REFERENCES lt_account_lease,"
    "  epoch bigint NOT NULL, kind text NOT NULL CHECK (kind IN ('intent', 'settled')),"
    "  run text NOT NULL, round integer NOT NULL, client_id text UNIQUE, side char(1),"
    "  price text, qty text, residual text, at timestamptz NOT NULL DEFAULT now());"
    "CREATE INDEX lt_order_journal_account ON lt_order_journal (account, kind, seq);",
    /* 2: the target beside the state (ctl status shows bought/target);
     * done is per trading day (--daily trades finished accounts again) */
    "ALTER TABLE lt_account_state ADD COLUMN target text;"
    "ALTER TABLE lt_account_lease ADD COLUMN done_day bigint NOT NULL DEFAULT 0;",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))
_Static_assert(sizeof migrations / sizeof migrations[0] == COORD_SCHEMA_VERSION,
               "COORD_SCHEMA_VERSION is the number of migration steps");

/* The password (and the client key's sslpassword) wherever libpq reads
 * one in url (user:pw@, ?password=, a repeated or percent-encoded key,
 * keyword=value) goes to the redactor, so no error text or log line
 * carries it, whatever coord_url_redact's reading of the URL misses.
 * 0 or LT_ENOMEM. */
static int password_register(const char *url)
{
    PQconninfoOption *opts = PQconninfoParse(url, NULL);
    int rc = 0;
    for (PQconninfoOption *o = opts; o && o->keyword && !rc; o++)
        if ((strcmp(o->keyword, "password") == 0 || strcmp(o->keyword, "sslpassword") == 0) &&
            o->val && o->val[0])
            rc = log_secret_add_sent(o->val);
    PQconninfoFree(opts);
    return rc;
}

static int connect_db(const char *url, PGconn **out, struct lt_err *err)
{
    if (url && url[0] && password_register(url) != 0)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    const char *keys[] = { "dbname", "connect_timeout", "application_name", NULL };
    const char *vals[] = { url && url[0] ? url : NULL, "5", "looptrader", NULL };
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        char shown[256];
        char msg[512];
        coord_url_redact(url && url[0] ? url : "(libpq environment)", shown, sizeof shown);
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        msg[strcspn(msg, "\n")] = '\0';
        PQfinish(c);
        return lt_err_set(err, LT_EIO, "coordinator %s unreachable: %s", shown, msg);
    }
    *out = c;
    return 0;
}

/* The schema's version: 0 and *v, LT_ENOTFOUND when there is none. */
static int schema_version(PGconn *c, int *v, struct lt_err *err)
{
    PGresult *r = PQexec(c, "SELECT to_regclass('lt_schema') IS NOT NULL");
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = lt_err_set(err, LT_EIO, "coordinator: %s", PQerrorMessage(c));
    } else if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
        rc = LT_ENOTFOUND;
    } else {
        PQclear(r);
        r = PQexec(c, "SELECT max(version) FROM lt_schema");
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQgetisnull(r, 0, 0))
            rc = lt_err_set(err, LT_EIO, "coordinator: cannot read the schema version");
        else
            *v = atoi(PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    return rc;
}

/* Applies steps from..N_MIGRATIONS-1 in one transaction. */
static int migrate(PGconn *c, int from, struct lt_err *err)
{
    /* concurrent `db init` runs (every replica's init container) take
     * turns; the loser finds the tables there and fails cleanly */
    PGresult *r = PQexec(c, "BEGIN; SELECT pg_advisory_xact_lock(7474747)");
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    if (ok && from == 0) {
        r = PQexec(c, "CREATE TABLE IF NOT EXISTS lt_schema (version integer NOT NULL);"
                      "INSERT INTO lt_schema SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM lt_schema)");
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
    }
    for (int i = from; ok && i < N_MIGRATIONS; i++) {
        char up[96];
        r = PQexec(c, migrations[i]);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        snprintf(up, sizeof up, "UPDATE lt_schema SET version = %d", i + 1);
        if (ok) {
            r = PQexec(c, up);
            ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            PQclear(r);
        }
    }
    if (!ok) {
        int rc = lt_err_set(err, LT_EIO, "coordinator: migration failed: %s", PQerrorMessage(c));
        PQclear(PQexec(c, "ROLLBACK"));
        return rc;
    }
    r = PQexec(c, "COMMIT");
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : lt_err_set(err, LT_EIO, "coordinator: commit failed: %s", PQerrorMessage(c));
}

int coord_db_main(int argc, char **argv)
{
    struct coord_config cfg = { 0 };
    struct lt_err err = { 0 };
    int has = 0;
    if (coord_args_take(&argc, argv, &cfg, &has, &err) != 0) {
        fprintf(stderr, "looptrader db: %s\n", err.msg);
        return 2;
    }
    if (argc != 2 || (strcmp(argv[1], "init") != 0 && strcmp(argv[1], "migrate") != 0)) {
        fprintf(stderr, "usage: looptrader db init|migrate [--coordinator URL]\n"
                        "  (without --coordinator: libpq's PGHOST, PGDATABASE, ... )\n");
        return 2;
    }
    int init = strcmp(argv[1], "init") == 0;
    PGconn *c = NULL;
    if (connect_db(cfg.url, &c, &err) != 0) {
        fprintf(stderr, "looptrader db: %s\n", err.msg);
        return 2;
    }
    int v = 0, code = 0;
    int rc = schema_version(c, &v, &err);
    if (rc == LT_ENOTFOUND) {
        if (!init) {
            fprintf(stderr, "looptrader db: no schema here: run 'looptrader db init'\n");
            code = 1;
        } else if (migrate(c, 0, &err) != 0) {
            fprintf(stderr, "looptrader db: %s\n", err.msg);
            code = 1;
        } else {
            printf("schema created (version %d)\n", N_MIGRATIONS);
        }
    } else if (rc != 0) {
        fprintf(stderr, "looptrader db: %s\n", err.msg);
        code = 1;
    } else if (v > N_MIGRATIONS) {
        fprintf(stderr, "looptrader db: schema version %d is newer than this looptrader's %d: "
                        "upgrade looptrader\n", v, N_MIGRATIONS);
        code = 1;
    } else if (v == N_MIGRATIONS) {
        printf("schema is at version %d already\n", v);
    } else if (init) {
        fprintf(stderr, "looptrader db: schema version %d exists: run 'looptrader db migrate'\n",
                v);
        code = 1;
    } else if (migrate(c, v, &err) != 0) {
        fprintf(stderr, "looptrader db: %s\n", err.msg);
        code = 1;
    } else {
        printf("schema migrated from version %d to %d\n", v, N_MIGRATIONS);
    }
    PQfinish(c);
    return code;
}

/* A statement without rows: 0 or LT_EIO with libpq's message. */
static int command(PGconn *conn, const char *sql, int n, const char *const *p,
                   struct lt_err *err)
{
    PGresult *r = PQexecParams(conn, sql, n, NULL, p, NULL, NULL, 0);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK
                 ? 0
                 : lt_err_set(err, LT_EIO, "coordinator: %s", PQerrorMessage(conn));
    PQclear(r);
    return rc;
}

int coord_open(const struct coord_config *cfg, const char *run_tag, struct coord **out,
               struct lt_err *err)
{
    struct coord *c = calloc(1, sizeof *c);
    if (!c)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    c->cfg = *cfg;
    pthread_mutex_init(&c->ctl_lock, NULL);
    pthread_mutex_init(&c->fence_lock, NULL);
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    snprintf(c->owner, sizeof c->owner, "%.60s:%ld:%s", host, (long)getpid(), run_tag);
    int v = 0, rc = connect_db(cfg->url, &c->ctl, err);
    if (rc == 0)
        rc = connect_db(cfg->url, &c->fence, err);
    if (rc == 0) {
        rc = schema_version(c->ctl, &v, err);
        if (rc == LT_ENOTFOUND)
            rc = lt_err_set(err, LT_ECONFIG, "coordinator has no looptrader schema: run "
                                             "'looptrader db init --coordinator ...'");
        else if (rc == 0 && v != COORD_SCHEMA_VERSION)
            rc = lt_err_set(err, LT_ECONFIG,
                            "coordinator schema is version %d, this looptrader needs %d: %s", v,
                            COORD_SCHEMA_VERSION,
                            v < COORD_SCHEMA_VERSION ? "run 'looptrader db migrate'"
                                                     : "upgrade looptrader");
    }
    if (rc == 0) {
        const char *p[] = { c->owner, cfg->ip_group };
        rc = command(c->ctl, "INSERT INTO lt_process (id, ip_group) VALUES ($1, $2) "
                             "ON CONFLICT (id) DO UPDATE SET seen = now()",
                     2, p, err);
    }
    /* `looptrader ctl` notifies after changing `desired`: a wake-up only,
     * the renewal's answer is what counts */
    c->registered = rc == 0;
    if (rc == 0)
        rc = command(c->ctl, "LISTEN lt_desired", 0, NULL, err);
    if (rc != 0) {
        coord_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

const char *coord_owner(const struct coord *c) { return c ? c->owner : ""; }

int coord_register(struct coord *c, const char *const *accounts, size_t n, struct lt_err *err)
{
    c->slots = calloc(n ? n : 1, sizeof *c->slots);
    if (!c->slots)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    c->n_slots = n;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        c->slots[i].account = strdup(accounts[i]);
        if (!c->slots[i].account)
            return lt_err_set(err, LT_ENOMEM, "out of memory");
        const char *p[] = { accounts[i], c->cfg.ip_group };
        rc = command(c->ctl, "INSERT INTO lt_account_lease (account, ip_group) "
                             "VALUES ($1, $2) ON CONFLICT (account) DO NOTHING",
                     2, p, err);
    }
    return rc;
}

static int claimable(struct coord_slot *sl)
{
    return atomic_load(&sl->epoch) == 0 && !atomic_load(&sl->ended) &&
           !atomic_load(&sl->done_elsewhere);
}

/* The accounts this process may still claim (orphans: only those it
 * handed over more than a lease ago) as a PostgreSQL text[] literal
 * ({"a","b"}), malloc'd. */
static char *text_array(struct coord *c, int orphans)
{
    int64_t long_ago = clock_mono_ms() - c->cfg.lease_ms;
    size_t len = 3, k = 0;
    for (size_t i = 0; i < c->n_slots; i++)
        len += 2 * strlen(c->slots[i].account) + 3;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    *p++ = '{';
    for (size_t i = 0; i < c->n_slots; i++) {
        int64_t handed = atomic_load(&c->slots[i].handed_at);
        if (!claimable(&c->slots[i]) || (orphans && (handed == 0 || handed > long_ago)))
            continue;
        if (k++)
            *p++ = ',';
        *p++ = '"';
        for (const char *a = c->slots[i].account; *a; a++) {
            if (*a == '"' || *a == '\\')
                *p++ = '\\';
            *p++ = *a;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return s;
}

static long slot_of(struct coord *c, const char *account)
{
    for (size_t i = 0; i < c->n_slots; i++)
        if (strcmp(c->slots[i].account, account) == 0)
            return (long)i;
    return -1;
}

static int64_t trust_margin(const struct coord *c)
{
    long m = c->cfg.lease_ms / 5;
    return m < 1000 ? 1000 : m;
}

/* A claimed account: its slot, epoch, and how long (ms, from now) to
 * wait before the first signed request. */
struct coord_claim {
    size_t slot;
    int64_t epoch;
    long wait_ms;
};

/* ctl_lock held.  The claim: the process's fair share of its group's
 * accounts (live processes = seen within a lease), free ones only.  With
 * orphans, one account beyond the share: one this process handed over
 * that is still free a lease later, because the process that should have
 * taken it cannot (a fenced process never claims its lost accounts again,
 * one where the account failed or has a stop file never claims it).  An
 * orphan is kept outside the share (never handed over again): no
 * flapping. */
static int claim_locked(struct coord *c, int orphans, struct coord_claim **out, size_t *n,
                        struct lt_err *err)
{
    static const char sql[] =
        "WITH live AS (SELECT greatest(count(*), 1) AS n FROM lt_process"
        "   WHERE ip_group = $1 AND seen > now() - make_interval(secs => $3::bigint / 1000.0)),"
        " total AS (SELECT count(*) AS n FROM lt_account_lease WHERE ip_group = $1),"
        " mine AS (SELECT count(*) AS n FROM lt_account_lease"
        "   WHERE owner = $2 AND lease_end > now()),"
        " pick AS (SELECT account, owner AS old_owner, lease_end AS old_end"
        "   FROM lt_account_lease"
        "   WHERE ip_group = $1 AND account = ANY($4::text[])"
        "     AND NOT (done AND done_day >= $6)"
        "     AND desired = 'run'"
        "     AND (owner IS NULL OR lease_end IS NULL OR lease_end <= now())"
        "     AND (NOT $7::boolean"
        "          OR lease_end <= now() - make_interval(secs => $3::bigint / 1000.0))"
        "   ORDER BY account"
        "   LIMIT CASE WHEN $7::boolean THEN 1 ELSE"
        "     (SELECT greatest(0, ceil(total.n::numeric / live.n) - mine.n)"
        "      FROM live, total, mine) END"
        "   FOR UPDATE SKIP LOCKED)"
        " UPDATE lt_account_lease a SET owner = $2, epoch = a.epoch + 1,"
        "   lease_end = now() + make_interval(secs => $3::bigint / 1000.0)"
        " FROM pick WHERE a.account = pick.account"
        " RETURNING a.account, a.epoch,"
        /* a lease given up (owner cleared, end = then) is waited out
         * too: requests signed just before are not expired yet */
        "   CASE WHEN pick.old_end IS NULL THEN 0"
        "   ELSE greatest(0, ceil(extract(epoch FROM pick.old_end - now()) * 1000)"
        "        + $5::bigint + 1000) END";
    char lease[32], rw[32], day[32];
    snprintf(lease, sizeof lease, "%ld", c->cfg.lease_ms);
    snprintf(rw, sizeof rw, "%ld", c->cfg.recv_window_ms > 0 ? c->cfg.recv_window_ms : 5000);
    snprintf(day, sizeof day, "%lld", (long long)atomic_load(&c->day));
    char *arr = text_array(c, orphans);
    if (!arr)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    const char *p[] = { c->cfg.ip_group, c->owner, lease, arr, rw, day, orphans ? "t" : "f" };
    int64_t sent = clock_mono_ms();
    PGresult *r = PQexecParams(c->ctl, sql, 7, NULL, p, NULL, NULL, 0);
    free(arr);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = lt_err_set(err, LT_EIO, "coordinator: claim: %s", PQerrorMessage(c->ctl));
        PQclear(r);
        return rc;
    }
    int rows = PQntuples(r);
    struct coord_claim *cl = calloc(rows ? (size_t)rows : 1, sizeof *cl);
    if (!cl) {
        PQclear(r);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (int i = 0; i < rows; i++) {
        long s = slot_of(c, PQgetvalue(r, i, 0));
        if (s < 0)
            continue;
        struct coord_slot *sl = &c->slots[s];
        cl[k].slot = (size_t)s;
        cl[k].epoch = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        cl[k].wait_ms = strtol(PQgetvalue(r, i, 2), NULL, 10);
        atomic_store(&sl->start_after, sent + cl[k].wait_ms);
        atomic_store(&sl->trust_until, sent + c->cfg.lease_ms - trust_margin(c));
        atomic_store(&sl->extra, orphans);
        atomic_store(&sl->handed_at, 0);
        atomic_store(&sl->epoch, cl[k].epoch);
        log_info("coordinator: %s claimed (epoch %lld)%s%s", sl->account,
                 (long long)cl[k].epoch, orphans ? " beyond the fair share: nobody took it" : "",
                 cl[k].wait_ms ? ", waiting out the previous owner's lease" : "");
        k++;
    }
    PQclear(r);
    *out = cl;
    *n = k;
    return 0;
}

/* ctl_lock held.  One statement renews every lease of ours whose epoch
 * is unchanged (a lease that lapsed while the coordinator was away comes
 * back: nobody claimed it in between, or its epoch would have moved). */
static int renew_locked(struct coord *c, struct lt_err *err)
{
    static const char sql[] =
        "WITH p AS (UPDATE lt_process SET seen = now() WHERE id = $1)"
        " UPDATE lt_account_lease SET lease_end = now()"
        "   + make_interval(secs => $2::bigint / 1000.0)"
        " WHERE owner = $1 RETURNING account, epoch, desired";
    char lease[32];
    snprintf(lease, sizeof lease, "%ld", c->cfg.lease_ms);
    const char *p[] = { c->owner, lease };
    int64_t sent = clock_mono_ms();
    PGresult *r = PQexecParams(c->ctl, sql, 2, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = lt_err_set(err, LT_EIO, "coordinator: renewal: %s", PQerrorMessage(c->ctl));
        PQclear(r);
        return rc;
    }
    unsigned char *seen = calloc(c->n_slots ? c->n_slots : 1, 1);
    for (int i = 0; seen && i < PQntuples(r); i++) {
        long s = slot_of(c, PQgetvalue(r, i, 0));
        if (s < 0)
            continue;
        struct coord_slot *sl = &c->slots[s];
        if (strtoll(PQgetvalue(r, i, 1), NULL, 10) != atomic_load(&sl->epoch))
            continue;
        seen[s] = 1;
        atomic_store(&sl->trust_until, sent + c->cfg.lease_ms - trust_margin(c));
        atomic_store(&sl->stop, strcmp(PQgetvalue(r, i, 2), "stop") == 0);
    }
    for (size_t s = 0; seen && s < c->n_slots; s++) {
        struct coord_slot *sl = &c->slots[s];
        int64_t e = atomic_load(&sl->epoch);
        /* only the epoch it saw: a worker that gave the lease up since
         * (coord_end, coord_handover) set 0 first and must keep it */
        if (!seen[s] && e > 0 && !atomic_load(&sl->ended) &&
            atomic_compare_exchange_strong(&sl->epoch, &e, -1))
            log_error("coordinator: %s: lease lost to another owner: halted", sl->account);
    }
    free(seen);
    PQclear(r);
    return 0;
}

/* ctl_lock held.  Accounts another process brought to target. */
static int done_scan_locked(struct coord *c, struct lt_err *err)
{
    char day[32];
    snprintf(day, sizeof day, "%lld", (long long)atomic_load(&c->day));
    const char *p[] = { c->cfg.ip_group, day };
    PGresult *r = PQexecParams(c->ctl,
                               "SELECT account FROM lt_account_lease WHERE ip_group = $1 AND done"
                               " AND done_day >= $2",
                               2, NULL, p, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = lt_err_set(err, LT_EIO, "coordinator: %s", PQerrorMessage(c->ctl));
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        long s = slot_of(c, PQgetvalue(r, i, 0));
        if (s >= 0 && atomic_load(&c->slots[s].epoch) <= 0)
            atomic_store(&c->slots[s].done_elsewhere, 1);
    }
    PQclear(r);
    return rc;
}

/* ctl_lock held.  Rebalancing: a process above its fair share (live
 * processes and the group's accounts counted on the server, the same
 * share as the claim's; finished accounts count too, so that the last
 * accounts of a day are not passed around) asks workers
 * to hand accounts over at their rounds' ends, a few at a time; a process
 * below it gets them by its own claims. */
static int rebalance_locked(struct coord *c, struct lt_err *err)
{
    static const char sql[] =
        "SELECT (SELECT greatest(count(*), 1) FROM lt_process WHERE ip_group = $1"
        "   AND seen > now() - make_interval(secs => $2::bigint / 1000.0)),"
        " (SELECT count(*) FROM lt_account_lease WHERE ip_group = $1)";
    char lease[32];
    snprintf(lease, sizeof lease, "%ld", c->cfg.lease_ms);
    const char *p[] = { c->cfg.ip_group, lease };
    PGresult *r = PQexecParams(c->ctl, sql, 2, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = lt_err_set(err, LT_EIO, "coordinator: %s", PQerrorMessage(c->ctl));
        PQclear(r);
        return rc;
    }
    long live = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    long accounts = strtol(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    long held = 0, pending = 0;
    for (size_t s = 0; s < c->n_slots; s++) {
        struct coord_slot *sl = &c->slots[s];
        if (atomic_load(&sl->epoch) > 0 && !atomic_load(&sl->ended) && !atomic_load(&sl->extra)) {
            held++;
            pending += atomic_load(&sl->handover) != 0;
        }
    }
    long give = coord_rebalance(held, pending, accounts, live, &c->draining);
    /* the highest slots first: a claim takes accounts in name order, so
     * these are the most recently claimed, the least likely to be far in */
    for (size_t s = c->n_slots; give > 0 && s-- > 0;) {
        struct coord_slot *sl = &c->slots[s];
        if (atomic_load(&sl->epoch) <= 0 || atomic_load(&sl->ended) ||
            atomic_load(&sl->handover) || atomic_load(&sl->extra))
            continue;
        atomic_store(&sl->handover, 1);
        give--;
        log_info("coordinator: %s: handing over at its round's end (%ld held, fair share %ld: "
                 "%ld accounts over %ld processes)",
                 sl->account, held, coord_fair_share(accounts, live), accounts, live);
    }
    return 0;
}

/* ctl_lock held.  A new connection after the old one broke (a restarted
 * or failed-over server): LISTEN again, which a new session forgets, so
 * that `ctl` notifications keep waking us at once. */
static int reconnect_locked(struct coord *c, struct lt_err *err)
{
    PQreset(c->ctl);
    if (PQstatus(c->ctl) != CONNECTION_OK)
        return lt_err_set(err, LT_EIO, "coordinator: reconnect: %s", PQerrorMessage(c->ctl));
    int rc = command(c->ctl, "LISTEN lt_desired", 0, NULL, err);
    if (rc == 0)
        log_info("coordinator: connected again, listening for ctl notifications");
    return rc;
}

/* Until the next tick, or sooner when a notification comes (ctl changed
 * `desired`): sleeps on the connection's socket.  A broken connection is
 * noticed here (its socket reads EOF) and made again at most once a
 * second, so LISTEN is back long before the next tick. */
static void wait_tick(struct coord *c, int64_t next, int64_t *retry_at)
{
    while (!atomic_load(&c->quit) && clock_mono_ms() < next) {
        if (PQstatus(c->ctl) != CONNECTION_OK) {
            if (clock_mono_ms() >= *retry_at) {
                struct lt_err err = { 0 };
                *retry_at = clock_mono_ms() + 1000;
                pthread_mutex_lock(&c->ctl_lock);
                reconnect_locked(c, &err);
                pthread_mutex_unlock(&c->ctl_lock);
            }
            if (PQstatus(c->ctl) != CONNECTION_OK) {
                struct timespec ts = { 0, 100 * 1000000L };
                nanosleep(&ts, NULL);
                continue;
            }
        }
        /* only this thread uses ctl once started: no lock to wait on */
        struct pollfd pfd = { .fd = PQsocket(c->ctl), .events = POLLIN };
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        PQconsumeInput(c->ctl);
        PGnotify *nt;
        int woken = 0;
        while ((nt = PQnotifies(c->ctl)) != NULL) {
            PQfreemem(nt);
            woken = 1;
        }
        if (woken) {
            log_info("coordinator: notified by ctl: reading desired states now");
            return;
        }
    }
}

static void *coord_main(void *arg)
{
    /* the thread's role in top -H, ps -L and perf */
    pthread_setname_np(pthread_self(), "lt-coord");
    struct coord *c = arg;
    int down = 0;
    int64_t next = 0, retry_at = 0, first_claim = clock_mono_ms() + c->cfg.lease_ms / 4;
    while (!atomic_load(&c->quit)) {
        if (clock_mono_ms() < next)
            wait_tick(c, next, &retry_at);
        if (atomic_load(&c->quit))
            break;
        int64_t now = clock_mono_ms();
        next = now + c->cfg.lease_ms / 4;
        if (now >= first_claim)
            atomic_store(&c->claiming, 1);
        struct lt_err err = { 0 };
        struct coord_claim *cl = NULL;
        size_t n = 0;
        pthread_mutex_lock(&c->ctl_lock);
        int rc = PQstatus(c->ctl) == CONNECTION_OK ? 0 : reconnect_locked(c, &err);
        if (rc == 0)
            rc = renew_locked(c, &err);
        if (rc == 0)
            rc = done_scan_locked(c, &err);
        if (rc == 0)
            rc = rebalance_locked(c, &err);
        if (rc == 0 && atomic_load(&c->claiming))
            rc = claim_locked(c, 0, &cl, &n, &err);
        free(cl);
        cl = NULL;
        if (rc == 0 && atomic_load(&c->claiming))
            rc = claim_locked(c, 1, &cl, &n, &err);
        pthread_mutex_unlock(&c->ctl_lock);
        free(cl);
        if (rc != 0 && !down) {
            err.msg[strcspn(err.msg, "\n")] = '\0';
            log_error("%s (accounts halt when their leases run out; retrying)", err.msg);
        } else if (rc == 0 && down) {
            log_info("coordinator reachable again");
        }
        down = rc != 0;
    }
    return NULL;
}

int coord_start(struct coord *c, struct lt_err *err)
{
    if (c->started)
        return 0;
    if (pthread_create(&c->thread, NULL, coord_main, c) != 0)
        return lt_err_set(err, LT_EIO, "cannot start the coordinator thread");
    c->started = 1;
    return 0;
}

unsigned coord_epoch(struct coord *c, size_t slot)
{
    if (!c || slot >= c->n_slots)
        return 0;
    int64_t e = atomic_load(&c->slots[slot].epoch);
    return e > 0 && e <= (int64_t)UINT32_MAX ? (unsigned)e : 0;
}

enum coord_state coord_state(struct coord *c, size_t slot)
{
    if (!c)
        return COORD_OWNED;
    if (slot >= c->n_slots)
        return COORD_LOST;
    struct coord_slot *sl = &c->slots[slot];
    if (atomic_load(&sl->epoch) < 0)
        return COORD_LOST;
    if (atomic_load(&sl->done_elsewhere))
        return COORD_DONE_ELSEWHERE;
    if (!coord_owns(c, slot))
        return COORD_WAITING;
    /* desired = stop parks the account between rounds; the round under
     * way ends as rounds do */
    return atomic_load(&sl->stop) ? COORD_PARKED : COORD_OWNED;
}

/* Gives slot's lease (held under epoch) up: owner cleared, its end now
 * (the next owner waits recvWindow + 1 s from here), done for today or
 * not. */
static void release(struct coord *c, size_t slot, int64_t epoch, int done)
{
    struct coord_slot *sl = &c->slots[slot];
    char ep[32], day[32];
    snprintf(ep, sizeof ep, "%lld", (long long)epoch);
    snprintf(day, sizeof day, "%lld", (long long)atomic_load(&c->day));
    const char *p[] = { sl->account, c->owner, ep, done ? "t" : "f", day };
    pthread_mutex_lock(&c->fence_lock);
    PGresult *r = fence_exec(c, slot,
                             "UPDATE lt_account_lease SET owner = NULL,"
                             " lease_end = least(lease_end, now()), done = $4::boolean,"
                             " done_day = CASE WHEN $4::boolean THEN $5::bigint ELSE done_day END"
                             " WHERE account = $1 AND owner = $2 AND epoch = $3",
                             5, p);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        log_warn("coordinator: %s: cannot give the lease up (%s); it ends by itself",
                 sl->account, PQerrorMessage(c->fence));
    PQclear(r);
    pthread_mutex_unlock(&c->fence_lock);
}

void coord_end(struct coord *c, size_t slot, int done)
{
    if (!c || slot >= c->n_slots)
        return;
    struct coord_slot *sl = &c->slots[slot];
    atomic_store(&sl->ended, 1);
    int64_t epoch = atomic_load(&sl->epoch);
    if (epoch <= 0)
        return;
    release(c, slot, epoch, done);
    atomic_store(&sl->epoch, 0);
}

int coord_handover_due(struct coord *c, size_t slot)
{
    return c && slot < c->n_slots && atomic_load(&c->slots[slot].handover) &&
           atomic_load(&c->slots[slot].epoch) > 0;
}

void coord_handover(struct coord *c, size_t slot)
{
    if (!c || slot >= c->n_slots)
        return;
    struct coord_slot *sl = &c->slots[slot];
    /* not ours from here on: the renewal skips it, nothing is signed */
    int64_t epoch = atomic_exchange(&sl->epoch, 0);
    atomic_store(&sl->handover, 0);
    if (epoch <= 0)
        return;
    atomic_store(&sl->handed_at, clock_mono_ms());
    release(c, slot, epoch, 0);
    log_info("coordinator: %s handed over at a round's end (epoch %lld released)", sl->account,
             (long long)epoch);
}

void coord_day(struct coord *c, int64_t venue_now_ms)
{
    if (!c)
        return;
    int64_t day = venue_now_ms - venue_now_ms % COORD_DAY_MS;
    int64_t was = atomic_exchange(&c->day, day);
    if (was == 0 || was == day)
        return;
    /* every user of the last day ended (the day loop joined them): each
     * account may be claimed again, unless finished today already */
    for (size_t i = 0; i < c->n_slots; i++) {
        struct coord_slot *sl = &c->slots[i];
        int64_t e = atomic_load(&sl->epoch);
        if (e < 0)
            atomic_compare_exchange_strong(&sl->epoch, &e, 0);
        atomic_store(&sl->ended, 0);
        atomic_store(&sl->done_elsewhere, 0);
    }
    log_info("coordinator: a new day: accounts finished earlier are claimed again");
}

int coord_owns(struct coord *c, size_t slot)
{
    if (!c)
        return 1;
    if (slot >= c->n_slots)
        return 0;
    struct coord_slot *sl = &c->slots[slot];
    int64_t now = clock_mono_ms();
    return atomic_load(&sl->epoch) > 0 && now >= atomic_load(&sl->start_after) &&
           now < atomic_load(&sl->trust_until);
}

/* The statement failed for want of a server, not for what it said: no
 * SQLSTATE (libpq's own error: the connection broke), class 08
 * (connection exception) or 57P (the server shutting down, restarting). */
static int lost_connection(PGconn *conn, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return PQstatus(conn) != CONNECTION_OK || !state || strncmp(state, "08", 2) == 0 ||
           strncmp(state, "57P", 3) == 0;
}

/* fence_lock held.  A statement on the workers' connection; a broken
 * connection (a restarted server) is reset and the statement sent again
 * while the lease on slot is still trusted, every POLL a try. */
static PGresult *fence_exec(struct coord *c, size_t slot, const char *sql, int n,
                            const char *const *p)
{
    for (;;) {
        if (PQstatus(c->fence) != CONNECTION_OK)
            PQreset(c->fence);
        PGresult *r = PQexecParams(c->fence, sql, n, NULL, p, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || !lost_connection(c->fence, r) ||
            !coord_owns(c, slot) || atomic_load(&c->quit))
            return r;
        PQclear(r);
        PQreset(c->fence);
        struct timespec ts = { 0, 200 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/* One fenced write: sql's $1..$3 are the account, our epoch and owner,
 * and it writes only while they hold an unexpired lease (the row locked
 * FOR UPDATE, so a claim cannot slip between the check and the write);
 * p[3..n-1] are sql's own.  0; LT_EFENCED (0 rows: the lease is lost, the
 * account halts); LT_ETIMEDOUT (not trusted right now: nothing written,
 * try again once renewed); LT_EIO. */
static int fenced(struct coord *c, size_t slot, const char *what, const char *sql, int n,
                  const char **p, struct lt_err *err)
{
    if (coord_state(c, slot) == COORD_LOST)
        return lt_err_set(err, LT_EFENCED, "lease on the account lost: halted");
    if (!coord_owns(c, slot))
        return lt_err_set(err, LT_ETIMEDOUT, "lease not renewed lately: nothing written");
    struct coord_slot *sl = &c->slots[slot];
    char ep[32];
    snprintf(ep, sizeof ep, "%lld", (long long)atomic_load(&sl->epoch));
    p[0] = sl->account;
    p[1] = ep;
    p[2] = c->owner;
    pthread_mutex_lock(&c->fence_lock);
    PGresult *r = fence_exec(c, slot, sql, n, p);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = coord_owns(c, slot)
                 ? lt_err_set(err, LT_EIO, "coordinator: %s write: %s", what,
                              PQerrorMessage(c->fence))
                 : lt_err_set(err, LT_ETIMEDOUT, "lease ran out with the coordinator away: "
                                                 "nothing written");
    else if (strcmp(PQcmdTuples(r), "1") != 0)
        rc = lt_err_set(err, LT_EFENCED, "lease on the account lost (epoch %s fenced): halted",
                        ep);
    PQclear(r);
    pthread_mutex_unlock(&c->fence_lock);
    if (rc == LT_EFENCED) {
        atomic_store(&sl->epoch, -1);
        log_error("coordinator: %s: epoch %s fenced: halted, nothing more is sent", sl->account,
                  ep);
    }
    return rc;
}

/* The lease row (account, epoch, owner) locked while it is unexpired. */
#define FENCE_CTE                                                                                 \
    "WITH l AS (SELECT account, epoch FROM lt_account_lease"                                    \
    "   WHERE account = $1 AND epoch = $2 AND owner = $3 AND lease_end > now() FOR UPDATE)"

/* One fenced journal row (an intent or a settled mark). */
static int fence_write(struct coord *c, size_t slot, const char *kind, const char *run,
                       unsigned round, const char *client_id, const char *side,
                       const char *price, const char *qty, const char *residual,
                       struct lt_err *err)
{
    static const char sql[] =
        FENCE_CTE
        " INSERT INTO lt_order_journal"
        "   (account, epoch, kind, run, round, client_id, side, price, qty, residual)"
        " SELECT account, epoch, $4, $5, $6, $7, $8, $9, $10, $11 FROM l"
        /* the same intent again: its first write's answer was lost */
        " ON CONFLICT (client_id) DO UPDATE SET at = lt_order_journal.at";
    char rd[16];
    snprintf(rd, sizeof rd, "%u", round);
    const char *p[] = { NULL, NULL, NULL, kind, run, rd, client_id, side, price, qty, residual };
    return fenced(c, slot, "journal", sql, 11, p, err);
}

int coord_state_save(struct coord *c, size_t slot, const struct coord_acct_state *st,
                     struct lt_err *err)
{
    static const char sql[] =
        FENCE_CTE
        " INSERT INTO lt_account_state"
        "   (account, epoch, window_start, bought, inventory, target, last_round, updated)"
        " SELECT account, epoch, $4, $5, $6, $7, nullif($8::integer, -1), now() FROM l"
        " ON CONFLICT (account) DO UPDATE SET epoch = excluded.epoch,"
        "   window_start = excluded.window_start, bought = excluded.bought,"
        "   inventory = excluded.inventory, target = excluded.target,"
        "   last_round = coalesce(excluded.last_round, lt_account_state.last_round),"
        "   updated = now()";
    if (!c)
        return 0;
    if (slot >= c->n_slots)
        return lt_err_set(err, LT_EINVAL, "no such account slot");
    char ws[24], bought[MONEY_STR_MAX], inv[MONEY_STR_MAX], target[MONEY_STR_MAX], rd[24];
    snprintf(ws, sizeof ws, "%lld", (long long)st->window_start);
    snprintf(rd, sizeof rd, "%ld", st->last_round < 0 ? -1L : st->last_round);
    const char *p[] = { NULL, NULL, NULL, ws, money_format_min(st->bought, bought),
                        money_format_min(st->inventory, inv),
                        money_format_min(st->target, target), rd };
    return fenced(c, slot, "state", sql, 8, p, err);
}

int coord_state_load(struct coord *c, size_t slot, struct coord_acct_state *out, int *found,
                     struct lt_err *err)
{
    *found = 0;
    memset(out, 0, sizeof *out);
    if (!c)
        return 0;
    if (slot >= c->n_slots)
        return lt_err_set(err, LT_EINVAL, "no such account slot");
    const char *p[] = { c->slots[slot].account };
    pthread_mutex_lock(&c->fence_lock);
    PGresult *r = fence_exec(c, slot,
                             "SELECT epoch, coalesce(window_start, 0), coalesce(bought, '0'),"
                             " coalesce(inventory, '0'), coalesce(target, '0'),"
                             " coalesce(last_round, -1) FROM lt_account_state WHERE account = $1",
                             1, p);
    pthread_mutex_unlock(&c->fence_lock);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = lt_err_set(err, LT_EIO, "coordinator: state read: %s", PQerrorMessage(c->fence));
    } else if (PQntuples(r) == 1) {
        /* written by a process of ours, but read as untrusted all the same */
        out->epoch = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        out->window_start = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        out->last_round = strtol(PQgetvalue(r, 0, 5), NULL, 10);
        if (money_parse(PQgetvalue(r, 0, 2), &out->bought) != 0 ||
            money_parse(PQgetvalue(r, 0, 3), &out->inventory) != 0 ||
            money_parse(PQgetvalue(r, 0, 4), &out->target) != 0)
            rc = lt_err_set(err, LT_EPARSE, "coordinator: the saved state does not parse");
        else
            *found = 1;
    }
    PQclear(r);
    return rc;
}

int coord_fence_intent(struct coord *c, size_t slot, const char *run, unsigned round,
                       const char *client_id, char side, const char *price, const char *qty,
                       struct lt_err *err)
{
    if (!c)
        return 0;
    char sd[2] = { side, '\0' };
    return fence_write(c, slot, "intent", run, round, client_id, sd, price, qty, NULL, err);
}

int coord_fence_settled(struct coord *c, size_t slot, const char *run, unsigned round,
                        money_t residual, struct lt_err *err)
{
    if (!c)
        return 0;
    char rs[MONEY_STR_MAX];
    money_format_min(residual, rs);
    return fence_write(c, slot, "settled", run, round, NULL, NULL, NULL, NULL, rs, err);
}

int coord_load_pending(struct coord *c, size_t slot, struct journal_pending **out, size_t *n,
                       money_t *residual, struct lt_err *err)
{
    static const char sql[] =
        "WITH s AS (SELECT seq, residual FROM lt_order_journal"
        "   WHERE account = $1 AND kind = 'settled' ORDER BY seq DESC LIMIT 1)"
        " SELECT i.run, i.round, i.client_id, i.side, s.residual"
        " FROM (SELECT 1) one LEFT JOIN s ON true"
        " LEFT JOIN lt_order_journal i ON i.account = $1 AND i.kind = 'intent'"
        "   AND i.seq > coalesce(s.seq, 0)"
        " ORDER BY i.seq NULLS FIRST";
    *out = NULL;
    *n = 0;
    *residual = 0;
    if (slot >= c->n_slots)
        return lt_err_set(err, LT_EINVAL, "no such account slot");
    const char *p[] = { c->slots[slot].account };
    pthread_mutex_lock(&c->fence_lock);
    PGresult *r = fence_exec(c, slot, sql, 1, p);
    pthread_mutex_unlock(&c->fence_lock);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = lt_err_set(err, LT_EIO, "coordinator: journal read: %s", PQerrorMessage(c->fence));
        PQclear(r);
        return rc;
    }
    int rows = PQntuples(r);
    struct journal_pending *jp = calloc((size_t)rows + 1, sizeof *jp);
    if (!jp) {
        PQclear(r);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (int i = 0; i < rows; i++) {
        if (!PQgetisnull(r, i, 4) && money_parse(PQgetvalue(r, i, 4), residual) != 0)
            *residual = 0;
        if (PQgetisnull(r, i, 0))
            continue;
        struct journal_pending *e = &jp[k];
        snprintf(e->run, sizeof e->run, "%s", PQgetvalue(r, i, 0));
        e->round = (unsigned)strtoul(PQgetvalue(r, i, 1), NULL, 10);
        snprintf(e->client_id, sizeof e->client_id, "%s", PQgetvalue(r, i, 2));
        e->side = PQgetvalue(r, i, 3)[0] == 'b' ? SIDE_BUY : SIDE_SELL;
        k++;
    }
    PQclear(r);
    if (k == 0) {
        free(jp); /* as journal_load_pending: nothing pending, nothing to free */
        jp = NULL;
    }
    *out = jp;
    *n = k;
    return 0;
}

/* `looptrader ctl --coordinator URL status | stop|resume ACCOUNT...|--all`. */
int coord_ctl_main(int argc, char **argv)
{
    struct coord_config cfg = { 0 };
    struct lt_err err = { 0 };
    int has = 0, all = 0, group_given = 0;
    for (int i = 1; i < argc; i++)
        group_given |= strncmp(argv[i], "--ip-group", 10) == 0;
    if (coord_args_take(&argc, argv, &cfg, &has, &err) != 0) {
        fprintf(stderr, "looptrader ctl: %s\n", err.msg);
        return 2;
    }
    const char *verb = argc > 1 ? argv[1] : "";
    int status = strcmp(verb, "status") == 0;
    int stop = strcmp(verb, "stop") == 0, resume = strcmp(verb, "resume") == 0;
    for (int i = 2; i < argc; i++)
        all |= strcmp(argv[i], "--all") == 0;
    if (!has || !(status || stop || resume) || (status && argc != 2) ||
        (!status && (argc < 3 || (all && argc != 3)))) {
        fprintf(stderr, "usage: looptrader ctl --coordinator URL [--ip-group G] status\n"
                        "       looptrader ctl --coordinator URL [--ip-group G] "
                        "stop|resume ACCOUNT...|--all\n");
        return 2;
    }
    PGconn *c = NULL;
    if (connect_db(cfg.url, &c, &err) != 0) {
        fprintf(stderr, "looptrader ctl: %s\n", err.msg);
        return 2;
    }
    int v = 0, code = 0;
    if (schema_version(c, &v, &err) != 0 || v != COORD_SCHEMA_VERSION) {
        fprintf(stderr, "looptrader ctl: %s\n",
                err.msg[0] ? err.msg : "schema of another version: run 'looptrader db migrate'");
        PQfinish(c);
        return 2;
    }
    const char *grp = group_given ? cfg.ip_group : NULL;
    if (status) {
        const char *p[] = { grp };
        PGresult *r = PQexecParams(
            c,
            "SELECT l.account, ip_group, coalesce(owner, '-'), l.epoch,"
            " CASE WHEN owner IS NULL THEN '-' WHEN lease_end > now()"
            "  THEN round(extract(epoch FROM lease_end - now())::numeric, 1)::text || ' s'"
            "  ELSE 'expired' END, desired,"
            /* the owners' own figures at their last round's end */
            " coalesce(s.bought || '/' || s.target, '-'),"
            " CASE WHEN done THEN 'done' ELSE '' END"
            " FROM lt_account_lease l LEFT JOIN lt_account_state s ON s.account = l.account"
            " WHERE $1::text IS NULL OR ip_group = $1"
            " ORDER BY ip_group, l.account",
            1, NULL, p, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "looptrader ctl: %s", PQerrorMessage(c));
            code = 1;
        } else {
            printf("%-20s %-10s %-40s %6s %9s %-7s %-21s %s\n", "account", "ip_group", "owner",
                   "epoch", "lease", "desired", "bought/target", "");
            for (int i = 0; i < PQntuples(r); i++)
                printf("%-20s %-10s %-40s %6s %9s %-7s %-21s %s\n", PQgetvalue(r, i, 0),
                       PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                       PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), PQgetvalue(r, i, 6),
                       PQgetvalue(r, i, 7));
        }
        PQclear(r);
    } else {
        const char *want = stop ? "stop" : "run";
        for (int i = 2; i < argc && code == 0; i++) {
            const char *acct = all ? NULL : argv[i];
            const char *p[] = { want, acct, grp };
            PGresult *r = PQexecParams(
                c,
                "UPDATE lt_account_lease SET desired = $1"
                " WHERE ($2::text IS NULL OR account = $2) AND ($3::text IS NULL OR ip_group = $3)",
                3, NULL, p, NULL, NULL, 0);
            if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                fprintf(stderr, "looptrader ctl: %s", PQerrorMessage(c));
                code = 1;
            } else if (strcmp(PQcmdTuples(r), "0") == 0) {
                fprintf(stderr, "looptrader ctl: no account %s\n", acct ? acct : "at all");
                code = 1;
            } else {
                printf("%s: %s %s\n", acct ? acct : "every account", want,
                       all ? PQcmdTuples(r) : "");
            }
            PQclear(r);
            if (all)
                break;
        }
        PQclear(PQexec(c, "NOTIFY lt_desired"));
    }
    PQfinish(c);
    return code;
}

void coord_release_all(struct coord *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->ctl_lock);
    const char *p[] = { c->owner };
    PQclear(PQexecParams(c->ctl,
                         "UPDATE lt_account_lease SET owner = NULL, lease_end = now()"
                         " WHERE owner = $1",
                         1, NULL, p, NULL, NULL, 0));
    PQclear(PQexecParams(c->ctl, "DELETE FROM lt_process WHERE id = $1", 1, NULL, p, NULL,
                         NULL, 0));
    pthread_mutex_unlock(&c->ctl_lock);
}

void coord_close(struct coord *c)
{
    if (!c)
        return;
    if (c->started) {
        atomic_store(&c->quit, 1);
        pthread_join(c->thread, NULL);
    }
    if (c->ctl && c->registered)
        coord_release_all(c);
    if (c->ctl)
        PQfinish(c->ctl);
    if (c->fence)
        PQfinish(c->fence);
    for (size_t i = 0; i < c->n_slots; i++)
        free(c->slots[i].account);
    free(c->slots);
    pthread_mutex_destroy(&c->ctl_lock);
    pthread_mutex_destroy(&c->fence_lock);
    free(c);
}
