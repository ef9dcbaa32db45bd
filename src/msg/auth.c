/* Credentials and challenges: Authorization, Proxy-Authorization,
 * WWW-Authenticate, Proxy-Authenticate (RFC 3261 20.7, 20.27, 20.44, 25.1;
 * RFC 7616 for the Digest parameters). */
#include <string.h>

#include "msg/chars.h"
#include "msg/internal.h"

static void store(sipua_auth *a, const char *n, size_t nl, sipua_str v)
{
    /* quoted values are stored without their quotes */
    if (v.len >= 2 && v.p[0] == '"') {
        v.p++;
        v.len -= 2;
    }
#define F_(name, field)                                                                            \
    if (span_ieq(n, nl, name, sizeof(name) - 1)) {                                                 \
        a->field = v;                                                                              \
        return;                                                                                    \
    }
    F_("realm", realm);
    F_("nonce", nonce);
    F_("opaque", opaque);
    F_("algorithm", algorithm);
    F_("qop", qop);
    F_("username", username);
    F_("uri", uri);
    F_("response", response);
    F_("cnonce", cnonce);
    F_("nc", nc);
    F_("stale", stale);
    F_("domain", domain);
    F_("userhash", userhash);
#undef F_
}

const char *sipua__auth_params(const char *p, const char *e, sipua_auth *a)
{
    for (;;) {
        p = skip_lws(p, e);
        const char *n = p;
        p = cc_span(p, e, CC_TOKEN);
        if (p == n)
            return NULL;
        const char *ne = p;
        p = skip_lws(p, e);
        if (p >= e || *p != '=')
            return NULL;
        p = skip_lws(p + 1, e);
        const char *vb = p;
        if (p < e && *p == '"') {
            p = sipua__quoted(p, e);
            if (!p)
                return NULL;
        } else {
            p = cc_span(p, e, CC_TOKEN);
            if (p == vb)
                return NULL;
        }
        if (a)
            store(a, n, (size_t)(ne - n), mkstr(vb, p));
        p = skip_lws(p, e);
        if (p == e)
            return p;
        if (*p != ',')
            return NULL;
        p++;
    }
}

int sipua_auth_parse(sipua_str text, sipua_auth *a)
{
    if (!a || !text.p)
        return SIPUA_EINVAL;
    memset(a, 0, sizeof *a);
    const char *p = skip_lws(text.p, text.p + text.len), *e = text.p + text.len;
    const char *s = p;
    p = cc_span(p, e, CC_TOKEN);
    if (p == s)
        return SIPUA_EPARSE;
    a->scheme = mkstr(s, p);
    const char *q = skip_lws(p, e);
    if (q == e)
        return 0; /* a scheme alone */
    if (q == p)
        return SIPUA_EPARSE;
    a->params = mkstr(q, e);
    if (sipua__auth_params(q, e, a) == e)
        return 0;
    /* token68 (RFC 7235 2.1), as Basic uses */
    const char *t = q;
    while (t < e && (cc_is(*t, CC_ALPHA | CC_DIGIT) || strchr("-._~+/", *t)))
        t++;
    while (t < e && *t == '=')
        t++;
    return (t > q && skip_lws(t, e) == e) ? 0 : SIPUA_EPARSE;
}
