/* Via (RFC 3261 20.42 and 25.1, RFC 3581 rport, RFC 5118 IPv6 received). */
#include <string.h>

#include "msg/chars.h"
#include "msg/internal.h"

static const char *token(const char *p, const char *end, sipua_str *out)
{
    const char *b = p;
    p = cc_span(p, end, CC_TOKEN);
    *out = mkstr(b, p);
    return p == b ? NULL : p;
}

/* SWS "/" SWS */
static const char *slash(const char *p, const char *end)
{
    p = skip_lws(p, end);
    if (p >= end || *p != '/')
        return NULL;
    return skip_lws(p + 1, end);
}

/* received = IPv4address / IPv6address; brackets tolerated (RFC 5118 4.5). */
static int received_ok(sipua_str v, sipua_str *out)
{
    sipua_str h;
    sipua_host_kind k;
    const char *e = v.p + v.len;
    if (v.len && v.p[0] == '[') {
        if (sipua__host(v.p, e, &h, &k) != e)
            return 0;
        *out = h;
        return 1;
    }
    if (memchr(v.p, ':', v.len)) {
        /* bare IPv6address: reuse the reference check with brackets implied */
        char tmp[64];
        if (v.len + 2 > sizeof tmp)
            return 0;
        tmp[0] = '[';
        memcpy(tmp + 1, v.p, v.len);
        tmp[v.len + 1] = ']';
        if (sipua__host(tmp, tmp + v.len + 2, &h, &k) != tmp + v.len + 2)
            return 0;
        *out = v;
        return 1;
    }
    if (sipua__host(v.p, e, &h, &k) != e || k != SIPUA_HOST_IPV4)
        return 0;
    *out = v;
    return 1;
}

static int known_param(sipua_via *via, const char *n, size_t nl, sipua_str v, int has_value,
                       sipua__fault *why)
{
    uint64_t num;
    const char *ve = v.p ? v.p + v.len : NULL;
    switch (nl) {
    case 6:
        if (span_ieq(n, nl, "branch", 6)) {
            if (!has_value || v.len == 0 || cc_span(v.p, ve, CC_TOKEN) != ve) {
                why->at = v.p ? v.p : n;
                why->why = "bad branch parameter";
                return 0;
            }
            via->branch = v;
        }
        return 1;
    case 8:
        if (span_ieq(n, nl, "received", 8)) {
            if (!has_value || !received_ok(v, &via->received)) {
                why->at = v.p ? v.p : n;
                why->why = "bad received parameter";
                return 0;
            }
        }
        return 1;
    case 5:
        if (span_ieq(n, nl, "rport", 5)) {
            if (!has_value) {
                via->rport = 0;
                return 1;
            }
            if (sipua__u64(v.p, ve, 65535, &num) != ve) {
                why->at = v.p;
                why->why = "bad rport parameter";
                return 0;
            }
            via->rport = (int32_t)num;
        } else if (span_ieq(n, nl, "maddr", 5)) {
            sipua_str h;
            sipua_host_kind k;
            if (!has_value || sipua__host(v.p, ve, &h, &k) != ve) {
                why->at = v.p ? v.p : n;
                why->why = "bad maddr parameter";
                return 0;
            }
            via->maddr = h;
        }
        return 1;
    case 3:
        if (span_ieq(n, nl, "ttl", 3)) {
            if (!has_value || v.len > 3 || sipua__u64(v.p, ve, 255, &num) != ve) {
                why->at = v.p ? v.p : n;
                why->why = "bad ttl parameter";
                return 0;
            }
            via->ttl = (int32_t)num;
        }
        return 1;
    default: return 1;
    }
}

const char *sipua__via(const char *p, const char *end, sipua_via *via, sipua__fault *why)
{
    sipua_str name, version;
    memset(via, 0, sizeof *via);
    via->rport = -1;
    via->ttl = -1;
    p = skip_lws(p, end);
    const char *proto = p;
    if (!(p = token(p, end, &name)) || !(p = slash(p, end)) || !(p = token(p, end, &version))) {
        why->at = p ? p : proto;
        why->why = "malformed sent-protocol";
        return NULL;
    }
    via->protocol = mkstr(proto, p);
    if (!(p = slash(p, end)) || !(p = token(p, end, &via->transport))) {
        why->at = p ? p : proto;
        why->why = "malformed transport";
        return NULL;
    }
    const char *h = skip_lws(p, end);
    if (h == p) {
        why->at = p;
        why->why = "missing space before sent-by";
        return NULL;
    }
    p = sipua__host(h, end, &via->host, &via->host_kind);
    if (!p) {
        why->at = h;
        why->why = "malformed sent-by host";
        return NULL;
    }
    const char *q = skip_lws(p, end);
    if (q < end && *q == ':') {
        p = sipua__port(skip_lws(q + 1, end), end, &via->port);
        if (!p) {
            why->at = q + 1;
            why->why = "malformed sent-by port";
            return NULL;
        }
    }
    const char *params_begin = NULL;
    for (;;) {
        q = skip_lws(p, end);
        if (q >= end || *q != ';')
            break;
        q = skip_lws(q + 1, end);
        if (!params_begin)
            params_begin = q;
        const char *n = q;
        q = cc_span(q, end, CC_TOKEN);
        if (q == n) {
            why->at = q;
            why->why = "empty parameter";
            return NULL;
        }
        const char *ne = q;
        sipua_str v = {NULL, 0};
        int has_value = 0;
        q = skip_lws(q, end);
        if (q < end && *q == '=') {
            q = skip_lws(q + 1, end);
            const char *vb = q;
            if (q < end && *q == '"') {
                q = sipua__quoted(q, end);
                if (!q) {
                    why->at = vb;
                    why->why = "unterminated quoted parameter";
                    return NULL;
                }
            } else if (q < end && *q == '[') {
                const char *c = memchr(q, ']', (size_t)(end - q));
                q = c ? c + 1 : NULL;
                if (!q) {
                    why->at = vb;
                    why->why = "missing ']'";
                    return NULL;
                }
            } else {
                while (q < end && (cc_is(*q, CC_TOKEN) || *q == ':'))
                    q++;
            }
            if (q == vb) {
                why->at = vb;
                why->why = "empty parameter value";
                return NULL;
            }
            v = mkstr(vb, q);
            has_value = 1;
        } else {
            q = ne;
        }
        if (!known_param(via, n, (size_t)(ne - n), v, has_value, why))
            return NULL;
        p = q;
    }
    if (params_begin)
        via->params = mkstr(params_begin, p);
    p = skip_lws(p, end);
    if (p < end && *p != ',') {
        why->at = p;
        why->why = "unexpected characters";
        return NULL;
    }
    return p;
}

int sipua_via_parse(sipua_str text, sipua_via *via)
{
    sipua__fault why;
    if (!via || !text.p)
        return SIPUA_EINVAL;
    const char *e = text.p + text.len;
    const char *r = sipua__via(text.p, e, via, &why);
    return r == e ? 0 : SIPUA_EPARSE;
}

int sipua_via_branch_is_rfc3261(const sipua_via *via)
{
    return via && via->branch.len > 7 && memcmp(via->branch.p, "z9hG4bK", 7) == 0;
}
