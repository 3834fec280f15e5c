/*
 * auth.h - who is calling: API key + HMAC/Ed25519/RSA signature, or a web session.
 *
 * Binance's SIGNED endpoints sign the exact bytes "query string" followed
 * by "request body".  libwebsockets hands the server query arguments
 * already url-decoded, so the raw query is gone; auth rebuilds candidate
 * payloads from the decoded fragments (as sent, and re-encoded the ways
 * common clients encode) and accepts the request when any matches.  The
 * body is signed over its raw bytes.  WebSocket API requests sign their
 * params sorted by key.  All failures carry Binance's code and message.
 */
#ifndef LOOPTRADER_SIM_AUTH_H
#define LOOPTRADER_SIM_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/sim/exchange.h"
#include "looptrader/sim/params.h"
#include "looptrader/sim/server.h"

enum auth_level {
    AUTH_KEY,    /* X-MBX-APIKEY only (userDataStream endpoints) */
    AUTH_SIGNED  /* key + timestamp + signature, or a session */
};

/* Authenticates a REST request; *account on success.  Session auth (the
 * account's cookie and header on the request) needs no signature; a
 * timestamp, if sent, is still checked. */
int auth_rest(const struct sim_exchange *ex, struct sim_req *req, enum auth_level level,
              int *account, struct lt_err *err);

/* Authenticates WebSocket API params (apiKey, timestamp, recvWindow,
 * signature over the other params sorted by key). */
int auth_ws(const struct sim_exchange *ex, const struct params *p, int64_t now_ms,
            int *account, struct lt_err *err);

/* WebSocket API params carrying apiKey alone (userDataStream.start/ping/
 * stop): *account of the key. */
int auth_ws_key(const struct sim_exchange *ex, const struct params *p, int *account,
                struct lt_err *err);

/* Checks `signature` of a REST request whose query parameters (decoded,
 * in order) and raw body are given: hex HMAC under secret (computed
 * through hmac, that secret keyed once, when it is not NULL), or, when key
 * (an Ed25519 or RSA public key) is given, base64 under it; -1102 when
 * absent, -1022 when wrong. */
int auth_rest_signature(const char *secret, struct sign_hmac *hmac, const struct sign_key *key,
                        const struct params *p, const char *body_raw, size_t body_len,
                        struct lt_err *err);

/* The session account of a request or WebSocket upgrade, or -1. */
int auth_session(const struct sim_exchange *ex, struct sim_conn *conn);

/* timestamp / recvWindow as Binance checks them (-1102, -1131, -1021).
 * A missing timestamp fails only when `required`. */
int auth_check_time(const struct params *p, int64_t now_ms, int required, struct lt_err *err);

#endif
