/* Accessors of a parsed message, and value iteration. */
#include <stdint.h>
#include <string.h>

#include "msg/chars.h"
#include "msg/internal.h"

const sipua_msg_error *sipua_msg_get_error(const sipua_msg *m)
{
    return m ? &m->err : NULL;
}

int sipua_msg_is_request(const sipua_msg *m)
{
    return m && m->is_request;
}

sipua_method sipua_msg_method(const sipua_msg *m)
{
    return m ? m->method : SIPUA_METHOD_OTHER;
}

sipua_str sipua_msg_method_str(const sipua_msg *m)
{
    sipua_str none = {NULL, 0};
    return m ? m->method_str : none;
}

const sipua_uri *sipua_msg_request_uri(const sipua_msg *m)
{
    return (m && m->has_ruri) ? &m->ruri : NULL;
}

int sipua_msg_status(const sipua_msg *m)
{
    return m ? m->status : 0;
}

sipua_str sipua_msg_reason(const sipua_msg *m)
{
    sipua_str none = {NULL, 0};
    return m ? m->reason : none;
}

sipua_str sipua_msg_start_line(const sipua_msg *m)
{
    sipua_str none = {NULL, 0};
    return m ? m->start_line : none;
}

sipua_str sipua_msg_raw(const sipua_msg *m)
{
    sipua_str s = {NULL, 0};
    if (m && m->buf) {
        s.p = m->buf;
        s.len = m->len;
    }
    return s;
}

size_t sipua_msg_header_count(const sipua_msg *m)
{
    return m ? m->nhdrs : 0;
}

const sipua_hdr *sipua_msg_header_at(const sipua_msg *m, size_t i)
{
    return (m && i < m->nhdrs) ? &m->hdrs[i] : NULL;
}

const sipua_hdr *sipua_msg_find(const sipua_msg *m, sipua_hdr_id id, size_t *from)
{
    if (!m || (unsigned)id >= SIPUA_HDR_COUNT_)
        return NULL;
    size_t i = from ? *from : 0;
    if (id != SIPUA_HDR_OTHER && m->first[id] == 0)
        return NULL;
    if (id != SIPUA_HDR_OTHER && i < (size_t)m->first[id] - 1)
        i = (size_t)m->first[id] - 1;
    for (; i < m->nhdrs; i++) {
        if (m->hdrs[i].id == id) {
            if (from)
                *from = i;
            return &m->hdrs[i];
        }
    }
    return NULL;
}

const sipua_hdr *sipua_msg_find_name(const sipua_msg *m, const char *name)
{
    if (!m || !name)
        return NULL;
    sipua_str n = {name, strlen(name)};
    sipua_hdr_id id = sipua_hdr_id_from_name(n);
    if (id != SIPUA_HDR_OTHER)
        return sipua_msg_find(m, id, NULL);
    for (size_t i = 0; i < m->nhdrs; i++)
        if (m->hdrs[i].id == SIPUA_HDR_OTHER && sipua_str_caseeq(m->hdrs[i].name, name))
            return &m->hdrs[i];
    return NULL;
}

/* iter: high 32 bits = header index, low 32 bits = offset in its value */
int sipua_msg_next_value(const sipua_msg *m, sipua_hdr_id id, uint64_t *iter, sipua_str *value)
{
    if (!m || !iter || !value)
        return 0;
    size_t hi = (size_t)(*iter >> 32), off = (size_t)(*iter & 0xffffffffu);
    for (;;) {
        const sipua_hdr *h = sipua_msg_find(m, id, &hi);
        if (!h)
            return 0;
        const char *e = h->value.p + h->value.len;
        const char *p = skip_lws(h->value.p + off, e);
        if (p >= e) {
            hi++;
            off = 0;
            continue;
        }
        const char *c = sipua__next_comma(p, e);
        *value = mkstr(p, rtrim(p, c));
        if (c < e)
            off = (size_t)(c + 1 - h->value.p);
        else {
            hi++;
            off = 0;
        }
        *iter = ((uint64_t)hi << 32) | off;
        return 1;
    }
}

const sipua_via *sipua_msg_top_via(const sipua_msg *m)
{
    return (m && m->via_count) ? &m->top_via : NULL;
}

size_t sipua_msg_via_count(const sipua_msg *m)
{
    return m ? m->via_count : 0;
}

/* The eager parse found the URI's span; it is taken apart on first access
 * (the message object caches the result, so accessors of one message are
 * not to be called from two threads at once). */
static const sipua_nameaddr *with_uri(const sipua_msg *cm, const sipua_nameaddr *cna,
                                      const int8_t *cstate)
{
    sipua_msg *m = (sipua_msg *)(uintptr_t)cm;
    sipua_nameaddr *na = (sipua_nameaddr *)(uintptr_t)cna;
    int8_t *state = (int8_t *)(uintptr_t)cstate;
    (void)m;
    if (*state == 0) {
        sipua_str whole = na->uri.whole;
        int r = sipua__uri_parse(whole.p, whole.p + whole.len, &na->uri);
        /* a bare addr-spec cannot carry URI headers (RFC 3261 20) */
        *state = (r == 0 && (na->bracketed || !na->uri.headers.p)) ? 1 : -1;
    }
    return *state > 0 ? na : NULL;
}

const sipua_nameaddr *sipua_msg_from(const sipua_msg *m)
{
    if (!m || !(m->seen & (1u << SIPUA_HDR_FROM)) || !m->from.uri.whole.p)
        return NULL;
    return with_uri(m, &m->from, &m->from_uri);
}

const sipua_nameaddr *sipua_msg_to(const sipua_msg *m)
{
    if (!m || !(m->seen & (1u << SIPUA_HDR_TO)) || !m->to.uri.whole.p)
        return NULL;
    return with_uri(m, &m->to, &m->to_uri);
}

sipua_str sipua_msg_call_id(const sipua_msg *m)
{
    sipua_str none = {NULL, 0};
    return (m && (m->seen & (1u << SIPUA_HDR_CALL_ID))) ? m->call_id : none;
}

const sipua_cseq *sipua_msg_cseq(const sipua_msg *m)
{
    return (m && (m->seen & (1u << SIPUA_HDR_CSEQ))) ? &m->cseq : NULL;
}

int sipua_msg_max_forwards(const sipua_msg *m)
{
    return m ? m->max_forwards : -1;
}

int64_t sipua_msg_content_length(const sipua_msg *m)
{
    return m ? m->content_length : -1;
}

const sipua_nameaddr *sipua_msg_contact(const sipua_msg *m, int *star)
{
    if (star)
        *star = m ? m->contact_star : 0;
    if (!m || !m->contact_count)
        return NULL;
    return with_uri(m, &m->contact, &m->contact_uri);
}

size_t sipua_msg_contact_count(const sipua_msg *m)
{
    return m ? m->contact_count : 0;
}

size_t sipua_msg_route_count(const sipua_msg *m)
{
    return m ? m->route_count : 0;
}

size_t sipua_msg_record_route_count(const sipua_msg *m)
{
    return m ? m->rr_count : 0;
}

sipua_str sipua_msg_body(const sipua_msg *m)
{
    sipua_str none = {NULL, 0};
    return m ? m->body : none;
}
