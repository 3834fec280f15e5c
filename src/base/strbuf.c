/* strbuf.c - growable byte buffer; see strbuf.h for the contract. */
#include "looptrader/strbuf.h"
#include "looptrader/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_empty_[1];

void strbuf_init(struct strbuf *sb, size_t max)
{
    sb->buf = strbuf_empty_;
    sb->len = 0;
    sb->alloc = 0;
    sb->max = max;
}

void strbuf_free(struct strbuf *sb)
{
    size_t max = sb->max;
    if (sb->alloc)
        free(sb->buf);
    strbuf_init(sb, max);
}

void strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    if (sb->alloc) /* never write the shared static "" (other threads read it) */
        sb->buf[0] = '\0';
}

int strbuf_grow(struct strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need < sb->len)
        return LT_ERANGE;
    if (sb->max && need > sb->max + 1)
        return LT_ERANGE;
    if (need <= sb->alloc)
        return 0;
    size_t n = sb->alloc ? sb->alloc : 64;
    while (n < need)
        n *= 2;
    char *p = sb->alloc ? realloc(sb->buf, n) : malloc(n);
    if (!p)
        return LT_ENOMEM;
    if (!sb->alloc)
        p[0] = '\0';
    sb->buf = p;
    sb->alloc = n;
    return 0;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
    if (len == 0)
        return 0; /* data may be NULL; and never write the shared "" */
    int rc = strbuf_grow(sb, len);
    if (rc)
        return rc;
    memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
    return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
    return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, char c)
{
    return strbuf_add(sb, &c, 1);
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(sb->buf + sb->len, sb->alloc ? sb->alloc - sb->len : 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return LT_EINVAL;
    if (sb->max && sb->len + (size_t)n > sb->max) {
        if (sb->alloc)
            sb->buf[sb->len] = '\0';
        return LT_ERANGE;
    }
    if (sb->alloc && (size_t)n < sb->alloc - sb->len) {
        sb->len += (size_t)n;
        return 0;
    }
    int rc = strbuf_grow(sb, (size_t)n);
    if (rc) {
        if (sb->alloc)
            sb->buf[sb->len] = '\0';
        return rc;
    }
    vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
    sb->len += (size_t)n;
    return 0;
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
    return rc;
}

int strbuf_addurlenc(struct strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                   (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
        int rc;
        if (keep) {
            rc = strbuf_addch(sb, (char)c);
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            rc = strbuf_add(sb, e, 3);
        }
        if (rc)
            return rc;
    }
    return 0;
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
    char *p = sb->alloc ? sb->buf : calloc(1, 1);
    if (len)
        *len = sb->len;
    strbuf_init(sb, sb->max);
    return p;
}
