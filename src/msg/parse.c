/* The message parser: start line, header splitting, the eager headers and
 * body framing (RFC 3261 7, 18.3, 20, 25). One pass over the header section;
 * line ends are found with memchr, header names classified by length and
 * first letter, nothing allocated per message. */
#include <stddef.h>
#include <string.h>

#include "msg/chars.h"
#include "msg/hdrmatch.h"
#include "msg/internal.h"
#include "msg/simd.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void sipua_msg_limits_init(sipua_msg_limits *l)
{
    if (!l)
        return;
    l->version = SIPUA_MSG_LIMITS_VERSION;
    l->max_message = 65535;
    l->max_headers = 128;
    l->max_header_len = 8192;
    l->max_body = 65535;
    l->max_via = 64;
}

sipua_msg *sipua_msg_new(const sipua_msg_limits *limits, const sipua_allocator *alloc)
{
    if (!alloc)
        alloc = sipua_default_allocator();
    sipua_msg_limits l;
    if (limits)
        l = *limits;
    else
        sipua_msg_limits_init(&l);
    if (l.max_headers == 0 || l.max_headers > 65535 || l.max_message == 0)
        return NULL;
    sipua_msg *m = alloc->alloc(sizeof *m, alloc->user);
    if (!m)
        return NULL;
    memset(m, 0, sizeof *m);
    m->alloc = *alloc;
    m->limits = l;
    m->cap = l.max_headers;
    m->content_length = -1;
    m->max_forwards = -1;
    m->hdrs = alloc->alloc(m->cap * sizeof *m->hdrs, alloc->user);
    if (!m->hdrs) {
        alloc->free(m, alloc->user);
        return NULL;
    }
    return m;
}

void sipua_msg_free(sipua_msg *m)
{
    if (!m)
        return;
    if (m->hdrs != (sipua_hdr *)(m + 1)) /* not a compact copy's */
        m->alloc.free(m->hdrs, m->alloc.user);
    m->alloc.free(m, m->alloc.user);
}

sipua_msg *sipua_msg_copy(const sipua_msg *src, const char *buf, size_t len,
                          const sipua_allocator *alloc)
{
    if (!src || !buf || !len)
        return NULL;
    if (!alloc)
        alloc = sipua_default_allocator();
    size_t n = src->nhdrs ? src->nhdrs : 1;
    sipua_msg *m = alloc->alloc(sizeof *m + n * sizeof *m->hdrs, alloc->user);
    if (!m)
        return NULL;
    memset(m, 0, sizeof *m);
    m->alloc = *alloc;
    m->limits = src->limits;
    m->cap = n;
    m->hdrs = (sipua_hdr *)(m + 1);
    if (sipua_msg_parse(m, buf, len, SIPUA_PARSE_DATAGRAM) <= 0) {
        sipua_msg_free(m);
        return NULL;
    }
    return m;
}

static const char *const method_names[SIPUA_METHOD_COUNT_] = {
    "",          "INVITE", "ACK",     "BYE",  "CANCEL", "OPTIONS", "REGISTER", "PRACK",
    "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER",  "MESSAGE", "UPDATE"};

const char *sipua_method_name(sipua_method m)
{
    return (unsigned)m < SIPUA_METHOD_COUNT_ ? method_names[m] : "";
}

sipua_method sipua_method_from_str(sipua_str t)
{
    const char *p = t.p;
    if (!p)
        return SIPUA_METHOD_OTHER;
#define M_(lit, id)                                                                                \
    if (memcmp(p, lit, sizeof(lit) - 1) == 0)                                                      \
        return id;
    switch (t.len) {
    case 3:
        M_("ACK", SIPUA_METHOD_ACK);
        M_("BYE", SIPUA_METHOD_BYE);
        break;
    case 4: M_("INFO", SIPUA_METHOD_INFO); break;
    case 5:
        M_("PRACK", SIPUA_METHOD_PRACK);
        M_("REFER", SIPUA_METHOD_REFER);
        break;
    case 6:
        M_("INVITE", SIPUA_METHOD_INVITE);
        M_("CANCEL", SIPUA_METHOD_CANCEL);
        M_("NOTIFY", SIPUA_METHOD_NOTIFY);
        M_("UPDATE", SIPUA_METHOD_UPDATE);
        break;
    case 7:
        M_("OPTIONS", SIPUA_METHOD_OPTIONS);
        M_("PUBLISH", SIPUA_METHOD_PUBLISH);
        M_("MESSAGE", SIPUA_METHOD_MESSAGE);
        break;
    case 8: M_("REGISTER", SIPUA_METHOD_REGISTER); break;
    case 9: M_("SUBSCRIBE", SIPUA_METHOD_SUBSCRIBE); break;
    default: break;
    }
#undef M_
    return SIPUA_METHOD_OTHER;
}

void sipua__msg_fail(sipua_msg *m, int code, const char *reason, const char *at,
                     const sipua_hdr *hdr)
{
    if (m->err.code)
        return;
    m->err.code = code;
    m->err.reason = reason;
    if (hdr)
        m->err.header = hdr->name;
    if (!at || at < m->buf)
        at = m->buf;
    m->err.offset = (size_t)(at - m->buf);
    uint32_t line = 1;
    const char *ls = m->buf;
    for (const char *p = m->buf; p < at; p++)
        if (*p == '\n') {
            line++;
            ls = p + 1;
        }
    m->err.line = line;
    m->err.column = (uint32_t)(at - ls) + 1;
}

/* "SIP" "/" 1*DIGIT "." 1*DIGIT, case-insensitive; 2.0 only. */
static int check_version(const char *p, const char *e)
{
    /* the usual "SIP/2.0" (any case for "sip") in one comparison */
    if (e - p == 7) {
        uint32_t w;
        memcpy(&w, p, 4);
        if ((w | 0x00202020u) == 0x2f706973u && p[4] == '2' && p[5] == '.' && p[6] == '0')
            return 0;
    }
    if (e - p < 7 || (p[0] | 0x20) != 's' || (p[1] | 0x20) != 'i' || (p[2] | 0x20) != 'p' ||
        p[3] != '/')
        return SIPUA_EPARSE;
    const char *q = p + 4, *d = q;
    while (q < e && *q >= '0' && *q <= '9')
        q++;
    if (q == d || q >= e || *q != '.')
        return SIPUA_EPARSE;
    const char *d2 = ++q;
    while (q < e && *q >= '0' && *q <= '9')
        q++;
    if (q == d2 || q != e)
        return SIPUA_EPARSE;
    if (e - p != 7 || p[4] != '2' || p[6] != '0')
        return SIPUA_EVERSION;
    return 0;
}

static int request_line(sipua_msg *m, const char *b, const char *e)
{
    const char *p = cc_span(b, e, CC_TOKEN);
    if (p == b) {
        sipua__msg_fail(m, SIPUA_EPARSE, "malformed method in the request line", b, NULL);
        return -1;
    }
    m->is_request = 1;
    m->method_str = mkstr(b, p);
    m->method = sipua_method_from_str(m->method_str);
    if (p >= e || *p != ' ') {
        sipua__msg_fail(m, SIPUA_EPARSE, "expected one SP after the method", p, NULL);
        return -1;
    }
    const char *u = ++p;
    if (p < e && (*p == ' ' || *p == '\t')) {
        sipua__msg_fail(m, SIPUA_EPARSE, "more than one SP after the method", p, NULL);
        return -1;
    }
    const char *sp = memchr(p, ' ', (size_t)(e - p));
    if (!sp) {
        sipua__msg_fail(m, SIPUA_EPARSE, "missing SIP version in the request line", e, NULL);
        return -1;
    }
    const char *v = sp + 1;
    const char *sp2 = memchr(v, ' ', (size_t)(e - v));
    if (sp2) {
        if (check_version(v, sp2) == 0)
            sipua__msg_fail(m, SIPUA_EPARSE, "white space at the end of the request line", sp2,
                            NULL);
        else if (sp2 == v)
            sipua__msg_fail(m, SIPUA_EPARSE, "more than one SP before the SIP version", v, NULL);
        else
            sipua__msg_fail(m, SIPUA_EPARSE, "white space inside the Request-URI", sp, NULL);
        return -1;
    }
    int r = check_version(v, e);
    if (r) {
        sipua__msg_fail(m, r,
                        r == SIPUA_EVERSION ? "unsupported SIP version"
                                            : "malformed SIP version in the request line",
                        v, NULL);
        return 0; /* recorded: the headers are still read, to answer */
    }
    int ur = sipua__uri_parse(u, sp, &m->ruri);
    m->has_ruri = ur == 0;
    if (ur != 0) {
        sipua__msg_fail(m, SIPUA_EPARSE,
                        (*u == '<') ? "Request-URI enclosed in <>" : "malformed Request-URI", u,
                        NULL);
        return 0; /* recorded: the headers are still read, to answer */
    }
    if (m->ruri.headers.p && m->ruri.scheme_id != SIPUA_URI_OTHER) {
        sipua__msg_fail(m, SIPUA_EPARSE, "headers are not allowed in a Request-URI",
                        m->ruri.headers.p, NULL);
        return 0; /* recorded: the headers are still read, to answer */
    }
    return 0;
}

static int status_line(sipua_msg *m, const char *b, const char *e)
{
    const char *sp = memchr(b, ' ', (size_t)(e - b));
    const char *ve = sp ? sp : e;
    int r = check_version(b, ve);
    if (r) {
        sipua__msg_fail(m, r,
                        r == SIPUA_EVERSION ? "unsupported SIP version"
                                            : "malformed SIP version in the status line",
                        b, NULL);
        return -1;
    }
    const char *c = ve + 1;
    if (!sp || e - c < 3 || !cc_is(c[0], CC_DIGIT) || !cc_is(c[1], CC_DIGIT) ||
        !cc_is(c[2], CC_DIGIT) || (e - c > 3 && c[3] != ' ')) {
        sipua__msg_fail(m, SIPUA_EPARSE, "status code is not three digits", sp ? c : e, NULL);
        return -1;
    }
    int code = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
    if (code < 100 || code > 699) {
        sipua__msg_fail(m, SIPUA_EPARSE, "status code outside 100..699", c, NULL);
        return -1;
    }
    m->status = code;
    const char *rb = c + 3 < e ? c + 4 : e;
    for (const char *q = rb; q < e; q++) {
        unsigned char ch = (unsigned char)*q;
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
            sipua__msg_fail(m, SIPUA_EPARSE, "control character in the reason phrase", q, NULL);
            return -1;
        }
    }
    m->reason = mkstr(rb, e);
    return 0;
}

/* Eager header parsers. Each returns 0, or -1 after recording the fault. */

#define SEEN_(id) (1u << (SIPUA_HDR_##id))

static int once(sipua_msg *m, const sipua_hdr *h, uint32_t bit, const char *why)
{
    if (m->seen & bit) {
        sipua__msg_fail(m, SIPUA_EPARSE, why, h->name.p, h);
        return -1;
    }
    m->seen |= bit;
    return 0;
}

static int bad(sipua_msg *m, const sipua_hdr *h, const char *why, const char *at)
{
    sipua__msg_fail(m, SIPUA_EPARSE, why, at ? at : h->value.p, h);
    return -1;
}

static int bad_fault(sipua_msg *m, const sipua_hdr *h, const sipua__fault *f)
{
    return bad(m, h, f->why ? f->why : "malformed value", f->at);
}

/* Counts the comma-separated values of [p, e) from p on; an empty one is a
 * fault. */
static int count_values(sipua_msg *m, const sipua_hdr *h, const char *p, const char *e,
                        uint32_t *count)
{
    if (!memchr(p, '"', (size_t)(e - p))) {
        /* no quoted string: every ',' separates two values */
        for (;;) {
            const char *c = memchr(p, ',', (size_t)(e - p));
            const char *q = skip_lws(p, c ? c : e);
            if (q == (c ? c : e))
                return bad(m, h, "empty list element", q);
            (*count)++;
            if (!c)
                return 0;
            p = c + 1;
        }
    }
    for (;;) {
        p = skip_lws(p, e);
        if (p == e || *p == ',')
            return bad(m, h, "empty list element", p);
        (*count)++;
        p = sipua__next_comma(p, e);
        if (p == e)
            return 0;
        p++;
    }
}

/* The top Via is taken apart now: the transaction layer reads it on every
 * message. The others are counted; sipua_msg_parse_all() checks them. */
SIPUA_NOINLINE static int eager_via(sipua_msg *m, const sipua_hdr *h)
{
    const char *p = h->value.p, *e = p + h->value.len;
    if (m->via_count == 0) {
        sipua__fault why = {NULL, NULL};
        p = sipua__via(p, e, &m->top_via, &why);
        if (!p)
            return bad_fault(m, h, &why);
        m->via_count = 1;
        if (p == e)
            return 0;
        p++; /* the ',' */
    }
    if (count_values(m, h, p, e, &m->via_count))
        return -1;
    if (m->via_count > m->limits.max_via) {
        sipua__msg_fail(m, SIPUA_ELIMIT, "more Via values than the limit allows", h->value.p, h);
        return -1;
    }
    return 0;
}

/* A list of name-addr values (Contact, Route, Record-Route): each split into
 * display name, URI span and parameters; the URIs are taken apart later. */
SIPUA_NOINLINE static int eager_addr_list(sipua_msg *m, const sipua_hdr *h, uint32_t *count,
                                          sipua_nameaddr *first, int flags)
{
    const char *p = h->value.p, *e = p + h->value.len;
    sipua__fault why = {NULL, NULL};
    if (p == e)
        return bad(m, h, "empty value", p);
    flags |= SIPUA__NA_LIST | SIPUA__NA_URI_LATER;
    for (;;) {
        sipua_nameaddr tmp;
        const char *r = sipua__nameaddr(p, e, (*count == 0 && first) ? first : &tmp, flags, &why);
        if (!r)
            return bad_fault(m, h, &why);
        (*count)++;
        if (r == e)
            return 0;
        p = skip_lws(r + 1, e);
        if (p == e || *p == ',')
            return bad(m, h, "empty list element", p);
    }
}

SIPUA_NOINLINE static int eager_contact(sipua_msg *m, const sipua_hdr *h)
{
    if (h->value.len == 1 && h->value.p[0] == '*') {
        if (m->contact_count || m->contact_star)
            return bad(m, h, "'*' must be the only Contact", NULL);
        m->contact_star = 1;
        return 0;
    }
    if (m->contact_star)
        return bad(m, h, "'*' must be the only Contact", NULL);
    return eager_addr_list(m, h, &m->contact_count, &m->contact, 0);
}

SIPUA_NOINLINE static int eager_callid(sipua_msg *m, const sipua_hdr *h)
{
    if (once(m, h, SEEN_(CALL_ID), "more than one Call-ID header"))
        return -1;
    const char *p = h->value.p, *e = p + h->value.len;
    const char *q = span_word(p, e);
    if (q == p)
        return bad(m, h, "empty Call-ID", p);
    if (q < e && *q == '@') {
        const char *w = q + 1;
        q = span_word(w, e);
        if (q == w)
            return bad(m, h, "empty word after '@'", w);
    }
    if (q != e)
        return bad(m, h, "invalid character in Call-ID", q);
    m->call_id = h->value;
    return 0;
}

SIPUA_NOINLINE static int eager_cseq(sipua_msg *m, const sipua_hdr *h)
{
    if (once(m, h, SEEN_(CSEQ), "more than one CSeq header"))
        return -1;
    const char *p = h->value.p, *e = p + h->value.len;
    uint64_t n;
    const char *q = dec_u64(p, e, UINT32_MAX, &n);
    if (!q)
        return bad(m, h,
                   (p < e && *p >= '0' && *p <= '9') ? "sequence number larger than 2**32-1"
                                                     : "malformed sequence number",
                   p);
    const char *mb = skip_lws(q, e);
    if (mb == q)
        return bad(m, h, "missing space before the method", q);
    /* a known method name is a token: only other names need the scan */
    sipua_method id = sipua_method_from_str(mkstr(mb, e));
    if (id == SIPUA_METHOD_OTHER) {
        const char *me = cc_span(mb, e, CC_TOKEN);
        if (me == mb || me != e)
            return bad(m, h, "malformed method", mb);
    }
    m->cseq.number = (uint32_t)n;
    m->cseq.method_str = mkstr(mb, e);
    m->cseq.method = id;
    return 0;
}

static int eager_number(sipua_msg *m, const sipua_hdr *h, uint64_t max, uint64_t *out,
                        const char *why_big)
{
    const char *p = h->value.p, *e = p + h->value.len;
    const char *q = dec_u64(p, e, max, out);
    if (!q)
        return bad(m, h, (p < e && *p >= '0' && *p <= '9') ? why_big : "not a decimal number", p);
    if (q != e)
        return bad(m, h, "unexpected characters after the number", q);
    return 0;
}

SIPUA_NOINLINE static int eager_from_to(sipua_msg *m, const sipua_hdr *h, int from)
{
    sipua__fault why = {NULL, NULL};
    if (once(m, h, from ? SEEN_(FROM) : SEEN_(TO),
             from ? "more than one From header" : "more than one To header"))
        return -1;
    const char *e = h->value.p + h->value.len;
    const char *r =
        sipua__nameaddr(h->value.p, e, from ? &m->from : &m->to, SIPUA__NA_URI_LATER, &why);
    if (!r)
        return bad_fault(m, h, &why);
    return 0;
}

SIPUA_NOINLINE static int eager_max_forwards(sipua_msg *m, const sipua_hdr *h)
{
    uint64_t n;
    if (once(m, h, SEEN_(MAX_FORWARDS), "more than one Max-Forwards header") ||
        eager_number(m, h, 255, &n, "Max-Forwards larger than 255"))
        return -1;
    m->max_forwards = (int)n;
    return 0;
}

SIPUA_NOINLINE static int eager_content_length(sipua_msg *m, const sipua_hdr *h)
{
    uint64_t n;
    if (once(m, h, SEEN_(CONTENT_LENGTH), "more than one Content-Length header") ||
        eager_number(m, h, UINT32_MAX, &n, "Content-Length too large"))
        return -1;
    m->content_length = (int64_t)n;
    return 0;
}

/* Inlined into the header loop: the dispatch, done for most lines, is a
 * jump table and one direct call. */
static inline int eager(sipua_msg *m, const sipua_hdr *h)
{
    switch (h->id) {
    case SIPUA_HDR_VIA: return eager_via(m, h);
    case SIPUA_HDR_FROM: return eager_from_to(m, h, 1);
    case SIPUA_HDR_TO: return eager_from_to(m, h, 0);
    case SIPUA_HDR_CALL_ID: return eager_callid(m, h);
    case SIPUA_HDR_CSEQ: return eager_cseq(m, h);
    case SIPUA_HDR_MAX_FORWARDS: return eager_max_forwards(m, h);
    case SIPUA_HDR_CONTENT_LENGTH: return eager_content_length(m, h);
    case SIPUA_HDR_CONTACT: return eager_contact(m, h);
    case SIPUA_HDR_ROUTE: return eager_addr_list(m, h, &m->route_count, NULL, SIPUA__NA_BRACKETS);
    case SIPUA_HDR_RECORD_ROUTE:
        return eager_addr_list(m, h, &m->rr_count, NULL, SIPUA__NA_BRACKETS);
    default: return 0;
    }
}

/* The eager headers come first in SIPUA_HEADER_MAP. */
_Static_assert(SIPUA_HDR_RECORD_ROUTE == 10 && SIPUA_HDR_VIA == 1, "eager headers first");

static void reset(sipua_msg *m)
{
    size_t off = offsetof(sipua_msg, buf);
    memset((char *)m + off, 0, sizeof *m - off);
    m->nhdrs = 0;
    m->call_id.p = NULL;
    m->call_id.len = 0;
    memset(&m->cseq, 0, sizeof m->cseq);
    m->content_length = -1;
    m->max_forwards = -1;
}

/* Ends the parse. "Need more bytes" replaces any fault found so far (the
 * message will be parsed again, whole); otherwise the first fault wins, and
 * the return value is always the recorded code. */
static int fail_now(sipua_msg *m, int code, const char *why, const char *at)
{
    if (code == SIPUA_EAGAIN)
        memset(&m->err, 0, sizeof m->err);
    sipua__msg_fail(m, code, why, at, NULL);
    return m->err.code;
}

/* The end of the line at p ('\n'), or NULL when none comes before end;
 * *colon is the first ':' before it, or NULL. One pass over the line, 16
 * bytes at a time where the compiler offers SSE2. */
static inline const char *line_end(const char *p, const char *end, const char **colon)
{
    const char *c = NULL;
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n'), co = _mm_set1_epi8(':');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned mn = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));
        unsigned mc = c ? 0 : (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, co));
        if (mn) {
            unsigned at = (unsigned)__builtin_ctz(mn);
            mc &= (1u << at) - 1;
            if (mc)
                c = p + __builtin_ctz(mc);
            *colon = c;
            return p + at;
        }
        if (mc)
            c = p + __builtin_ctz(mc);
        p += 16;
    }
#endif
    for (; p < end; p++) {
        if (*p == '\n') {
            *colon = c;
            return p;
        }
        if (*p == ':' && !c)
            c = p;
    }
    *colon = c;
    return NULL;
}

/* The first '\n' at or after p, or NULL. */
static inline const char *nl_find(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n');
    /* 32 bytes a turn (most header lines are shorter than 64) */
    while (end - p >= 32) {
        unsigned lo = (unsigned)_mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), nl));
        unsigned hi = (unsigned)_mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16)), nl));
        uint32_t mn = lo | hi << 16;
        if (mn)
            return p + __builtin_ctz(mn);
        p += 32;
    }
    while (end - p >= 16) {
        unsigned mn = (unsigned)_mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), nl));
        if (mn)
            return p + __builtin_ctz(mn);
        p += 16;
    }
#endif
    return p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
}

/* The fields that need none of the general loop's checks, taken in a tight
 * loop with few live values: a known name written "Name:", a line that ends
 * before limit_end, is not folded and is within the limits. Stops at the
 * first line that is anything else (the empty line, an extension name, a
 * fold, a fault) and returns it, untouched, for the general path. *lineno is
 * the number of the last line taken. */
static const char *fast_lines(sipua_msg *m, const char *line, const char *end, uint32_t *lineno)
{
    size_t nlen;
    sipua_hdr_id id;
    uint32_t ln = *lineno;
    while (end - line >= 16 && (id = sipua__hdr_match(line, &nlen)) != SIPUA_HDR_OTHER) {
        const char *colon = line + nlen;
        const char *eol = nl_find(colon + 1, end);
        if (!eol || end - eol < 2)
            break; /* no end of line before the limit */
        unsigned char next = (unsigned char)eol[1];
        if (next <= ' ' && (next == ' ' || next == '\t'))
            break; /* a fold */
        const char *ce = (eol[-1] == '\r') ? eol - 1 : eol;
        if ((size_t)(ce - line) > m->limits.max_header_len || m->nhdrs >= m->cap)
            break;
        /* the usual "Name: value" with one SP and nothing to trim, else
         * the general trimming (an empty value fails the test: the octet
         * after the colon or the next is then the CR or LF at ce) */
        const char *vb = colon + 2, *ve = ce;
        if (!(colon[1] == ' ' && (unsigned char)*vb > ' ' && (unsigned char)ce[-1] > ' ')) {
            vb = skip_lws(colon + 1, ce);
            ve = rtrim(vb, ce);
        }
        sipua_hdr *h = &m->hdrs[m->nhdrs++];
        h->name = mkstr(line, colon);
        h->value = mkstr(vb, ve);
        h->id = id;
        h->line = ++ln;
        if (!m->first[id])
            m->first[id] = (uint16_t)m->nhdrs;
        if ((unsigned)(id - 1) < SIPUA_HDR_RECORD_ROUTE)
            eager(m, h);
        line = eol + 1;
    }
    *lineno = ln;
    return line;
}

/* The header section ran out: more bytes on a stream, a limit, or an
 * unterminated header section in a datagram. */
static int incomplete(sipua_msg *m, int stream, int over_limit, const char *at)
{
    if (over_limit)
        return fail_now(m, SIPUA_ELIMIT, "message larger than the limit", at);
    if (stream)
        return fail_now(m, SIPUA_EAGAIN, "incomplete header section", at);
    return fail_now(m, SIPUA_EPARSE, "header section not terminated by an empty line", at);
}

int sipua_msg_parse(sipua_msg *m, const char *buf, size_t len, int flags)
{
    if (!m || (!buf && len))
        return SIPUA_EINVAL;
    reset(m);
    const int stream = flags & SIPUA_PARSE_STREAM;
    const char *p = buf, *end = buf + len;
    if (stream) {
        while (p < end && (*p == '\r' || *p == '\n'))
            p++;
    }
    m->buf = p;
    const char *limit_end = end;
    if ((size_t)(end - p) > m->limits.max_message)
        limit_end = p + m->limits.max_message;

    /* start line */
    const char *eol = p < end ? memchr(p, '\n', (size_t)(limit_end - p)) : NULL;
    if (!eol) {
        if (limit_end < end)
            return fail_now(m, SIPUA_ELIMIT, "message larger than the limit", limit_end);
        if (stream)
            return fail_now(m, SIPUA_EAGAIN, "incomplete start line", end);
        return fail_now(m, SIPUA_EPARSE, p == end ? "empty message" : "no end of the start line",
                        end);
    }
    const char *le = (eol > p && eol[-1] == '\r') ? eol - 1 : eol;
    m->start_line = mkstr(p, le);
    int r;
    if (le - p >= 4 && memcmp(p, "SIP/", 4) == 0)
        r = status_line(m, p, le);
    else
        r = request_line(m, p, le);
    if (r)
        return m->err.code;

    /* header fields */
    const char *line = eol + 1;
    const char *body;
    uint32_t lineno = 1;
    for (;;) {
        line = fast_lines(m, line, limit_end, &lineno);
        if (line >= limit_end)
            return incomplete(m, stream, limit_end < end, limit_end);
        char c0 = *line;
        if (c0 == '\r' && line + 1 < limit_end && line[1] == '\n') {
            body = line + 2;
            break;
        }
        if (c0 == '\n') {
            body = line + 1;
            break;
        }
        lineno++;
        const char *colon;
        size_t nlen;
        /* A field written "Name:" with a known name is recognised from its
         * first bytes; anything else takes the general path. */
        sipua_hdr_id id = SIPUA_HDR_OTHER;
        if (limit_end - line >= 16 && (id = sipua__hdr_match(line, &nlen)) != SIPUA_HDR_OTHER) {
            colon = line + nlen;
            eol = nl_find(colon + 1, limit_end);
        } else {
            eol = line_end(line, limit_end, &colon);
        }
        /* folding: a line starting with SP or HT continues the field */
        uint32_t folds = 0;
        while (eol && eol + 1 < limit_end && (eol[1] == ' ' || eol[1] == '\t')) {
            folds++;
            eol = nl_find(eol + 1, limit_end);
        }
        if (!eol || eol + 1 >= limit_end)
            return incomplete(m, stream, limit_end < end, eol ? eol + 1 : end);
        if (c0 == ' ' || c0 == '\t')
            return fail_now(m, SIPUA_EPARSE, "continuation line without a header", line);
        if ((size_t)(eol - line) - (eol[-1] == '\r') > m->limits.max_header_len)
            return fail_now(m, SIPUA_ELIMIT, "header field longer than the limit", line);
        if (m->nhdrs >= m->cap)
            return fail_now(m, SIPUA_ELIMIT, "more header fields than the limit allows", line);
        const char *ce = (eol[-1] == '\r') ? eol - 1 : eol;
        /* counted only once it is whole: a field that fails below leaves
         * no half-written entry behind for the accessors */
        sipua_hdr *h = &m->hdrs[m->nhdrs];
        if (id != SIPUA_HDR_OTHER) {
            h->name = mkstr(line, colon);
        } else {
            /* The name ends at the first ':' (names cannot hold one). A
             * name that classifies as a known header is a token by
             * construction; only extension names need their characters
             * checked. */
            if (!colon || colon >= ce)
                return fail_now(m, SIPUA_EPARSE, "missing ':' after the header name", line);
            const char *ne = colon;
            while (ne > line && (ne[-1] == ' ' || ne[-1] == '\t'))
                ne--;
            h->name = mkstr(line, ne);
            id = sipua_hdr_id_from_name(h->name);
            if (id == SIPUA_HDR_OTHER) {
                const char *bad_at = cc_span(line, ne, CC_TOKEN);
                if (bad_at != ne || ne == line)
                    return fail_now(m, SIPUA_EPARSE, "malformed header name", bad_at);
            }
        }
        h->id = id;
        const char *vb = skip_lws(colon + 1, ce);
        h->value = mkstr(vb, rtrim(vb, ce));
        h->line = lineno;
        m->nhdrs++;
        if (!m->first[h->id])
            m->first[h->id] = (uint16_t)m->nhdrs;
        if ((unsigned)(h->id - 1) < SIPUA_HDR_RECORD_ROUTE)
            eager(m, h);
        line = eol + 1;
        lineno += folds;
    }

    /* required headers (RFC 3261 8.1.1; Max-Forwards is tolerated missing
     * for RFC 2543 peers, RFC 4475 3.4.1) */
    if (!m->err.code) {
        const char *missing = NULL;
        if (!m->via_count)
            missing = "missing Via header";
        else if (!(m->seen & SEEN_(FROM)))
            missing = "missing From header";
        else if (!(m->seen & SEEN_(TO)))
            missing = "missing To header";
        else if (!(m->seen & SEEN_(CALL_ID)))
            missing = "missing Call-ID header";
        else if (!(m->seen & SEEN_(CSEQ)))
            missing = "missing CSeq header";
        else if (m->is_request &&
                 (m->cseq.method_str.len != m->method_str.len ||
                  memcmp(m->cseq.method_str.p, m->method_str.p, m->method_str.len) != 0)) {
            const sipua_hdr *h = &m->hdrs[m->first[SIPUA_HDR_CSEQ] - 1];
            sipua__msg_fail(m, SIPUA_EPARSE, "CSeq method does not match the request method",
                            m->cseq.method_str.p, h);
        }
        /* reported at the start line: the message as a whole lacks it */
        if (missing)
            sipua__msg_fail(m, SIPUA_EPARSE, missing, m->buf, NULL);
    }

    /* body (RFC 3261 18.3) */
    size_t avail = (size_t)(end - body);
    size_t blen;
    if (m->content_length >= 0) {
        blen = (size_t)m->content_length;
        if (blen > m->limits.max_body)
            return fail_now(m, SIPUA_ELIMIT, "body larger than the limit", body);
        if (blen > avail) {
            if (stream) {
                if ((size_t)(body - m->buf) + blen > m->limits.max_message)
                    return fail_now(m, SIPUA_ELIMIT, "message larger than the limit", body);
                return fail_now(m, SIPUA_EAGAIN, "incomplete body", end);
            }
            return fail_now(m, SIPUA_EPARSE, "Content-Length larger than the message", body);
        }
    } else {
        if (stream)
            return fail_now(m, SIPUA_EPARSE, "missing Content-Length on a stream transport", body);
        blen = avail;
        if (blen > m->limits.max_body)
            return fail_now(m, SIPUA_ELIMIT, "body larger than the limit", body);
    }
    if ((size_t)(body - m->buf) + blen > m->limits.max_message)
        return fail_now(m, SIPUA_ELIMIT, "message larger than the limit", body);
    m->body = mkstr(body, body + blen);
    m->len = (size_t)(body + blen - m->buf);
    if (m->err.code)
        return m->err.code;
    size_t consumed = (size_t)(body + blen - buf);
    return consumed > (size_t)INT32_MAX ? SIPUA_ELIMIT : (int)consumed;
}
