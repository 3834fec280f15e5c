/*
 * strbuf.h - a growable, always NUL-terminated byte buffer (after git's strbuf).
 *
 * The small API the rest of the code leans on for building request strings,
 * JSON replies and log lines.  A strbuf owns its memory; strbuf_free()
 * frees it and leaves an empty, reusable buffer.  `max` (0 = unlimited)
 * bounds growth so that bytes from the network cannot grow it without end:
 * an append that would pass it fails with LT_ERANGE and leaves the buffer
 * unchanged.
 *
 * (git calls the free function strbuf_release; libconfig exports a symbol of
 * that name, which ours would interpose, so ours is strbuf_free.)
 */
#ifndef LOOPTRADER_STRBUF_H
#define LOOPTRADER_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
    char *buf;    /* NUL-terminated contents; never NULL after init */
    size_t len;   /* bytes used, excluding the NUL */
    size_t alloc; /* bytes allocated; 0 while buf points at the static "" */
    size_t max;   /* growth limit in bytes, 0 = none */
};

#define STRBUF_INIT { strbuf_empty_, 0, 0, 0 }
extern char strbuf_empty_[];

void strbuf_init(struct strbuf *sb, size_t max);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb); /* len = 0, keeps the allocation */

/* Ensures room for `extra` more bytes.  0 or LT_ENOMEM / LT_ERANGE. */
int strbuf_grow(struct strbuf *sb, size_t extra);

int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, char c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

/* Appends s percent-encoded as application/x-www-form-urlencoded values
 * are by common HTTP clients: unreserved bytes (A-Z a-z 0-9 - _ . ~) kept,
 * everything else %XX. */
int strbuf_addurlenc(struct strbuf *sb, const char *s);

/* Hands the buffer to the caller (who frees it) and resets sb. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

#endif
