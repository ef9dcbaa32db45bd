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
