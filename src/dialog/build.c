/* Requests within a dialog (RFC 3261 12.2.1.1). See dialog.h. */
#include <stdio.h>
#include <string.h>

#include "dialog/internal.h"

void sipua__dialog_request_init(sipua__dialog_request *r)
{
    if (!r)
        return;
    memset(r, 0, sizeof *r);
    r->max_forwards = 70;
}

static int has_crlf(sipua_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] == '\r' || s.p[i] == '\n')
            return 1;
    return 0;
}

/* RFC 3261 25.1 token */
static int is_token(sipua_str s)
{
    if (!s.len)
        return 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c && strchr("-.!%*_+`'~", c))))
            return 0;
    }
    return 1;
}

static sipua_str trim(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    return (sipua_str){p, (size_t)(e - p)};
}

/* Splits an extra header line "Name: value"; refuses the headers the
 * dialog writes itself. */
static int split_extra(sipua_str line, sipua_str *name, sipua_str *value)
{
    const char *colon = line.p ? memchr(line.p, ':', line.len) : NULL;
    if (!colon)
        return SIPUA_EINVAL;
    *name = trim(line.p, colon);
    *value = trim(colon + 1, line.p + line.len);
    if (!is_token(*name) || has_crlf(*value))
        return SIPUA_EINVAL;
    switch (sipua_hdr_id_from_name(*name)) {
    case SIPUA_HDR_VIA:
    case SIPUA_HDR_MAX_FORWARDS:
    case SIPUA_HDR_ROUTE:
    case SIPUA_HDR_TO:
    case SIPUA_HDR_FROM:
    case SIPUA_HDR_CALL_ID:
    case SIPUA_HDR_CSEQ:
    case SIPUA_HDR_CONTACT:
    case SIPUA_HDR_CONTENT_LENGTH: return SIPUA_EINVAL;
    default: return 0;
    }
}

/* The checks that need no dialog state: 0, or SIPUA_EINVAL. */
static int check_request(const sipua__dialog_request *r, sipua_str *method)
{
    switch (r->method) {
    case SIPUA_METHOD_OTHER:
        *method = r->method_name;
        if (!is_token(*method))
            return SIPUA_EINVAL;
        break;
    case SIPUA_METHOD_CANCEL: /* built from its INVITE by the transaction layer (9.1) */
    case SIPUA_METHOD_REGISTER: /* never within a dialog */ return SIPUA_EINVAL;
    default:
        if ((unsigned)r->method >= SIPUA_METHOD_COUNT_)
            return SIPUA_EINVAL;
        *method = (sipua_str){sipua_method_name(r->method), strlen(sipua_method_name(r->method))};
    }
    if (!r->via.len || !r->branch.len || has_crlf(r->via) || has_crlf(r->branch) ||
        has_crlf(r->contact) || r->max_forwards < 0 || r->max_forwards > 255 ||
        (r->extra_count && !r->extra_headers))
        return SIPUA_EINVAL;
    if (sipua__dialog_is_target_refresh(r->method) && !r->contact.len)
        return SIPUA_EINVAL;
    int content_type = 0;
    for (size_t i = 0; i < r->extra_count; i++) {
        sipua_str name, value;
        if (split_extra(r->extra_headers[i], &name, &value))
            return SIPUA_EINVAL;
        content_type |= sipua_hdr_id_from_name(name) == SIPUA_HDR_CONTENT_TYPE;
    }
    if (r->body.len && !content_type)
        return SIPUA_EINVAL;
    return 0;
}

/* The state checks (15: only the UAC may send BYE on an early dialog) and
 * the CSeq number to write. */
static int check_state(const sipua__dialog *d, sipua_method m, uint32_t *number)
{
    if (d->state == SIPUA__DIALOG_TERMINATED)
        return SIPUA_ESTATE;
    if (d->state == SIPUA__DIALOG_EARLY &&
        (m == SIPUA_METHOD_INVITE || (m == SIPUA_METHOD_BYE && d->role == SIPUA__DIALOG_UAS)))
        return SIPUA_ESTATE;
    if (m == SIPUA_METHOD_ACK) {
        if (!d->has_invite)
            return SIPUA_ESTATE;
        *number = d->invite_cseq;
        return 0;
    }
    if (!d->has_local_cseq) {
        *number = 1;
        return 0;
    }
    if (d->local_cseq == UINT32_MAX)
        return SIPUA_ELIMIT;
    *number = d->local_cseq + 1;
    return 0;
}

/* Strict routing: the first route's URI as the Request-URI, without the
 * parameters and headers a Request-URI may not carry (19.1.1: method, and
 * the headers). */
static void put_strict_uri(sipua_builder *b, const sipua_uri *u)
{
    const char *end = u->whole.p + u->whole.len;
    if (u->params.p)
        end = u->params.p - 1;
    else if (u->headers.p)
        end = u->headers.p - 1;
    sipua_builder_raw(b, (sipua_str){u->whole.p, (size_t)(end - u->whole.p)});
    size_t pos = 0;
    sipua_str name, value;
    while (u->params.p && sipua_param_next(u->params, &pos, &name, &value)) {
        if (sipua_str_caseeq(name, "method"))
            continue;
        sipua_builder_raw(b, SIPUA_STR(";"));
        sipua_builder_raw(b, name);
        if (value.p) {
            sipua_builder_raw(b, SIPUA_STR("="));
            sipua_builder_raw(b, value);
        }
    }
}

static void put_header(sipua_builder *b, const char *name, sipua_str value, const char *param,
                       sipua_str pvalue)
{
    sipua_builder_raw(b, (sipua_str){name, strlen(name)});
    sipua_builder_raw(b, SIPUA_STR(": "));
    sipua_builder_raw(b, value);
    if (param && pvalue.len) {
        sipua_builder_raw(b, (sipua_str){param, strlen(param)});
        sipua_builder_raw(b, pvalue);
    }
    sipua_builder_raw(b, SIPUA_STR("\r\n"));
}

int sipua__dialog_build_request(sipua__dialog *d, const sipua__dialog_request *r, char *out,
                                size_t cap, sipua_str *next_hop, uint32_t *cseq)
{
    if (!d || !r || !out)
        return SIPUA_EINVAL;
    sipua_str method;
    uint32_t number = 0;
    int rc = check_request(r, &method);
    if (rc || (rc = check_state(d, r->method, &number)) != 0)
        return rc;

    /* 12.2.1.1: loose routing when the route set is empty or its first
     * URI has ;lr, strict routing otherwise */
    size_t nroutes = sipua__dialog_route_count(d);
    sipua_nameaddr first;
    int strict = 0;
    if (nroutes) {
        if (sipua_nameaddr_parse(d->routes->value[0], &first) != 0)
            return SIPUA_EPARSE; /* checked when the route set was made */
        strict = !sipua_param_find(first.uri.params, "lr", NULL);
    }

    sipua_builder b;
    sipua_builder_init(&b, out, cap);
    sipua_builder_raw(&b, method);
    sipua_builder_raw(&b, SIPUA_STR(" "));
    if (strict)
        put_strict_uri(&b, &first.uri);
    else
        sipua_builder_raw(&b, d->target);
    sipua_builder_raw(&b, SIPUA_STR(" SIP/2.0\r\n"));
    put_header(&b, "Via", r->via, ";branch=", r->branch);
    sipua_builder_header_u64(&b, SIPUA_STR("Max-Forwards"), (uint64_t)r->max_forwards);
    for (size_t i = strict ? 1 : 0; i < nroutes; i++)
        put_header(&b, "Route", d->routes->value[i], NULL, (sipua_str){NULL, 0});
    if (strict) {
        sipua_builder_raw(&b, SIPUA_STR("Route: <"));
        sipua_builder_raw(&b, d->target);
        sipua_builder_raw(&b, SIPUA_STR(">\r\n"));
    }
    put_header(&b, "To", d->remote_uri, ";tag=", d->remote_tag);
    put_header(&b, "From", d->local_uri, ";tag=", d->local_tag);
    put_header(&b, "Call-ID", d->call_id, NULL, (sipua_str){NULL, 0});
    char num[16];
    snprintf(num, sizeof num, "%lu ", (unsigned long)number);
    sipua_builder_raw(&b, SIPUA_STR("CSeq: "));
    sipua_builder_raw(&b, (sipua_str){num, strlen(num)});
    sipua_builder_raw(&b, method);
    sipua_builder_raw(&b, SIPUA_STR("\r\n"));
    if (r->contact.len)
        put_header(&b, "Contact", r->contact, NULL, (sipua_str){NULL, 0});
    for (size_t i = 0; i < r->extra_count; i++) {
        sipua_str name, value;
        split_extra(r->extra_headers[i], &name, &value);
        sipua_builder_header(&b, name, value);
    }
    sipua_builder_body(&b, r->body);
    int n = sipua_builder_finish(&b);
    if (n < 0)
        return n;

    if (r->method != SIPUA_METHOD_ACK) {
        d->local_cseq = number;
        d->has_local_cseq = 1;
        if (r->method == SIPUA_METHOD_INVITE) {
            d->invite_cseq = number;
            d->has_invite = 1;
        }
    }
    if (next_hop)
        *next_hop = nroutes ? first.uri.whole : d->target;
    if (cseq)
        *cseq = number;
    return n;
}
