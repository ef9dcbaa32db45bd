/* Writing SDP: single lines into a sipua_builder, a parsed description back
 * to text, and the static payload types of RFC 3551 for the rtpmap
 * accessor. */
#include <string.h>

#include "media/internal.h"

static void put(sipua_builder *b, const char *p, size_t n)
{
    sipua_str s = {p, n};
    sipua_builder_raw(b, s);
}

static void put_str(sipua_builder *b, sipua_str s)
{
    if (s.len)
        put(b, s.p, s.len);
}

void sipua__sdp_put_u64(sipua_builder *b, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(b, tmp + sizeof tmp - n, n);
}

static int value_ok(sipua_str v)
{
    return !v.len ||
           (!memchr(v.p, '\r', v.len) && !memchr(v.p, '\n', v.len) && !memchr(v.p, '\0', v.len));
}

int sipua_sdp_build_line(sipua_builder *b, char type, sipua_str value)
{
    if (!b || type < 'a' || type > 'z' || (!value.p && value.len) || !value_ok(value))
        return SIPUA_EINVAL;
    char head[2] = {type, '='};
    put(b, head, 2);
    put_str(b, value);
    put(b, "\r\n", 2);
    return b->error;
}

int sipua_sdp_build_attr(sipua_builder *b, sipua_str name, sipua_str value)
{
    if (!b || !name.p || !name.len || !sipua__sdp_is_token(name) || (!value.p && value.len) ||
        !value_ok(value))
        return SIPUA_EINVAL;
    put(b, "a=", 2);
    put_str(b, name);
    if (value.p) {
        put(b, ":", 1);
        put_str(b, value);
    }
    put(b, "\r\n", 2);
    return b->error;
}

/* ------------------------------------------------------------------ */
/* Payload formats                                                     */

/* RFC 3551 tables 4 and 5: the static payload types. */
static const struct {
    int pt;
    const char *name;
    uint32_t rate, channels;
} static_pts[] = {
    {0, "PCMU", 8000, 1},   {3, "GSM", 8000, 1},    {4, "G723", 8000, 1},   {5, "DVI4", 8000, 1},
    {6, "DVI4", 16000, 1},  {7, "LPC", 8000, 1},    {8, "PCMA", 8000, 1},   {9, "G722", 8000, 1},
    {10, "L16", 44100, 2},  {11, "L16", 44100, 1},  {12, "QCELP", 8000, 1}, {13, "CN", 8000, 1},
    {14, "MPA", 90000, 1},  {15, "G728", 8000, 1},  {16, "DVI4", 11025, 1}, {17, "DVI4", 22050, 1},
    {18, "G729", 8000, 1},  {25, "CelB", 90000, 1}, {26, "JPEG", 90000, 1}, {28, "nv", 90000, 1},
    {31, "H261", 90000, 1}, {32, "MPV", 90000, 1},  {33, "MP2T", 90000, 1}, {34, "H263", 90000, 1},
};

int sipua_sdp_media_rtpmap(const sipua_sdp_media *m, size_t fmt_index, sipua_sdp_rtpmap *out)
{
    if (!m || !out)
        return SIPUA_EINVAL;
    if (fmt_index >= m->fmt_count)
        return SIPUA_ENOTFOUND;
    uint64_t pt;
    sipua_str fmt = m->fmts[fmt_index];
    if (!sipua__sdp_u64(fmt, 127, &pt))
        return SIPUA_EINVAL;
    memset(out, 0, sizeof *out);
    int found = 0;
    size_t it = 0;
    sipua_str v;
    while (sipua_sdp_attr_next(m->attrs, m->attr_count, "rtpmap", &it, &v)) {
        sipua_sdp_rtpmap r;
        const char *bad;
        memset(&r, 0, sizeof r);
        if (v.p && sipua__sdp_parse_rtpmap(v, &r, &bad) && (uint64_t)r.pt == pt) {
            *out = r;
            found = 1;
            break;
        }
    }
    if (!found) {
        for (size_t i = 0; i < sizeof static_pts / sizeof static_pts[0]; i++) {
            if ((uint64_t)static_pts[i].pt == pt) {
                out->pt = static_pts[i].pt;
                out->encoding.p = static_pts[i].name;
                out->encoding.len = strlen(static_pts[i].name);
                out->clock_rate = static_pts[i].rate;
                out->channels = static_pts[i].channels;
                found = 1;
                break;
            }
        }
    }
    if (!found)
        return SIPUA_ENOTFOUND;
    it = 0;
    while (sipua_sdp_attr_next(m->attrs, m->attr_count, "fmtp", &it, &v)) {
        const char *sp = v.p ? memchr(v.p, ' ', v.len) : NULL;
        if (sp && (size_t)(sp - v.p) == fmt.len && memcmp(v.p, fmt.p, fmt.len) == 0) {
            out->fmtp.p = sp + 1;
            out->fmtp.len = v.len - fmt.len - 1;
            break;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* A parsed description back to text                                   */

static void put_conn(sipua_builder *b, const sipua_sdp_conn *c)
{
    put(b, "c=", 2);
    put_str(b, c->nettype);
    put(b, " ", 1);
    put_str(b, c->addrtype);
    put(b, " ", 1);
    put_str(b, c->address);
    if (c->ttl >= 0) {
        put(b, "/", 1);
        sipua__sdp_put_u64(b, (uint64_t)c->ttl);
    }
    if (c->count > 1) {
        put(b, "/", 1);
        sipua__sdp_put_u64(b, c->count);
    }
    put(b, "\r\n", 2);
}

static void put_bw(sipua_builder *b, const sipua_sdp_bw *bw)
{
    put(b, "b=", 2);
    put_str(b, bw->type);
    put(b, ":", 1);
    sipua__sdp_put_u64(b, bw->value);
    put(b, "\r\n", 2);
}

static void put_media(sipua_builder *b, const sipua_sdp_media *m)
{
    put(b, "m=", 2);
    put_str(b, m->media);
    put(b, " ", 1);
    sipua__sdp_put_u64(b, m->port);
    if (m->port_count > 1) {
        put(b, "/", 1);
        sipua__sdp_put_u64(b, m->port_count);
    }
    put(b, " ", 1);
    put_str(b, m->proto);
    for (size_t i = 0; i < m->fmt_count; i++) {
        put(b, " ", 1);
        put_str(b, m->fmts[i]);
    }
    put(b, "\r\n", 2);
}

int sipua_sdp_write(const sipua_sdp *sdp, char *out, size_t cap)
{
    if (!sdp || (!out && cap))
        return SIPUA_EINVAL;
    sipua_builder b;
    sipua_builder_init(&b, out, cap);
    const sipua_sdp_media *m = NULL;
    size_t media_index = 0, attr_index = 0, bw_index = 0, conn_index = 0, time_index = 0;
    for (size_t i = 0; i < sdp->line_count; i++) {
        const sipua_sdp_line *ln = &sdp->lines[i];
        const sipua_sdp_attr *attrs = m ? m->attrs : sdp->attrs;
        size_t attr_count = m ? m->attr_count : sdp->attr_count;
        switch (ln->type) {
        case 'o': {
            const sipua_sdp_origin *o = &sdp->origin;
            put(&b, "o=", 2);
            put_str(&b, o->username);
            put(&b, " ", 1);
            put_str(&b, o->sess_id);
            put(&b, " ", 1);
            sipua__sdp_put_u64(&b, o->sess_version);
            put(&b, " ", 1);
            put_str(&b, o->nettype);
            put(&b, " ", 1);
            put_str(&b, o->addrtype);
            put(&b, " ", 1);
            put_str(&b, o->address);
            put(&b, "\r\n", 2);
            break;
        }
        case 'c':
            if (!m)
                put_conn(&b, &sdp->conn);
            else if (conn_index++ == 0)
                put_conn(&b, &m->conn);
            else
                sipua_sdp_build_line(&b, 'c', ln->value);
            break;
        case 'b':
            if (bw_index < (m ? m->bw_count : sdp->bw_count))
                put_bw(&b, m ? &m->bw[bw_index] : &sdp->bw[bw_index]);
            bw_index++;
            break;
        case 't':
            if (time_index++ == 0) {
                put(&b, "t=", 2);
                sipua__sdp_put_u64(&b, sdp->start_time);
                put(&b, " ", 1);
                sipua__sdp_put_u64(&b, sdp->stop_time);
                put(&b, "\r\n", 2);
            } else {
                sipua_sdp_build_line(&b, 't', ln->value);
            }
            break;
        case 'a':
            if (attr_index < attr_count)
                sipua_sdp_build_attr(&b, attrs[attr_index].name, attrs[attr_index].value);
            attr_index++;
            break;
        case 'm':
            if (media_index >= sdp->media_count)
                return SIPUA_EINVAL;
            m = &sdp->media[media_index++];
            attr_index = bw_index = conn_index = 0;
            put_media(&b, m);
            break;
        default: sipua_sdp_build_line(&b, ln->type, ln->value); break;
        }
    }
    return sipua_builder_finish(&b);
}
