/* Writing messages straight into a caller's buffer, and the serializer. */
#include <string.h>

#include "msg/chars.h"
#include "msg/internal.h"

void sipua_builder_init(sipua_builder *b, char *buf, size_t cap)
{
    b->buf = buf;
    b->cap = buf ? cap : 0;
    b->len = 0;
    b->error = 0;
}

static int put(sipua_builder *b, const char *p, size_t n)
{
    if (b->error)
        return b->error;
    if (n > b->cap - b->len) {
        b->error = SIPUA_ENOSPC;
        return b->error;
    }
    if (n)
        memcpy(b->buf + b->len, p, n);
    b->len += n;
    return 0;
}

static int put_u64(sipua_builder *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return put(b, tmp + i, sizeof tmp - i);
}

int sipua_builder_raw(sipua_builder *b, sipua_str bytes)
{
    if (!b || (!bytes.p && bytes.len))
        return SIPUA_EINVAL;
    return put(b, bytes.p, bytes.len);
}

int sipua_builder_request_line(sipua_builder *b, sipua_str method, sipua_str uri)
{
    if (!b || !method.p || !method.len || !uri.p || !uri.len ||
        cc_span(method.p, method.p + method.len, CC_TOKEN) != method.p + method.len ||
        memchr(uri.p, ' ', uri.len) || memchr(uri.p, '\r', uri.len) || memchr(uri.p, '\n', uri.len))
        return SIPUA_EINVAL;
    put(b, method.p, method.len);
    put(b, " ", 1);
    put(b, uri.p, uri.len);
    return put(b, " SIP/2.0\r\n", 10);
}

int sipua_builder_status_line(sipua_builder *b, int code, sipua_str reason)
{
    if (!b || code < 100 || code > 699 || (!reason.p && reason.len) ||
        (reason.len && (memchr(reason.p, '\r', reason.len) || memchr(reason.p, '\n', reason.len))))
        return SIPUA_EINVAL;
    put(b, "SIP/2.0 ", 8);
    put_u64(b, (uint64_t)code);
    put(b, " ", 1);
    put(b, reason.p, reason.len);
    return put(b, "\r\n", 2);
}

static int valid_header(sipua_str name, sipua_str value)
{
    return name.p && name.len &&
           cc_span(name.p, name.p + name.len, CC_TOKEN) == name.p + name.len &&
           (value.p || !value.len) &&
           !(value.len && (memchr(value.p, '\r', value.len) || memchr(value.p, '\n', value.len)));
}

int sipua_builder_header(sipua_builder *b, sipua_str name, sipua_str value)
{
    if (!b || !valid_header(name, value))
        return SIPUA_EINVAL;
    put(b, name.p, name.len);
    put(b, ": ", 2);
    put(b, value.p, value.len);
    return put(b, "\r\n", 2);
}

int sipua_builder_header_u64(sipua_builder *b, sipua_str name, uint64_t value)
{
    sipua_str empty = {"", 0};
    if (!b || !valid_header(name, empty))
        return SIPUA_EINVAL;
    put(b, name.p, name.len);
    put(b, ": ", 2);
    put_u64(b, value);
    return put(b, "\r\n", 2);
}

int sipua_builder_body(sipua_builder *b, sipua_str body)
{
    if (!b || (!body.p && body.len))
        return SIPUA_EINVAL;
    put(b, "Content-Length: ", 16);
    put_u64(b, body.len);
    put(b, "\r\n\r\n", 4);
    return put(b, body.p, body.len);
}

int sipua_builder_finish(const sipua_builder *b)
{
    if (!b)
        return SIPUA_EINVAL;
    if (b->error)
        return b->error;
    return b->len > (size_t)INT32_MAX ? SIPUA_ENOSPC : (int)b->len;
}

/* A header value with each fold (and the blanks around it) as one SP. A CR
 * that starts no fold is an ordinary byte here: the value is copied, not
 * judged (sipua_msg_parse_all() does that). */
static void put_unfolded(sipua_builder *b, sipua_str v)
{
    const char *p = v.p, *e = v.p + v.len;
    while (p < e) {
        const char *q = p;
        while (q < e && *q != '\n' && !(*q == '\r' && q + 1 < e && q[1] == '\n'))
            q++;
        if (q >= e) {
            put(b, p, (size_t)(e - p));
            return;
        }
        const char *t = q;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        put(b, p, (size_t)(t - p));
        put(b, " ", 1);
        p = q + (*q == '\r' ? 2 : 1);
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
    }
}

int sipua_msg_serialize(const sipua_msg *m, char *out, size_t cap)
{
    if (!m || !m->buf || (!out && cap))
        return SIPUA_EINVAL;
    sipua_builder b;
    sipua_builder_init(&b, out, cap);
    if (m->is_request) {
        put(&b, m->method_str.p, m->method_str.len);
        put(&b, " ", 1);
        put(&b, m->ruri.whole.p, m->ruri.whole.len);
        put(&b, " SIP/2.0\r\n", 10);
    } else {
        put(&b, "SIP/2.0 ", 8);
        put_u64(&b, (uint64_t)m->status);
        put(&b, " ", 1);
        put(&b, m->reason.p, m->reason.len);
        put(&b, "\r\n", 2);
    }
    for (size_t i = 0; i < m->nhdrs; i++) {
        const sipua_hdr *h = &m->hdrs[i];
        if (h->id == SIPUA_HDR_CONTENT_LENGTH)
            continue;
        const char *name = sipua_hdr_name(h->id);
        if (h->id == SIPUA_HDR_OTHER)
            put(&b, h->name.p, h->name.len);
        else
            put(&b, name, strlen(name));
        put(&b, ": ", 2);
        put_unfolded(&b, h->value);
        put(&b, "\r\n", 2);
    }
    sipua_builder_body(&b, m->body);
    return sipua_builder_finish(&b);
}

/* ------------------------------------------------------------------ */
/* Responses (RFC 3261 8.2.6.2)                                        */

/* host, bracketed when it is an IPv6 reference */
static void put_host(sipua_builder *b, sipua_str host, sipua_host_kind kind)
{
    if (kind == SIPUA_HOST_IPV6)
        put(b, "[", 1);
    put(b, host.p, host.len);
    if (kind == SIPUA_HOST_IPV6)
        put(b, "]", 1);
}

/* The top Via with received and rport from the source (RFC 3261 18.2.1,
 * RFC 3581 4): received when rport was asked for or the source differs
 * from the sent-by host. */
static void put_top_via(sipua_builder *b, const sipua_via *v, sipua_str src, uint16_t src_port)
{
    put(b, "Via: ", 5);
    put(b, v->protocol.p, v->protocol.len);
    put(b, "/", 1);
    put(b, v->transport.p, v->transport.len);
    put(b, " ", 1);
    put_host(b, v->host, v->host_kind);
    if (v->port) {
        put(b, ":", 1);
        put_u64(b, v->port);
    }
    size_t pos = 0;
    sipua_str n, val;
    int have_src = src.p && src.len;
    while (v->params.p && sipua_param_next(v->params, &pos, &n, &val)) {
        if (have_src && (sipua_str_caseeq(n, "received") || sipua_str_caseeq(n, "rport")))
            continue;
        put(b, ";", 1);
        put(b, n.p, n.len);
        if (val.p) {
            put(b, "=", 1);
            put(b, val.p, val.len);
        }
    }
    if (have_src) {
        int want_rport = v->rport >= 0;
        if (want_rport || v->host.len != src.len || memcmp(v->host.p, src.p, src.len) != 0) {
            put(b, ";received=", 10);
            put(b, src.p, src.len);
        }
        if (want_rport && src_port) {
            put(b, ";rport=", 7);
            put_u64(b, src_port);
        }
    }
    put(b, "\r\n", 2);
}

/* The other Via values as received: the rest of the first field after its
 * top value, then every other Via field. */
static void put_other_vias(sipua_builder *b, const sipua_msg *m)
{
    size_t at = 0;
    int first = 1;
    const sipua_hdr *h;
    for (; (h = sipua_msg_find(m, SIPUA_HDR_VIA, &at)) != NULL; at++) {
        sipua_str val = h->value;
        if (first) {
            first = 0;
            const char *q = sipua__next_comma(val.p, val.p + val.len);
            if (!q || q >= val.p + val.len)
                continue;
            q++;
            while (q < val.p + val.len && (*q == ' ' || *q == '\t'))
                q++;
            val = (sipua_str){q, (size_t)(val.p + val.len - q)};
        }
        if (val.len)
            sipua_builder_header(b, SIPUA_STR("Via"), val);
    }
}

int sipua_builder_response(sipua_builder *b, const sipua_msg *req, int code, sipua_str reason,
                           sipua_str to_tag, sipua_str src_host, uint16_t src_port)
{
    if (!b || !req || !sipua_msg_is_request(req))
        return SIPUA_EINVAL;
    const sipua_via *top = sipua_msg_top_via(req);
    const sipua_hdr *from = sipua_msg_find(req, SIPUA_HDR_FROM, NULL);
    const sipua_hdr *to = sipua_msg_find(req, SIPUA_HDR_TO, NULL);
    const sipua_hdr *cseq = sipua_msg_find(req, SIPUA_HDR_CSEQ, NULL);
    sipua_str cid = sipua_msg_call_id(req);
    if (!top || !from || !to || !cseq || !cid.p)
        return SIPUA_EINVAL;
    int r = sipua_builder_status_line(b, code, reason);
    if (r)
        return r;
    put_top_via(b, top, src_host, src_port);
    put_other_vias(b, req);
    sipua_builder_header(b, SIPUA_STR("From"), from->value);
    put(b, "To: ", 4);
    put(b, to->value.p, to->value.len);
    const sipua_nameaddr *tna = sipua_msg_to(req);
    if (code > 100 && to_tag.p && to_tag.len && (!tna || !tna->tag.p)) {
        put(b, ";tag=", 5);
        put(b, to_tag.p, to_tag.len);
    }
    put(b, "\r\n", 2);
    sipua_builder_header(b, SIPUA_STR("Call-ID"), cid);
    sipua_builder_header(b, SIPUA_STR("CSeq"), cseq->value);
    return b->error;
}
