/*
 * wsclient.c - the one WebSocket thread.
 *
 * Transport: each connection is a wstransport (wstransport.h): our own
 * socket, OpenSSL and framing, its fd adopted into this thread's lws
 * context as a raw file, so that lws is the poll loop, the timers (lws_sul)
 * and the wake-up (lws_cancel_service) only; lws 4.1.6's ws client read
 * frames a byte per call.  DNS (getaddrinfo) blocks this thread at each
 * (re)connect, as lws 4.1 did; so does a legacy user's listenKey call.
 * A message whole in a read reaches on_message where it was read; longer
 * ones are reassembled here (wsclient_rx_fragment, bounded by RX_MAX).
 * Pings are answered by the transport, idle connections pinged after 20 s
 * and dropped after 45 s, a connect with its TLS and upgrade bounded by
 * 20 s; every end of a connection comes here as conn_lost with a short
 * reason (never a secret: a session user's cookie and headers go in its
 * upgrade request only).
 *
 * Connections: the symbol's market stream (each bookTicker posted once on
 * the board); WS API connections carrying up to users_per_connection
 * userDataStream.subscribe.signature subscriptions each, whatever the key
 * type (HMAC, RSA or Ed25519: the signature is the key's own), so thousands
 * of users need tens of connections; with ws_logon, one WS API connection
 * per Ed25519 user instead, which logs on (session.logon) and then
 * subscribes with userDataStream.subscribe, as Binance's connector does (a
 * connection holds one session); one listenKey stream per user in legacy
 * mode; one /ws/user stream per cookie/header-auth user whose upgrade
 * request carries its cookie and headers.  Every connection reconnects on
 * its own with jittered exponential backoff and re-subscribes; users'
 * mailboxes hear "stream down" at once so workers poll meanwhile, and
 * "up" when their subscription is confirmed.
 *
 * Pacing: every WS API request we send (subscribe, logon, unsubscribe)
 * counts WS_REQ_WEIGHT in the IP's request-weight window that REST shares
 * (venue_weight_try), so re-subscribing thousands of users after a drop
 * never goes past the venue's limit (Binance's WS API has no other message
 * limit), and at most requests_per_second (WS_REQ_PER_S) go out per second
 * over all connections, which spreads the burst so REST calls interleave.
 * Fast is cheap: a user without its stream polls its orders (weight 4 per
 * poll), far more than its subscription's 2.  A request that must wait
 * arms its connection's pace timer; nothing blocks.  Connection attempts,
 * first ones and reconnects alike, stay within Binance's 300 per 5 minutes
 * per IP, counted apart for the WS API and for the streams (separate
 * services on Binance, each with that limit): past it a connection waits
 * (its reconnect timer) for the next window instead of hammering a venue
 * that is down.
 *
 * Requests (order_transport "ws-api"): a worker hands a signed request (an
 * order) for its user to the user's WS API connection and waits for the
 * answer with the same id.  The request is a ticket on the connection's
 * queue, under req_lock; lws_cancel_service() wakes this thread (unless
 * it is in a pass: it looks at the queues before it polls again), which
 * writes the queued tickets at once, all in one write (conn_write_queued),
 * and keeps each on the connection's pending list until the answer with
 * its id comes, the connection is lost or the client stops.  A ticket is
 * marked written before the write is made: from then on its outcome is
 * unknown without an answer, and it is never written again; a ticket still
 * queued when its connection goes is "never written" and its waiter may
 * send it another way.  Their pacing is the caller's (venue_limits_wait,
 * like REST's), not this thread's requests_per_second, which spreads the
 * subscriptions' bursts.  Ids come from one counter for every request of
 * the client, so they are unique on each connection; an answer whose id no
 * ticket and no subscription of that connection holds is logged and
 * dropped.
 *
 * Wake-ups: a ticket has two references, its waiter's and this thread's,
 * and whichever lets go last frees it.  This thread's goes with the
 * ticket's place on the queue or the pending list: who takes it off holds
 * it.  That is this thread when it finishes the ticket (an answer, a lost
 * connection, the stop): under req_lock it sets the final state (and
 * copies the answer) and puts the ticket on its woken list; it signals
 * the waiter and lets go only after unlocking (tickets_wake), so the woken
 * worker does not block on req_lock at once.  Answers are signalled at
 * the end of the lws_service pass that read them: a worker woken sooner
 * competes with this thread, for req_lock and the CPU, while it parses
 * the rest of the read; conn_lost and the last sweep signal at once
 * (lws may close a connection in its timers, before its poll), so the
 * list is empty whenever this thread can block.  A waiter that takes a
 * still-queued ticket back off the queue holds both references.  A waiter
 * lets go when its wait ends, whatever the state; one that gives up on a
 * written ticket marks it abandoned, so that its answer is not copied.
 *
 * Everything below belongs to the service thread, except the fields marked
 * atomic or guarded by ctl_lock or req_lock, which are how other threads
 * talk to it: they set a flag and lws_cancel_service() wakes the thread,
 * which acts on it in LWS_CALLBACK_EVENT_WAIT_CANCELLED.
 */
#include "looptrader/wsclient.h"

#include <errno.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "looptrader/board.h"
#include "looptrader/clock.h"
#include "looptrader/http.h"
#include "looptrader/latency.h"
#include "looptrader/live.h"
#include "looptrader/log.h"
#include "looptrader/parsers.h"
#include "looptrader/ratelimit.h"
#include "looptrader/venue_binance.h"
#include "looptrader/wsframe.h"
#include "looptrader/wstransport.h"

#define RX_MAX (1u << 20)          /* largest message we reassemble */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define LISTEN_KEY_MAX 128
#define MALFORMED_LOG_EVERY 1000   /* after the first few, log one in N */
#define LABEL_MAX 72
#define WS_REQ_WEIGHT 2            /* Binance: userDataStream.*, session.logon */
#define WS_REQ_PER_S 200           /* default pace (requests_per_second 0) */
#define WS_CONNECTS_PER_5M 300     /* Binance: connection attempts per IP per 5 minutes */
#define WS_CONNECTS_WINDOW_MS (5 * 60 * 1000)
#define WS_QUEUE_MAX 1024          /* requests queued on one connection */

enum conn_kind { CONN_MARKET, CONN_API, CONN_LEGACY, CONN_SESSION, CONN_LOGON };
enum conn_state { CONN_IDLE, CONN_CONNECTING, CONN_UP };

struct wsconn;

enum ticket_state {
    TICKET_QUEUED,   /* on its connection's queue */
    TICKET_WRITTEN,  /* handed to the transport's write, on the pending list */
    TICKET_ANSWERED, /* answer holds the venue's message */
    TICKET_LOST,     /* written, then the connection went (or the client stopped) */
    TICKET_UNSENT    /* never written, and never will be */
};

/* One request over a WS API connection.  Fields marked req_lock are
 * guarded by the client's req_lock; the rest is immutable after
 * wsclient_request.  Ownership: see Wake-ups at the top. */
struct wsclient_ticket {
    struct wsclient_ticket *prev, *next; /* req_lock: queue or pending list;
                                          * once final, the service thread's
                                          * woken list */
    struct wsconn *conn;
    int64_t id;
    enum ticket_state state;        /* req_lock */
    int abandoned;                  /* req_lock: its waiter has let go */
    atomic_int refs;                /* the waiter's and the service thread's */
    sem_t done;                     /* posted once, when the state is final */
    struct strbuf answer;           /* req_lock until final, then the waiter's */
    size_t len;
    char text[];                    /* len bytes: the request */
};

struct ticket_list {
    struct wsclient_ticket *head, *tail;
};

struct wsuser {
    const char *name;               /* borrowed; the account's name, for log lines */
    const struct venue_auth *auth;  /* borrowed; outlives the client */
    struct mailbox *mb;             /* borrowed; outlives the client */
    struct wsconn *conn;            /* NULL: prices only */
    atomic_int removed;             /* any thread sets (once); service thread reads */
    int need_subscribe;             /* service thread: send subscribe when writable */
    int need_unsubscribe;           /* service thread */
    int need_logon;                 /* service thread: CONN_LOGON, send session.logon */
    int req_is_logon;               /* service thread: req_id is the session.logon */
    int req_is_unsubscribe;         /* service thread: req_id is the unsubscribe */
    int64_t req_id;                 /* service thread: pending subscribe id, -1 none */
    int subscription_id;            /* service thread: -1 when not subscribed */
};

struct wsconn {
    struct wsclient *ws;
    enum conn_kind kind;
    char label[LABEL_MAX];          /* "market", "ws-api#1", "user alice" */
    struct wstransport *t;          /* NULL unless connecting/up */
    unsigned addr_index;            /* the host's address to try: the next one
                                     * after an attempt that failed */
    enum conn_state state;
    int retired;                    /* all its users removed: no reconnect */
    int closing;                    /* close at the next writable callback */
    lws_sorted_usec_list_t sul;     /* reconnect timer */
    lws_sorted_usec_list_t pace_sul; /* up: a paced request waits for its turn */
    int backoff_ms;
    unsigned fails;                 /* attempts since the last success */
    struct wsuser **users;          /* owned array of borrowed pointers */
    size_t n_users;
    struct strbuf rx;               /* reassembly, bounded by RX_MAX */
    int rx_dropping;                /* current message is over RX_MAX */
    int accepting;                  /* req_lock: up, requests may be queued */
    int kicked;                     /* req_lock: queued since the last wake-up */
    int kick_work;                  /* service thread: kicked, taken out of the lock */
    size_t n_queued;                /* req_lock */
    struct ticket_list queue;       /* req_lock: not written yet, oldest first */
    struct ticket_list pending;     /* req_lock: written, no answer yet; changed by
                                     * the service thread only, which may walk it
                                     * without the lock */
};

struct wsclient {
    struct venue *venue;            /* borrowed; immutable */
    char *symbol;                   /* owned; immutable */
    struct board *board;            /* owned; the symbol's prices: this thread
                                     * posts, workers read (its own lock) */
    int users_per_connection;       /* immutable */
    int legacy_listen_key;          /* immutable */
    int ws_logon;                   /* immutable */
    int insecure_tls;               /* immutable */
    /* URL pieces of ws_url; immutable after new */
    char host[256];
    int port;
    int tls;
    char base_path[256];            /* "" or "/prefix" without trailing '/' */

    struct wsuser **users;          /* owned; grows only before start */
    size_t n_users, cap_users;
    struct wsuser **by_mb;          /* index by mailbox address (open addressing,
                                     * half full at most); immutable after start */
    struct wsuser **by_auth;        /* the same by auth address */
    size_t by_mb_mask;              /* both indexes' */
    struct wsuser **gone;           /* ctl_lock: removed users the service thread
                                     * has not acted on yet; n_users slots */
    size_t n_gone;                  /* ctl_lock */
    atomic_int gone_posted;         /* any thread: set with n_gone's rise, so that
                                     * a wake-up without removals (a request's)
                                     * does not take ctl_lock from a worker that
                                     * holds it in lws_cancel_service */
    struct wsuser **gone_work;      /* service thread: gone, taken out of the lock */
    struct wsconn **conns;          /* owned; built at start */
    size_t n_conns;

    struct http *http;              /* owned; service thread (legacy listenKey) */
    struct lws_context *ctx;        /* created at start, destroyed by the thread */
    struct wstransport_shared *tsh; /* with ctx; the connections' TLS and read buffer */
    pthread_t thread;
    int started;                    /* caller thread: thread exists */
    pthread_mutex_t ctl_lock;       /* guards ctx use from other threads + stopping */
    atomic_int stopping;
    _Atomic int64_t next_req_id;    /* any thread, atomic: every request's id */
    pthread_mutex_t req_lock;       /* guards the tickets and the connections'
                                     * request fields: list and flag updates and
                                     * an answer's copy, never I/O or an lws call */
    int req_closed;                 /* req_lock: the thread ended, no requests */
    atomic_int awake;               /* set by the service thread when a pass has
                                     * work, cleared by it under req_lock when no
                                     * connection is kicked: while set, it looks
                                     * at the queues before it polls again, so a
                                     * request needs no wake-up */
    struct ticket_list woken;       /* service thread: finished, to be signalled */
    struct venue_order_channel channel; /* immutable: the venue's way to us */
    int channel_set;                /* caller thread: registered on the venue */
    struct ratelimit_window pace;   /* service thread: WS API requests per second */
    struct ratelimit_window connects[2]; /* service thread: connection attempts,
                                          * [0] WS API, [1] streams */
    int64_t connects_warned_ms;     /* service thread: last "at the limit" warning */
    unsigned rand_state;            /* service thread: jitter */
    unsigned long malformed;        /* service thread: skipped messages */
    unsigned long strays;           /* service thread: answers nobody waits for */
    unsigned char *out;             /* service thread: frames to write */
    size_t out_len, out_cap;        /* service thread */
    unsigned char masks[256];       /* service thread: random bytes for frame masks */
    size_t masks_used;              /* service thread: masks taken */
};

#define OUT_KEEP (64u << 10)       /* frames' buffer kept between writes */

static void conn_connect(struct wsconn *c);
static void conn_open(void *arg);
static void conn_data(void *arg, const char *data, size_t len, int whole, int end);
static int conn_writable(void *arg);
static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

static const struct lws_protocols protocols[] = {
    { "looptrader-ws", callback, 0, 0, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* ---------------------------------------------------------------- helpers */

static void lws_log_sink(int level, const char *line)
{
    (void)level;
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    log_debug("lws: %.*s", (int)n, line);
}

static int parse_ws_url(struct wsclient *ws, const char *url, struct lt_err *err)
{
    char tmp[512];
    const char *prot, *addr, *path;
    int port;
    if (strlen(url) >= sizeof tmp)
        return lt_err_set(err, LT_ECONFIG, "ws_url too long");
    strcpy(tmp, url);
    if (lws_parse_uri(tmp, &prot, &addr, &port, &path) || !addr[0])
        return lt_err_set(err, LT_ECONFIG, "ws_url is not a ws:// or wss:// URL");
    if (strcmp(prot, "wss") == 0 || strcmp(prot, "https") == 0)
        ws->tls = 1;
    else if (strcmp(prot, "ws") != 0 && strcmp(prot, "http") != 0)
        return lt_err_set(err, LT_ECONFIG, "ws_url scheme must be ws or wss");
    if (ws->tls && port == 80 && !strstr(url + strlen(prot) + 3, ":80"))
        port = 443;
    if (strlen(addr) >= sizeof ws->host || strlen(path) + 2 >= sizeof ws->base_path)
        return lt_err_set(err, LT_ECONFIG, "ws_url too long");
    strcpy(ws->host, addr);
    ws->port = port;
    ws->base_path[0] = '\0';
    if (path[0]) {
        snprintf(ws->base_path, sizeof ws->base_path, "/%s", path);
        size_t n = strlen(ws->base_path);
        while (n > 0 && ws->base_path[n - 1] == '/')
            ws->base_path[--n] = '\0';
    }
    return 0;
}

static int user_kind(const struct wsclient *ws, const struct venue_auth *a)
{
    int has_key = a->api_key && a->api_key[0];
    int has_secret = (a->api_secret && a->api_secret[0]) || a->key;
    int has_session = (a->cookies && a->cookies[0]) || a->n_headers > 0;
    if (ws->legacy_listen_key && has_key)
        return CONN_LEGACY;
    if (has_key && ws->ws_logon && a->key && sign_key_type_of(a->key) == SIGN_KEY_ED25519)
        return CONN_LOGON;
    if (has_key && has_secret)
        return CONN_API;
    if (has_session)
        return CONN_SESSION;
    return -1;
}

static int conn_takes_requests(const struct wsconn *c)
{
    return c->kind == CONN_API || c->kind == CONN_LOGON;
}

static void list_push(struct ticket_list *l, struct wsclient_ticket *t)
{
    t->next = NULL;
    t->prev = l->tail;
    if (l->tail)
        l->tail->next = t;
    else
        l->head = t;
    l->tail = t;
}

static void list_unlink(struct ticket_list *l, struct wsclient_ticket *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        l->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        l->tail = t->prev;
    t->prev = t->next = NULL;
}

static void ticket_free(struct wsclient_ticket *t)
{
    sem_destroy(&t->done);
    strbuf_free(&t->answer);
    free(t);
}

/* Lets go of n of t's two references; the last frees it. */
static void ticket_put(struct wsclient_ticket *t, int n)
{
    if (atomic_fetch_sub(&t->refs, n) == n)
        ticket_free(t);
}

/* t, out of its list, reaches its final state st; its waiter hears of it
 * in tickets_wake.  req_lock held. */
static void ticket_finish(struct wsclient *ws, struct wsclient_ticket *t, enum ticket_state st)
{
    t->state = st;
    list_push(&ws->woken, t);
}

/* Signals the tickets finished since the last call, out of req_lock (a
 * waiter woken under it would block on it at once), and lets go of them.
 * Service thread, req_lock not held. */
static void tickets_wake(struct wsclient *ws)
{
    struct wsclient_ticket *t;
    while ((t = ws->woken.head)) {
        list_unlink(&ws->woken, t);
        sem_post(&t->done);
        ticket_put(t, 1);
    }
}

/* c takes no more requests: queued ones were never written, written ones
 * have lost their answer.  req_lock held; tickets_wake follows. */
static void conn_fail_requests(struct wsconn *c)
{
    struct wsclient_ticket *t;
    c->accepting = 0;
    c->kicked = 0;
    while ((t = c->queue.head)) {
        list_unlink(&c->queue, t);
        ticket_finish(c->ws, t, TICKET_UNSENT);
    }
    c->n_queued = 0;
    while ((t = c->pending.head)) {
        list_unlink(&c->pending, t);
        ticket_finish(c->ws, t, TICKET_LOST);
    }
}

static void users_stream(struct wsconn *c, int up)
{
    for (size_t i = 0; i < c->n_users; i++)
        if (!atomic_load(&c->users[i]->removed))
            mailbox_post_stream(c->users[i]->mb, up);
}

/* ---------------------------------------------------------------- lifecycle */

int wsclient_new(const struct wsclient_config *cfg, struct wsclient **out, struct lt_err *err)
{
    *out = NULL;
    if (!cfg->venue || !cfg->symbol || !cfg->symbol[0])
        return lt_err_set(err, LT_EINVAL, "wsclient needs a venue and a symbol");
    struct wsclient *ws = calloc(1, sizeof *ws);
    if (!ws)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    ws->venue = cfg->venue;
    ws->users_per_connection = cfg->users_per_connection > 0 ? cfg->users_per_connection : 100;
    ws->legacy_listen_key = cfg->legacy_listen_key;
    ws->ws_logon = cfg->ws_logon;
    ws->insecure_tls = cfg->insecure_tls;
    ws->symbol = strdup(cfg->symbol);
    atomic_init(&ws->next_req_id, 1);
    ratelimit_window_init(&ws->pace, 1000,
                          cfg->requests_per_second > 0 ? cfg->requests_per_second : WS_REQ_PER_S,
                          0);
    for (int i = 0; i < 2; i++)
        ratelimit_window_init(&ws->connects[i], WS_CONNECTS_WINDOW_MS, WS_CONNECTS_PER_5M, 1000);
    ws->rand_state = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)ws;
    ws->masks_used = sizeof ws->masks; /* drawn at the first frame */
    atomic_init(&ws->stopping, 0);
    atomic_init(&ws->gone_posted, 0);
    atomic_init(&ws->awake, 0);
    int rc = 0;
    if (!ws->symbol || board_new(cfg->symbol, &ws->board) != 0)
        rc = lt_err_set(err, LT_ENOMEM, "out of memory");
    if (!rc)
        rc = parse_ws_url(ws, venue_ws_url(cfg->venue), err);
    if (!rc && ws->legacy_listen_key) {
        rc = venue_http_new(ws->venue, &ws->http, err);
        if (!rc)
            http_set_insecure(ws->http, ws->insecure_tls);
    }
    if (!rc && pthread_mutex_init(&ws->ctl_lock, NULL) != 0)
        rc = lt_err_set(err, LT_ENOMEM, "cannot create a mutex");
    if (!rc && pthread_mutex_init(&ws->req_lock, NULL) != 0) {
        pthread_mutex_destroy(&ws->ctl_lock);
        rc = lt_err_set(err, LT_ENOMEM, "cannot create a mutex");
    }
    if (rc) {
        http_free(ws->http);
        board_free(ws->board);
        free(ws->symbol);
        free(ws);
        return rc;
    }
    *out = ws;
    return 0;
}

struct board *wsclient_board(struct wsclient *ws) { return ws->board; }

static size_t ptr_slot(const struct wsclient *ws, const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL;
    return (size_t)(h >> 17) & ws->by_mb_mask;
}

/* The two indexes by address: by_mb keyed by a user's mailbox, by_auth
 * by its auth. */
enum index_key { BY_MB, BY_AUTH };

static const void *index_key(const struct wsuser *u, enum index_key k)
{
    return k == BY_MB ? (const void *)u->mb : (const void *)u->auth;
}

static void index_add(struct wsclient *ws, struct wsuser **tab, enum index_key k,
                      struct wsuser *u)
{
    size_t at = ptr_slot(ws, index_key(u, k));
    while (tab[at])
        at = (at + 1) & ws->by_mb_mask;
    tab[at] = u;
}

static struct wsuser *index_get(const struct wsclient *ws, struct wsuser *const *tab,
                                enum index_key k, const void *key)
{
    if (!tab)
        return NULL;
    for (size_t at = ptr_slot(ws, key); tab[at]; at = (at + 1) & ws->by_mb_mask)
        if (index_key(tab[at], k) == key)
            return tab[at];
    return NULL;
}

static void index_put(struct wsclient *ws, struct wsuser *u)
{
    index_add(ws, ws->by_mb, BY_MB, u);
    index_add(ws, ws->by_auth, BY_AUTH, u);
}

/* Room in by_mb for n users.  0 or LT_ENOMEM. */
static int index_reserve(struct wsclient *ws, size_t n)
{
    size_t cap = ws->by_mb ? ws->by_mb_mask + 1 : 0;
    if (2 * n <= cap)
        return 0;
    size_t ncap = cap ? 2 * cap : 32;
    struct wsuser **idx = calloc(ncap, sizeof *idx);
    struct wsuser **aidx = calloc(ncap, sizeof *aidx);
    if (!idx || !aidx) {
        free(idx);
        free(aidx);
        return LT_ENOMEM;
    }
    free(ws->by_mb);
    free(ws->by_auth);
    ws->by_mb = idx;
    ws->by_auth = aidx;
    ws->by_mb_mask = ncap - 1;
    for (size_t i = 0; i < ws->n_users; i++)
        index_put(ws, ws->users[i]);
    return 0;
}

static struct wsuser *user_by_mb(const struct wsclient *ws, const struct mailbox *mb)
{
    return index_get(ws, ws->by_mb, BY_MB, mb);
}

static struct wsuser *user_by_auth(const struct wsclient *ws, const struct venue_auth *a)
{
    return index_get(ws, ws->by_auth, BY_AUTH, a);
}

int wsclient_add_user(struct wsclient *ws, const char *name, const struct venue_auth *auth,
                      struct mailbox *mb, struct lt_err *err)
{
    if (ws->started)
        return lt_err_set(err, LT_EINVAL, "wsclient_add_user after start");
    if (ws->n_users == ws->cap_users) {
        size_t cap = ws->cap_users ? 2 * ws->cap_users : 16;
        struct wsuser **grown = realloc(ws->users, cap * sizeof *grown);
        if (!grown)
            return lt_err_set(err, LT_ENOMEM, "out of memory");
        ws->users = grown;
        ws->cap_users = cap;
    }
    if (index_reserve(ws, ws->n_users + 1) != 0)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    struct wsuser *u = calloc(1, sizeof *u);
    if (!u)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    u->name = name && name[0] ? name : "?";
    u->auth = auth;
    u->mb = mb;
    u->req_id = -1;
    u->subscription_id = -1;
    atomic_init(&u->removed, 0);
    ws->users[ws->n_users++] = u;
    index_put(ws, u);
    return 0;
}

static struct wsconn *conn_new(struct wsclient *ws, enum conn_kind kind, const char *label)
{
    struct wsconn **grown = realloc(ws->conns, (ws->n_conns + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    ws->conns = grown;
    struct wsconn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ws = ws;
    c->kind = kind;
    snprintf(c->label, sizeof c->label, "%s", label);
    c->backoff_ms = BACKOFF_MIN_MS;
    strbuf_init(&c->rx, RX_MAX);
    ws->conns[ws->n_conns++] = c;
    return c;
}

static int conn_add_user(struct wsconn *c, struct wsuser *u)
{
    struct wsuser **grown = realloc(c->users, (c->n_users + 1) * sizeof *grown);
    if (!grown)
        return LT_ENOMEM;
    c->users = grown;
    c->users[c->n_users++] = u;
    u->conn = c;
    return 0;
}

/* Lays the users out over connections. */
static int build_conns(struct wsclient *ws)
{
    char label[LABEL_MAX];
    if (!conn_new(ws, CONN_MARKET, "market"))
        return LT_ENOMEM;
    struct wsconn *api = NULL;
    int n_api = 0;
    for (size_t i = 0; i < ws->n_users; i++) {
        struct wsuser *u = ws->users[i];
        int kind = user_kind(ws, u->auth);
        struct wsconn *c = NULL;
        if (kind == CONN_API) {
            if (!api || api->n_users >= (size_t)ws->users_per_connection) {
                snprintf(label, sizeof label, "ws-api#%d", ++n_api);
                if (!(api = conn_new(ws, CONN_API, label)))
                    return LT_ENOMEM;
            }
            c = api;
        } else if (kind == CONN_LEGACY || kind == CONN_SESSION || kind == CONN_LOGON) {
            snprintf(label, sizeof label, "%s%.64s", kind == CONN_LOGON ? "ws-api " : "user ",
                     u->name);
            if (!(c = conn_new(ws, (enum conn_kind)kind, label)))
                return LT_ENOMEM;
        }
        if (c && conn_add_user(c, u))
            return LT_ENOMEM;
    }
    return 0;
}

static void *service_main(void *arg);
static int64_t channel_begin(void *ctx, const struct venue_auth *a);
static int channel_call(void *ctx, const struct venue_auth *a, int64_t id, const char *text,
                        size_t len, const struct venue_in_flight *f, long timeout_ms,
                        struct strbuf *answer, struct lt_err *err);

int wsclient_start(struct wsclient *ws, struct lt_err *err)
{
    if (ws->started)
        return lt_err_set(err, LT_EINVAL, "wsclient already started");
    if (build_conns(ws))
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    free(ws->gone);
    free(ws->gone_work);
    ws->gone = calloc(ws->n_users ? ws->n_users : 1, sizeof *ws->gone);
    ws->gone_work = calloc(ws->n_users ? ws->n_users : 1, sizeof *ws->gone_work);
    if (!ws->gone || !ws->gone_work)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_sink);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.user = ws;
    /* lws does no TLS for us (wstransport.h): no SSL global init, no CA. */
    info.options = 0;
    info.fd_limit_per_thread = (unsigned)(ws->n_conns + 8);
    ws->ctx = lws_create_context(&info);
    if (!ws->ctx)
        return lt_err_set(err, LT_EIO, "cannot create the WebSocket context");
    int rc = wstransport_shared_new(ws->ctx, ws->tls, venue_ca_file(ws->venue), ws->insecure_tls,
                                    &ws->tsh, err);
    if (!rc && pthread_create(&ws->thread, NULL, service_main, ws) != 0)
        rc = lt_err_set(err, LT_EIO, "cannot start the WebSocket thread");
    if (rc) {
        lws_context_destroy(ws->ctx);
        ws->ctx = NULL;
        wstransport_shared_free(ws->tsh);
        ws->tsh = NULL;
        return rc;
    }
    ws->started = 1;
    if (venue_orders_ws_api(ws->venue) && !ws->legacy_listen_key) {
        ws->channel = (struct venue_order_channel){ channel_begin, channel_call, ws };
        venue_set_order_channel(ws->venue, &ws->channel);
        ws->channel_set = 1;
    }
    return 0;
}

void wsclient_remove_user(struct wsclient *ws, struct mailbox *mb)
{
    struct wsuser *u = user_by_mb(ws, mb);
    if (!u || atomic_exchange(&u->removed, 1))
        return;
    pthread_mutex_lock(&ws->ctl_lock);
    if (ws->started && !atomic_load(&ws->stopping)) {
        ws->gone[ws->n_gone++] = u; /* at most once per user: n_users slots */
        atomic_store(&ws->gone_posted, 1);
        lws_cancel_service(ws->ctx);
    }
    pthread_mutex_unlock(&ws->ctl_lock);
}

void wsclient_stop(struct wsclient *ws)
{
    if (!ws || !ws->started)
        return;
    if (ws->channel_set) {
        venue_set_order_channel(ws->venue, NULL);
        ws->channel_set = 0;
    }
    pthread_mutex_lock(&ws->ctl_lock);
    if (!atomic_exchange(&ws->stopping, 1)) /* set: the thread is destroying ctx */
        lws_cancel_service(ws->ctx);
    pthread_mutex_unlock(&ws->ctl_lock);
    pthread_join(ws->thread, NULL);
    ws->started = 0;
    ws->ctx = NULL;
}

void wsclient_free(struct wsclient *ws)
{
    if (!ws)
        return;
    wsclient_stop(ws);
    for (size_t i = 0; i < ws->n_conns; i++) {
        strbuf_free(&ws->conns[i]->rx);
        free(ws->conns[i]->users);
        free(ws->conns[i]);
    }
    for (size_t i = 0; i < ws->n_users; i++)
        free(ws->users[i]);
    free(ws->conns);
    free(ws->users);
    free(ws->by_mb);
    free(ws->by_auth);
    free(ws->gone);
    free(ws->gone_work);
    http_free(ws->http);
    board_free(ws->board);
    free(ws->out);
    pthread_mutex_destroy(&ws->ctl_lock);
    pthread_mutex_destroy(&ws->req_lock);
    free(ws->symbol);
    free(ws);
}

/* ---------------------------------------------------------------- requests */

int64_t wsclient_request_id(struct wsclient *ws) { return atomic_fetch_add(&ws->next_req_id, 1); }

int wsclient_request(struct wsclient *ws, const struct venue_auth *auth, int64_t id,
                     const char *text, size_t len, struct wsclient_ticket **out)
{
    *out = NULL;
    struct wsuser *u = user_by_auth(ws, auth);
    struct wsconn *c = u ? u->conn : NULL;
    if (!c || !conn_takes_requests(c) || atomic_load(&u->removed))
        return WSCLIENT_UNSENT;
    struct wsclient_ticket *t = malloc(sizeof *t + len);
    if (!t)
        return WSCLIENT_UNSENT;
    memset(t, 0, sizeof *t);
    t->conn = c;
    t->id = id;
    t->len = len;
    t->state = TICKET_QUEUED;
    atomic_init(&t->refs, 2);
    strbuf_init(&t->answer, RX_MAX);
    memcpy(t->text, text, len);
    if (sem_init(&t->done, 0, 0) != 0) {
        free(t);
        return WSCLIENT_UNSENT;
    }
    pthread_mutex_lock(&ws->req_lock);
    int ok = c->accepting && !ws->req_closed && c->n_queued < WS_QUEUE_MAX;
    /* else a wake-up is on its way already, or the thread is in a pass and
     * looks at the queues before its next poll */
    int wake = ok && !c->kicked && !atomic_load_explicit(&ws->awake, memory_order_relaxed);
    if (ok) {
        list_push(&c->queue, t);
        c->n_queued++;
        c->kicked = 1;
    }
    pthread_mutex_unlock(&ws->req_lock);
    if (!ok) {
        ticket_free(t);
        return WSCLIENT_UNSENT;
    }
    if (wake) {
        /* a stop under way: the thread's last sweep ends the ticket */
        pthread_mutex_lock(&ws->ctl_lock);
        if (!atomic_load(&ws->stopping))
            lws_cancel_service(ws->ctx);
        pthread_mutex_unlock(&ws->ctl_lock);
    }
    *out = t;
    return 0;
}

int wsclient_wait(struct wsclient *ws, struct wsclient_ticket *t, long timeout_ms,
                  struct strbuf *answer, struct lt_err *err)
{
    struct timespec dl = clock_ts_ms(clock_mono_ms() + timeout_ms);
    pthread_mutex_lock(&ws->req_lock);
    /* A semaphore, not a condition variable on req_lock: glibc's takes the
     * mutex back marked contended, so each woken waiter's unlock was a
     * futex wake for nobody. */
    while (t->state == TICKET_QUEUED || t->state == TICKET_WRITTEN) {
        pthread_mutex_unlock(&ws->req_lock);
        int rc = sem_clockwait(&t->done, CLOCK_MONOTONIC, &dl);
        int done = rc != 0 && errno != EINTR; /* the deadline (or a bad one) */
        pthread_mutex_lock(&ws->req_lock);
        if (done)
            break;
    }
    latency_woke();
    enum ticket_state st = t->state;
    if (st == TICKET_QUEUED) { /* never written: it stays so */
        list_unlink(&t->conn->queue, t);
        t->conn->n_queued--;
    } else if (st == TICKET_WRITTEN) { /* its answer is copied for nobody */
        t->abandoned = 1;
    } else if (st == TICKET_ANSWERED) {
        struct strbuf mine = *answer;
        *answer = t->answer;
        t->answer = mine;
    }
    pthread_mutex_unlock(&ws->req_lock);
    /* off the queue, the service thread's reference is ours too */
    ticket_put(t, st == TICKET_QUEUED ? 2 : 1);
    switch (st) {
    case TICKET_ANSWERED:
        return 0;
    case TICKET_WRITTEN:
        return lt_err_set(err, LT_EUNKNOWN, "WebSocket API: no answer in %ld ms", timeout_ms);
    case TICKET_LOST:
        return lt_err_set(err, LT_EUNKNOWN, "WebSocket API: connection lost before the answer");
    case TICKET_QUEUED:
    case TICKET_UNSENT:
        break;
    }
    return WSCLIENT_UNSENT;
}

/* The venue's order channel (venue_binance.h) over the two calls above. */
static int64_t channel_begin(void *ctx, const struct venue_auth *a)
{
    struct wsclient *ws = ctx;
    struct wsuser *u = user_by_auth(ws, a);
    int up = 0;
    if (u && u->conn && conn_takes_requests(u->conn)) {
        pthread_mutex_lock(&ws->req_lock);
        up = u->conn->accepting && !ws->req_closed;
        pthread_mutex_unlock(&ws->req_lock);
    }
    return up ? wsclient_request_id(ws) : -1;
}

static int channel_call(void *ctx, const struct venue_auth *a, int64_t id, const char *text,
                        size_t len, const struct venue_in_flight *f, long timeout_ms,
                        struct strbuf *answer, struct lt_err *err)
{
    struct wsclient *ws = ctx;
    struct wsclient_ticket *t;
    int rc = wsclient_request(ws, a, id, text, len, &t);
    if (rc == 0) {
        if (f)
            f->fn(f->arg);
        rc = wsclient_wait(ws, t, timeout_ms, answer, err);
    }
    return rc == WSCLIENT_UNSENT ? VENUE_CHANNEL_UNSENT : rc;
}

/* The answer to a ticket of c with this id: handed to its waiter.  1 when
 * it was one. */
static int ticket_answer(struct wsconn *c, int64_t id, const char *buf, size_t len)
{
    struct wsclient *ws = c->ws;
    struct wsclient_ticket *t;
    if (!conn_takes_requests(c))
        return 0;
    pthread_mutex_lock(&ws->req_lock);
    for (t = c->pending.head; t && t->id != id; t = t->next)
        ;
    if (t) {
        list_unlink(&c->pending, t);
        ticket_finish(ws, t, t->abandoned || strbuf_add(&t->answer, buf, len) == 0 ? TICKET_ANSWERED
                                                                                 : TICKET_LOST);
    }
    pthread_mutex_unlock(&ws->req_lock);
    return t != NULL;
}

/* After a wake-up: the connections that have new requests want to write. */
static void conn_write_queued(struct wsconn *c);

/* The kicked connections' queues written.  With before_poll, awake is cleared
 * in the same hold of req_lock that finds none kicked: from then on a
 * request wakes the thread (wsclient_request reads awake under the lock).
 * 1 when some connection was kicked. */
static int write_kicked(struct wsclient *ws, int before_poll)
{
    int any = 0;
    pthread_mutex_lock(&ws->req_lock);
    for (size_t i = 0; i < ws->n_conns; i++) {
        ws->conns[i]->kick_work = ws->conns[i]->kicked;
        any |= ws->conns[i]->kicked;
        ws->conns[i]->kicked = 0;
    }
    if (before_poll && !any)
        atomic_store_explicit(&ws->awake, 0, memory_order_relaxed);
    pthread_mutex_unlock(&ws->req_lock);
    for (size_t i = 0; any && i < ws->n_conns; i++)
        if (ws->conns[i]->kick_work && ws->conns[i]->state == CONN_UP && ws->conns[i]->t)
            conn_write_queued(ws->conns[i]);
    return any;
}

/* ---------------------------------------------------------------- service thread */

static void *service_main(void *arg)
{
    /* the thread's role in top -H, ps -L and perf */
    pthread_setname_np(pthread_self(), "lt-ws");
    struct wsclient *ws = arg;
    for (size_t i = 0; i < ws->n_conns; i++)
        if (ws->conns[i]->kind == CONN_MARKET || ws->conns[i]->n_users > 0)
            conn_connect(ws->conns[i]);
    while (!atomic_load(&ws->stopping)) {
        int rc = lws_service(ws->ctx, 0);
        tickets_wake(ws); /* the pass's answers, before the next poll */
        /* what workers queued during the pass (awake: no wake-up written) */
        while (write_kicked(ws, 1))
            ;
        if (rc < 0) {
            log_error("ws: service loop failed; pushes stop, workers poll");
            break;
        }
    }
    for (size_t i = 0; i < ws->n_conns; i++) {
        lws_sul_cancel(&ws->conns[i]->sul);
        lws_sul_cancel(&ws->conns[i]->pace_sul);
        ws->conns[i]->retired = 1; /* closes during destroy must not reconnect */
    }
    /* Under ctl_lock, so no other thread is inside lws_cancel_service on
     * the context (it closes the eventfd that call writes) and none starts
     * one: they all check stopping under the lock first. */
    pthread_mutex_lock(&ws->ctl_lock);
    atomic_store(&ws->stopping, 1);
    pthread_mutex_unlock(&ws->ctl_lock);
    lws_context_destroy(ws->ctx); /* closes every connection (RAW_CLOSE_FILE) */
    wstransport_shared_free(ws->tsh);
    ws->tsh = NULL;
    /* every waiter ends now: nothing is written any more */
    pthread_mutex_lock(&ws->req_lock);
    ws->req_closed = 1;
    for (size_t i = 0; i < ws->n_conns; i++)
        conn_fail_requests(ws->conns[i]);
    pthread_mutex_unlock(&ws->req_lock);
    tickets_wake(ws);
    return NULL;
}

static void reconnect_cb(lws_sorted_usec_list_t *sul)
{
    struct wsconn *c = lws_container_of(sul, struct wsconn, sul);
    if (!c->retired && !atomic_load(&c->ws->stopping))
        conn_connect(c);
}

/* The connection is gone (or never came): tell its users, plan a retry. */
static void conn_lost(struct wsconn *c, const char *why)
{
    if (c->state == CONN_IDLE)
        return;
    int was_up = c->state == CONN_UP;
    c->state = CONN_IDLE;
    c->t = NULL;
    c->closing = 0;
    lws_sul_cancel(&c->pace_sul);
    strbuf_reset(&c->rx);
    c->rx_dropping = 0;
    pthread_mutex_lock(&c->ws->req_lock);
    conn_fail_requests(c);
    pthread_mutex_unlock(&c->ws->req_lock);
    tickets_wake(c->ws); /* now: lws may call this before its poll (a timeout) */
    for (size_t i = 0; i < c->n_users; i++) {
        c->users[i]->subscription_id = -1;
        c->users[i]->req_id = -1;
        c->users[i]->need_subscribe = 0;
        c->users[i]->need_unsubscribe = 0;
        c->users[i]->need_logon = 0;
        c->users[i]->req_is_logon = 0;
        c->users[i]->req_is_unsubscribe = 0;
    }
    users_stream(c, 0);
    if (c->kind == CONN_MARKET)
        board_stream_down(c->ws->board);
    if (c->retired || atomic_load(&c->ws->stopping))
        return;
    struct wsclient *ws = c->ws;
    int half = c->backoff_ms / 2;
    int delay = half + (int)(rand_r(&ws->rand_state) % (unsigned)(half + 1));
    /* A long outage logs about once a minute, not on every retry. */
    c->fails++;
    live_ws_lost(was_up);
    char reason[121]; /* lws's text: redacted whole, then cut */
    log_redact(why, reason, sizeof reason);
    if (was_up)
        log_warn("ws %s: connection lost (%s); reconnecting in %d ms", c->label, reason, delay);
    else if (c->fails <= 3 || c->fails % 12 == 0)
        log_warn("ws %s: cannot connect (%s, attempt %u); retrying in %d ms", c->label, reason,
                 c->fails, delay);
    c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
    lws_sul_schedule(ws->ctx, 0, &c->sul, reconnect_cb, (lws_usec_t)delay * 1000);
}

/* 1 when c may try to connect now (counted); else its retry is scheduled
 * for when the connection-attempt window has room. */
static int connect_turn(struct wsconn *c)
{
    struct wsclient *ws = c->ws;
    int64_t now = venue_now_ms(ws->venue);
    int api = c->kind == CONN_API || c->kind == CONN_LOGON;
    int64_t wait = ratelimit_window_reserve(&ws->connects[api ? 0 : 1], now, 1);
    if (wait == 0)
        return 1;
    if (now - ws->connects_warned_ms >= WS_CONNECTS_WINDOW_MS) {
        ws->connects_warned_ms = now;
        log_warn("ws: %d %s connection attempts in 5 minutes, the venue's limit; %s and any "
                 "other waits %lld s (meanwhile orders are polled)",
                 WS_CONNECTS_PER_5M, api ? "WebSocket API" : "stream", c->label,
                 (long long)((wait + 999) / 1000));
    }
    /* spread over a second: the window opens for every waiting connection at once */
    int64_t jitter = (int64_t)(rand_r(&ws->rand_state) % 1000u);
    lws_sul_schedule(ws->ctx, 0, &c->sul, reconnect_cb, (lws_usec_t)(wait + jitter) * 1000);
    return 0;
}

static void conn_connect(struct wsconn *c)
{
    struct wsclient *ws = c->ws;
    if (!connect_turn(c))
        return;
    char path[512];
    char key[LISTEN_KEY_MAX];
    struct strbuf sp = STRBUF_INIT;
    struct lt_err err;
    lt_err_clear(&err);
    path[0] = '\0';
    switch (c->kind) {
    case CONN_MARKET:
        if (venue_ops(ws->venue)->market_stream_path(ws->venue, ws->symbol, &sp) == 0)
            snprintf(path, sizeof path, "%s%s", ws->base_path, sp.buf);
        strbuf_free(&sp);
        break;
    case CONN_API:
    case CONN_LOGON:
        snprintf(path, sizeof path, "%s/ws-api/v3", ws->base_path);
        break;
    case CONN_SESSION:
        snprintf(path, sizeof path, "%s/ws/user", ws->base_path);
        break;
    case CONN_LEGACY:
        /* Blocking REST call on this thread: only at (re)connect time. */
        if (venue_binance_listen_key(ws->venue, ws->http, c->users[0]->auth, key, sizeof key,
                                     &err) == 0)
            snprintf(path, sizeof path, "%s/ws/%s", ws->base_path, key);
        break;
    }
    c->state = CONN_CONNECTING;
    if (!path[0]) {
        conn_lost(c, err.msg[0] ? err.msg : "no stream path");
        return;
    }
    static const struct wstransport_ops ops = { conn_open, conn_data, conn_writable };
    struct wstransport_target to = { .host = ws->host, .port = ws->port, .path = path,
                                     .auth = c->kind == CONN_SESSION ? c->users[0]->auth : NULL,
                                     .addr_index = c->addr_index };
    if (wstransport_open(ws->tsh, &to, &ops, c, &c->t, &err) != 0) {
        c->addr_index++;
        conn_lost(c, err.msg);
        return;
    }
}

static struct wsuser *user_by_sub(struct wsconn *c, int sub)
{
    for (size_t i = 0; i < c->n_users; i++)
        if (c->users[i]->subscription_id == sub)
            return c->users[i];
    return NULL;
}

/* 1 with *id when buf starts {"id":N, as the venue writes its answers
 * (and echoes our ids).  Such an answer goes to its ticket unread: its
 * waiter parses it in full and checks the id again, so a message that
 * only looks like an answer costs no more than the waiter's own request;
 * any other spelling is read here first, like every message. */
static int answer_id(const char *buf, size_t len, int64_t *id)
{
    static const char pre[] = "{\"id\":";
    size_t i = sizeof pre - 1, digits = 0;
    int64_t v = 0;
    if (len <= i || memcmp(buf, pre, i) != 0)
        return 0;
    for (; i < len && buf[i] >= '0' && buf[i] <= '9' && digits < 18; i++, digits++)
        v = v * 10 + (buf[i] - '0');
    if (!digits || i >= len || buf[i] != ',')
        return 0;
    *id = v;
    return 1;
}

static void on_message(struct wsconn *c, const char *buf, size_t len)
{
    struct wsclient *ws = c->ws;
    int64_t id;
    if (conn_takes_requests(c) && answer_id(buf, len, &id) && ticket_answer(c, id, buf, len))
        return;
    /* Tick-to-order latency starts when the frame is read, before parsing. */
    int64_t rx_us = c->kind == CONN_MARKET ? clock_mono_us() : 0;
    struct venue_push p;
    struct lt_err err;
    lt_err_clear(&err);
    if (venue_ops(ws->venue)->parse_push(ws->venue, buf, len, &p, &err) != 0) {
        ws->malformed++;
        if (ws->malformed <= 10 || ws->malformed % MALFORMED_LOG_EVERY == 0)
            log_warn("ws %s: skipped a malformed message (%zu bytes, %lu so far): %s", c->label,
                     len, ws->malformed, err.msg);
        return;
    }
    struct wsuser *u = NULL;
    switch (p.kind) {
    case PUSH_BOOK_TICKER:
        if (c->kind != CONN_MARKET || strcasecmp(p.u.book.symbol, ws->symbol) != 0)
            return;
        if (p.u.book.bid <= 0 || p.u.book.ask <= 0)
            return;
        latency_tick_read();
        board_post(ws->board, p.u.book.bid, p.u.book.ask, rx_us);
        return;
    case PUSH_EXECUTION:
    case PUSH_ACCOUNT: /* in the ring, so that it follows the executions before it */
        if (c->kind == CONN_API || c->kind == CONN_LOGON)
            u = p.subscription_id >= 0 ? user_by_sub(c, p.subscription_id) : NULL;
        else if (c->kind != CONN_MARKET)
            u = c->users[0];
        if (u && !atomic_load(&u->removed))
            mailbox_post_exec(u->mb, &p);
        else if (!u)
            log_debug("ws %s: execution report for no known subscription", c->label);
        return;
    case PUSH_RESPONSE:
        if (ticket_answer(c, p.u.response.id, buf, len))
            return;
        for (size_t i = 0; i < c->n_users && !u; i++)
            if (c->users[i]->req_id == p.u.response.id)
                u = c->users[i];
        if (!u) {
            /* untrusted: an id we never sent here, or one whose waiter is gone */
            ws->strays++;
            if (c->kind != CONN_MARKET &&
                (ws->strays <= 10 || ws->strays % MALFORMED_LOG_EVERY == 0))
                log_warn("ws %s: dropped an answer to no request of this connection (id %lld, "
                         "%lu so far)",
                         c->label, (long long)p.u.response.id, ws->strays);
            return;
        }
        u->req_id = -1;
        if (u->req_is_unsubscribe) { /* the user is done: nothing follows from it */
            u->req_is_unsubscribe = 0;
            log_debug("ws %s: %s unsubscribed: %d", c->label, u->name, p.u.response.status);
            return;
        }
        if (p.u.response.status == 429 || p.u.response.status == 418) {
            /* Over the IP's weight: the whole IP waits, this request is
             * sent again when the pacer lets it. */
            log_warn("ws %s: %s %s refused for request weight: %d %s; retrying", c->label,
                     u->name, u->req_is_logon ? "session.logon" : "subscription",
                     p.u.response.error_code, p.u.response.error_msg);
            venue_limits_block(ws->venue, NULL, p.u.response.error_code, -1);
            if (!atomic_load(&u->removed)) {
                if (u->req_is_logon)
                    u->need_logon = 1;
                else
                    u->need_subscribe = 1;
                wstransport_want_writable(c->t);
            }
            u->req_is_logon = 0;
            return;
        }
        if (u->req_is_logon) {
            u->req_is_logon = 0;
            if (p.u.response.status != 200) {
                log_warn("ws %s: %s session.logon refused: %d %s (its orders are polled)",
                         c->label, u->name, p.u.response.error_code, p.u.response.error_msg);
            } else if (!atomic_load(&u->removed)) {
                log_info("ws %s: %s logged on", c->label, u->name);
                u->need_subscribe = 1;
                wstransport_want_writable(c->t);
            }
            return;
        }
        if (p.u.response.status == 200 && p.u.response.subscription_id >= 0) {
            u->subscription_id = p.u.response.subscription_id;
            log_info("ws %s: %s subscribed (subscription %d)", c->label, u->name,
                     u->subscription_id);
            if (!atomic_load(&u->removed))
                mailbox_post_stream(u->mb, 1);
            else /* removed while the subscribe was in flight */
                u->need_unsubscribe = 1, wstransport_want_writable(c->t);
        } else {
            log_warn("ws %s: %s subscription refused: %d %s (its orders are polled)",
                     c->label, u->name, p.u.response.error_code, p.u.response.error_msg);
        }
        return;
    case PUSH_STREAM_END:
        if (c->kind == CONN_API || c->kind == CONN_LOGON) {
            u = p.subscription_id >= 0 ? user_by_sub(c, p.subscription_id) : NULL;
            if (!u)
                return;
            log_warn("ws %s: %s stream terminated; resubscribing", c->label, u->name);
            u->subscription_id = -1;
            mailbox_post_stream(u->mb, 0);
            if (!atomic_load(&u->removed)) {
                u->need_subscribe = 1;
                wstransport_want_writable(c->t);
            }
        } else if (c->kind != CONN_MARKET) {
            log_warn("ws %s: stream ended; reconnecting", c->label);
            c->closing = 1;
            wstransport_want_writable(c->t);
        }
        return;
    case PUSH_IGNORED:
        return;
    }
}

/* Appends text to ws->out as one masked WebSocket text frame (RFC 6455
 * 5.2).  The 4-byte masks come from a pool drawn 64 at a time from lws's
 * /dev/urandom, not a syscall per request.
 * 0, or -1 out of memory or random bytes. */
static int frame_append(struct wsclient *ws, const char *text, size_t len)
{
    size_t need = ws->out_len + WSFRAME_HDR_MAX + len;
    if (need > ws->out_cap) {
        size_t cap = ws->out_cap ? ws->out_cap : 4096;
        while (cap < need)
            cap *= 2;
        unsigned char *grown = realloc(ws->out, cap);
        if (!grown)
            return -1;
        ws->out = grown;
        ws->out_cap = cap;
    }
    if (ws->masks_used + 4 > sizeof ws->masks) {
        if (lws_get_random(ws->ctx, ws->masks, sizeof ws->masks) != sizeof ws->masks)
            return -1;
        ws->masks_used = 0;
    }
    const unsigned char *mask = ws->masks + ws->masks_used;
    ws->masks_used += 4;
    ws->out_len += wsframe_client(ws->out + ws->out_len, WSFRAME_TEXT, text, len, mask);
    return 0;
}

/* Writes the frames in ws->out on c in one write (the transport keeps
 * what the socket does not take, sent in order before any later write).
 * 0, or -1 when the connection failed. */
static int frames_write(struct wsconn *c)
{
    struct wsclient *ws = c->ws;
    size_t n = ws->out_len;
    ws->out_len = 0;
    int rc = n && wstransport_write(c->t, ws->out, n) < 0 ? -1 : 0;
    if (ws->out_cap > OUT_KEEP) { /* a burst's room: not kept for life */
        free(ws->out);
        ws->out = NULL;
        ws->out_cap = 0;
    }
    return rc;
}

static int send_text(struct wsconn *c, const char *text, size_t len)
{
    return frame_append(c->ws, text, len) || frames_write(c) ? -1 : 0;
}

static void pace_cb(lws_sorted_usec_list_t *sul)
{
    struct wsconn *c = lws_container_of(sul, struct wsconn, pace_sul);
    if (c->state == CONN_UP && c->t && !atomic_load(&c->ws->stopping))
        wstransport_want_writable(c->t);
}

/* One WS API request's turn (see Pacing at the top): 0 when it may go now
 * (counted in both windows), else the ms to wait (nothing counted). */
static int64_t pace_take(struct wsclient *ws)
{
    int64_t now = venue_now_ms(ws->venue);
    int64_t wait = ratelimit_window_wait(&ws->pace, now, 1);
    if (wait == 0 && (wait = venue_weight_try(ws->venue, WS_REQ_WEIGHT)) == 0)
        ratelimit_window_count(&ws->pace, now, 1);
    return wait;
}

/* Writes c's queued requests now, in the wake-up that announced them, not
 * a writable callback later: no poll round trip between a worker's
 * request and its send.  The transport keeps what the socket does not
 * take (sent in order before any later write, and drained before the
 * caller's next writable work), so writing without asking is safe.  All that
 * are queued go in one write.  Each ticket is marked written before the
 * write: from then on its outcome is unknown without an answer.  A write
 * that fails closes the connection (its next writable callback), which
 * ends its pending tickets. */
static void conn_write_queued(struct wsconn *c)
{
    struct wsclient *ws = c->ws;
    if (c->closing)
        return;
    pthread_mutex_lock(&ws->req_lock);
    struct wsclient_ticket *first = c->queue.head, *t;
    while ((t = c->queue.head)) {
        list_unlink(&c->queue, t);
        t->state = TICKET_WRITTEN;
        list_push(&c->pending, t);
    }
    c->n_queued = 0;
    pthread_mutex_unlock(&ws->req_lock);
    /* The batch is pending's tail, which only this thread changes, and
     * stays alive: this thread holds a reference to each (Wake-ups). */
    int rc = 0;
    for (t = first; t && !rc; t = t->next)
        rc = frame_append(ws, t->text, t->len);
    if (!first || (!rc && !frames_write(c)))
        return;
    ws->out_len = 0;
    log_warn("ws %s: a request could not be written; reconnecting", c->label);
    c->closing = 1;
    wstransport_want_writable(c->t);
}

/* Sends the queued requests, then one pending logon/subscribe/unsubscribe
 * when its turn has come; asks for another turn if more wait. */
static int conn_writable(void *arg)
{
    struct wsconn *c = arg;
    struct wsclient *ws = c->ws;
    if (conn_takes_requests(c))
        conn_write_queued(c);
    if (c->closing)
        return -1;
    struct wsuser *next = NULL;
    int more = 0;
    for (size_t i = 0; i < c->n_users; i++) {
        struct wsuser *u = c->users[i];
        if (u->need_unsubscribe && u->subscription_id < 0)
            u->need_unsubscribe = 0; /* nothing to undo: costs no request */
        if (u->need_subscribe || u->need_unsubscribe || u->need_logon) {
            if (next) {
                more = 1;
                break;
            }
            next = u;
        }
    }
    if (!next)
        return 0;
    int64_t wait = pace_take(ws);
    if (wait > 0) {
        lws_sul_schedule(ws->ctx, 0, &c->pace_sul, pace_cb, (lws_usec_t)wait * 1000);
        return 0;
    }
    struct strbuf msg = STRBUF_INIT;
    struct lt_err err;
    lt_err_clear(&err);
    int64_t id = wsclient_request_id(ws);
    int rc;
    if (next->need_unsubscribe) {
        next->need_unsubscribe = 0;
        rc = venue_binance_unsubscribe_msg(id, next->subscription_id, &msg);
        next->subscription_id = -1;
        if (!rc)
            next->req_id = id, next->req_is_unsubscribe = 1;
    } else if (next->need_logon) {
        next->need_logon = 0;
        rc = venue_binance_logon_msg(ws->venue, next->auth, id, &msg, &err);
        if (rc)
            log_warn("ws %s: %s: %s", c->label, next->name, err.msg);
        else
            next->req_id = id, next->req_is_logon = 1;
    } else {
        next->need_subscribe = 0;
        rc = c->kind == CONN_LOGON
                 ? venue_binance_session_subscribe_msg(id, &msg)
                 : venue_ops(ws->venue)->user_subscribe_msg(ws->venue, next->auth, id, &msg, &err);
        if (rc)
            log_warn("ws %s: %s: %s", c->label, next->name, err.msg[0] ? err.msg : "out of memory");
        else
            next->req_id = id;
    }
    int sent = rc ? 0 : send_text(c, msg.buf, msg.len);
    strbuf_free(&msg);
    if (sent < 0)
        return -1;
    if (more)
        wstransport_want_writable(c->t);
    return 0;
}

static void on_removals(struct wsclient *ws)
{
    if (!atomic_exchange(&ws->gone_posted, 0))
        return;
    pthread_mutex_lock(&ws->ctl_lock);
    size_t n = ws->n_gone;
    memcpy(ws->gone_work, ws->gone, n * sizeof *ws->gone);
    ws->n_gone = 0;
    pthread_mutex_unlock(&ws->ctl_lock);
    for (size_t i = 0; i < n; i++) {
        struct wsuser *u = ws->gone_work[i];
        struct wsconn *c = u->conn;
        if (!c)
            continue;
        mailbox_post_stream(u->mb, 0);
        u->need_subscribe = 0;
        if (c->kind == CONN_API) {
            if (u->subscription_id >= 0 && c->state == CONN_UP) {
                u->need_unsubscribe = 1;
                wstransport_want_writable(c->t);
            }
        } else {
            c->retired = 1;
            lws_sul_cancel(&c->sul);
            if (c->t) {
                c->closing = 1;
                wstransport_want_writable(c->t);
            }
        }
    }
}

int wsclient_rx_fragment(struct strbuf *rx, int *dropping, const void *in, size_t len,
                         int final)
{
    int rc = 0;
    if (!*dropping && strbuf_add(rx, in, len) != 0) {
        *dropping = 1;
        strbuf_reset(rx);
        rc = -1;
    }
    if (!final)
        return rc;
    if (!*dropping)
        return 1;
    *dropping = 0;
    wsclient_rx_done(rx);
    return rc;
}

void wsclient_rx_done(struct strbuf *rx)
{
    strbuf_reset(rx);
    if (rx->alloc > 64 * 1024)
        strbuf_free(rx); /* do not keep a huge buffer around */
}

/* The transport's upgrade was accepted: users subscribe (or log on). */
static void conn_open(void *arg)
{
    struct wsconn *c = arg;
    c->state = CONN_UP;
    c->backoff_ms = BACKOFF_MIN_MS;
    c->fails = 0;
    log_info("ws %s: connected", c->label);
    if (conn_takes_requests(c)) {
        pthread_mutex_lock(&c->ws->req_lock);
        c->accepting = 1;
        pthread_mutex_unlock(&c->ws->req_lock);
        int any = 0;
        for (size_t i = 0; i < c->n_users; i++) {
            struct wsuser *u = c->users[i];
            int want = !atomic_load(&u->removed);
            if (c->kind == CONN_LOGON)
                u->need_logon = want;
            else
                u->need_subscribe = want;
            any |= want;
        }
        if (any)
            wstransport_want_writable(c->t);
    } else if (c->kind != CONN_MARKET) {
        users_stream(c, 1);
    }
}

/* A message whole where the transport read it goes to on_message from
 * there; pieces are reassembled in c->rx first. */
static void conn_data(void *arg, const char *data, size_t len, int whole, int end)
{
    struct wsconn *c = arg;
    if (whole) {
        on_message(c, data, len);
        return;
    }
    switch (wsclient_rx_fragment(&c->rx, &c->rx_dropping, data, len, end)) {
    case -1:
        log_warn("ws %s: dropped a message over %u bytes", c->label, RX_MAX);
        break;
    case 1:
        on_message(c, c->rx.buf, c->rx.len);
        wsclient_rx_done(&c->rx);
        break;
    }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    (void)user;
    (void)in;
    (void)len;
    struct wsconn *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: {
        struct wsclient *ws = lws_context_user(lws_get_context(wsi));
        if (ws) {
            atomic_store_explicit(&ws->awake, 1, memory_order_relaxed);
            on_removals(ws);
            write_kicked(ws, 0);
        }
        return 0;
    }
    case LWS_CALLBACK_RAW_RX_FILE:
        if (c)
            atomic_store_explicit(&c->ws->awake, 1, memory_order_relaxed);
        return c && c->t ? wstransport_readable(c->t) : 0;
    case LWS_CALLBACK_RAW_WRITEABLE_FILE:
        return c && c->t ? wstransport_writable(c->t) : 0;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        if (c && c->t) {
            char why[WSTRANSPORT_WHY_MAX];
            wstransport_closed(c->t, why);
            c->t = NULL;
            if (c->state == CONN_CONNECTING)
                c->addr_index++; /* the host's next address next time */
            conn_lost(c, why);
        }
        return 0;
    default:
        return 0;
    }
}
