/* SDP parser (RFC 4566): one pass over the lines, each checked against the
 * order of section 5 and its own grammar, into spans of the caller's buffer.
 * The arrays are sized once from the limits at sipua_sdp_new(), so a parse
 * never allocates and nothing grows with the input. */
#include <string.h>

#include "media/internal.h"

void sipua_sdp_limits_init(sipua_sdp_limits *limits)
{
    if (!limits)
        return;
    limits->version = SIPUA_SDP_LIMITS_VERSION;
    limits->max_size = 65535;
    limits->max_lines = 1024;
    limits->max_media = 16;
    limits->max_attrs = 512;
    limits->max_formats = 256;
}

sipua_sdp *sipua_sdp_new(const sipua_sdp_limits *limits, const sipua_allocator *alloc)
{
    sipua_sdp_limits lim;
    sipua_sdp_limits_init(&lim);
    if (limits)
        lim = *limits;
    if (!lim.max_size || !lim.max_lines || !lim.max_media || !lim.max_attrs || !lim.max_formats ||
        lim.max_lines > UINT32_MAX || lim.max_media > 4096 || lim.max_attrs > 1u << 20 ||
        lim.max_formats > 1u << 20)
        return NULL;
    if (!alloc)
        alloc = sipua_default_allocator();
    sipua_sdp *sdp = alloc->alloc(sizeof *sdp, alloc->user);
    if (!sdp)
        return NULL;
    memset(sdp, 0, sizeof *sdp);
    struct sipua_sdp_store_ *st = alloc->alloc(sizeof *st, alloc->user);
    if (!st) {
        alloc->free(sdp, alloc->user);
        return NULL;
    }
    memset(st, 0, sizeof *st);
    st->alloc = *alloc;
    st->limits = lim;
    st->lines = alloc->alloc(lim.max_lines * sizeof *st->lines, alloc->user);
    st->attrs = alloc->alloc(lim.max_attrs * sizeof *st->attrs, alloc->user);
    st->fmts = alloc->alloc(lim.max_formats * sizeof *st->fmts, alloc->user);
    st->media = alloc->alloc(lim.max_media * sizeof *st->media, alloc->user);
    sdp->store_ = st;
    if (!st->lines || !st->attrs || !st->fmts || !st->media) {
        sipua_sdp_free(sdp);
        return NULL;
    }
    return sdp;
}

void sipua_sdp_free(sipua_sdp *sdp)
{
    if (!sdp)
        return;
    struct sipua_sdp_store_ *st = sdp->store_;
    if (st) {
        sipua_allocator a = st->alloc;
        a.free(st->lines, a.user);
        a.free(st->attrs, a.user);
        a.free(st->fmts, a.user);
        a.free(st->media, a.user);
        a.free(st, a.user);
        a.free(sdp, a.user);
        return;
    }
    sipua_default_allocator()->free(sdp, NULL);
}

const char *sipua_sdp_direction_name(sipua_sdp_direction dir)
{
    switch (dir) {
    case SIPUA_SDP_SENDRECV: return "sendrecv";
    case SIPUA_SDP_SENDONLY: return "sendonly";
    case SIPUA_SDP_RECVONLY: return "recvonly";
    case SIPUA_SDP_INACTIVE: return "inactive";
    default: return "";
    }
}

/* ------------------------------------------------------------------ */
/* Lexical helpers                                                     */

/* token-char of RFC 4566 section 9. */
int sipua__sdp_is_token_char(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2A || c == 0x2B || c == 0x2D ||
           c == 0x2E || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) ||
           (c >= 0x5E && c <= 0x7E);
}

int sipua__sdp_is_token(sipua_str s)
{
    if (!s.len)
        return 0;
    for (size_t i = 0; i < s.len; i++)
        if (!sipua__sdp_is_token_char((unsigned char)s.p[i]))
            return 0;
    return 1;
}

/* Decimal digits only, no sign, value <= max. */
int sipua__sdp_u64(sipua_str s, uint64_t max, uint64_t *out)
{
    if (!s.len || s.len > 20)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned d = (unsigned)(unsigned char)s.p[i] - '0';
        if (d > 9)
            return 0;
        if (v > (max - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

/* The next field of a value split by single spaces: from *pos to the next
 * SP or the end. An empty field (two spaces, a leading or trailing one) is
 * returned as such, and the callers refuse it. */
static int next_field(sipua_str v, size_t *pos, sipua_str *field)
{
    if (*pos > v.len)
        return 0;
    const char *sp = memchr(v.p + *pos, ' ', v.len - *pos);
    size_t end = sp ? (size_t)(sp - v.p) : v.len;
    field->p = v.p + *pos;
    field->len = end - *pos;
    *pos = end + 1;
    return 1;
}

static sipua_str sub(sipua_str s, size_t from, size_t to)
{
    sipua_str r = {s.p + from, to - from};
    return r;
}

/* ------------------------------------------------------------------ */
/* The parser                                                          */

typedef struct parser {
    sipua_sdp *sdp;
    struct sipua_sdp_store_ *st;
    const char *buf;
    const char *line_start; /* of the current line */
    uint32_t line;
    size_t attr_count, fmt_count, line_count;
} parser;

static int fail(parser *ps, int code, const char *reason, const char *at)
{
    sipua_sdp_error *e = &ps->sdp->error;
    e->code = code;
    e->reason = reason;
    e->offset = (size_t)(at - ps->buf);
    e->line = ps->line;
    e->column = (uint32_t)(at - ps->line_start) + 1;
    return code;
}

static void conn_clear(sipua_sdp_conn *c)
{
    memset(c, 0, sizeof *c);
    c->ttl = -1;
    c->count = 1;
}

/* c=<nettype> <addrtype> <connection-address> (RFC 4566 5.7). */
static int parse_conn(parser *ps, sipua_str v, sipua_sdp_conn *c)
{
    size_t pos = 0;
    sipua_str nettype, addrtype, addr, extra;
    if (!next_field(v, &pos, &nettype) || !sipua__sdp_is_token(nettype) ||
        !next_field(v, &pos, &addrtype) || !sipua__sdp_is_token(addrtype) ||
        !next_field(v, &pos, &addr) || !addr.len)
        return fail(ps, SIPUA_EPARSE, "c= needs <nettype> <addrtype> <address>", v.p);
    if (next_field(v, &pos, &extra))
        return fail(ps, SIPUA_EPARSE, "c= has more than three fields", extra.p);
    conn_clear(c);
    c->nettype = nettype;
    c->addrtype = addrtype;
    const char *slash = memchr(addr.p, '/', addr.len);
    c->address = slash ? sub(addr, 0, (size_t)(slash - addr.p)) : addr;
    if (!c->address.len)
        return fail(ps, SIPUA_EPARSE, "c= address is empty", addr.p);
    for (size_t i = 0; i < c->address.len; i++)
        if (!sipua__sdp_is_token_char((unsigned char)c->address.p[i]) && c->address.p[i] != ':')
            return fail(ps, SIPUA_EPARSE, "c= address holds an invalid character",
                        c->address.p + i);
    int ip4 = sipua_str_eq(addrtype, "IP4");
    int multicast4 = 0;
    if (ip4) {
        unsigned first = 0;
        size_t i = 0;
        while (i < c->address.len && c->address.p[i] >= '0' && c->address.p[i] <= '9' && i < 3)
            first = first * 10 + (unsigned)(c->address.p[i++] - '0');
        multicast4 =
            i > 0 && i < c->address.len && c->address.p[i] == '.' && first >= 224 && first <= 239;
    }
    if (!slash) {
        if (multicast4)
            return fail(ps, SIPUA_EPARSE, "IP4 multicast c= needs a TTL", addr.p + addr.len);
        return 0;
    }
    sipua_str rest = sub(addr, (size_t)(slash - addr.p) + 1, addr.len);
    const char *slash2 = memchr(rest.p, '/', rest.len);
    sipua_str first = slash2 ? sub(rest, 0, (size_t)(slash2 - rest.p)) : rest;
    uint64_t n;
    if (ip4) {
        if (!multicast4)
            return fail(ps, SIPUA_EPARSE, "TTL on a unicast IP4 address", slash);
        if (!sipua__sdp_u64(first, 255, &n))
            return fail(ps, SIPUA_EPARSE, "c= TTL is not a number 0..255", first.p);
        c->ttl = (int32_t)n;
        if (slash2) {
            sipua_str cnt = sub(rest, (size_t)(slash2 - rest.p) + 1, rest.len);
            if (!sipua__sdp_u64(cnt, UINT32_MAX, &n) || !n)
                return fail(ps, SIPUA_EPARSE, "c= address count is not a number above 0", cnt.p);
            c->count = (uint32_t)n;
        }
        return 0;
    }
    /* IP6 and others: <address>/<count> */
    if (slash2)
        return fail(ps, SIPUA_EPARSE, "c= has a TTL where only IP4 takes one", slash2);
    if (!sipua__sdp_u64(first, UINT32_MAX, &n) || !n)
        return fail(ps, SIPUA_EPARSE, "c= address count is not a number above 0", first.p);
    c->count = (uint32_t)n;
    return 0;
}

static int parse_bw(parser *ps, sipua_str v, sipua_sdp_bw *bw, size_t *count)
{
    const char *colon = memchr(v.p, ':', v.len);
    if (!colon)
        return fail(ps, SIPUA_EPARSE, "b= needs <bwtype>:<bandwidth>", v.p);
    sipua_str type = sub(v, 0, (size_t)(colon - v.p));
    sipua_str val = sub(v, (size_t)(colon - v.p) + 1, v.len);
    uint64_t n;
    if (!sipua__sdp_is_token(type))
        return fail(ps, SIPUA_EPARSE, "b= type is not a token", v.p);
    if (!sipua__sdp_u64(val, UINT64_MAX, &n))
        return fail(ps, SIPUA_EPARSE, "b= bandwidth is not a number", val.p);
    if (*count >= SIPUA_SDP_MAX_BANDWIDTHS)
        return fail(ps, SIPUA_ELIMIT, "too many b= lines in one section", v.p);
    bw[*count].type = type;
    bw[*count].value = n;
    (*count)++;
    return 0;
}

/* A typed time of r= and z= (RFC 4566 5.10): digits and an optional unit;
 * z= offsets may be negative. */
static int typed_time(sipua_str f, int may_be_negative)
{
    if (may_be_negative && f.len && f.p[0] == '-')
        f = sub(f, 1, f.len);
    if (f.len && strchr("dhms", f.p[f.len - 1]))
        f.len--;
    uint64_t n;
    return sipua__sdp_u64(f, UINT64_MAX, &n);
}

static int parse_repeat(parser *ps, sipua_str v)
{
    size_t pos = 0, n = 0;
    sipua_str f;
    while (next_field(v, &pos, &f)) {
        if (!typed_time(f, 0))
            return fail(ps, SIPUA_EPARSE, "r= field is not a typed time", f.p);
        n++;
    }
    if (n < 3)
        return fail(ps, SIPUA_EPARSE, "r= needs <interval> <duration> <offsets>", v.p);
    return 0;
}

static int parse_zone(parser *ps, sipua_str v)
{
    size_t pos = 0, n = 0;
    sipua_str f;
    while (next_field(v, &pos, &f)) {
        uint64_t t;
        if (n % 2 == 0 ? !sipua__sdp_u64(f, UINT64_MAX, &t) : !typed_time(f, 1))
            return fail(ps, SIPUA_EPARSE, "z= needs pairs of <time> <offset>", f.p);
        n++;
    }
    if (n % 2)
        return fail(ps, SIPUA_EPARSE, "z= needs pairs of <time> <offset>", v.p + v.len);
    return 0;
}

static int parse_origin(parser *ps, sipua_str v)
{
    sipua_sdp_origin *o = &ps->sdp->origin;
    sipua_str f[6] = {{NULL, 0}}, extra;
    size_t pos = 0;
    for (int i = 0; i < 6; i++)
        if (!next_field(v, &pos, &f[i]) || !f[i].len)
            return fail(ps, SIPUA_EPARSE,
                        "o= needs <username> <sess-id> <sess-version> <nettype> <addrtype> "
                        "<address>",
                        pos <= v.len + 1 && f[i].p ? f[i].p : v.p + v.len);
    if (next_field(v, &pos, &extra))
        return fail(ps, SIPUA_EPARSE, "o= has more than six fields", extra.p);
    for (size_t i = 0; i < f[1].len; i++)
        if (f[1].p[i] < '0' || f[1].p[i] > '9')
            return fail(ps, SIPUA_EPARSE, "o= sess-id is not a number", f[1].p);
    if (!sipua__sdp_u64(f[2], UINT64_MAX, &o->sess_version))
        return fail(ps, SIPUA_EPARSE, "o= sess-version is not a 64-bit number", f[2].p);
    if (!sipua__sdp_is_token(f[3]) || !sipua__sdp_is_token(f[4]))
        return fail(ps, SIPUA_EPARSE, "o= nettype or addrtype is not a token", f[3].p);
    o->username = f[0];
    o->sess_id = f[1];
    o->nettype = f[3];
    o->addrtype = f[4];
    o->address = f[5];
    return 0;
}

static int parse_times(parser *ps, sipua_str v)
{
    sipua_str a, b, extra;
    size_t pos = 0;
    uint64_t start, stop;
    if (!next_field(v, &pos, &a) || !next_field(v, &pos, &b) ||
        !sipua__sdp_u64(a, UINT64_MAX, &start) || !sipua__sdp_u64(b, UINT64_MAX, &stop))
        return fail(ps, SIPUA_EPARSE, "t= needs <start-time> <stop-time>", v.p);
    if (next_field(v, &pos, &extra))
        return fail(ps, SIPUA_EPARSE, "t= has more than two fields", extra.p);
    if (ps->sdp->time_count++ == 0) {
        ps->sdp->start_time = start;
        ps->sdp->stop_time = stop;
    }
    return 0;
}

static int parse_media_line(parser *ps, sipua_str v, sipua_sdp_media *m)
{
    size_t pos = 0;
    sipua_str media, port, proto, fmt;
    if (!next_field(v, &pos, &media) || !sipua__sdp_is_token(media))
        return fail(ps, SIPUA_EPARSE, "m= media is not a token", v.p);
    if (!next_field(v, &pos, &port))
        return fail(ps, SIPUA_EPARSE, "m= needs <media> <port> <proto> <fmt> ...", v.p + v.len);
    const char *slash = memchr(port.p, '/', port.len);
    uint64_t n;
    if (!sipua__sdp_u64(slash ? sub(port, 0, (size_t)(slash - port.p)) : port, 65535, &n))
        return fail(ps, SIPUA_EPARSE, "m= port is not a number 0..65535", port.p);
    m->port = (uint16_t)n;
    m->port_count = 1;
    if (slash) {
        sipua_str cnt = sub(port, (size_t)(slash - port.p) + 1, port.len);
        if (!sipua__sdp_u64(cnt, 65535, &n) || !n)
            return fail(ps, SIPUA_EPARSE, "m= port count is not a number above 0", cnt.p);
        m->port_count = (uint32_t)n;
    }
    if (!next_field(v, &pos, &proto))
        return fail(ps, SIPUA_EPARSE, "m= needs <media> <port> <proto> <fmt> ...", v.p + v.len);
    if (!proto.len)
        return fail(ps, SIPUA_EPARSE, "m= proto is empty", proto.p);
    /* proto = token *("/" token) */
    size_t start = 0;
    for (size_t i = 0; i <= proto.len; i++) {
        if (i == proto.len || proto.p[i] == '/') {
            if (!sipua__sdp_is_token(sub(proto, start, i)))
                return fail(ps, SIPUA_EPARSE, "m= proto is not token/token...", proto.p + i);
            start = i + 1;
        }
    }
    m->media = media;
    m->proto = proto;
    sipua_str *fmts = ps->st->fmts + ps->fmt_count;
    m->fmts = fmts;
    m->fmt_count = 0;
    while (next_field(v, &pos, &fmt)) {
        if (!sipua__sdp_is_token(fmt))
            return fail(ps, SIPUA_EPARSE, "m= format is not a token", fmt.p);
        if (ps->fmt_count >= ps->st->limits.max_formats)
            return fail(ps, SIPUA_ELIMIT, "too many formats", fmt.p);
        fmts[m->fmt_count++] = fmt;
        ps->fmt_count++;
    }
    if (!m->fmt_count)
        return fail(ps, SIPUA_EPARSE, "m= needs at least one format", v.p + v.len);
    return 0;
}

/* The section (session or media) whose well-known attributes are being
 * collected. */
typedef struct section {
    sipua_sdp_direction *direction;
    sipua_sdp_media *m; /* NULL at session level */
} section;

static int attr_no_value(parser *ps, const sipua_sdp_attr *a)
{
    if (a->value.p)
        return fail(ps, SIPUA_EPARSE, "this attribute takes no value", a->value.p - 1);
    return 0;
}

static int attr_needs_value(parser *ps, const sipua_sdp_attr *a)
{
    if (!a->value.len)
        return fail(ps, SIPUA_EPARSE, "this attribute needs a value", a->name.p + a->name.len);
    return 0;
}

/* a=ptime and a=maxptime: milliseconds, maybe with a fraction. */
static int parse_ms(parser *ps, const sipua_sdp_attr *a, int32_t *out)
{
    sipua_str v = a->value;
    const char *dot = v.p ? memchr(v.p, '.', v.len) : NULL;
    uint64_t n, frac;
    if (!sipua__sdp_u64(dot ? sub(v, 0, (size_t)(dot - v.p)) : v, 1000000, &n) ||
        (dot && !sipua__sdp_u64(sub(v, (size_t)(dot - v.p) + 1, v.len), UINT64_MAX, &frac)))
        return fail(ps, SIPUA_EPARSE, "packet time is not a number of milliseconds",
                    v.p ? v.p : a->name.p + a->name.len);
    *out = (int32_t)n;
    return 0;
}

/* a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] */
int sipua__sdp_parse_rtpmap(sipua_str v, sipua_sdp_rtpmap *out, const char **bad)
{
    size_t pos = 0;
    sipua_str pt, enc, extra;
    uint64_t n;
    memset(out, 0, sizeof *out);
    *bad = v.p;
    if (!next_field(v, &pos, &pt) || !sipua__sdp_u64(pt, 127, &n))
        return 0;
    out->pt = (int)n;
    if (!next_field(v, &pos, &enc) || !enc.len) {
        *bad = v.p + v.len;
        return 0;
    }
    *bad = enc.p;
    if (next_field(v, &pos, &extra)) {
        *bad = extra.p - 1;
        return 0;
    }
    const char *s1 = memchr(enc.p, '/', enc.len);
    if (!s1)
        return 0;
    out->encoding = sub(enc, 0, (size_t)(s1 - enc.p));
    if (!sipua__sdp_is_token(out->encoding))
        return 0;
    sipua_str rest = sub(enc, (size_t)(s1 - enc.p) + 1, enc.len);
    const char *s2 = memchr(rest.p, '/', rest.len);
    *bad = rest.p;
    if (!sipua__sdp_u64(s2 ? sub(rest, 0, (size_t)(s2 - rest.p)) : rest, UINT32_MAX, &n) || !n)
        return 0;
    out->clock_rate = (uint32_t)n;
    out->channels = 1;
    if (s2) {
        *bad = s2 + 1;
        if (!sipua__sdp_u64(sub(rest, (size_t)(s2 - rest.p) + 1, rest.len), 255, &n) || !n)
            return 0;
        out->channels = (uint32_t)n;
    }
    return 1;
}

static int check_attr(parser *ps, const sipua_sdp_attr *a, section *sec)
{
    sipua_str n = a->name;
    sipua_sdp_media *m = sec->m;
    sipua_sdp *sdp = ps->sdp;
    sipua_sdp_direction dir = SIPUA_SDP_DIR_NONE;
    if (sipua_str_eq(n, "sendrecv"))
        dir = SIPUA_SDP_SENDRECV;
    else if (sipua_str_eq(n, "sendonly"))
        dir = SIPUA_SDP_SENDONLY;
    else if (sipua_str_eq(n, "recvonly"))
        dir = SIPUA_SDP_RECVONLY;
    else if (sipua_str_eq(n, "inactive"))
        dir = SIPUA_SDP_INACTIVE;
    if (dir) {
        if (attr_no_value(ps, a))
            return ps->sdp->error.code;
        if (*sec->direction)
            return fail(ps, SIPUA_EPARSE, "more than one direction attribute", a->name.p);
        *sec->direction = dir;
        return 0;
    }
    sipua_str *slot = NULL;
    if (sipua_str_eq(n, "ice-ufrag"))
        slot = m ? &m->ice_ufrag : &sdp->ice_ufrag;
    else if (sipua_str_eq(n, "ice-pwd"))
        slot = m ? &m->ice_pwd : &sdp->ice_pwd;
    else if (sipua_str_eq(n, "fingerprint"))
        slot = m ? &m->fingerprint : &sdp->fingerprint;
    else if (sipua_str_eq(n, "setup"))
        slot = m ? &m->setup : &sdp->setup;
    else if (m && sipua_str_eq(n, "mid"))
        slot = &m->mid;
    else if (!m && sipua_str_eq(n, "group"))
        slot = &sdp->group;
    if (slot) {
        if (attr_needs_value(ps, a))
            return ps->sdp->error.code;
        if (!slot->p)
            *slot = a->value;
        return 0;
    }
    if (!m) {
        if (sipua_str_eq(n, "ice-lite")) {
            if (attr_no_value(ps, a))
                return ps->sdp->error.code;
            sdp->ice_lite = 1;
        }
        return 0;
    }
    if (sipua_str_eq(n, "rtcp-mux")) {
        if (attr_no_value(ps, a))
            return ps->sdp->error.code;
        m->rtcp_mux = 1;
    } else if (sipua_str_eq(n, "ptime")) {
        return parse_ms(ps, a, &m->ptime);
    } else if (sipua_str_eq(n, "maxptime")) {
        return parse_ms(ps, a, &m->maxptime);
    } else if (sipua_str_eq(n, "rtcp")) {
        /* a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605) */
        sipua_str v = a->value, port, f;
        size_t pos = 0;
        uint64_t p;
        if (!v.p || !next_field(v, &pos, &port) || !sipua__sdp_u64(port, 65535, &p))
            return fail(ps, SIPUA_EPARSE, "a=rtcp port is not a number 0..65535",
                        v.p ? v.p : n.p + n.len);
        size_t fields = 0;
        while (next_field(v, &pos, &f)) {
            if (!f.len)
                return fail(ps, SIPUA_EPARSE, "a=rtcp has an empty field", f.p);
            fields++;
        }
        if (fields != 0 && fields != 3)
            return fail(ps, SIPUA_EPARSE, "a=rtcp needs <port> [<nettype> <addrtype> <address>]",
                        v.p);
        m->rtcp_port = (int32_t)p;
        m->rtcp = v;
    } else if (sipua_str_eq(n, "rtpmap")) {
        sipua_sdp_rtpmap r;
        const char *bad;
        if (!a->value.p || !sipua__sdp_parse_rtpmap(a->value, &r, &bad))
            return fail(ps, SIPUA_EPARSE,
                        "a=rtpmap needs <payload type> <encoding>/<clock rate>[/<channels>]",
                        a->value.p ? bad : n.p + n.len);
    } else if (sipua_str_eq(n, "fmtp")) {
        sipua_str v = a->value, fmt;
        size_t pos = 0;
        if (!v.p || !next_field(v, &pos, &fmt) || !sipua__sdp_is_token(fmt) || pos > v.len)
            return fail(ps, SIPUA_EPARSE, "a=fmtp needs <format> <parameters>",
                        v.p ? v.p : n.p + n.len);
    }
    return 0;
}

/* Order of the session-level lines (RFC 4566 5): each type's rank; a line
 * may follow one of equal rank only when the type repeats. */
static int session_rank(char t)
{
    switch (t) {
    case 'v': return 0;
    case 'o': return 1;
    case 's': return 2;
    case 'i': return 3;
    case 'u': return 4;
    case 'e': return 5;
    case 'p': return 6;
    case 'c': return 7;
    case 'b': return 8;
    case 't':
    case 'r': return 9;
    case 'z': return 10;
    case 'k': return 11;
    case 'a': return 12;
    case 'm': return 13;
    default: return -1;
    }
}

static int media_rank(char t)
{
    switch (t) {
    case 'm': return 0;
    case 'i': return 1;
    case 'c': return 2;
    case 'b': return 3;
    case 'k': return 4;
    case 'a': return 5;
    default: return -1;
    }
}

static int repeats(char t, int in_media)
{
    if (in_media)
        return t == 'c' || t == 'b' || t == 'a';
    return t == 'e' || t == 'p' || t == 'b' || t == 't' || t == 'r' || t == 'a';
}

static void media_init(sipua_sdp_media *m)
{
    memset(m, 0, sizeof *m);
    conn_clear(&m->conn);
    m->ptime = -1;
    m->maxptime = -1;
    m->rtcp_port = -1;
}

/* Ends a media section: inherits what the session level gives. */
static int media_finish(parser *ps, sipua_sdp_media *m, const char *m_line, size_t end_index)
{
    sipua_sdp *sdp = ps->sdp;
    if (!m->conn_count) {
        if (!sdp->conn.address.p && m->port != 0) {
            const char *save = ps->line_start;
            uint32_t save_line = ps->line;
            ps->line_start = m_line;
            ps->line = m->line;
            fail(ps, SIPUA_EPARSE, "no c= in this media section nor at session level", m_line);
            ps->line_start = save;
            ps->line = save_line;
            return SIPUA_EPARSE;
        }
        m->conn = sdp->conn;
    }
    if (!m->direction)
        m->direction = sdp->direction ? sdp->direction : SIPUA_SDP_SENDRECV;
    if (!m->ice_ufrag.p)
        m->ice_ufrag = sdp->ice_ufrag;
    if (!m->ice_pwd.p)
        m->ice_pwd = sdp->ice_pwd;
    if (!m->fingerprint.p)
        m->fingerprint = sdp->fingerprint;
    if (!m->setup.p)
        m->setup = sdp->setup;
    m->line_count = (size_t)(ps->st->lines + end_index - m->lines);
    return 0;
}

int sipua_sdp_parse(sipua_sdp *sdp, const char *buf, size_t len)
{
    if (!sdp || !sdp->store_ || (!buf && len))
        return SIPUA_EINVAL;
    struct sipua_sdp_store_ *st = sdp->store_;
    memset(sdp, 0, sizeof *sdp);
    sdp->store_ = st;
    conn_clear(&sdp->conn);
    sdp->raw.p = buf ? buf : "";
    sdp->raw.len = len;
    sdp->lines = st->lines;
    sdp->media = st->media;
    sdp->attrs = st->attrs;
    parser ps = {.sdp = sdp, .st = st, .buf = sdp->raw.p, .line_start = sdp->raw.p};
    const char *p = sdp->raw.p, *end = p + len;
    if (len > st->limits.max_size)
        return fail(&ps, SIPUA_ELIMIT, "description larger than the size limit", p);
    if (!len)
        return fail(&ps, SIPUA_EPARSE, "empty description: v= expected", p);

    int rank = -1;
    char last = 0;
    int in_media = 0;
    sipua_sdp_media *m = NULL;
    const char *m_line = NULL;
    sipua_sdp_direction session_dir = SIPUA_SDP_DIR_NONE;
    section sec = {&session_dir, NULL};
    while (p < end) {
        ps.line_start = p;
        ps.line++;
        const char *q = p;
        while (q < end && *q != '\n' && *q != '\r' && *q != '\0')
            q++;
        if (q == end)
            return fail(&ps, SIPUA_EPARSE, "line does not end with CRLF or LF", q);
        if (*q == '\0')
            return fail(&ps, SIPUA_EPARSE, "NUL octet", q);
        const char *eol = q;
        if (*q == '\r') {
            if (q + 1 == end || q[1] != '\n')
                return fail(&ps, SIPUA_EPARSE, "CR not followed by LF", q);
            q++;
        }
        const char *next = q + 1;
        if (eol - p == 0)
            return fail(&ps, SIPUA_EPARSE, "empty line", p);
        char t = p[0];
        if (t == ' ' || t == '\t')
            return fail(&ps, SIPUA_EPARSE, "space before the type", p);
        if (t < 'a' || t > 'z')
            return fail(&ps, SIPUA_EPARSE, "type is not a lowercase letter", p);
        if (eol - p < 2 || p[1] != '=')
            return fail(&ps, SIPUA_EPARSE,
                        (eol - p >= 2 && (p[1] == ' ' || p[1] == '\t'))
                            ? "space before '='"
                            : "'=' expected after the type",
                        p + 1);
        sipua_str v = {p + 2, (size_t)(eol - p - 2)};
        if (v.len && (v.p[0] == ' ' || v.p[0] == '\t') &&
            !(t == 's' && v.len == 1 && v.p[0] == ' '))
            return fail(&ps, SIPUA_EPARSE, "space after '='", v.p);
        if (ps.line_count >= st->limits.max_lines)
            return fail(&ps, SIPUA_ELIMIT, "too many lines", p);

        /* order */
        if (rank < 0 && t != 'v')
            return fail(&ps, SIPUA_EPARSE, "field order: v= must come first", p);
        int r = in_media || t == 'm' ? media_rank(t) : session_rank(t);
        if (t == 'm') {
            r = 0;
            if (sdp->time_count == 0)
                return fail(&ps, SIPUA_EPARSE,
                            rank < 2 ? "field order: line out of place (RFC 4566 5)"
                                     : "field order: t= expected",
                            p);
        } else if (r < 0) {
            if (session_rank(t) < 0)
                return fail(&ps, SIPUA_EPARSE, "unknown type letter", p);
            return fail(&ps, SIPUA_EPARSE,
                        in_media ? "line type not allowed in a media section"
                                 : "line type not allowed here",
                        p);
        }
        if (!in_media && t != 'm') {
            if (rank == 0 && t != 'o')
                return fail(&ps, SIPUA_EPARSE, "field order: o= expected after v=", p);
            if (rank == 1 && t != 's')
                return fail(&ps, SIPUA_EPARSE, "field order: s= expected after o=", p);
            if (t == 'r' && last != 't' && last != 'r')
                return fail(&ps, SIPUA_EPARSE, "field order: r= must follow t= or r=", p);
            if (r > 9 && sdp->time_count == 0)
                return fail(&ps, SIPUA_EPARSE, "field order: t= expected", p);
            if (r < rank ||
                (r == rank && (!repeats(t, 0) || (t == 't' && last != 't' && last != 'r'))))
                return fail(&ps, SIPUA_EPARSE, "field order: line out of place (RFC 4566 5)", p);
        } else if (t != 'm') {
            if (r < rank || (r == rank && !repeats(t, 1)))
                return fail(&ps, SIPUA_EPARSE,
                            "field order: line out of place in media section (RFC 4566 5)", p);
        }

        sipua_sdp_line *ln = &st->lines[ps.line_count++];
        ln->type = t;
        ln->value = v;
        ln->line = ps.line;

        int rc = 0;
        if (t != 's' && t != 'v' && !v.len && t != 'a')
            return fail(&ps, SIPUA_EPARSE, "empty value", v.p);
        switch (t) {
        case 'v':
            if (!sipua_str_eq(v, "0"))
                return fail(&ps, SIPUA_EVERSION, "unsupported SDP version (v=0 expected)", v.p);
            break;
        case 'o': rc = parse_origin(&ps, v); break;
        case 's':
            if (!v.len)
                return fail(&ps, SIPUA_EPARSE, "s= must not be empty (use \"s= \" or \"s=-\")",
                            v.p);
            sdp->session_name = v;
            break;
        case 'i':
            if (m)
                m->info = v;
            else
                sdp->info = v;
            break;
        case 'u': sdp->uri = v; break;
        case 'e':
            if (!sdp->email.p)
                sdp->email = v;
            break;
        case 'p':
            if (!sdp->phone.p)
                sdp->phone = v;
            break;
        case 'c':
            if (m) {
                sipua_sdp_conn c;
                rc = parse_conn(&ps, v, &c);
                if (!rc && m->conn_count++ == 0)
                    m->conn = c;
            } else {
                rc = parse_conn(&ps, v, &sdp->conn);
            }
            break;
        case 'b':
            rc = m ? parse_bw(&ps, v, m->bw, &m->bw_count)
                   : parse_bw(&ps, v, sdp->bw, &sdp->bw_count);
            break;
        case 't': rc = parse_times(&ps, v); break;
        case 'r': rc = parse_repeat(&ps, v); break;
        case 'z': rc = parse_zone(&ps, v); break;
        case 'k':
            if (m)
                m->key = v;
            else
                sdp->key = v;
            break;
        case 'a': {
            const char *colon = memchr(v.p, ':', v.len);
            sipua_sdp_attr a;
            a.name = colon ? sub(v, 0, (size_t)(colon - v.p)) : v;
            a.value = colon ? sub(v, (size_t)(colon - v.p) + 1, v.len) : (sipua_str){NULL, 0};
            a.line = ps.line;
            if (!sipua__sdp_is_token(a.name))
                return fail(&ps, SIPUA_EPARSE, "attribute name is not a token", v.p);
            if (ps.attr_count >= st->limits.max_attrs)
                return fail(&ps, SIPUA_ELIMIT, "too many attributes", p);
            st->attrs[ps.attr_count++] = a;
            if (m)
                m->attr_count++;
            else
                sdp->attr_count++;
            rc = check_attr(&ps, &a, &sec);
            break;
        }
        case 'm':
            if (m && (rc = media_finish(&ps, m, m_line, ps.line_count - 1)))
                return rc;
            if (sdp->media_count >= st->limits.max_media)
                return fail(&ps, SIPUA_ELIMIT, "too many m= lines", p);
            if (!in_media)
                sdp->direction = session_dir;
            m = &st->media[sdp->media_count++];
            media_init(m);
            m->line = ps.line;
            m->lines = ln;
            m->attrs = st->attrs + ps.attr_count;
            m_line = p;
            sec.direction = &m->direction;
            sec.m = m;
            in_media = 1;
            rc = parse_media_line(&ps, v, m);
            break;
        }
        if (rc)
            return rc;
        rank = r;
        last = t;
        p = next;
    }
    if (!in_media)
        sdp->direction = session_dir;
    if (sdp->time_count == 0) {
        ps.line_start = end;
        ps.line++;
        return fail(&ps, SIPUA_EPARSE,
                    sdp->session_name.p ? "no t= line" : "description ends before s=", end);
    }
    if (m) {
        int rc = media_finish(&ps, m, m_line, ps.line_count);
        if (rc)
            return rc;
    }
    sdp->line_count = ps.line_count;
    return 0;
}

int sipua_sdp_attr_next(const sipua_sdp_attr *attrs, size_t count, const char *name, size_t *iter,
                        sipua_str *value)
{
    if (!attrs || !name || !iter)
        return 0;
    while (*iter < count) {
        const sipua_sdp_attr *a = &attrs[(*iter)++];
        if (sipua_str_eq(a->name, name)) {
            if (value)
                *value = a->value;
            return 1;
        }
    }
    return 0;
}
