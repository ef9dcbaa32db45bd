/* Lexing helpers shared by the header parsers. */
#include "msg/chars.h"

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
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c == '\\') {
            /* quoted-pair: any octet but CR and LF */
            if (p + 1 >= end || p[1] == '\r' || p[1] == '\n')
                return NULL;
            p += 2;
            continue;
        }
        if (c == '\r' || c == '\n') {
            /* a fold inside a quoted string is LWS */
            p++;
            continue;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return NULL;
        p++;
    }
    return NULL;
}

const char *sipua__u64(const char *p, const char *end, uint64_t max, uint64_t *out)
{
    const char *b = p;
    uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10)
            return NULL;
        v = v * 10 + d;
        p++;
    }
    if (p == b)
        return NULL;
    *out = v;
    return p;
}
