/* Via (RFC 3261 20.42 and 25.1, RFC 3581 rport, RFC 5118 IPv6 received). */
#include <string.h>

#include "msg/chars.h"
#include "msg/internal.h"
#include "msg/simd.h"

/* SWS "/" SWS */
static const char *slash(const char *p, const char *end)
{
    p = skip_lws(p, end);
    if (p >= end || *p != '/')
        return NULL;
    return skip_lws(p + 1, end);
}

/* sent-protocol = protocol-name SLASH protocol-version SLASH transport.
 * The usual "SIP/2.0/" is recognised with one comparison; anything else
 * (LWS around the slashes, RFC 4475 3.1.1.1) takes the general path. */
static const char *sent_protocol(const char *p, const char *end, sipua_via *via, sipua__fault *why)
{
    const char *b = p, *q;
    if (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        if ((w | 0x202020ull) == 0x2f302e322f706973ull) { /* "sip/2.0/" */
            via->protocol = mkstr(p, p + 7);
            q = p + 8;
            /* "UDP ", "TCP ", "TLS ": three token octets and a space */
            if (end - q >= 4 && q[3] == ' ' && cc_is(q[0], CC_TOKEN) && cc_is(q[1], CC_TOKEN) &&
                cc_is(q[2], CC_TOKEN)) {
                via->transport = mkstr(q, q + 3);
                return q + 3;
            }
            goto transport;
        }
    }
    q = cc_span(p, end, CC_TOKEN);
    if (q == p || !(q = slash(q, end)))
        return sipua__fail(why, "malformed sent-protocol", q ? q : b);
    p = q;
    q = cc_span(p, end, CC_TOKEN);
    if (q == p)
        return sipua__fail(why, "malformed sent-protocol", p);
    via->protocol = mkstr(b, q);
    if (!(q = slash(q, end)))
        return sipua__fail(why, "malformed transport", via->protocol.p + via->protocol.len);
transport:
    p = q;
    q = cc_span(p, end, CC_TOKEN);
    if (q == p)
        return sipua__fail(why, "malformed transport", p);
    via->transport = mkstr(p, q);
    return q;
}

/* received = IPv4address / IPv6address; brackets tolerated (RFC 5118 4.5). */
static int received_ok(sipua_via *via, const char *v, const char *e)
{
    if (v < e && *v == '[') {
        if (e - v < 2 || e[-1] != ']' || !sipua__is_ipv6(v + 1, e - 1))
            return 0;
        via->received = mkstr(v + 1, e - 1);
        return 1;
    }
    if (!sipua__is_ipv4(v, e) && !sipua__is_ipv6(v, e))
        return 0;
    via->received = mkstr(v, e);
    return 1;
}

/* The parameters the transaction layer reads. Returns NULL on a fault. */
static const char *known_param(sipua_via *via, const char *n, size_t nl, const char *v,
                               const char *ve, sipua__fault *why)
{
    uint64_t num;
    switch (nl) {
    case 6:
        if (span_ieq_alpha(n, nl, "branch", 6)) {
            if (!v || v == ve || span_token(v, ve) != ve)
                return sipua__fail(why, "bad branch parameter", v ? v : n);
            via->branch = mkstr(v, ve);
        }
        break;
    case 8:
        if (span_ieq_alpha(n, nl, "received", 8) && (!v || !received_ok(via, v, ve)))
            return sipua__fail(why, "bad received parameter", v ? v : n);
        break;
    case 5:
        if (span_ieq_alpha(n, nl, "rport", 5)) {
            if (!v) {
                via->rport = 0;
            } else {
                if (sipua__u64(v, ve, 65535, &num) != ve)
                    return sipua__fail(why, "bad rport parameter", v);
                via->rport = (int32_t)num;
            }
        } else if (span_ieq_alpha(n, nl, "maddr", 5)) {
            sipua_str h;
            sipua_host_kind k;
            if (!v || sipua__host(v, ve, &h, &k) != ve)
                return sipua__fail(why, "bad maddr parameter", v ? v : n);
            via->maddr = h;
        }
        break;
    case 3:
        if (span_ieq_alpha(n, nl, "ttl", 3)) {
            if (!v || ve - v > 3 || sipua__u64(v, ve, 255, &num) != ve)
                return sipua__fail(why, "bad ttl parameter", v ? v : n);
            via->ttl = (int32_t)num;
        }
        break;
    default: break;
    }
    return n; /* anything but NULL */
}

const char *sipua__via(const char *p, const char *end, sipua_via *via, sipua__fault *why)
{
    static const sipua_str none = {NULL, 0};
    via->branch = via->received = via->maddr = via->params = none;
    via->port = 0;
    via->rport = -1;
    via->ttl = -1;
    p = skip_lws(p, end);
    p = sent_protocol(p, end, via, why);
    if (!p)
        return NULL;
    const char *h = skip_lws(p, end);
    if (h == p)
        return sipua__fail(why, "missing space before sent-by", p);
    p = sipua__host(h, end, &via->host, &via->host_kind);
    if (!p)
        return sipua__fail(why, "malformed sent-by host", h);
    if (p < end && (*p == ':' || is_lws(*p))) {
        const char *q = skip_lws(p, end);
        if (q < end && *q == ':') {
            q = skip_lws(q + 1, end);
            p = port_span(q, end, &via->port);
            if (!p)
                return sipua__fail(why, "malformed sent-by port", q);
        }
    }
    const char *params_begin = NULL;
    for (;;) {
        const char *q = p;
        if (q < end && *q != ';')
            q = skip_lws(q, end);
        if (q >= end || *q != ';')
            break;
        q = skip_lws(q + 1, end);
        if (!params_begin)
            params_begin = q;
        const char *n = q;
        /* ";branch=", ";rport" and ";received=" are on most Vias: each
         * recognised with one comparison; anything unusual after them
         * (LWS around '=', a quoted value) takes the general path */
        if (end - q > 7) {
            uint64_t w;
            memcpy(&w, q, 8);
            if (((w & 0x00ffffffffffffffull) | 0x0000202020202020ull) == 0x003d68636e617262ull) {
                const char *v = q + 7, *ve = span_token(v, end);
                if (ve > v && (ve == end || *ve == ';' || *ve == ',' || is_lws(*ve))) {
                    via->branch = mkstr(v, ve);
                    p = ve;
                    continue;
                }
            } else if ((w | 0x2020202020202020ull) == 0x6465766965636572ull && end - q > 9 &&
                       q[8] == '=') { /* "received=" and an IPv4 address */
                const char *v = q + 9, *ve = ipv4_span(v, end);
                if (ve && (ve == end || *ve == ';' || *ve == ',' || *ve == ' ')) {
                    via->received = mkstr(v, ve);
                    p = ve;
                    continue;
                }
            }
        }
        if (end - q >= 5 && (q[0] | 0x20) == 'r' && (q[1] | 0x20) == 'p' && (q[2] | 0x20) == 'o' &&
            (q[3] | 0x20) == 'r' && (q[4] | 0x20) == 't' &&
            (end - q == 5 || q[5] == ';' || q[5] == ',')) { /* ";rport" alone */
            via->rport = 0;
            p = q + 5;
            continue;
        }
        q = cc_span(q, end, CC_TOKEN);
        if (q == n)
            return sipua__fail(why, "empty parameter", n);
        const char *ne = q, *v = NULL;
        if (q < end && *q != '=' && is_lws(*q))
            q = skip_lws(q, end);
        if (q < end && *q == '=') {
            q = skip_lws(q + 1, end);
            v = q;
            if (q < end && *q == '"') {
                q = sipua__quoted(q, end);
                if (!q)
                    return sipua__fail(why, "unterminated quoted parameter", v);
            } else {
                /* token, or an IPv6 address with or without brackets */
                q = span_token(q, end);
                while (q < end && (*q == ':' || *q == '[' || *q == ']'))
                    q = cc_span(q + 1, end, CC_TOKEN);
            }
            if (q == v)
                return sipua__fail(why, "empty parameter value", v);
        } else {
            q = ne;
        }
        if (!known_param(via, n, (size_t)(ne - n), v, v ? q : NULL, why))
            return NULL;
        p = q;
    }
    if (params_begin)
        via->params = mkstr(params_begin, p);
    if (p < end && *p != ',') {
        p = skip_lws(p, end);
        if (p < end && *p != ',')
            return sipua__fail(why, "unexpected characters", p);
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
