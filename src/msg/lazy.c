/* Headers parsed on first access, and sipua_msg_parse_all(), which checks
 * every header of a message against its grammar (RFC 3261 25.1 and the RFCs
 * that define the extension headers). */
#include <string.h>

#include "msg/chars.h"
#include "msg/internal.h"

typedef sipua__fault fault;
#define fail sipua__fail

static const char *token(const char *p, const char *e, sipua_str *out)
{
    const char *q = cc_span(p, e, CC_TOKEN);
    if (out)
        *out = mkstr(p, q);
    return q == p ? NULL : q;
}

/* The rest of a value must be empty. */
static int at_end(const char *p, const char *e, fault *f)
{
    p = skip_lws(p, e);
    if (p != e) {
        fail(f, "unexpected characters", p);
        return 0;
    }
    return 1;
}

static const char *params(const char *p, const char *e, int list, sipua_str *out, fault *f)
{
    const char *b = p;
    const char *r = sipua__gen_params(p, e, list, f);
    if (!r)
        return NULL;
    if (out) {
        const char *s = skip_lws(b, r);
        *out = r > s ? mkstr(skip_lws(s + 1, r), r) : mkstr(r, r);
        if (r == s)
            out->p = NULL;
    }
    return r;
}

/* Iterates the top-level comma-separated elements of [p, e); calls one()
 * for each. Empty elements are an error; an empty list is allowed when
 * `empty_ok`. */
typedef const char *(*elem_fn)(const char *p, const char *e, fault *f);

static int list(const char *p, const char *e, int empty_ok, elem_fn one, fault *f)
{
    p = skip_lws(p, e);
    if (p == e) {
        if (!empty_ok)
            fail(f, "empty value", p);
        return empty_ok;
    }
    for (;;) {
        const char *r = one(p, e, f);
        if (!r)
            return 0;
        r = skip_lws(r, e);
        if (r == e)
            return 1;
        if (*r != ',') {
            fail(f, "expected ','", r);
            return 0;
        }
        p = skip_lws(r + 1, e);
        if (p == e || *p == ',') {
            fail(f, "empty list element", p);
            return 0;
        }
    }
}

static const char *elem_token_params(const char *p, const char *e, fault *f)
{
    const char *q = token(p, e, NULL);
    if (!q)
        return fail(f, "expected a token", p);
    return params(q, e, 1, NULL, f);
}

static const char *elem_token(const char *p, const char *e, fault *f)
{
    const char *q = token(p, e, NULL);
    return q ? q : fail(f, "expected a token", p);
}

/* media-range / media-type: type "/" subtype *( ";" param ) */
static const char *media(const char *p, const char *e, sipua_media_type *mt, fault *f)
{
    sipua_str t, s, pr = {NULL, 0};
    const char *q = token(p, e, &t);
    if (!q)
        return fail(f, "malformed media type", p);
    q = skip_lws(q, e);
    if (q >= e || *q != '/')
        return fail(f, "expected '/' in the media type", q);
    q = skip_lws(q + 1, e);
    const char *r = token(q, e, &s);
    if (!r)
        return fail(f, "malformed media subtype", q);
    r = params(r, e, 1, &pr, f);
    if (r && mt) {
        mt->type = t;
        mt->subtype = s;
        mt->params = pr;
    }
    return r;
}

static const char *elem_media(const char *p, const char *e, fault *f)
{
    return media(p, e, NULL, f);
}

static const char *number(const char *p, const char *e, uint64_t max, uint64_t *out, fault *f)
{
    uint64_t v;
    const char *q = sipua__u64(p, e, max, &v);
    if (!q)
        return fail(f, (p < e && *p >= '0' && *p <= '9') ? "number too large" : "expected a number",
                    p);
    if (out)
        *out = v;
    return q;
}

/* delta-seconds *( ";" param ): Expires, Min-Expires, Session-Expires, Min-SE */
static int delta_params(const char *p, const char *e, uint64_t *out, fault *f)
{
    const char *q = number(p, e, UINT32_MAX, out, f);
    if (!q)
        return 0;
    q = params(q, e, 0, NULL, f);
    return q && at_end(q, e, f);
}

static const char *elem_nameaddr(const char *p, const char *e, fault *f)
{
    sipua_nameaddr na;
    return sipua__nameaddr(p, e, &na, SIPUA__NA_LIST, f);
}

static const char *elem_route(const char *p, const char *e, fault *f)
{
    sipua_nameaddr na;
    return sipua__nameaddr(p, e, &na, SIPUA__NA_LIST | SIPUA__NA_BRACKETS, f);
}

static const char *elem_via(const char *p, const char *e, fault *f)
{
    sipua_via via;
    return sipua__via(p, e, &via, f);
}

/* "<" absoluteURI ">" *( ";" param ): Call-Info, Alert-Info, Error-Info */
static const char *elem_info(const char *p, const char *e, fault *f)
{
    if (p >= e || *p != '<')
        return fail(f, "expected '<'", p);
    const char *gt = memchr(p, '>', (size_t)(e - p));
    sipua_uri u;
    if (!gt || sipua__uri_parse(p + 1, gt, &u) != 0)
        return fail(f, "malformed URI", p + 1);
    return params(gt + 1, e, 1, NULL, f);
}

/* Retry-After: delta-seconds [ comment ] *( ";" retry-param ) */
static int retry_after(const char *p, const char *e, fault *f)
{
    const char *q = number(p, e, UINT32_MAX, NULL, f);
    if (!q)
        return 0;
    const char *c = skip_lws(q, e);
    if (c < e && *c == '(') {
        int depth = 0;
        for (; c < e; c++) {
            if (*c == '\\' && c + 1 < e)
                c++;
            else if (*c == '(')
                depth++;
            else if (*c == ')' && --depth == 0)
                break;
        }
        if (c >= e)
            return fail(f, "unterminated comment", q) != NULL;
        q = c + 1;
    }
    q = params(q, e, 0, NULL, f);
    return q && at_end(q, e, f);
}

/* rfc1123-date = wkday "," SP date1 SP time SP "GMT" (RFC 3261 20.17) */
static int date(const char *p, const char *e, fault *f)
{
    static const char days[] = "MonTueWedThuFriSatSun";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *b = p;
    if (e - p != 29)
        return fail(f,
                    e - p > 26 && memcmp(e - 3, "GMT", 3) != 0 ? "time zone must be GMT"
                                                               : "malformed date",
                    b) != NULL;
    int ok = 0;
    for (int i = 0; i < 7; i++)
        ok |= memcmp(p, days + 3 * i, 3) == 0;
    ok &= p[3] == ',' && p[4] == ' ' && p[7] == ' ' && p[11] == ' ' && p[16] == ' ' &&
          p[19] == ':' && p[22] == ':' && p[25] == ' ';
    int mon = 0;
    for (int i = 0; i < 12; i++)
        mon |= memcmp(p + 8, months + 3 * i, 3) == 0;
    static const int digits[] = {5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24};
    for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++)
        ok &= cc_is(p[digits[i]], CC_DIGIT);
    if (!ok || !mon)
        return fail(f, "malformed date", b) != NULL;
    if (memcmp(p + 26, "GMT", 3) != 0)
        return fail(f, "time zone must be GMT", p + 26) != NULL;
    int day = (p[5] - '0') * 10 + p[6] - '0', hh = (p[17] - '0') * 10 + p[18] - '0',
        mm = (p[20] - '0') * 10 + p[21] - '0', ss = (p[23] - '0') * 10 + p[24] - '0';
    if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
        return fail(f, "date field out of range", b) != NULL;
    return 1;
}

/* Timestamp = 1*DIGIT [ "." *DIGIT ] [ LWS delay ] */
static const char *decimal(const char *p, const char *e)
{
    const char *q = cc_span(p, e, CC_DIGIT);
    if (q == p)
        return NULL;
    if (q < e && *q == '.')
        q = cc_span(q + 1, e, CC_DIGIT);
    return q;
}

static int timestamp(const char *p, const char *e, fault *f)
{
    const char *q = decimal(p, e);
    if (!q)
        return fail(f, "malformed timestamp", p) != NULL;
    const char *d = skip_lws(q, e);
    if (d < e) {
        if (d == q || !(q = decimal(d, e)))
            return fail(f, "malformed delay", d) != NULL;
    }
    return at_end(q, e, f);
}

/* warning-value = warn-code SP warn-agent SP warn-text */
static const char *elem_warning(const char *p, const char *e, fault *f)
{
    if (e - p < 4 || !cc_is(p[0], CC_DIGIT) || !cc_is(p[1], CC_DIGIT) || !cc_is(p[2], CC_DIGIT) ||
        p[3] != ' ')
        return fail(f, "warn-code must be three digits", p);
    const char *a = p + 4;
    const char *q = a;
    while (q < e && !is_lws(*q))
        q++;
    if (q == a)
        return fail(f, "missing warn-agent", a);
    q = skip_lws(q, e);
    if (q >= e || *q != '"')
        return fail(f, "warn-text must be a quoted string", q);
    const char *r = sipua__quoted(q, e);
    return r ? r : fail(f, "unterminated quoted string", q);
}

static const char *callid(const char *p, const char *e, fault *f)
{
    const char *q = cc_span(p, e, CC_WORD);
    if (q == p)
        return fail(f, "malformed Call-ID", p);
    if (q < e && *q == '@') {
        const char *w = q + 1;
        q = cc_span(w, e, CC_WORD);
        if (q == w)
            return fail(f, "malformed Call-ID", w);
    }
    return q;
}

static const char *elem_callid(const char *p, const char *e, fault *f)
{
    return callid(p, e, f);
}

static int rack(const char *p, const char *e, sipua_rack *out, fault *f)
{
    uint64_t rs, cs;
    const char *q = number(p, e, UINT32_MAX, &rs, f);
    if (!q)
        return 0;
    const char *r = skip_lws(q, e);
    if (r == q)
        return fail(f, "expected white space", q) != NULL;
    q = number(r, e, UINT32_MAX, &cs, f);
    if (!q)
        return 0;
    r = skip_lws(q, e);
    sipua_str m;
    if (r == q || !(q = token(r, e, &m)))
        return fail(f, "malformed method", r) != NULL;
    if (!at_end(q, e, f))
        return 0;
    if (out) {
        out->rseq = (uint32_t)rs;
        out->cseq = (uint32_t)cs;
        out->method_str = m;
        out->method = sipua_method_from_str(m);
    }
    return 1;
}

/* A control character, other than HT and the CR LF of a fold. */
static int bad_ctl(const char *q, const char *e)
{
    unsigned char c = (unsigned char)*q;
    if (c == '\r')
        return e - q < 2 || q[1] != '\n';
    return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f;
}

/* No control characters outside folds. */
static int text(const char *p, const char *e, fault *f)
{
    for (const char *q = p; q < e; q++)
        if (bad_ctl(q, e))
            return fail(f, "control character in the value", q) != NULL;
    return 1;
}

static int quoted_text(const char *p, const char *e, fault *f)
{
    /* generic value: text, where quoted strings may carry quoted-pairs */
    for (const char *q = p; q < e;) {
        unsigned char c = (unsigned char)*q;
        if (c == '"') {
            const char *r = sipua__quoted(q, e);
            if (!r)
                return fail(f, "unterminated quoted string", q) != NULL;
            q = r;
            continue;
        }
        if (bad_ctl(q, e))
            return fail(f, "control character in the value", q) != NULL;
        q++;
    }
    return 1;
}

/* The named parameters, where present in [value], must be numbers. */
static int numeric_params(sipua_str value, const char *a, const char *b, fault *f)
{
    size_t pos = 0;
    sipua_str n, v;
    uint64_t num;
    while (sipua_param_next(value, &pos, &n, &v)) {
        if (!(sipua_str_caseeq(n, a) || (b && sipua_str_caseeq(n, b))))
            continue;
        if (!v.p || sipua__u64(v.p, v.p + v.len, UINT32_MAX, &num) != v.p + v.len)
            return fail(f, "parameter value must be a number", v.p ? v.p : n.p) != NULL;
    }
    return 1;
}

static int one_value(const char *p, const char *e, elem_fn one, fault *f)
{
    const char *r = one(p, e, f);
    return r && at_end(r, e, f);
}

int sipua__check_header(const sipua_msg *m, const sipua_hdr *h, const char **why, const char **at)
{
    (void)m;
    fault f = {NULL, NULL};
    const char *p = h->value.p, *e = p + h->value.len;
    uint64_t n;
    int ok = 1;
    switch (h->id) {
    /* eager headers: their URIs and the Vias after the top one */
    case SIPUA_HDR_VIA: ok = list(p, e, 0, elem_via, &f); break;
    case SIPUA_HDR_FROM:
    case SIPUA_HDR_TO: ok = one_value(p, e, elem_nameaddr, &f); break;
    case SIPUA_HDR_CONTACT:
        ok = (e - p == 1 && *p == '*') || list(p, e, 0, elem_nameaddr, &f);
        break;
    case SIPUA_HDR_ROUTE:
    case SIPUA_HDR_RECORD_ROUTE: ok = list(p, e, 0, elem_route, &f); break;
    case SIPUA_HDR_CALL_ID:
    case SIPUA_HDR_CSEQ:
    case SIPUA_HDR_MAX_FORWARDS:
    case SIPUA_HDR_CONTENT_LENGTH: break; /* checked whole on arrival */
    case SIPUA_HDR_CONTENT_TYPE: ok = one_value(p, e, elem_media, &f); break;
    case SIPUA_HDR_ACCEPT: ok = list(p, e, 1, elem_media, &f); break;
    case SIPUA_HDR_CONTENT_DISPOSITION:
    case SIPUA_HDR_EVENT: ok = one_value(p, e, elem_token_params, &f); break;
    case SIPUA_HDR_SUBSCRIPTION_STATE:
        /* expires and retry-after are delta-seconds (RFC 6665 8.2.3) */
        ok = one_value(p, e, elem_token_params, &f) &&
             numeric_params(h->value, "expires", "retry-after", &f);
        break;
    case SIPUA_HDR_ACCEPT_ENCODING:
    case SIPUA_HDR_ACCEPT_LANGUAGE:
    case SIPUA_HDR_ALLOW:
    case SIPUA_HDR_SUPPORTED:
    case SIPUA_HDR_ALLOW_EVENTS:
    case SIPUA_HDR_RECV_INFO: ok = list(p, e, 1, elem_token_params, &f); break;
    case SIPUA_HDR_CONTENT_ENCODING:
    case SIPUA_HDR_CONTENT_LANGUAGE:
    case SIPUA_HDR_REQUIRE:
    case SIPUA_HDR_PROXY_REQUIRE:
    case SIPUA_HDR_UNSUPPORTED:
    case SIPUA_HDR_REQUEST_DISPOSITION: ok = list(p, e, 0, elem_token, &f); break;
    case SIPUA_HDR_REASON:
        /* cause = 1*DIGIT (RFC 3326 2) */
        ok = list(p, e, 0, elem_token_params, &f) && numeric_params(h->value, "cause", NULL, &f);
        break;
    case SIPUA_HDR_INFO_PACKAGE: ok = list(p, e, 0, elem_token_params, &f); break;
    case SIPUA_HDR_PRIVACY: {
        /* priv-value *( ";" priv-value ) */
        const char *q = p;
        for (;;) {
            q = token(skip_lws(q, e), e, NULL);
            if (!q) {
                ok = 0;
                fail(&f, "expected a privacy value", p);
                break;
            }
            q = skip_lws(q, e);
            if (q == e)
                break;
            if (*q != ';') {
                ok = 0;
                fail(&f, "expected ';'", q);
                break;
            }
            q++;
        }
        break;
    }
    case SIPUA_HDR_AUTHORIZATION:
    case SIPUA_HDR_PROXY_AUTHORIZATION:
    case SIPUA_HDR_WWW_AUTHENTICATE:
    case SIPUA_HDR_PROXY_AUTHENTICATE: {
        sipua_auth a;
        if (sipua_auth_parse(h->value, &a) != 0) {
            ok = 0;
            fail(&f, "malformed credentials or challenge", p);
        }
        break;
    }
    case SIPUA_HDR_AUTHENTICATION_INFO: {
        /* ainfo *( COMMA ainfo ), each an auth-param */
        if (sipua__auth_params(p, e, NULL) != e) {
            ok = 0;
            fail(&f, "malformed Authentication-Info", p);
        }
        break;
    }
    case SIPUA_HDR_EXPIRES:
    case SIPUA_HDR_MIN_EXPIRES:
    case SIPUA_HDR_RSEQ: {
        const char *q = number(p, e, UINT32_MAX, &n, &f);
        ok = q && at_end(q, e, &f);
        if (ok && h->id == SIPUA_HDR_RSEQ && (n == 0 || n > 0x7fffffffu)) {
            ok = 0;
            fail(&f, "RSeq outside 1..2**31-1", p);
        }
        break;
    }
    case SIPUA_HDR_SESSION_EXPIRES:
    case SIPUA_HDR_MIN_SE: ok = delta_params(p, e, &n, &f); break;
    case SIPUA_HDR_RETRY_AFTER: ok = retry_after(p, e, &f); break;
    case SIPUA_HDR_DATE: ok = date(p, e, &f); break;
    case SIPUA_HDR_TIMESTAMP: ok = timestamp(p, e, &f); break;
    case SIPUA_HDR_WARNING: ok = list(p, e, 0, elem_warning, &f); break;
    case SIPUA_HDR_RACK: ok = rack(p, e, NULL, &f); break;
    case SIPUA_HDR_REFER_TO:
    case SIPUA_HDR_REFERRED_BY:
    case SIPUA_HDR_REPLY_TO: ok = one_value(p, e, elem_nameaddr, &f); break;
    case SIPUA_HDR_P_ASSERTED_IDENTITY:
    case SIPUA_HDR_P_PREFERRED_IDENTITY: ok = list(p, e, 0, elem_nameaddr, &f); break;
    case SIPUA_HDR_PATH:
    case SIPUA_HDR_SERVICE_ROUTE: ok = list(p, e, 0, elem_route, &f); break;
    case SIPUA_HDR_CALL_INFO:
    case SIPUA_HDR_ALERT_INFO:
    case SIPUA_HDR_ERROR_INFO: ok = list(p, e, 0, elem_info, &f); break;
    case SIPUA_HDR_IN_REPLY_TO: ok = list(p, e, 0, elem_callid, &f); break;
    case SIPUA_HDR_REPLACES: {
        const char *q = callid(p, e, &f);
        q = q ? params(q, e, 0, NULL, &f) : NULL;
        ok = q && at_end(q, e, &f);
        break;
    }
    case SIPUA_HDR_MIME_VERSION: {
        const char *q = cc_span(p, e, CC_DIGIT);
        if (q == p || q >= e || *q != '.' || cc_span(q + 1, e, CC_DIGIT) != e || q + 1 == e) {
            ok = 0;
            fail(&f, "malformed MIME-Version", p);
        }
        break;
    }
    case SIPUA_HDR_PRIORITY:
    case SIPUA_HDR_SIP_ETAG:
    case SIPUA_HDR_SIP_IF_MATCH: ok = one_value(p, e, elem_token, &f); break;
    case SIPUA_HDR_SUBJECT:
    case SIPUA_HDR_USER_AGENT:
    case SIPUA_HDR_SERVER:
    case SIPUA_HDR_ORGANIZATION: ok = text(p, e, &f); break;
    default: ok = quoted_text(p, e, &f); break;
    }
    if (!ok) {
        *why = f.why ? f.why : "malformed value";
        *at = f.at ? f.at : p;
        return SIPUA_EPARSE;
    }
    return 0;
}

int sipua_msg_parse_all(sipua_msg *m)
{
    if (!m || !m->buf)
        return SIPUA_EINVAL;
    if (m->err.code)
        return m->err.code;
    for (size_t i = 0; i < m->nhdrs; i++) {
        const sipua_hdr *h = &m->hdrs[i];
        const char *why, *at;
        if (sipua__check_header(m, h, &why, &at) != 0) {
            sipua__msg_fail(m, SIPUA_EPARSE, why, at, h);
            return SIPUA_EPARSE;
        }
    }
    return 0;
}

/* ---- typed getters ---- */

static const sipua_hdr *first(const sipua_msg *m, sipua_hdr_id id)
{
    return (m && m->first[id]) ? &m->hdrs[m->first[id] - 1] : NULL;
}

int sipua_msg_content_type(const sipua_msg *m, sipua_media_type *out)
{
    const sipua_hdr *h = first(m, SIPUA_HDR_CONTENT_TYPE);
    if (!m || !out)
        return SIPUA_EINVAL;
    if (!h)
        return SIPUA_ENOTFOUND;
    fault f;
    const char *e = h->value.p + h->value.len;
    const char *r = media(h->value.p, e, out, &f);
    return (r && at_end(r, e, &f)) ? 0 : SIPUA_EPARSE;
}

static int u32_header(const sipua_msg *m, sipua_hdr_id id, uint32_t *out)
{
    const sipua_hdr *h = first(m, id);
    if (!m || !out)
        return SIPUA_EINVAL;
    if (!h)
        return SIPUA_ENOTFOUND;
    const char *why, *at;
    if (sipua__check_header(m, h, &why, &at) != 0)
        return SIPUA_EPARSE;
    uint64_t v;
    sipua__u64(h->value.p, h->value.p + h->value.len, UINT32_MAX, &v);
    *out = (uint32_t)v;
    return 0;
}

int sipua_msg_expires(const sipua_msg *m, uint32_t *out)
{
    return u32_header(m, SIPUA_HDR_EXPIRES, out);
}

int sipua_msg_rseq(const sipua_msg *m, uint32_t *out)
{
    return u32_header(m, SIPUA_HDR_RSEQ, out);
}

int sipua_msg_rack(const sipua_msg *m, sipua_rack *out)
{
    const sipua_hdr *h = first(m, SIPUA_HDR_RACK);
    if (!m || !out)
        return SIPUA_EINVAL;
    if (!h)
        return SIPUA_ENOTFOUND;
    fault f;
    return rack(h->value.p, h->value.p + h->value.len, out, &f) ? 0 : SIPUA_EPARSE;
}

static int nameaddr_header(const sipua_msg *m, sipua_hdr_id id, sipua_nameaddr *out)
{
    const sipua_hdr *h = first(m, id);
    if (!m || !out)
        return SIPUA_EINVAL;
    if (!h)
        return SIPUA_ENOTFOUND;
    return sipua_nameaddr_parse(h->value, out) == 0 ? 0 : SIPUA_EPARSE;
}

int sipua_msg_refer_to(const sipua_msg *m, sipua_nameaddr *out)
{
    return nameaddr_header(m, SIPUA_HDR_REFER_TO, out);
}

int sipua_msg_referred_by(const sipua_msg *m, sipua_nameaddr *out)
{
    return nameaddr_header(m, SIPUA_HDR_REFERRED_BY, out);
}

/* token *( ";" param ), the form of Event, Subscription-State and Reason */
static int token_with_params(const sipua_hdr *h, sipua_str *tok, sipua_str *prm)
{
    fault f;
    const char *p = skip_lws(h->value.p, h->value.p + h->value.len);
    const char *e = h->value.p + h->value.len;
    const char *q = token(p, e, tok);
    if (!q)
        return SIPUA_EPARSE;
    q = params(q, e, 1, prm, &f);
    if (!q)
        return SIPUA_EPARSE;
    q = skip_lws(q, e);
    return (q == e || *q == ',') ? 0 : SIPUA_EPARSE;
}

static int64_t param_number(sipua_str prm, const char *name)
{
    sipua_str v;
    uint64_t n;
    if (!sipua_param_find(prm, name, &v) || !v.p)
        return -1;
    if (sipua__u64(v.p, v.p + v.len, UINT32_MAX, &n) != v.p + v.len)
        return -1;
    return (int64_t)n;
}

int sipua_msg_event(const sipua_msg *m, sipua_event_hdr *out)
{
    const sipua_hdr *h = first(m, SIPUA_HDR_EVENT);
    if (!m || !out)
        return SIPUA_EINVAL;
    if (!h)
        return SIPUA_ENOTFOUND;
    const char *why, *at;
    if (sipua__check_header(m, h, &why, &at) != 0)
        return SIPUA_EPARSE;
    memset(out, 0, sizeof *out);
    if (token_with_params(h, &out->package, &out->params))
        return SIPUA_EPARSE;
    sipua_param_find(out->params, "id", &out->id);
    return 0;
}

int sipua_msg_subscription_state(const sipua_msg *m, sipua_substate *out)
{
    const sipua_hdr *h = first(m, SIPUA_HDR_SUBSCRIPTION_STATE);
    if (!m || !out)
        return SIPUA_EINVAL;
    if (!h)
        return SIPUA_ENOTFOUND;
    const char *why, *at;
    if (sipua__check_header(m, h, &why, &at) != 0)
        return SIPUA_EPARSE;
    memset(out, 0, sizeof *out);
    if (token_with_params(h, &out->state, &out->params))
        return SIPUA_EPARSE;
    sipua_param_find(out->params, "reason", &out->reason);
    out->expires = param_number(out->params, "expires");
    out->retry_after = param_number(out->params, "retry-after");
    return 0;
}

int sipua_msg_reason_hdr(const sipua_msg *m, sipua_reason *out)
{
    const sipua_hdr *h = first(m, SIPUA_HDR_REASON);
    if (!m || !out)
        return SIPUA_EINVAL;
    if (!h)
        return SIPUA_ENOTFOUND;
    const char *why, *at;
    if (sipua__check_header(m, h, &why, &at) != 0)
        return SIPUA_EPARSE;
    memset(out, 0, sizeof *out);
    if (token_with_params(h, &out->protocol, &out->params))
        return SIPUA_EPARSE;
    int64_t c = param_number(out->params, "cause");
    out->cause = c > INT32_MAX ? -1 : (int32_t)c;
    if (sipua_param_find(out->params, "text", &out->text) && out->text.len >= 2 &&
        out->text.p[0] == '"') {
        out->text.p++;
        out->text.len -= 2;
    }
    return 0;
}

int sipua_msg_auth(const sipua_msg *m, sipua_hdr_id id, size_t idx, sipua_auth *out)
{
    if (!m || !out ||
        (id != SIPUA_HDR_AUTHORIZATION && id != SIPUA_HDR_PROXY_AUTHORIZATION &&
         id != SIPUA_HDR_WWW_AUTHENTICATE && id != SIPUA_HDR_PROXY_AUTHENTICATE))
        return SIPUA_EINVAL;
    size_t from = 0;
    const sipua_hdr *h;
    while ((h = sipua_msg_find(m, id, &from)) != NULL) {
        if (idx-- == 0)
            return sipua_auth_parse(h->value, out) == 0 ? 0 : SIPUA_EPARSE;
        from++;
    }
    return SIPUA_ENOTFOUND;
}

int sipua_msg_has_option(const sipua_msg *m, sipua_hdr_id id, const char *tag)
{
    if (!m || !tag)
        return 0;
    uint64_t it = 0;
    sipua_str v;
    while (sipua_msg_next_value(m, id, &it, &v)) {
        const char *e = cc_span(v.p, v.p + v.len, CC_TOKEN);
        if (sipua_str_caseeq(mkstr(v.p, e), tag))
            return 1;
    }
    return 0;
}
