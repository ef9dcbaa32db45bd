/* Dialogs: creation (RFC 3261 12.1), state, and what arrives within them
 * (12.2.1.2, 12.2.2). See dialog.h. */
#include <string.h>

#include "dialog/internal.h"

/* ------------------------------------------------------------------ */
/* Small things                                                        */

int sipua__dialog_bytes_eq(sipua_str a, sipua_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

int sipua__dialog_tag_eq(sipua_str a, sipua_str b)
{
    if (a.len != b.len)
        return 0;
    for (size_t i = 0; i < a.len; i++) {
        unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x | 0x20);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y | 0x20);
        if (x != y)
            return 0;
    }
    return 1;
}

char *sipua__dialog_copy(const sipua_allocator *a, sipua_str s)
{
    char *p = a->alloc(s.len ? s.len : 1, a->user);
    if (p && s.len)
        memcpy(p, s.p, s.len);
    return p;
}

int sipua__dialog_is_target_refresh(sipua_method m)
{
    return m == SIPUA_METHOD_INVITE || m == SIPUA_METHOD_UPDATE || m == SIPUA_METHOD_SUBSCRIBE ||
           m == SIPUA_METHOD_NOTIFY;
}

int sipua__dialog_contact_uri(const sipua_msg *msg, sipua_str *uri)
{
    if (!sipua_msg_find(msg, SIPUA_HDR_CONTACT, NULL))
        return SIPUA_ENOTFOUND;
    int star = 0;
    const sipua_nameaddr *c = sipua_msg_contact(msg, &star);
    if (star)
        return SIPUA_ENOTFOUND;
    if (!c || c->uri.whole.len == 0)
        return SIPUA_EPARSE;
    *uri = c->uri.whole;
    return 0;
}

int sipua__dialog_routes_from(const sipua_allocator *a, const sipua_msg *msg, int reverse,
                              sipua__dialog_routes **out)
{
    *out = NULL;
    size_t count = 0, bytes = 0;
    uint64_t iter = 0;
    sipua_str v;
    sipua_nameaddr na;
    while (sipua_msg_next_value(msg, SIPUA_HDR_RECORD_ROUTE, &iter, &v)) {
        /* a Record-Route value is a name-addr (20.30): the URI must be
         * bracketed, or its parameters would be taken for the header's */
        if (sipua_nameaddr_parse(v, &na) != 0 || !na.bracketed ||
            (na.uri.scheme_id != SIPUA_URI_SIP && na.uri.scheme_id != SIPUA_URI_SIPS))
            return SIPUA_EPARSE;
        count++;
        bytes += v.len;
    }
    if (count == 0)
        return 0;
    sipua__dialog_routes *r = a->alloc(sizeof *r + count * sizeof(sipua_str) + bytes, a->user);
    if (!r)
        return SIPUA_ENOMEM;
    r->count = count;
    char *text = (char *)&r->value[count];
    iter = 0;
    for (size_t i = 0; sipua_msg_next_value(msg, SIPUA_HDR_RECORD_ROUTE, &iter, &v); i++) {
        memcpy(text, v.p, v.len);
        r->value[reverse ? count - 1 - i : i] = (sipua_str){text, v.len};
        text += v.len;
    }
    *out = r;
    return 0;
}

void sipua__dialog_replace(sipua__dialog *d, sipua__dialog_routes *routes, char *target,
                           size_t target_len)
{
    if (d->routes && d->routes != routes)
        d->a.free(d->routes, d->a.user);
    d->routes = routes;
    if (target) {
        if (d->target_block)
            d->a.free(d->target_block, d->a.user);
        d->target_block = target;
        d->target = (sipua_str){target, target_len};
    }
}

int sipua__dialog_set_target(sipua__dialog *d, sipua_str uri)
{
    char *t = sipua__dialog_copy(&d->a, uri);
    if (!t)
        return SIPUA_ENOMEM;
    sipua__dialog_replace(d, d->routes, t, uri.len);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Creation                                                            */

/* The name-addr kept for a From or To: its display name and URI, without
 * the header parameters (the tag is the dialog's own). */
static size_t nameaddr_len(const sipua_nameaddr *na)
{
    return (na->display.len ? na->display.len + 1 : 0) + na->uri.whole.len + 2;
}

static sipua_str put_nameaddr(char **at, const sipua_nameaddr *na)
{
    char *start = *at, *p = start;
    if (na->display.len) {
        memcpy(p, na->display.p, na->display.len);
        p += na->display.len;
        *p++ = ' ';
    }
    *p++ = '<';
    memcpy(p, na->uri.whole.p, na->uri.whole.len);
    p += na->uri.whole.len;
    *p++ = '>';
    *at = p;
    return (sipua_str){start, (size_t)(p - start)};
}

static sipua_str put_bytes(char **at, sipua_str s)
{
    sipua_str r = {*at, s.len};
    if (s.len)
        memcpy(*at, s.p, s.len);
    *at += s.len;
    return r;
}

typedef struct creation {
    sipua__dialog_role role;
    sipua__dialog_state state;
    int secure;
    sipua_str call_id, local_tag, remote_tag;
    const sipua_nameaddr *local, *remote;
    sipua_str target;
    int reverse_routes;
    const sipua_msg *routes_from;
} creation;

static int create(const sipua_allocator *alloc, const creation *c, sipua__dialog **out)
{
    const sipua_allocator *a = alloc ? alloc : sipua_default_allocator();
    size_t bytes = c->call_id.len + c->local_tag.len + c->remote_tag.len + nameaddr_len(c->local) +
                   nameaddr_len(c->remote) + c->target.len;
    sipua__dialog_routes *routes;
    int r = sipua__dialog_routes_from(a, c->routes_from, c->reverse_routes, &routes);
    if (r)
        return r;
    sipua__dialog *d = a->alloc(sizeof *d + bytes, a->user);
    if (!d) {
        if (routes)
            a->free(routes, a->user);
        return SIPUA_ENOMEM;
    }
    memset(d, 0, sizeof *d);
    d->a = *a;
    d->role = c->role;
    d->state = c->state;
    d->was_confirmed = c->state == SIPUA__DIALOG_CONFIRMED;
    d->secure = c->secure;
    char *at = (char *)(d + 1);
    d->call_id = put_bytes(&at, c->call_id);
    d->local_tag = put_bytes(&at, c->local_tag);
    d->remote_tag = put_bytes(&at, c->remote_tag);
    d->local_uri = put_nameaddr(&at, c->local);
    d->remote_uri = put_nameaddr(&at, c->remote);
    /* the first target in the same block (target_block NULL): a target
     * refresh puts the next ones in blocks of their own */
    d->target = put_bytes(&at, c->target);
    d->routes = routes;
    *out = d;
    return 0;
}

static int state_for(int status, sipua__dialog_state *state)
{
    if (status >= 101 && status <= 199)
        *state = SIPUA__DIALOG_EARLY;
    else if (status >= 200 && status <= 299)
        *state = SIPUA__DIALOG_CONFIRMED;
    else
        return SIPUA_EINVAL;
    return 0;
}

/* sips Request-URI over TLS (12.1.1, 12.1.2) */
static int is_secure(const sipua_msg *req, int over_tls)
{
    const sipua_uri *ruri = sipua_msg_request_uri(req);
    return over_tls && ruri && ruri->scheme_id == SIPUA_URI_SIPS;
}

int sipua__dialog_new_uac(const sipua_msg *req, const sipua_msg *resp, int over_tls,
                          const sipua_allocator *alloc, sipua__dialog **out)
{
    if (!req || !resp || !out || !sipua_msg_is_request(req) || sipua_msg_is_request(resp))
        return SIPUA_EINVAL;
    creation c = {.role = SIPUA__DIALOG_UAC, .reverse_routes = 1, .routes_from = resp};
    int r = state_for(sipua_msg_status(resp), &c.state);
    if (r)
        return r;
    const sipua_nameaddr *from = sipua_msg_from(req), *to = sipua_msg_to(req);
    const sipua_nameaddr *rfrom = sipua_msg_from(resp), *rto = sipua_msg_to(resp);
    const sipua_cseq *cseq = sipua_msg_cseq(req);
    if (!from || !to || !rfrom || !rto || !cseq)
        return SIPUA_EPARSE;
    c.call_id = sipua_msg_call_id(req);
    c.local_tag = from->tag;
    if (!c.call_id.len || !c.local_tag.len ||
        !sipua__dialog_bytes_eq(c.call_id, sipua_msg_call_id(resp)) ||
        !sipua__dialog_tag_eq(c.local_tag, rfrom->tag))
        return SIPUA_EINVAL;
    c.remote_tag = rto->tag;
    if (!c.remote_tag.len)
        return SIPUA_EPARSE;
    c.local = from;
    c.remote = to;
    r = sipua__dialog_contact_uri(resp, &c.target);
    if (r == SIPUA_ENOTFOUND) {
        /* a response without Contact (seen in 180s): the request's target
         * stands in until one comes */
        const sipua_uri *ruri = sipua_msg_request_uri(req);
        if (!ruri)
            return SIPUA_EPARSE;
        c.target = ruri->whole;
    } else if (r) {
        return r;
    }
    c.secure = is_secure(req, over_tls);
    sipua__dialog *d;
    r = create(alloc, &c, &d);
    if (r)
        return r;
    d->local_cseq = cseq->number;
    d->has_local_cseq = 1;
    if (cseq->method == SIPUA_METHOD_INVITE) {
        d->invite_cseq = cseq->number;
        d->has_invite = 1;
    }
    *out = d;
    return 0;
}

int sipua__dialog_new_uas(const sipua_msg *req, sipua_str local_tag, int status, int over_tls,
                          const sipua_allocator *alloc, sipua__dialog **out)
{
    if (!req || !out || !local_tag.len || !sipua_msg_is_request(req))
        return SIPUA_EINVAL;
    creation c = {.role = SIPUA__DIALOG_UAS, .routes_from = req, .local_tag = local_tag};
    int r = state_for(status, &c.state);
    if (r)
        return r;
    const sipua_nameaddr *from = sipua_msg_from(req), *to = sipua_msg_to(req);
    const sipua_cseq *cseq = sipua_msg_cseq(req);
    c.call_id = sipua_msg_call_id(req);
    if (!from || !to || !cseq || !c.call_id.len)
        return SIPUA_EPARSE;
    c.remote_tag = from->tag;
    c.local = to;
    c.remote = from;
    r = sipua__dialog_contact_uri(req, &c.target);
    if (r)
        return r == SIPUA_ENOTFOUND ? SIPUA_EPARSE : r;
    c.secure = is_secure(req, over_tls);
    sipua__dialog *d;
    r = create(alloc, &c, &d);
    if (r)
        return r;
    d->remote_cseq = cseq->number;
    d->has_remote_cseq = 1;
    if (cseq->method == SIPUA_METHOD_INVITE) {
        d->remote_invite_cseq = cseq->number;
        d->has_remote_invite = 1;
    }
    *out = d;
    return 0;
}

void sipua__dialog_free(sipua__dialog *d)
{
    if (!d)
        return;
    if (d->table)
        sipua__dialog_table_unlink(d);
    sipua_allocator a = d->a;
    if (d->routes)
        a.free(d->routes, a.user);
    if (d->target_block)
        a.free(d->target_block, a.user);
    a.free(d, a.user);
}

/* ------------------------------------------------------------------ */
/* State                                                               */

sipua__dialog_state sipua__dialog_get_state(const sipua__dialog *d)
{
    return d->state;
}

sipua__dialog_role sipua__dialog_get_role(const sipua__dialog *d)
{
    return d->role;
}

const char *sipua__dialog_state_name(sipua__dialog_state s)
{
    switch (s) {
    case SIPUA__DIALOG_EARLY: return "Early";
    case SIPUA__DIALOG_CONFIRMED: return "Confirmed";
    case SIPUA__DIALOG_TERMINATED: return "Terminated";
    }
    return "?";
}

sipua_str sipua__dialog_call_id(const sipua__dialog *d)
{
    return d->call_id;
}

sipua_str sipua__dialog_local_tag(const sipua__dialog *d)
{
    return d->local_tag;
}

sipua_str sipua__dialog_remote_tag(const sipua__dialog *d)
{
    return d->remote_tag;
}

sipua_str sipua__dialog_local_uri(const sipua__dialog *d)
{
    return d->local_uri;
}

sipua_str sipua__dialog_remote_uri(const sipua__dialog *d)
{
    return d->remote_uri;
}

sipua_str sipua__dialog_remote_target(const sipua__dialog *d)
{
    return d->target;
}

size_t sipua__dialog_route_count(const sipua__dialog *d)
{
    return d->routes ? d->routes->count : 0;
}

sipua_str sipua__dialog_route(const sipua__dialog *d, size_t index)
{
    if (!d->routes || index >= d->routes->count)
        return (sipua_str){NULL, 0};
    return d->routes->value[index];
}

int sipua__dialog_is_secure(const sipua__dialog *d)
{
    return d->secure;
}

uint32_t sipua__dialog_local_cseq(const sipua__dialog *d, int *has)
{
    if (has)
        *has = d->has_local_cseq;
    return d->local_cseq;
}

uint32_t sipua__dialog_remote_cseq(const sipua__dialog *d, int *has)
{
    if (has)
        *has = d->has_remote_cseq;
    return d->remote_cseq;
}

int sipua__dialog_confirm(sipua__dialog *d)
{
    if (!d)
        return SIPUA_EINVAL;
    if (d->state == SIPUA__DIALOG_TERMINATED)
        return SIPUA_ESTATE;
    d->state = SIPUA__DIALOG_CONFIRMED;
    d->was_confirmed = 1;
    return 0;
}

void sipua__dialog_terminate(sipua__dialog *d)
{
    if (d)
        d->state = SIPUA__DIALOG_TERMINATED;
}

/* ------------------------------------------------------------------ */
/* What arrives within the dialog                                      */

int sipua__dialog_recv_response(sipua__dialog *d, const sipua_msg *resp)
{
    if (!d || !resp || sipua_msg_is_request(resp))
        return SIPUA_EINVAL;
    int status = sipua_msg_status(resp);
    const sipua_cseq *cseq = sipua_msg_cseq(resp);
    if (!cseq)
        return SIPUA_EINVAL;
    if (status == 481 || status == 408) {
        d->state = SIPUA__DIALOG_TERMINATED;
        return 0;
    }
    if (status < 200 || status > 299 || !sipua__dialog_is_target_refresh(cseq->method))
        return 0;
    sipua_str uri;
    int r = sipua__dialog_contact_uri(resp, &uri);
    if (r == SIPUA_ENOTFOUND)
        return 0;
    return r ? r : sipua__dialog_set_target(d, uri);
}

int sipua__dialog_recv_request(sipua__dialog *d, const sipua_msg *req)
{
    if (!d || !req || !sipua_msg_is_request(req))
        return SIPUA_EINVAL;
    const sipua_cseq *cseq = sipua_msg_cseq(req);
    if (!cseq)
        return SIPUA_EINVAL;
    if (d->state == SIPUA__DIALOG_TERMINATED)
        return SIPUA_ESTATE;
    sipua_method m = sipua_msg_method(req);
    if (m == SIPUA_METHOD_ACK) {
        /* the ACK of a 2xx carries its INVITE's number (13.2.2.4) */
        if (!d->has_remote_invite || cseq->number != d->remote_invite_cseq)
            return SIPUA_ENOTFOUND;
        return 0;
    }
    if (m == SIPUA_METHOD_CANCEL)
        return 0;
    if (d->has_remote_cseq && cseq->number <= d->remote_cseq)
        return 500;
    sipua_str uri = {NULL, 0};
    if (sipua__dialog_is_target_refresh(m)) {
        int r = sipua__dialog_contact_uri(req, &uri);
        if (r == SIPUA_EPARSE)
            return r;
        if (r == 0 && (r = sipua__dialog_set_target(d, uri)) != 0)
            return r;
    }
    d->remote_cseq = cseq->number;
    d->has_remote_cseq = 1;
    if (m == SIPUA_METHOD_INVITE) {
        d->remote_invite_cseq = cseq->number;
        d->has_remote_invite = 1;
    }
    if (m == SIPUA_METHOD_BYE)
        d->state = SIPUA__DIALOG_TERMINATED;
    return 0;
}

void sipua__dialog_set_user(sipua__dialog *d, void *user)
{
    if (d)
        d->user = user;
}

void *sipua__dialog_get_user(const sipua__dialog *d)
{
    return d ? d->user : NULL;
}
