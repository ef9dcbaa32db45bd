/* Lexing helpers shared by the header parsers. */
#include "msg/chars.h"
#include "msg/simd.h"

const char *sipua__span_escaped(const char *p, const char *end, unsigned cls)
{
    for (;;) {
        while (p < end && (sipua__chars[(unsigned char)*p] & cls))
            p++;
        if (p < end && *p == '%') {
            if (end - p < 3 || !cc_is(p[1], CC_HEX) || !cc_is(p[2], CC_HEX))
                return NULL;
            p += 3;
            continue;
        }
        return p;
    }
}

const char *sipua__quoted(const char *p, const char *end)
{
    p++; /* the opening quote */
    for (;;) {
        p = span_qdtext(p, end);
        if (p >= end)
            return NULL;
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c == '\\') {
            /* quoted-pair: any octet but CR and LF */
            if (p + 1 >= end || p[1] == '\r' || p[1] == '\n')
                return NULL;
            p += 2;
        } else if ((c == '\r' && end - p >= 2 && p[1] == '\n') || c == '\n') {
            p++; /* a fold inside a quoted string is LWS */
        } else {
            return NULL; /* a control character */
        }
    }
}

const char *sipua__u64(const char *p, const char *end, uint64_t max, uint64_t *out)
{
    const char *b = p;
    uint64_t v = 0;
    /* up to 19 digits cannot overflow 64 bits; leading zeros do not count */
    while (p < end && *p == '0')
        p++;
    const char *lim = end - p > 19 ? p + 19 : end;
    unsigned d;
    while (p < lim && (d = (unsigned)(*p - '0')) < 10) {
        v = v * 10 + d;
        p++;
    }
    if (p == b || v > max || (p < end && (unsigned)(*p - '0') < 10))
        return NULL;
    *out = v;
    return p;
}
