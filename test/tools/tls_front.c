/*
 * tls_front - a TLS terminator on loopback, so the trader's https:// and
 * wss:// paths (libcurl's TLS and our WebSocket transport's OpenSSL,
 * certificate and hostname checks) run against the plain simulator in
 * tests.
 *
 *   tls_front --listen 127.0.0.1:PORT --to 127.0.0.1:PORT --cert PEM --key PEM
 *             [--port-file FILE] [--max-conns N]
 *
 * Each accepted TLS connection gets its own plain connection to --to, and
 * bytes are piped both ways unread: it fronts REST and WebSocket alike,
 * and what the simulator sees is exactly what the trader sent.  One poll
 * loop serves every connection; each direction has one bounded buffer
 * (PIPE_BUF_MAX), so a side that stops reading stalls only its own pipe.
 * Past --max-conns (default 256) a new client is accepted and closed at
 * once.  PORT 0 picks a free port: the one bound is written to
 * --port-file (whole, by rename) and printed as "listening on
 * 127.0.0.1:PORT", as the simulator does.  SIGTERM or SIGINT ends it.
 *
 * On stderr, one line per connection's handshake, with the SNI name the
 * client sent (or "-") or OpenSSL's reason for the failure (a client that
 * refuses the certificate shows as its alert, e.g. "tlsv1 alert unknown
 * ca"), and at exit the totals: "tls_front: N accepted, H handshakes,
 * F failed".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define PIPE_BUF_MAX (64u << 10)
#define CONNS_DEFAULT 256
#define CONNS_LIMIT 4096

struct pipebuf {
    unsigned char *data;
    size_t len;
};

struct conn {
    unsigned long id;
    int tls_fd, up_fd;
    SSL *ssl;
    int handshaken;
    int connecting;        /* upstream connect() under way */
    int tls_eof, up_eof;   /* the side sent no more (close_notify / FIN) */
    int up_shut;           /* our FIN to upstream is sent */
    short tls_want;        /* what the TLS side's last blocked call waits for */
    struct pipebuf to_up;  /* decrypted from the client, for upstream */
    struct pipebuf to_tls; /* from upstream, to encrypt for the client */
};

static volatile sig_atomic_t g_stop;
static unsigned long n_accepted, n_handshakes, n_failed;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return -1;
    return 0;
}

static int nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void tls_error(const struct conn *c, const char *what)
{
    char buf[256] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    else
        snprintf(buf, sizeof buf, "%s", errno ? strerror(errno) : "connection closed");
    ERR_clear_error();
    fprintf(stderr, "tls_front: conn %lu: %s: %s\n", c->id, what, buf);
}

static void conn_free(struct conn *c)
{
    if (c->ssl) {
        if (c->handshaken)
            SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    if (c->tls_fd >= 0)
        close(c->tls_fd);
    if (c->up_fd >= 0)
        close(c->up_fd);
    free(c->to_up.data);
    free(c->to_tls.data);
    free(c);
}

static void consume(struct pipebuf *b, size_t n)
{
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

/* 1 when OpenSSL's error e only means "wait for the socket": the event it
 * waits for is added to c->tls_want. */
static int tls_would_block(struct conn *c, int e)
{
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        return 0;
    c->tls_want |= e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    return 1;
}

/* Moves what can move without blocking, until nothing does.  0 while the
 * connection lives, -1 once it is over (either side failed, or upstream
 * closed and everything it sent reached the client). */
static int conn_pump(struct conn *c)
{
    if (c->connecting) {
        int e = 0;
        socklen_t el = sizeof e;
        struct pollfd p = { .fd = c->up_fd, .events = POLLOUT };
        if (poll(&p, 1, 0) == 0)
            return 0;
        if (getsockopt(c->up_fd, SOL_SOCKET, SO_ERROR, &e, &el) || e) {
            fprintf(stderr, "tls_front: conn %lu: upstream: %s\n", c->id, strerror(e));
            return -1;
        }
        c->connecting = 0;
    }
    if (!c->handshaken) {
        errno = 0;
        int r = SSL_accept(c->ssl);
        if (r != 1) {
            c->tls_want = 0;
            int e = SSL_get_error(c->ssl, r);
            if (tls_would_block(c, e))
                return 0;
            n_failed++;
            tls_error(c, "handshake failed");
            return -1;
        }
        c->handshaken = 1;
        n_handshakes++;
        const char *sni = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
        fprintf(stderr, "tls_front: conn %lu: handshake ok, %s, sni %s\n", c->id,
                SSL_get_version(c->ssl), sni ? sni : "-");
    }
    int moved;
    do {
        moved = 0;
        c->tls_want = 0;
        while (!c->tls_eof && c->to_up.len < PIPE_BUF_MAX) {
            int n = SSL_read(c->ssl, c->to_up.data + c->to_up.len,
                             (int)(PIPE_BUF_MAX - c->to_up.len));
            if (n > 0) {
                c->to_up.len += (size_t)n;
                moved = 1;
                continue;
            }
            int e = SSL_get_error(c->ssl, n);
            if (tls_would_block(c, e))
                break;
            if (e != SSL_ERROR_ZERO_RETURN && e != SSL_ERROR_SYSCALL) {
                tls_error(c, "read");
                return -1;
            }
            c->tls_eof = 1; /* close_notify, or the client's FIN without one */
        }
        while (c->to_up.len > 0) {
            ssize_t n = send(c->up_fd, c->to_up.data, c->to_up.len, MSG_NOSIGNAL);
            if (n > 0) {
                consume(&c->to_up, (size_t)n);
                moved = 1;
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            } else {
                return -1;
            }
        }
        if (c->tls_eof && c->to_up.len == 0 && !c->up_shut) {
            shutdown(c->up_fd, SHUT_WR);
            c->up_shut = 1;
        }
        while (!c->up_eof && c->to_tls.len < PIPE_BUF_MAX) {
            ssize_t n = recv(c->up_fd, c->to_tls.data + c->to_tls.len,
                             PIPE_BUF_MAX - c->to_tls.len, 0);
            if (n > 0) {
                c->to_tls.len += (size_t)n;
                moved = 1;
            } else if (n == 0) {
                c->up_eof = 1;
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            } else {
                return -1;
            }
        }
        while (c->to_tls.len > 0) {
            int n = SSL_write(c->ssl, c->to_tls.data, (int)c->to_tls.len);
            if (n > 0) {
                consume(&c->to_tls, (size_t)n);
                moved = 1;
                continue;
            }
            int e = SSL_get_error(c->ssl, n);
            if (tls_would_block(c, e))
                break;
            tls_error(c, "write");
            return -1;
        }
    } while (moved);
    if (c->up_eof && c->to_tls.len == 0)
        return -1;
    return 0;
}

static short tls_events(const struct conn *c)
{
    if (c->connecting)
        return 0;
    short ev = c->tls_want;
    if (c->handshaken && !c->tls_eof && c->to_up.len < PIPE_BUF_MAX)
        ev |= POLLIN;
    return ev;
}

static short up_events(const struct conn *c)
{
    if (c->connecting)
        return POLLOUT;
    short ev = 0;
    if (c->to_up.len > 0)
        ev |= POLLOUT;
    if (!c->up_eof && c->to_tls.len < PIPE_BUF_MAX)
        ev |= POLLIN;
    return ev;
}

/* A new client: its upstream connection and TLS state, or NULL (the
 * client is closed; logged). */
static struct conn *conn_new(int fd, SSL_CTX *ctx, const struct sockaddr_in *to)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return NULL;
    }
    c->id = n_accepted;
    c->tls_fd = fd;
    c->up_fd = socket(AF_INET, SOCK_STREAM, 0);
    c->to_up.data = malloc(PIPE_BUF_MAX);
    c->to_tls.data = malloc(PIPE_BUF_MAX);
    c->ssl = SSL_new(ctx);
    int one = 1;
    if (c->up_fd < 0 || !c->to_up.data || !c->to_tls.data || !c->ssl || nonblock(fd) ||
        nonblock(c->up_fd) || !SSL_set_fd(c->ssl, fd)) {
        fprintf(stderr, "tls_front: conn %lu: cannot set up: %s\n", c->id, strerror(errno));
        conn_free(c);
        return NULL;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(c->up_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->up_fd, (const struct sockaddr *)to, sizeof *to) != 0) {
        if (errno != EINPROGRESS) {
            fprintf(stderr, "tls_front: conn %lu: upstream: %s\n", c->id, strerror(errno));
            conn_free(c);
            return NULL;
        }
        c->connecting = 1;
    }
    return c;
}

static int write_port_file(const char *path, int port)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int bad = fprintf(f, "%d\n", port) < 0;
    bad |= fclose(f) != 0;
    return bad || rename(tmp, path) != 0 ? -1 : 0;
}

static SSL_CTX *server_ctx(const char *cert, const char *key)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* SSL_write may take part of the buffer, and the next call passes
     * what is left from where the buffer now starts. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: tls_front --listen 127.0.0.1:PORT --to 127.0.0.1:PORT --cert PEM "
               "--key PEM [--port-file FILE] [--max-conns N]\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "listen", required_argument, NULL, 'l' }, { "to", required_argument, NULL, 't' },
        { "cert", required_argument, NULL, 'c' },   { "key", required_argument, NULL, 'k' },
        { "port-file", required_argument, NULL, 'p' },
        { "max-conns", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
    };
    const char *listen_at = NULL, *to_at = NULL, *cert = NULL, *key = NULL, *port_file = NULL;
    long max_conns = CONNS_DEFAULT;
    int ch;
    while ((ch = getopt_long(argc, argv, "l:t:c:k:p:m:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'l': listen_at = optarg; break;
        case 't': to_at = optarg; break;
        case 'c': cert = optarg; break;
        case 'k': key = optarg; break;
        case 'p': port_file = optarg; break;
        case 'm': max_conns = strtol(optarg, NULL, 10); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    struct sockaddr_in la, ta;
    if (optind < argc || !listen_at || !to_at || !cert || !key || max_conns < 1 ||
        max_conns > CONNS_LIMIT || parse_addr(listen_at, &la) || parse_addr(to_at, &ta)) {
        usage(stderr);
        return 2;
    }
    SSL_CTX *ctx = server_ctx(cert, key);
    if (!ctx) {
        fprintf(stderr, "tls_front: cannot load %s and %s: %s\n", cert, key,
                ERR_error_string(ERR_get_error(), NULL));
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    socklen_t sl = sizeof la;
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(lfd, (struct sockaddr *)&la, sizeof la) || listen(lfd, 128) ||
        getsockname(lfd, (struct sockaddr *)&la, &sl) || nonblock(lfd)) {
        fprintf(stderr, "tls_front: cannot listen on %s: %s\n", listen_at, strerror(errno));
        return 1;
    }
    int port = ntohs(la.sin_port);
    if (port_file && write_port_file(port_file, port)) {
        fprintf(stderr, "tls_front: cannot write %s: %s\n", port_file, strerror(errno));
        return 1;
    }

    /* The signals are let in only while the loop sleeps in ppoll, so a
     * stop can neither be missed between a check and the sleep nor cut a
     * step short. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t block, sleeping;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &sleeping);
    sigdelset(&sleeping, SIGINT);
    sigdelset(&sleeping, SIGTERM);

    printf("listening on 127.0.0.1:%d\n", port);
    fflush(stdout);

    size_t cap = (size_t)max_conns, n = 0;
    struct conn **conns = calloc(cap, sizeof *conns);
    struct pollfd *pfd = calloc(2 * cap + 1, sizeof *pfd);
    if (!conns || !pfd) {
        fprintf(stderr, "tls_front: out of memory\n");
        return 1;
    }
    int rc = 0;
    while (!g_stop) {
        pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
        /* A side waited on for nothing is left out (fd -1): a hung-up
         * socket would otherwise wake the loop over and over. */
        for (size_t i = 0; i < n; i++) {
            short te = tls_events(conns[i]), ue = up_events(conns[i]);
            pfd[1 + 2 * i] = (struct pollfd){ .fd = te ? conns[i]->tls_fd : -1, .events = te };
            pfd[2 + 2 * i] = (struct pollfd){ .fd = ue ? conns[i]->up_fd : -1, .events = ue };
        }
        int r = ppoll(pfd, 1 + 2 * n, NULL, &sleeping);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            fprintf(stderr, "tls_front: poll: %s\n", strerror(errno));
            rc = 1;
            break;
        }
        /* Back to front: a finished connection takes the last one's place,
         * which was already served. */
        for (size_t i = n; i-- > 0;) {
            if (!pfd[1 + 2 * i].revents && !pfd[2 + 2 * i].revents)
                continue;
            if (conn_pump(conns[i]) != 0) {
                conn_free(conns[i]);
                conns[i] = conns[--n];
            }
        }
        if (!(pfd[0].revents & POLLIN))
            continue;
        int fd;
        while ((fd = accept(lfd, NULL, NULL)) >= 0) {
            n_accepted++;
            if (n == cap) {
                fprintf(stderr, "tls_front: conn %lu: over --max-conns %zu; closed\n",
                        n_accepted, cap);
                close(fd);
                continue;
            }
            struct conn *c = conn_new(fd, ctx, &ta);
            if (c && conn_pump(c) != 0) {
                conn_free(c);
                c = NULL;
            }
            if (c)
                conns[n++] = c;
        }
    }
    for (size_t i = 0; i < n; i++)
        conn_free(conns[i]);
    free(conns);
    free(pfd);
    close(lfd);
    SSL_CTX_free(ctx);
    fprintf(stderr, "tls_front: %lu accepted, %lu handshakes, %lu failed\n", n_accepted,
            n_handshakes, n_failed);
    return rc;
}
