/* SIP, SIPS and tel URIs (RFC 3261 19.1 and 25.1, RFC 3966), parameters,
 * escapes and comparison. */
#include <string.h>

#include "msg/chars.h"
#include "msg/internal.h"
#include "msg/simd.h"
#include "sipua/msg.h"

static inline int digit(const char *p, const char *e)
{
    return p < e && (unsigned)(*p - '0') < 10;
}

/* Parses an IPv4 address exactly filling [b, e). */
int sipua__is_ipv4(const char *p, const char *e)
{
    for (int part = 0;; part++) {
        if (!digit(p, e))
            return 0;
        unsigned v = (unsigned)(*p++ - '0');
        if (digit(p, e)) {
            v = v * 10 + (unsigned)(*p++ - '0');
            if (digit(p, e))
                v = v * 10 + (unsigned)(*p++ - '0');
        }
        if (v > 255)
            return 0;
        if (part == 3)
            return p == e;
        if (p >= e || *p != '.')
            return 0;
        p++;
    }
}

/* Checks the inside of an IPv6 reference (RFC 4291 2.2): up to eight hex
 * groups, at most one "::", an optional dotted IPv4 tail. RFC 5118 4.10: a
 * third colon after "::" before an IPv4 tail is tolerated, as RFC 3261's
 * ABNF allowed it. */
int sipua__is_ipv6(const char *b, const char *e)
{
    int groups = 0, dbl = 0;
    const char *p = b;
    if (e - b >= 2 && p[0] == ':' && p[1] == ':') {
        dbl = 1;
        p += 2;
    }
    while (p < e) {
        const char *g = p;
        while (p < e && cc_is(*p, CC_HEX) && p - g < 5)
            p++;
        if (p < e && *p == '.') {
            /* the IPv4 tail ends the address */
            if (!sipua__is_ipv4(g, e))
                return 0;
            groups += 2;
            break;
        }
        if (p == g || p - g > 4)
            return 0;
        groups++;
        if (p == e)
            break;
        if (*p != ':')
            return 0;
        p++;
        if (p < e && *p == ':') {
            if (dbl)
                return 0; /* a second "::" */
            dbl = 1;
            p++;
            if (p < e && *p == ':') {
                /* ":::" only before a dotted IPv4 tail */
                const char *t = p + 1;
                while (t < e && *t != ':' && *t != '.')
                    t++;
                if (t >= e || *t != '.')
                    return 0;
                p++;
            }
        } else if (p == e) {
            return 0; /* a trailing single colon */
        }
    }
    return dbl ? groups <= 7 : groups == 8;
}

const char *sipua__host(const char *p, const char *end, sipua_str *host, sipua_host_kind *kind)
{
    if (p < end && *p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close || !sipua__is_ipv6(p + 1, close))
            return NULL;
        *host = mkstr(p + 1, close);
        *kind = SIPUA_HOST_IPV6;
        return close + 1;
    }
    /* the usual dotted IPv4 address, read directly */
    if (p < end && (unsigned)(*p - '0') < 10) {
        const char *q = ipv4_span(p, end);
        if (q && (q == end || !cc_is(*q, CC_HOST))) {
            *host = mkstr(p, q);
            *kind = SIPUA_HOST_IPV4;
            return q;
        }
    }
    uint32_t dots, digits;
    const char *b = p;
    p = span_host(p, end, &dots, &digits);
    size_t n = (size_t)(p - b);
    if (n == 0 || *b == '-' || *b == '.')
        return NULL;
    const char *top; /* the first character of the top label */
    if (n <= 32) {
        if (dots & (dots >> 1))
            return NULL;                          /* an empty label */
        uint32_t inner = dots & ~(1u << (n - 1)); /* a trailing dot is allowed */
        top = inner ? b + (31 - __builtin_clz(inner)) + 1 : b;
    } else {
        const char *label = b, *prev = b;
        for (const char *q = b; q < p; q++) {
            if (*q == '.') {
                if (q == label)
                    return NULL;
                prev = label;
                label = q + 1;
            }
        }
        top = label < p ? label : prev;
    }
    *host = mkstr(b, p);
    /* a digit there means an IPv4 address; a hostname's toplabel starts
     * with a letter */
    if ((unsigned)(*top - '0') < 10) {
        /* four labels of 1 to 3 digits, each at most 255, read from the
         * masks: only digits and dots, three dots (no empty label and no
         * dot at either end, checked above), no run of four digits; a
         * label of three digits compares as text with "255" */
        uint32_t two = dots & (dots - 1), one = two & (two - 1); /* dots less 1, 2 */
        if (n <= 15 && (dots | digits) == (1u << n) - 1 && one && !(one & (one - 1)) &&
            !(dots & (1u << (n - 1))) &&
            !(digits & (digits >> 1) & (digits >> 2) & (digits >> 3))) {
            uint32_t three = digits & (digits >> 1) & (digits >> 2);
            for (; three; three &= three - 1)
                if (memcmp(b + __builtin_ctz(three), "255", 3) > 0)
                    return NULL;
            *kind = SIPUA_HOST_IPV4;
            return p;
        }
        return NULL;
    }
    if (!cc_is(*top, CC_ALPHA))
        return NULL;
    *kind = SIPUA_HOST_NAME;
    return p;
}

const char *sipua__port(const char *p, const char *end, uint16_t *port)
{
    uint64_t v;
    const char *q = dec_u64(p, end, 65535, &v);
    if (!q)
        return NULL;
    *port = (uint16_t)v;
    return q;
}

/* uri-parameters: *( ";" pname [ "=" pvalue ] ), each non-empty. */
static const char *uri_params(const char *p, const char *end)
{
    while (p < end && *p == ';') {
        const char *n = ++p;
        p = sipua__span_escaped(p, end, CC_PARAM);
        if (!p || p == n)
            return NULL;
        if (p < end && *p == '=') {
            const char *v = ++p;
            p = sipua__span_escaped(p, end, CC_PARAM);
            if (!p || p == v)
                return NULL;
        }
    }
    return p;
}

/* headers: "?" header *( "&" header ), header = hname "=" hvalue */
static const char *uri_headers(const char *p, const char *end)
{
    for (;;) {
        const char *n = p;
        p = sipua__span_escaped(p, end, CC_HNV);
        if (!p || p == n || p >= end || *p != '=')
            return NULL;
        p = sipua__span_escaped(p + 1, end, CC_HNV);
        if (!p)
            return NULL;
        if (p < end && *p == '&') {
            p++;
            continue;
        }
        return p;
    }
}

static int parse_sip(const char *p, const char *end, sipua_uri *u)
{
    /* userinfo: everything before '@'; user chars cannot hold '@', so the
     * first one delimits (RFC 3261 25.1) */
    const char *at = memchr(p, '@', (size_t)(end - p));
    if (at) {
        const char *q = sipua__span_escaped(p, at, CC_USER);
        if (!q || q == p)
            return SIPUA_EPARSE;
        u->user = mkstr(p, q);
        if (q < at) {
            if (*q != ':')
                return SIPUA_EPARSE;
            const char *pw = q + 1;
            q = sipua__span_escaped(pw, at, CC_PASS);
            if (!q || q != at)
                return SIPUA_EPARSE;
            u->password = mkstr(pw, at);
        }
        p = at + 1;
    }
    p = sipua__host(p, end, &u->host, &u->host_kind);
    if (!p)
        return SIPUA_EPARSE;
    if (p < end && *p == ':') {
        p = port_span(p + 1, end, &u->port);
        if (!p)
            return SIPUA_EPARSE;
    }
    if (p < end && *p == ';') {
        const char *b = p + 1;
        p = uri_params(p, end);
        if (!p)
            return SIPUA_EPARSE;
        u->params = mkstr(b, p);
    }
    if (p < end && *p == '?') {
        const char *b = p + 1;
        p = uri_headers(b, end);
        if (!p)
            return SIPUA_EPARSE;
        u->headers = mkstr(b, p);
    }
    return p == end ? 0 : SIPUA_EPARSE;
}

static int parse_tel(const char *p, const char *end, sipua_uri *u)
{
    const char *b = p;
    p = cc_span(p, end, CC_TEL);
    if (p == b)
        return SIPUA_EPARSE;
    u->user = mkstr(b, p);
    if (p < end && *p == ';') {
        const char *pb = p + 1;
        p = uri_params(p, end);
        if (!p)
            return SIPUA_EPARSE;
        u->params = mkstr(pb, p);
    }
    return p == end ? 0 : SIPUA_EPARSE;
}

int sipua__uri_parse(const char *p, const char *end, sipua_uri *u)
{
    static const sipua_str none = {NULL, 0};
    u->user = u->password = u->host = u->params = u->headers = none;
    u->host_kind = SIPUA_HOST_NONE;
    u->port = 0;
    u->whole = mkstr(p, end);
    const char *s = p;
    /* "sip:" in one comparison; other schemes by the grammar:
     * scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    if (end - p > 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        if ((w | 0x00202020u) == 0x3a706973u) { /* "sip:" */
            u->scheme = mkstr(p, p + 3);
            u->opaque = mkstr(p + 4, end);
            u->scheme_id = SIPUA_URI_SIP;
            return parse_sip(p + 4, end, u);
        }
    }
    if (p >= end || !cc_is(*p, CC_ALPHA))
        return SIPUA_EPARSE;
    while (p < end && (cc_is(*p, CC_ALPHA | CC_DIGIT) || *p == '+' || *p == '-' || *p == '.'))
        p++;
    if (p >= end || *p != ':')
        return SIPUA_EPARSE;
    u->scheme = mkstr(s, p);
    size_t sl = (size_t)(p - s);
    p++;
    u->opaque = mkstr(p, end);
    if (sl == 3 && span_ieq(s, 3, "sip", 3)) {
        u->scheme_id = SIPUA_URI_SIP;
        return parse_sip(p, end, u);
    }
    if (sl == 4 && span_ieq(s, 4, "sips", 4)) {
        u->scheme_id = SIPUA_URI_SIPS;
        return parse_sip(p, end, u);
    }
    if (sl == 3 && span_ieq(s, 3, "tel", 3)) {
        u->scheme_id = SIPUA_URI_TEL;
        return parse_tel(p, end, u);
    }
    /* absoluteURI: hier-part or opaque-part, all uric */
    u->scheme_id = SIPUA_URI_OTHER;
    const char *q = sipua__span_escaped(p, end, CC_URIC);
    if (!q || q != end || q == p)
        return SIPUA_EPARSE;
    return 0;
}

int sipua_uri_parse(sipua_str text, sipua_uri *uri)
{
    if (!uri || (!text.p && text.len))
        return SIPUA_EINVAL;
    if (!text.p) {
        memset(uri, 0, sizeof *uri);
        return SIPUA_EPARSE;
    }
    return sipua__uri_parse(text.p, text.p + text.len, uri);
}

int sipua_param_next(sipua_str params, size_t *pos, sipua_str *name, sipua_str *value)
{
    if (!params.p || !pos || *pos >= params.len)
        return 0;
    const char *end = params.p + params.len;
    const char *p = params.p + *pos;
    p = skip_lws(p, end);
    if (p < end && *p == ';')
        p = skip_lws(p + 1, end);
    if (p >= end)
        return 0;
    const char *nb = p;
    while (p < end && *p != '=' && *p != ';' && !is_lws(*p))
        p++;
    if (p == nb && p < end && *p != '=' && *p != ';')
        p++; /* a stray octet (a lone CR) is a name of its own: always move on */
    *name = mkstr(nb, p);
    p = skip_lws(p, end);
    value->p = NULL;
    value->len = 0;
    if (p < end && *p == '=') {
        p = skip_lws(p + 1, end);
        const char *vb = p;
        if (p < end && *p == '"') {
            const char *q = sipua__quoted(p, end);
            p = q ? q : end;
        } else {
            while (p < end && *p != ';' && !is_lws(*p))
                p++;
        }
        *value = mkstr(vb, p);
        p = skip_lws(p, end);
    }
    *pos = (size_t)(p - params.p);
    return 1;
}

int sipua_param_find(sipua_str params, const char *name, sipua_str *value)
{
    size_t pos = 0, nl = strlen(name);
    sipua_str n, v;
    while (sipua_param_next(params, &pos, &n, &v)) {
        if (n.len == nl) {
            size_t i = 0;
            while (i < nl && lower((unsigned char)n.p[i]) == lower((unsigned char)name[i]))
                i++;
            if (i == nl) {
                if (value)
                    *value = v;
                return 1;
            }
        }
    }
    return 0;
}

int sipua_unescape(sipua_str in, char *out, size_t cap)
{
    if ((!in.p && in.len) || (!out && cap) || (!out && in.len))
        return SIPUA_EINVAL;
    size_t o = 0;
    for (size_t i = 0; i < in.len; i++) {
        char c = in.p[i];
        if (c == '%') {
            if (i + 2 >= in.len)
                return SIPUA_EPARSE;
            int h = hexval(in.p[i + 1]), l = hexval(in.p[i + 2]);
            if (h < 0 || l < 0)
                return SIPUA_EPARSE;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (o >= cap)
            return SIPUA_ENOSPC;
        out[o++] = c;
    }
    if (o > (size_t)INT32_MAX)
        return SIPUA_ENOSPC;
    return (int)o;
}

/* Compares two spans after unescaping, case-sensitive or not. */
/* The character at s[*i], decoded when escaped; *reserved is set when it
 * was an escaped reserved character, which RFC 3261 19.1.4 keeps distinct
 * from the literal one. Returns -1 at a malformed escape. */
static int decode_at(sipua_str s, size_t *i, int *reserved)
{
    int c = (unsigned char)s.p[*i];
    *reserved = 0;
    if (c == '%') {
        if (*i + 2 >= s.len || hexval(s.p[*i + 1]) < 0 || hexval(s.p[*i + 2]) < 0)
            return -1;
        c = hexval(s.p[*i + 1]) * 16 + hexval(s.p[*i + 2]);
        *i += 2;
        *reserved = c != 0 && strchr(";/?:@&=+$,", c) != NULL;
    }
    (*i)++;
    return c;
}

/* Compares two spans after unescaping, case-sensitive or not. */
static int esc_equal(sipua_str a, sipua_str b, int icase)
{
    size_t i = 0, j = 0;
    while (i < a.len && j < b.len) {
        int ra, rb;
        int ca = decode_at(a, &i, &ra), cb = decode_at(b, &j, &rb);
        if (ca < 0 || cb < 0)
            return SIPUA_EPARSE;
        if (icase) {
            ca = lower(ca);
            cb = lower(cb);
        }
        if (ca != cb || ra != rb)
            return 0;
    }
    return i >= a.len && j >= b.len;
}

/* RFC 3261 19.1.4: user, password, host, port compared; the parameters user,
 * ttl, method, maddr and transport must match when either URI has them;
 * other parameters only when both have them; headers must all match. */
static int params_equal(sipua_str a, sipua_str b)
{
    static const char *const must[] = {"user", "ttl", "method", "maddr", "transport"};
    sipua_str va, vb;
    for (size_t k = 0; k < sizeof must / sizeof must[0]; k++) {
        int ha = sipua_param_find(a, must[k], &va), hb = sipua_param_find(b, must[k], &vb);
        if (ha != hb)
            return 0;
        if (ha && esc_equal(va, vb, 1) != 1)
            return 0;
    }
    size_t pos = 0;
    sipua_str n, v;
    while (sipua_param_next(a, &pos, &n, &v)) {
        char name[64];
        if (n.len >= sizeof name)
            continue;
        memcpy(name, n.p, n.len);
        name[n.len] = 0;
        /* a repeated name counts once, by its first occurrence, as
         * sipua_param_find() sees it on both sides */
        sipua_str first;
        if (!sipua_param_find(a, name, &first) || first.p != v.p || first.len != v.len)
            continue;
        if (sipua_param_find(b, name, &vb) && esc_equal(v, vb, 1) != 1)
            return 0;
    }
    return 1;
}

static int headers_subset(sipua_str a, sipua_str b)
{
    if (!a.p)
        return 1;
    if (!b.p)
        return 0;
    const char *p = a.p, *end = a.p + a.len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *he = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(he - p));
        if (!eq)
            return 0;
        sipua_str hn = mkstr(p, eq), hv = mkstr(eq + 1, he);
        int found = 0;
        const char *q = b.p, *bend = b.p + b.len;
        while (q && q < bend) {
            const char *bamp = memchr(q, '&', (size_t)(bend - q));
            const char *bhe = bamp ? bamp : bend;
            const char *beq = memchr(q, '=', (size_t)(bhe - q));
            if (beq && esc_equal(hn, mkstr(q, beq), 1) == 1 &&
                esc_equal(hv, mkstr(beq + 1, bhe), 0) == 1)
                found = 1;
            q = bamp ? bamp + 1 : NULL;
        }
        if (!found)
            return 0;
        p = amp ? amp + 1 : NULL;
    }
    return 1;
}

int sipua_uri_equal(const sipua_uri *a, const sipua_uri *b)
{
    if (!a || !b)
        return SIPUA_EINVAL;
    if (a->scheme_id != b->scheme_id)
        return 0;
    if (a->scheme_id == SIPUA_URI_OTHER)
        return esc_equal(a->whole, b->whole, 0) == 1;
    int r;
    if ((r = esc_equal(a->user, b->user, a->scheme_id == SIPUA_URI_TEL)) != 1)
        return r;
    if ((r = esc_equal(a->password, b->password, 0)) != 1)
        return r;
    if (a->scheme_id != SIPUA_URI_TEL) {
        if ((r = esc_equal(a->host, b->host, 1)) != 1)
            return r;
        if (a->port != b->port)
            return 0;
    }
    if (!params_equal(a->params, b->params) || !params_equal(b->params, a->params))
        return 0;
    return headers_subset(a->headers, b->headers) && headers_subset(b->headers, a->headers);
}
