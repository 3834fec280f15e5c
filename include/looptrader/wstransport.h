/*
 * wstransport.h - one WebSocket client connection on our own socket, TLS
 * and framing, with libwebsockets as the event loop only.
 *
 * Why: lws 4.1.6's ws client reads a server's frames one byte per call of
 * its RX state machine, a sixth of the trader's CPU under load; its RAW
 * client role cannot start TLS after the TCP connect before 4.4.0.  So the
 * socket is ours (non-blocking connect, TCP_NODELAY), TLS is OpenSSL's
 * (non-blocking SSL_connect/SSL_read/SSL_write), the upgrade is
 * wshandshake's and the frames wsframe's, and the fd is adopted into the
 * caller's lws context as a RAW FILE descriptor: lws polls it, runs our
 * timers (lws_sul) and wakes us (lws_cancel_service).  lws calls the
 * caller's protocol callback with RAW_RX_FILE (readable), RAW_WRITEABLE_FILE
 * (after lws_callback_on_writable) and RAW_CLOSE_FILE; the caller hands
 * them to wstransport_readable, _writable and _closed.  lws close()s the
 * fd when it closes the wsi (a callback returning -1, POLLHUP, or our
 * kill from a timer, LWS_TO_KILL_ASYNC), never we once it is adopted.
 * That role clears POLLOUT after a writable callback returns, so a
 * writable callback asked for inside one is asked again from a timer
 * (wstransport_want_writable).
 *
 * Reads: up to WSTRANSPORT_READ_CHUNK per recv() (or SSL_read()s), looped
 * until the socket (or OpenSSL) has no more (a read short of the chunk
 * says so without another read), at most WSTRANSPORT_RX_BUDGET
 * per wake-up so that one busy connection does not starve the others.
 * Past the budget a plain socket stays readable for the next poll; bytes
 * OpenSSL already holds would not make it so, so then the connection asks
 * for a writable callback (at once ready) and reads on there.  A message
 * whole in the read buffer reaches on_data where it lies (NUL-terminated
 * in place); a longer one comes in pieces for the caller's reassembly.
 * Pings are answered with a pong of the same payload; a close frame is
 * answered with a close and the connection ends.  Idle: nothing received
 * for WSTRANSPORT_PING_S, a ping; for WSTRANSPORT_HANGUP_S, the end (the
 * policy lws ran for us).  Connect, TLS and upgrade together get
 * WSTRANSPORT_CONNECT_S.
 *
 * Writes: what the socket takes goes at once, the rest waits in the
 * connection's output buffer, in order, for writable callbacks.
 *
 * DNS: getaddrinfo blocks the caller's thread, as lws 4.1 did.  One of
 * the host's addresses per attempt: the caller names which, the next one
 * after an attempt that failed.
 *
 * One thread: everything here runs on the lws service thread.
 */
#ifndef LOOPTRADER_WSTRANSPORT_H
#define LOOPTRADER_WSTRANSPORT_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/venue.h"

#define WSTRANSPORT_READ_CHUNK (64u << 10)
#define WSTRANSPORT_RX_BUDGET (256u << 10)
#define WSTRANSPORT_PING_S 20
#define WSTRANSPORT_HANGUP_S 45
#define WSTRANSPORT_CONNECT_S 20
#define WSTRANSPORT_WHY_MAX 120

/* What every connection of one client shares: the lws context, the TLS
 * settings (one SSL_CTX) and the read buffer. */
struct wstransport_shared;

/* Makes the shared part.  tls: wss://; then ca_file (NULL: the system's
 * store) is what verifies the venue, unless insecure (no verification).
 * 0, LT_EIO (a CA file OpenSSL cannot load) or LT_ENOMEM. */
int wstransport_shared_new(struct lws_context *ctx, int tls, const char *ca_file, int insecure,
                           struct wstransport_shared **out, struct lt_err *err);
void wstransport_shared_free(struct wstransport_shared *sh);

/* The idle policy of the connections opened after it: a ping after
 * ping_ms with nothing received, the end after hangup_ms (> ping_ms).
 * The defaults are WSTRANSPORT_PING_S and WSTRANSPORT_HANGUP_S; tests
 * shorten them. */
void wstransport_shared_set_idle(struct wstransport_shared *sh, int64_t ping_ms,
                                 int64_t hangup_ms);

struct wstransport_ops {
    /* The upgrade was accepted: frames flow. */
    void (*on_open)(void *arg);
    /* Data of a message: whole (data[len] is NUL) or a piece of one,
     * end on its last. */
    void (*on_data)(void *arg, const char *data, size_t len, int whole, int end);
    /* Open, the output written: the caller's writable work.  0, or -1 to
     * close the connection. */
    int (*on_writable)(void *arg);
};

struct wstransport_target {
    const char *host;
    int port;
    const char *path;               /* the request's path */
    const struct venue_auth *auth;  /* NULL, or a session user's (wshandshake.h) */
    unsigned addr_index;            /* which of the host's addresses (mod their count) */
};

struct wstransport;

/* Resolves the host, starts the connect and adopts the socket into lws
 * with arg as the wsi's opaque user data (the callback finds its caller's
 * connection there).  0 with *out, or LT_EIO with err (nothing to close). */
int wstransport_open(struct wstransport_shared *sh, const struct wstransport_target *to,
                     const struct wstransport_ops *ops, void *arg, struct wstransport **out,
                     struct lt_err *err);

/* Asks for a writable callback (instead of lws_callback_on_writable,
 * which lws's raw-file role forgets when asked inside one). */
void wstransport_want_writable(struct wstransport *t);

/* RAW_RX_FILE: 0, or -1 when the connection must close (return -1 from
 * the callback). */
int wstransport_readable(struct wstransport *t);

/* RAW_WRITEABLE_FILE: the connect, TLS or upgrade goes on, or, open, what
 * waits is written and then ops->on_writable runs.  0, or -1 as above. */
int wstransport_writable(struct wstransport *t);

/* Writes len bytes (whole frames) after those still waiting.  0, or -1
 * when the connection failed (it closes). */
int wstransport_write(struct wstransport *t, const void *buf, size_t len);

/* RAW_CLOSE_FILE: why the connection ended, short and secret-free, into
 * why[WSTRANSPORT_WHY_MAX]; frees t (lws closes the fd). */
void wstransport_closed(struct wstransport *t, char *why);

#endif
