/* Character-class spans 16 bytes at a time (SSE2), for the long runs of the
 * eager headers: Call-IDs, branches, tags and host names. Internal.
 *
 * Each function returns the first byte at or after p that is not in the
 * class, or end. Blocks are loaded only while 16 bytes remain before end;
 * the rest goes through the scalar table of chars.h, so the result is the
 * same with or without SSE2.
 */
#ifndef SIPUA_MSG_SIMD_H
#define SIPUA_MSG_SIMD_H

#include "msg/chars.h"

#if defined(__SSE2__)
#include <emmintrin.h>

static inline __m128i sx_range(__m128i v, char lo, char hi)
{
    /* lo <= v <= hi for bytes below 0x80 (those above compare negative) */
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
                         _mm_cmpgt_epi8(_mm_set1_epi8((char)(hi + 1)), v));
}

static inline __m128i sx_alnum(__m128i v)
{
    __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
    return _mm_or_si128(sx_range(lower, 'a', 'z'), sx_range(v, '0', '9'));
}

static inline __m128i sx_eq(__m128i v, char c)
{
    return _mm_cmpeq_epi8(v, _mm_set1_epi8(c));
}

/* token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" */
static inline __m128i sx_token(__m128i v)
{
    __m128i m = sx_alnum(v);
    m = _mm_or_si128(m, _mm_or_si128(sx_eq(v, '-'), sx_eq(v, '.')));
    m = _mm_or_si128(m, _mm_or_si128(sx_eq(v, '!'), sx_eq(v, '%')));
    m = _mm_or_si128(m, _mm_or_si128(sx_eq(v, '*'), sx_eq(v, '_')));
    m = _mm_or_si128(m, _mm_or_si128(sx_eq(v, '+'), sx_eq(v, '`')));
    return _mm_or_si128(m, _mm_or_si128(sx_eq(v, '\''), sx_eq(v, '~')));
}

/* word (Call-ID): every printable character but # $ & , ; = @ ^ | */
static inline __m128i sx_word(__m128i v)
{
    __m128i bad = _mm_or_si128(sx_eq(v, '#'), sx_eq(v, '$'));
    bad = _mm_or_si128(bad, _mm_or_si128(sx_eq(v, '&'), sx_eq(v, ',')));
    bad = _mm_or_si128(bad, _mm_or_si128(sx_eq(v, ';'), sx_eq(v, '=')));
    bad = _mm_or_si128(bad, _mm_or_si128(sx_eq(v, '@'), sx_eq(v, '^')));
    bad = _mm_or_si128(bad, sx_eq(v, '|'));
    return _mm_andnot_si128(bad, sx_range(v, 0x21, 0x7e));
}

#define SIPUA_SX_SPAN_(name, test, cls)                                                            \
    static inline const char *name(const char *p, const char *end)                                 \
    {                                                                                              \
        while (end - p >= 16) {                                                                    \
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);                         \
            unsigned ok = (unsigned)_mm_movemask_epi8(test(v));                                    \
            if (ok != 0xffff)                                                                      \
                return p + __builtin_ctz(~ok);                                                     \
            p += 16;                                                                               \
        }                                                                                          \
        return cc_span(p, end, cls);                                                               \
    }

/* qdtext without escapes: HT, SP to '~' but '"' and '\\', and every octet
 * from 0x80 (negative as signed bytes) */
static inline __m128i sx_qdtext(__m128i v)
{
    __m128i ok = _mm_or_si128(sx_range(v, 0x20, 0x7e), _mm_cmplt_epi8(v, _mm_setzero_si128()));
    ok = _mm_or_si128(ok, sx_eq(v, '\t'));
    return _mm_andnot_si128(_mm_or_si128(sx_eq(v, '"'), sx_eq(v, '\\')), ok);
}

SIPUA_SX_SPAN_(span_token, sx_token, CC_TOKEN)
SIPUA_SX_SPAN_(span_word, sx_word, CC_WORD)
SIPUA_SX_SPAN_(span_qdtext, sx_qdtext, CC_QDTEXT)

/* Host name characters, with the '.' and digit positions of the span: bit
 * i of *dots (*digits) is set when p[i] is a '.' (a digit), for the first
 * 32 bytes (enough for the label checks of any host that short; longer ones
 * are checked byte by byte). */
static inline const char *span_host(const char *p, const char *end, uint32_t *dots,
                                    uint32_t *digits)
{
    const char *b = p;
    uint32_t d = 0, g = 0;
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i dot = sx_eq(v, '.');
        __m128i dig = sx_range(v, '0', '9');
        __m128i alpha = sx_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
        __m128i ok = _mm_or_si128(_mm_or_si128(alpha, dig), _mm_or_si128(dot, sx_eq(v, '-')));
        unsigned okm = (unsigned)_mm_movemask_epi8(ok);
        unsigned len = okm == 0xffff ? 16 : (unsigned)__builtin_ctz(~okm);
        if (p - b < 32) {
            unsigned keep = (1u << len) - 1;
            d |= ((unsigned)_mm_movemask_epi8(dot) & keep) << (p - b);
            g |= ((unsigned)_mm_movemask_epi8(dig) & keep) << (p - b);
        }
        if (len < 16) {
            *dots = d;
            *digits = g;
            return p + len;
        }
        p += 16;
    }
    for (; p < end && cc_is(*p, CC_HOST); p++) {
        if (p - b < 32) {
            d |= (uint32_t)(*p == '.') << (p - b);
            g |= (uint32_t)((unsigned)(*p - '0') < 10) << (p - b);
        }
    }
    *dots = d;
    *digits = g;
    return p;
}

#else /* no SSE2: the scalar table */

static inline const char *span_token(const char *p, const char *end)
{
    return cc_span(p, end, CC_TOKEN);
}

static inline const char *span_word(const char *p, const char *end)
{
    return cc_span(p, end, CC_WORD);
}

static inline const char *span_qdtext(const char *p, const char *end)
{
    return cc_span(p, end, CC_QDTEXT);
}

static inline const char *span_host(const char *p, const char *end, uint32_t *dots,
                                    uint32_t *digits)
{
    const char *b = p;
    uint32_t d = 0, g = 0;
    for (; p < end && cc_is(*p, CC_HOST); p++) {
        if (p - b < 32) {
            d |= (uint32_t)(*p == '.') << (p - b);
            g |= (uint32_t)((unsigned)(*p - '0') < 10) << (p - b);
        }
    }
    *dots = d;
    *digits = g;
    return p;
}

#endif

#endif
