/*
 * trades.c - the --trades CSV (see trades.h).
 */
#include "looptrader/trades.h"

#include "looptrader/clientid.h"
#include "looptrader/clock.h"
#include "looptrader/hash.h"
#include "looptrader/live.h"
#include "looptrader/log.h"
#include "looptrader/money.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ROW_MAX 1024

struct key {
    uint64_t account;   /* hash of the account name; 0 = empty slot */
    int64_t order_id;
};

struct trades {
    pthread_mutex_t lock;
    int fd;
    char *path;
    struct key *keys;   /* open addressing; guarded by lock */
    size_t n_keys, cap_keys;
    size_t written;     /* guarded by lock */
    int failed;         /* a write failed: logged once; guarded by lock */
    int with_rung;      /* the file's header has the rung column; set at open */
};

static uint64_t name_hash(const char *s, size_t n)
{
    uint64_t h = hash_fnv1a(HASH_FNV_BASIS, s, n);
    return h ? h : 1;
}

static size_t slot(const struct key *keys, size_t cap, uint64_t a, int64_t id)
{
    size_t i = (size_t)((a ^ ((uint64_t)id * 0x9e3779b97f4a7c15ULL)) & (cap - 1));
    while (keys[i].account && !(keys[i].account == a && keys[i].order_id == id))
        i = (i + 1) & (cap - 1);
    return i;
}

/* 1 when (a, id) was there already, 0 added, -1 out of memory. */
static int key_add(struct trades *t, uint64_t a, int64_t id)
{
    if ((t->n_keys + 1) * 2 > t->cap_keys) {
        size_t cap = t->cap_keys ? t->cap_keys * 2 : 1024;
        struct key *k = calloc(cap, sizeof(*k));
        if (!k)
            return -1;
        for (size_t i = 0; i < t->cap_keys; i++)
            if (t->keys[i].account)
                k[slot(k, cap, t->keys[i].account, t->keys[i].order_id)] = t->keys[i];
        free(t->keys);
        t->keys = k;
        t->cap_keys = cap;
    }
    size_t i = slot(t->keys, t->cap_keys, a, id);
    if (t->keys[i].account)
        return 1;
    t->keys[i] = (struct key){ a, id };
    t->n_keys++;
    return 0;
}

int trades_format_row(char *out, size_t size, int64_t time_ms, const char *account,
                      const char *symbol, enum order_side side, int64_t order_id,
                      const char *client_id, money_t qty, money_t quote, money_t fee,
                      const char *fee_asset, int rung, int with_rung)
{
    char when[96], p[MONEY_STR_MAX], q[MONEY_STR_MAX], v[MONEY_STR_MAX], f[MONEY_STR_MAX];
    time_t secs = (time_t)(time_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(time_ms % 1000));
    struct clientid id = { 0 };
    int ours = clientid_parse(client_id, &id) == 0;
    int n = snprintf(out, size, "%s,%s,%s,%s,%lld,%s,%s,%s,%s,%s,%s,", when, account, symbol,
                     side == SIDE_BUY ? "BUY" : "SELL", (long long)order_id, client_id,
                     money_format_min(qty > 0 ? money_div(quote, qty) : 0, p),
                     money_format_min(qty, q), money_format_min(quote, v),
                     fee_asset ? money_format_min(fee, f) : "", fee_asset ? fee_asset : "");
    if (n < 0 || (size_t)n >= size)
        return LT_ERANGE;
    char r[16] = "";
    if (rung >= 0)
        snprintf(r, sizeof r, "%d", rung);
    int m = ours ? snprintf(out + n, size - (size_t)n, "%u,%u", id.round, id.seq)
                 : snprintf(out + n, size - (size_t)n, ",");
    if (m < 0 || (size_t)m >= size - (size_t)n)
        return LT_ERANGE;
    n += m;
    m = with_rung ? snprintf(out + n, size - (size_t)n, ",%s\n", r)
                  : snprintf(out + n, size - (size_t)n, "\n");
    return m < 0 || (size_t)m >= size - (size_t)n ? LT_ERANGE : 0;
}

/* Reads the file's rows back into the key set; cuts a torn last line. */
static int load(struct trades *t, struct lt_err *err)
{
    struct stat st;
    if (fstat(t->fd, &st) != 0)
        return lt_err_set(err, LT_EIO, "trades %s: %s", t->path, strerror(errno));
    size_t size = (size_t)st.st_size;
    t->with_rung = 1;
    if (size == 0) {
        if (write(t->fd, TRADES_HEADER, strlen(TRADES_HEADER)) != (ssize_t)strlen(TRADES_HEADER))
            return lt_err_set(err, LT_EIO, "trades %s: cannot write (%s)", t->path,
                              strerror(errno));
        return 0;
    }
    char *buf = malloc(size + 1);
    if (!buf)
        return lt_err_set(err, LT_ENOMEM, "trades: out of memory");
    ssize_t got = pread(t->fd, buf, size, 0);
    if (got != (ssize_t)size) {
        free(buf);
        return lt_err_set(err, LT_EIO, "trades %s: cannot read it back", t->path);
    }
    buf[size] = '\0';
    int rc = 0;
    size_t header = strlen(TRADES_HEADER);
    if (strncmp(buf, TRADES_HEADER_V1, strlen(TRADES_HEADER_V1)) == 0) {
        t->with_rung = 0;
        header = strlen(TRADES_HEADER_V1);
        log_info("trades %s: an older file without the rung column: rows keep its columns "
                 "(name a new file to record rungs)", t->path);
    } else if (strncmp(buf, TRADES_HEADER, header) != 0)
        rc = lt_err_set(err, LT_EPARSE,
                        "trades %s exists and is not a looptrader trades file (its first "
                        "line is not the header): name another file", t->path);
    char *end = strrchr(buf, '\n');
    size_t keep = end ? (size_t)(end - buf) + 1 : 0;
    if (rc == 0 && keep < size) {
        log_warn("trades %s: cutting a torn last line (%zu bytes)", t->path, size - keep);
        if (ftruncate(t->fd, (off_t)keep) != 0)
            rc = lt_err_set(err, LT_EIO, "trades %s: cannot cut its torn line (%s)", t->path,
                            strerror(errno));
    }
    for (char *line = buf + header; rc == 0 && line < buf + keep;) {
        char *nl = strchr(line, '\n');
        /* account is field 2, order id field 5 */
        char *c1 = memchr(line, ',', (size_t)(nl - line));
        char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(nl - c1 - 1)) : NULL;
        char *c3 = c2 ? memchr(c2 + 1, ',', (size_t)(nl - c2 - 1)) : NULL;
        char *c4 = c3 ? memchr(c3 + 1, ',', (size_t)(nl - c3 - 1)) : NULL;
        if (c4 && key_add(t, name_hash(c1 + 1, (size_t)(c2 - c1 - 1)), strtoll(c4 + 1, NULL, 10)) < 0)
            rc = lt_err_set(err, LT_ENOMEM, "trades: out of memory");
        line = nl + 1;
    }
    free(buf);
    return rc;
}

int trades_open(const char *path, struct trades **out, struct lt_err *err)
{
    struct trades *t = calloc(1, sizeof(*t));
    if (!t || !(t->path = strdup(path))) {
        free(t);
        return lt_err_set(err, LT_ENOMEM, "trades: out of memory");
    }
    pthread_mutex_init(&t->lock, NULL);
    t->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = t->fd < 0 ? lt_err_set(err, LT_EIO, "trades %s: %s", path, strerror(errno))
                       : load(t, err);
    if (rc != 0) {
        trades_close(t);
        return rc;
    }
    *out = t;
    return 0;
}

void trades_close(struct trades *t)
{
    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    pthread_mutex_destroy(&t->lock);
    free(t->keys);
    free(t->path);
    free(t);
}

/* Appends one row unless its order is recorded; lock held. */
static void put(struct trades *t, const char *account, int64_t order_id, const char *row)
{
    int seen = key_add(t, name_hash(account, strlen(account)), order_id);
    if (seen != 0) {
        if (seen < 0 && !t->failed++)
            log_error("trades %s: out of memory: rows are missing", t->path);
        return;
    }
    size_t n = strlen(row);
    if (write(t->fd, row, n) != (ssize_t)n) {
        if (!t->failed++)
            log_error("trades %s: cannot append (%s): rows are missing", t->path,
                      strerror(errno));
        return;
    }
    t->written++;
}

/* Called with the lock held, which it releases before the fsync: rows are
 * appended in order under the lock, and no worker waits on another's disk
 * flush (one fsync covers every row written before it). */
static void unlock_and_sync(struct trades *t, size_t before)
{
    int need = t->written != before;
    pthread_mutex_unlock(&t->lock);
    if (!need || fsync(t->fd) == 0)
        return;
    int e = errno;
    pthread_mutex_lock(&t->lock);
    int first = !t->failed++;
    pthread_mutex_unlock(&t->lock);
    if (first)
        log_error("trades %s: fsync: %s", t->path, strerror(e));
}

void trades_ledger(struct trades *t, const char *account, const char *symbol,
                   const struct ledger *l)
{
    char row[ROW_MAX];
    int64_t now = clock_wall_ms();
    pthread_mutex_lock(&t->lock);
    size_t before = t->written;
    for (size_t i = 0; i < l->n_orders; i++) {
        const struct ledger_order *o = &l->orders[i];
        money_t qty = ledger_order_qty(o), quote = ledger_order_quote(o);
        if (!o->final || o->order_id == 0 || qty <= 0)
            continue;
        money_t fee = o->fee_quote;
        const char *asset = l->quote;
        if (!fee && o->fee_base) {
            fee = o->fee_base;
            asset = l->base;
        } else if (!fee && o->fee_other) {
            fee = o->fee_other;
            asset = live_fee_asset_name();
            if (!asset[0] || strcmp(asset, "*") == 0)
                asset = "other";
        }
        if (trades_format_row(row, sizeof row, now, account, symbol, o->side, o->order_id,
                              o->client_id, qty, quote, fee, asset, o->rung, t->with_rung) == 0)
            put(t, account, o->order_id, row);
    }
    unlock_and_sync(t, before);
}

void trades_order(struct trades *t, const char *account, const char *symbol,
                  const struct order_state *st)
{
    char row[ROW_MAX];
    if (!order_status_is_final(st->status) || st->order_id == 0 || st->executed_qty <= 0 ||
        trades_format_row(row, sizeof row, st->update_ms ? st->update_ms : clock_wall_ms(),
                          account, symbol, st->side, st->order_id, st->client_id, st->executed_qty,
                          st->cum_quote, 0, NULL, -1, t->with_rung) != 0)
        return;
    pthread_mutex_lock(&t->lock);
    size_t before = t->written;
    put(t, account, st->order_id, row);
    unlock_and_sync(t, before);
}

size_t trades_written(const struct trades *t) { return t->written; }
