/* Character classes of RFC 3261 section 25 and small lexing helpers shared by
 * the message parsers. Internal. */
#ifndef SIPUA_MSG_CHARS_H
#define SIPUA_MSG_CHARS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c > ' ')
            break; /* the usual case, tested first: no LWS octet is above SP */
        /* a CR counts only as the start of a fold (CRLF then a blank) */
        if (!(c == ' ' || c == '\t' || c == '\n' || (c == '\r' && end - p >= 2 && p[1] == '\n')))
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

/* span_ieq for a literal made of letters only, where | 0x20 folds the case
 * exactly (it maps no other octet onto a lower-case letter): four octets at
 * a time, the literal's words folding to constants. */
static inline int span_ieq_alpha(const char *p, size_t n, const char *lit, size_t litlen)
{
    if (n != litlen)
        return 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t a, b;
        memcpy(&a, p + i, 4);
        memcpy(&b, lit + i, 4);
        if ((a | 0x20202020u) != b)
            return 0;
    }
    for (; i < n; i++)
        if ((p[i] | 0x20) != lit[i])
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

/* sipua__u64 with the usual short numbers (CSeq, ports, lengths) done
 * inline: 1 to 7 digits, then a non-digit or the end, at most max. Any
 * other input goes to sipua__u64, so the result is always its result. */
static inline const char *dec_u64(const char *p, const char *end, uint64_t max, uint64_t *out)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t v = 0;
    const char *q = p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (end - p >= 8) {
        /* eight octets at once, the first in the low byte: a byte is a
         * digit when its high nibble is 3 and stays 3 after adding 6. A
         * carry out of a non-digit can only reach the bytes after it. */
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t bad =
            ((w & 0xf0 * ones) ^ 0x30 * ones) | (((w + 6 * ones) & 0xf0 * ones) ^ 0x30 * ones);
        if (bad) {
            unsigned n = (unsigned)__builtin_ctzll(bad) >> 3;
            if (n > 0) {
                /* the digits' values moved to the top bytes, zeros below
                 * (leading zeros), then summed pairwise: 2, 4, 8 digits */
                uint64_t x = (w - 0x30 * ones) << (8 * (8 - n));
                x = ((x & 0x0f0f0f0f0f0f0f0full) * 2561) >> 8;
                x = ((x & 0x00ff00ff00ff00ffull) * 6553601) >> 16;
                x = ((x & 0x0000ffff0000ffffull) * 42949672960001ull) >> 32;
                if (x <= max) {
                    *out = x;
                    return p + n;
                }
            }
        }
        return sipua__u64(p, end, max, out);
    }
#endif
    unsigned d;
    while (q < end && (d = (unsigned)(*q - '0')) < 10) {
        v = v * 10 + d;
        q++;
    }
    /* at most seven digits read (fewer than eight octets, or a big-endian
     * machine that stopped at eight): no overflow */
    if (q > p && q - p < 8 && v <= max) {
        *out = v;
        return q;
    }
    return sipua__u64(p, end, max, out);
}

/* A dotted IPv4 address at p: four labels of 1 to 3 digits, each at most
 * 255, joined by '.'. Returns its end, or NULL; looks no further than the
 * fourth label (the caller checks what follows). */
static inline const char *ipv4_span(const char *p, const char *end)
{
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (p >= end || *p != '.')
                return NULL;
            p++;
        }
        unsigned v, d;
        if (p >= end || (v = (unsigned)(*p - '0')) > 9)
            return NULL;
        p++;
        if (p < end && (d = (unsigned)(*p - '0')) <= 9) {
            v = v * 10 + d;
            p++;
            if (p < end && (d = (unsigned)(*p - '0')) <= 9) {
                v = v * 10 + d;
                p++;
                if (v > 255)
                    return NULL;
            }
        }
    }
    return p;
}

/* A port: the usual one to five digits inline; anything else (more
 * digits, leading zeros beyond five, too large) through sipua__port, so
 * the result is always sipua__port's. */
const char *sipua__port(const char *p, const char *end, uint16_t *port);

static inline const char *port_span(const char *p, const char *end, uint16_t *port)
{
    unsigned v = 0, d;
    const char *q = p;
    while (q < end && q - p < 5 && (d = (unsigned)(*q - '0')) <= 9) {
        v = v * 10 + d;
        q++;
    }
    if (q == p || v > 65535 || (q < end && (unsigned)(*q - '0') <= 9))
        return sipua__port(p, end, port);
    *port = (uint16_t)v;
    return q;
}

/* Trims trailing linear white space of [b, e). */
static inline const char *rtrim(const char *b, const char *e)
{
    while (e > b && is_lws(e[-1]))
        e--;
    return e;
}

#endif
