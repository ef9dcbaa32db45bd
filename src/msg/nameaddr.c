/* name-addr / addr-spec with header parameters (RFC 3261 20.10, 20.20, 20.39,
 * 25.1), and the generic-param lists that follow many header values. */
#include <string.h>

#include "msg/chars.h"
#include "msg/internal.h"
#include "msg/simd.h"

/* gen-value = token / host / quoted-string */
static const char *gen_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return sipua__quoted(p, end);
    if (*p == '[') {
        sipua_str h;
        sipua_host_kind k;
        return sipua__host(p, end, &h, &k);
    }
    const char *q = span_token(p, end);
    return q == p ? NULL : q;
}

/* *( SEMI generic-param ); records the tag value when asked. */
static const char *params_tag(const char *p, const char *end, int list, sipua__fault *why,
                              sipua_str *tag)
{
    for (;;) {
        const char *q = p;
        if (q < end && *q != ';')
            q = skip_lws(q, end);
        if (q >= end || *q != ';')
            return p;
        q++;
        /* the usual ";tag=" without blanks, in one comparison */
        if (tag && end - q > 4) {
            uint32_t w;
            memcpy(&w, q, 4);
            if ((w | 0x00202020u) == 0x3d676174u) { /* "tag=" */
                const char *v = q + 4;
                q = span_token(v, end);
                if (q == v)
                    return sipua__fail(why, "bad parameter value", v);
                *tag = mkstr(v, q);
                p = q;
                continue;
            }
        }
        if (q < end && is_lws(*q))
            q = skip_lws(q, end);
        const char *n = q;
        q = cc_span(q, end, CC_TOKEN);
        if (q == n) {
            why->at = q;
            why->why = "empty parameter";
            return NULL;
        }
        const char *ne = q;
        if (q < end && is_lws(*q))
            q = skip_lws(q, end);
        if (q < end && *q == '=') {
            q = skip_lws(q + 1, end);
            const char *v = q;
            q = gen_value(q, end);
            if (!q) {
                why->at = v;
                why->why = "bad parameter value";
                return NULL;
            }
            if (tag && ne - n == 3 && (n[0] | 0x20) == 't' && (n[1] | 0x20) == 'a' &&
                (n[2] | 0x20) == 'g')
                *tag = mkstr(v, q);
        } else {
            q = ne;
        }
        p = q;
        (void)list;
    }
}

const char *sipua__gen_params(const char *p, const char *end, int list, sipua__fault *why)
{
    return params_tag(p, end, list, why, NULL);
}

/* True when the bytes at p start a display name made of tokens followed by
 * '<' (RFC 4475 3.1.1.6: LWS before '<' may be missing). Returns the '<'. */
static const char *token_display(const char *p, const char *end, const char **disp_end)
{
    for (;;) {
        const char *t = p;
        p = cc_span(p, end, CC_TOKEN);
        if (p == t)
            return NULL;
        *disp_end = p;
        const char *w = skip_lws(p, end);
        if (w >= end)
            return NULL;
        if (*w == '<')
            return w;
        if (w == p || !cc_is(*w, CC_TOKEN))
            return NULL;
        p = w;
    }
}

/* Inlined into its one caller: From and To are parsed on every message, and
 * a call layer fewer shows in the parse benchmark. */
SIPUA_ALWAYS_INLINE static inline const char *
nameaddr(const char *p, const char *end, sipua_nameaddr *na, int flags, sipua__fault *why)
{
    const int list = flags & SIPUA__NA_LIST, need_brackets = flags & SIPUA__NA_BRACKETS;
    const int parse_uri = !(flags & SIPUA__NA_URI_LATER);
    na->display.p = NULL;
    na->display.len = 0;
    na->params = na->display;
    na->tag = na->display;
    na->bracketed = 0;
    p = skip_lws(p, end);
    const char *lt = NULL;
    if (p < end && *p == '"') {
        const char *q = sipua__quoted(p, end);
        if (!q) {
            why->at = p;
            why->why = "unterminated quoted display name";
            return NULL;
        }
        na->display = mkstr(p, q);
        lt = skip_lws(q, end);
        if (lt >= end || *lt != '<') {
            why->at = lt;
            why->why = "expected '<' after the display name";
            return NULL;
        }
    } else if (p < end && *p == '<') {
        lt = p;
    } else if (p < end) {
        const char *de;
        lt = token_display(p, end, &de);
        if (lt)
            na->display = mkstr(p, de);
    }
    if (lt) {
        const char *u = lt + 1;
        const char *gt = memchr(u, '>', (size_t)(end - u));
        if (!gt) {
            why->at = lt;
            why->why = "missing '>'";
            return NULL;
        }
        if (!parse_uri) {
            na->uri.whole = mkstr(u, gt);
        } else if (sipua__uri_parse(u, gt, &na->uri) != 0) {
            why->at = u;
            why->why = (u < gt && is_lws(*u)) || (gt > u && is_lws(gt[-1]))
                           ? "white space inside <>"
                           : "malformed URI";
            return NULL;
        }
        na->bracketed = 1;
        p = gt + 1;
    } else {
        if (need_brackets) {
            why->at = p;
            why->why = "URI must be enclosed in <>";
            return NULL;
        }
        /* addr-spec: a ';' starts the header parameters (RFC 3261 20) */
        const char *u = p;
        while (p < end && *p != ';' && *p != ',' && !is_lws(*p))
            p++;
        if (p < end && *p == ',' && !list) {
            why->at = p;
            why->why = "unexpected ','";
            return NULL;
        }
        if (!parse_uri) {
            na->uri.whole = mkstr(u, p);
        } else if (sipua__uri_parse(u, p, &na->uri) != 0) {
            why->at = u;
            why->why = "malformed URI";
            return NULL;
        } else if (na->uri.headers.p) {
            why->at = na->uri.headers.p - 1;
            why->why = "a URI with headers must be enclosed in <>";
            return NULL;
        }
    }
    /* the usual endings: nothing after the address, or only ";tag=" and a
     * token (the general path below gives the same result for both) */
    if (p == end)
        return p;
    if (*p == ';' && end - p > 5) {
        uint32_t w;
        memcpy(&w, p + 1, 4);
        if ((w | 0x00202020u) == 0x3d676174u) { /* "tag=" */
            const char *v = p + 5;
            if (span_token(v, end) == end) {
                na->tag = mkstr(v, end);
                na->params = mkstr(p + 1, end);
                return end;
            }
        }
    }
    const char *pb = p;
    p = params_tag(p, end, list, why, &na->tag);
    if (!p)
        return NULL;
    if (p > pb) {
        const char *s = skip_lws(pb, p);
        na->params = mkstr(skip_lws(s + 1, p), p); /* after the first ';' */
    }
    p = skip_lws(p, end);
    if (p < end && !(list && *p == ',')) {
        why->at = p;
        why->why = "unexpected characters after the address";
        return NULL;
    }
    return p;
}

const char *sipua__nameaddr(const char *p, const char *end, sipua_nameaddr *na, int flags,
                            sipua__fault *why)
{
    const char *r = nameaddr(p, end, na, flags, why);
    if (!r)
        memset(&na->uri, 0, sizeof na->uri); /* nothing stale on failure */
    return r;
}

int sipua_nameaddr_parse(sipua_str text, sipua_nameaddr *na)
{
    sipua__fault why;
    if (!na || !text.p)
        return SIPUA_EINVAL;
    const char *e = sipua__nameaddr(text.p, text.p + text.len, na, 0, &why);
    return e ? 0 : SIPUA_EPARSE;
}

int sipua_nameaddr_display(const sipua_nameaddr *na, char *out, size_t cap)
{
    if (!na || (!out && cap))
        return SIPUA_EINVAL;
    sipua_str d = na->display;
    size_t o = 0;
    if (d.len >= 2 && d.p[0] == '"') {
        for (size_t i = 1; i + 1 < d.len; i++) {
            char c = d.p[i];
            if (c == '\\' && i + 2 < d.len)
                c = d.p[++i];
            if (o >= cap)
                return SIPUA_ENOSPC;
            out[o++] = c;
        }
    } else {
        if (d.len > cap)
            return SIPUA_ENOSPC;
        if (d.len)
            memcpy(out, d.p, d.len);
        o = d.len;
    }
    return (int)o;
}

const char *sipua__next_comma(const char *p, const char *end)
{
    int angle = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            const char *q = sipua__quoted(p, end);
            p = q ? q : end;
            continue;
        }
        if (c == '<')
            angle = 1;
        else if (c == '>')
            angle = 0;
        else if (c == ',' && !angle)
            return p;
        p++;
    }
    return end;
}
