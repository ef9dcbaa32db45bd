/* Character classes of RFC 3261 section 25 and small lexing helpers shared by
 * the message parsers. Internal. */
#ifndef SIPUA_MSG_CHARS_H
#define SIPUA_MSG_CHARS_H

#include <stddef.h>
#include <stdint.h>

#include "sipua/base.h"

enum {
    CC_TOKEN = 1,
    CC_UNRES = 2,
    CC_USER = 4,
    CC_PASS = 8,
    CC_PARAM = 16,
    CC_HNV = 32,
    CC_WORD = 64,
    CC_HOST = 128,
    CC_HEX = 256,
    CC_URIC = 512,
    CC_TEXT = 1024,
    CC_TEL = 2048,
    CC_DIGIT = 4096,
    CC_ALPHA = 8192,
    CC_LWS = 16384,
    CC_QDTEXT = 32768
};

extern const uint16_t sipua__chars[256];

static inline int cc_is(char c, unsigned cls)
{
    return (sipua__chars[(unsigned char)c] & cls) != 0;
}

/* Skips characters of a class; returns the first that is not. */
static inline const char *cc_span(const char *p, const char *end, unsigned cls)
{
    const uint16_t *t = sipua__chars;
    while (end - p >= 4) {
        if (!(t[(unsigned char)p[0]] & cls))
            return p;
        if (!(t[(unsigned char)p[1]] & cls))
            return p + 1;
        if (!(t[(unsigned char)p[2]] & cls))
            return p + 2;
        if (!(t[(unsigned char)p[3]] & cls))
            return p + 3;
        p += 4;
    }
    while (p < end && (t[(unsigned char)*p] & cls))
        p++;
    return p;
}

/* Skips linear white space. Inside a header value span every CR and LF is
 * part of a fold (the message splitter guarantees it), so they count as
 * white space here. */
static inline const char *skip_lws(const char *p, const char *end)
{
    while (p < end && (sipua__chars[(unsigned char)*p] & CC_LWS)) {
        /* a CR counts only as the start of a fold (CRLF then a blank) */
        if (*p == '\r' && (end - p < 2 || p[1] != '\n'))
            break;
        p++;
    }
    return p;
}

static inline int is_lws(char c)
{
    return (sipua__chars[(unsigned char)c] & CC_LWS) != 0;
}

static inline int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static inline int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static inline sipua_str mkstr(const char *b, const char *e)
{
    sipua_str s = {b, (size_t)(e - b)};
    return s;
}

/* Case-insensitive comparison of a span with a lower-case literal. */
static inline int span_ieq(const char *p, size_t n, const char *lit, size_t litlen)
{
    if (n != litlen)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)p[i]) != lit[i])
            return 0;
    return 1;
}

/* Scans characters of a class where %HH escapes are also allowed. Returns
 * the first position that is neither, or NULL at a malformed escape. */
const char *sipua__span_escaped(const char *p, const char *end, unsigned cls);

/* Scans a quoted-string starting at the opening quote; returns the position
 * after the closing quote, or NULL when unterminated or holding a bad octet. */
const char *sipua__quoted(const char *p, const char *end);

/* Parses a decimal number of at most `max`; returns the position after the
 * digits or NULL when there are none or the value is larger than max. */
const char *sipua__u64(const char *p, const char *end, uint64_t max, uint64_t *out);

/* Trims trailing linear white space of [b, e). */
static inline const char *rtrim(const char *b, const char *e)
{
    while (e > b && is_lws(e[-1]))
        e--;
    return e;
}

#endif
