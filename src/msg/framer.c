/* Message boundaries on stream transports (RFC 3261 18.3: Content-Length is
 * mandatory there) and the CRLF keep-alives of RFC 5626 4.4.1. */
#include <string.h>

#include "msg/chars.h"
#include "msg/internal.h"

void sipua_framer_init(sipua_framer *f)
{
    if (f)
        memset(f, 0, sizeof *f);
}

static int stick(sipua_framer *f, int err)
{
    f->error = err;
    return err;
}

/* Finds Content-Length (long or compact form) in the header section
 * [p, e). Returns 1 with *out, 0 when absent, -1 when malformed or repeated. */
static int content_length(const char *p, const char *e, uint64_t *out)
{
    int found = 0;
    const char *eol = memchr(p, '\n', (size_t)(e - p)); /* skip the start line */
    while (eol && eol + 1 < e) {
        const char *line = eol + 1;
        eol = memchr(line, '\n', (size_t)(e - line));
        if (!eol)
            break;
        const char *ne = cc_span(line, eol, CC_TOKEN);
        size_t nl = (size_t)(ne - line);
        if (!(nl == 14 && span_ieq(line, nl, "content-length", 14)) &&
            !(nl == 1 && (line[0] | 0x20) == 'l'))
            continue;
        const char *v = ne;
        while (v < eol && (*v == ' ' || *v == '\t'))
            v++;
        if (v >= eol || *v != ':')
            continue;
        v = skip_lws(v + 1, e);
        uint64_t n;
        const char *q = sipua__u64(v, e, UINT32_MAX, &n);
        if (!q)
            return -1;
        q = skip_lws(q, e); /* up to the next line's first non-blank */
        if (q < e && q <= eol)
            return -1;
        if (found && n != *out)
            return -1;
        found = 1;
        *out = n;
    }
    return found;
}

int sipua_framer_next(sipua_framer *f, const sipua_msg_limits *limits, const char *buf, size_t len,
                      size_t *skip, size_t *msg_len)
{
    sipua_msg_limits defl;
    if (!f || (!buf && len) || !skip || !msg_len)
        return SIPUA_EINVAL;
    if (!limits) {
        sipua_msg_limits_init(&defl);
        limits = &defl;
    }
    *skip = 0;
    *msg_len = 0;
    if (f->error)
        return f->error;
    if (len == 0)
        return SIPUA_EAGAIN;
    if (f->head_end == 0 && f->scanned == 0) {
        if (buf[0] == '\r' || buf[0] == '\n') {
            if (len >= 4 && memcmp(buf, "\r\n\r\n", 4) == 0) {
                *skip = 4;
                return SIPUA_FRAME_KEEPALIVE;
            }
            if (buf[0] == '\n') {
                *skip = 1;
                return SIPUA_FRAME_PONG;
            }
            if (len < 2)
                return SIPUA_EAGAIN;
            if (buf[1] != '\n')
                return stick(f, SIPUA_EPARSE);
            if (f->awaiting_pong || len >= 4 || (len == 3 && buf[2] != '\r')) {
                f->awaiting_pong = 0;
                *skip = 2;
                return SIPUA_FRAME_PONG;
            }
            return SIPUA_EAGAIN; /* maybe the first half of a ping */
        }
    }
    if (f->head_end == 0) {
        size_t from = f->scanned > 3 ? f->scanned - 3 : 0;
        const char *p = buf + from, *e = buf + len;
        const char *head_end = NULL;
        while (p < e) {
            const char *nl = memchr(p, '\n', (size_t)(e - p));
            if (!nl)
                break;
            if (nl + 1 < e && nl[1] == '\n') {
                head_end = nl + 2;
                break;
            }
            if (nl + 2 < e && nl[1] == '\r' && nl[2] == '\n') {
                head_end = nl + 3;
                break;
            }
            if (nl + 2 >= e)
                break; /* cannot tell yet */
            p = nl + 1;
        }
        if (!head_end) {
            f->scanned = len;
            if (len > limits->max_message)
                return stick(f, SIPUA_ELIMIT);
            return SIPUA_EAGAIN;
        }
        f->head_end = (size_t)(head_end - buf);
        uint64_t cl = 0;
        int r = content_length(buf, head_end, &cl);
        if (r <= 0)
            return stick(f, SIPUA_EPARSE);
        if (cl > limits->max_body || f->head_end + cl > limits->max_message)
            return stick(f, SIPUA_ELIMIT);
        f->total = f->head_end + (size_t)cl;
    }
    if (len < f->total)
        return SIPUA_EAGAIN;
    *msg_len = f->total;
    f->scanned = f->head_end = f->total = 0;
    return SIPUA_FRAME_MESSAGE;
}
