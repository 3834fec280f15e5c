/*
 * wsclient.h - the one WebSocket thread.
 *
 * Owns every WebSocket connection of a run: the market stream of the symbol
 * (bookTicker, written once per frame on the symbol's price board, which
 * the client owns and workers read) and the users' order
 * pushes (WS API userDataStream.subscribe.signature, many users per
 * connection, paced within the IP's request weight; optionally one
 * session.logon connection per Ed25519 user; or one connection per
 * cookie/header-auth user whose upgrade request carries its cookies and
 * headers).  It parses each message with the
 * venue dialect and posts into the owning user's mailbox.  It reconnects with
 * backoff and re-subscribes after any drop, posting stream up/down into the
 * affected mailboxes so workers know when to poll instead; connection
 * attempts stay within the venue's 300 per 5 minutes per IP.
 *
 * With order_transport "ws-api" (venue_orders_ws_api) it also carries the
 * users' order requests on their WS API connections: while it runs it is
 * the venue's order channel (venue_binance.h), built on wsclient_request
 * and wsclient_wait below.
 *
 * Thread rules: wsclient_add_user only before wsclient_start; after start,
 * other threads may only call wsclient_remove_user, the request calls
 * and wsclient_stop; wsclient_stop once no thread orders through it any
 * more (the workers are joined).
 */
#ifndef LOOPTRADER_WSCLIENT_H
#define LOOPTRADER_WSCLIENT_H

#include "looptrader/board.h"
#include "looptrader/error.h"
#include "looptrader/mailbox.h"
#include "looptrader/venue.h"

struct wsclient;

struct wsclient_config {
    struct venue *venue;
    const char *symbol;
    int users_per_connection;   /* 0 = 100 */
    int requests_per_second;    /* WS API requests (subscribe, logon), all
                                 * connections together; 0 = 200 */
    int legacy_listen_key;      /* 1: POST /api/v3/userDataStream + /ws/<key> */
    int ws_logon;               /* 1: each Ed25519 user on its own connection with
                                 * session.logon; 0: shared like every key type */
    int insecure_tls;           /* tests only */
};

int wsclient_new(const struct wsclient_config *cfg, struct wsclient **out, struct lt_err *err);

/* The streamed symbol's price board; lives as long as the client. */
struct board *wsclient_board(struct wsclient *ws);

/* Registers a user's mailbox; name (used in log lines) and auth are
 * borrowed and must outlive the client.  Only users with credentials get
 * order pushes. */
int wsclient_add_user(struct wsclient *ws, const char *name, const struct venue_auth *auth,
                      struct mailbox *mb, struct lt_err *err);

/* Starts the service thread.  Returns once it runs (connection happens in
 * the background). */
int wsclient_start(struct wsclient *ws, struct lt_err *err);

/* ---- requests over a user's WS API connection (any thread) ---- */

struct wsclient_ticket;

#define WSCLIENT_UNSENT 1 /* positive, never an LT_E* code: never written */

/* A fresh request id, unique among every request of the client. */
int64_t wsclient_request_id(struct wsclient *ws);

/* Queues text, one WS API request whose "id" is id (from
 * wsclient_request_id), for the user registered with auth, and wakes the
 * service thread, which writes it on that user's WS API connection.  0
 * with *out, or WSCLIENT_UNSENT: not possible now (the user has no WS API
 * connection, it is not up, its queue is full, the client stops), and
 * nothing will be written. */
int wsclient_request(struct wsclient *ws, const struct venue_auth *auth, int64_t id,
                     const char *text, size_t len, struct wsclient_ticket **out);

/* Waits at most timeout_ms for t's answer and frees t.  0: *answer holds
 * the venue's whole answer message with t's id, from t's connection,
 * unparsed when it starts {"id":N, (untrusted: the caller reads it in
 * full and checks its id).  WSCLIENT_UNSENT: t was never written (its
 * connection went first, or the wait ran out before its turn) and never
 * will be.  LT_EUNKNOWN: written, no answer (connection lost, the wait ran
 * out, or the client stopped): the request may have taken effect. */
int wsclient_wait(struct wsclient *ws, struct wsclient_ticket *t, long timeout_ms,
                  struct strbuf *answer, struct lt_err *err);

/* A user is finished: unsubscribe its stream (asynchronously). */
void wsclient_remove_user(struct wsclient *ws, struct mailbox *mb);

/* Stops the thread, closes connections, joins. */
void wsclient_stop(struct wsclient *ws);
void wsclient_free(struct wsclient *ws);

#endif
