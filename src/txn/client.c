/* Client transactions: INVITE (RFC 3261 17.1.1, RFC 6026 7.2) and
 * non-INVITE (17.1.2). */
#include "txn/internal.h"

#include <string.h>

static int reliable(const sipua__txn *t)
{
    return t->dest.reliable;
}

static int same_token(sipua_str a, sipua_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

int sipua__txn_client_new(sipua__txn_layer *layer, const char *bytes, size_t len,
                          const sipua__txn_dest *dest, void *txn_user, sipua_time now,
                          sipua__txn **out)
{
    if (!layer || !bytes || !dest || !out)
        return SIPUA_EINVAL;
    *out = NULL;
    /* Parse the caller's bytes to check them; the copy is parsed again
     * below so that the key points into memory the transaction owns. */
    int rc = sipua_msg_parse(layer->scratch, bytes, len, SIPUA_PARSE_DATAGRAM);
    if (rc < 0)
        return rc;
    const sipua_msg *m = layer->scratch;
    const sipua_via *via = sipua_msg_top_via(m);
    const sipua_cseq *cseq = sipua_msg_cseq(m);
    sipua_method method = sipua_msg_method(m);
    if (!sipua_msg_is_request(m) || method == SIPUA_METHOD_ACK || !via || !cseq ||
        !sipua_via_branch_is_rfc3261(via) || !same_token(cseq->method_str, sipua_msg_method_str(m)))
        return SIPUA_EINVAL;
    size_t branch_off = (size_t)(via->branch.p - bytes), branch_len = via->branch.len;

    sipua__txn *t = sipua__txn_alloc(layer, len);
    if (!t)
        return SIPUA_ENOMEM;
    if (sipua__timer_heap_reserve(&layer->timers, 2 * layer->stats.live) != 0) {
        sipua__txn_discard(t);
        return SIPUA_ENOMEM;
    }
    memcpy(t->data, bytes, len);
    t->request = t->data;
    t->request_len = len;
    t->kind =
        method == SIPUA_METHOD_INVITE ? SIPUA__TXN_INVITE_CLIENT : SIPUA__TXN_NON_INVITE_CLIENT;
    t->state = method == SIPUA_METHOD_INVITE ? SIPUA__TXN_CALLING : SIPUA__TXN_TRYING;
    t->user = txn_user;
    t->dest = *dest;
    t->key.method = method;
    t->key.branch.p = t->data + branch_off;
    t->key.branch.len = branch_len;
    sipua__timer_init(&t->retransmit, sipua__txn_client_timer, t);
    sipua__timer_init(&t->timeout, sipua__txn_client_timer, t);

    sipua__txn_enter(layer);
    rc = layer->cb.send(layer->user, &t->dest, t->request, t->request_len);
    sipua__txn_leave(layer);
    if (rc < 0) {
        sipua__txn_discard(t);
        return rc;
    }
    t->hash = sipua__txn_hash_client(layer, t->key.branch, method);
    sipua__txn_table_insert(layer, &layer->clients, t);
    layer->stats.clients_created++;
    t->interval = layer->cfg.t1;
    if (!reliable(t))
        sipua__txn_arm(t, &t->retransmit, now, t->interval); /* timer A or E */
    sipua__txn_arm(t, &t->timeout, now, 64 * layer->cfg.t1); /* timer B or F */
    *out = t;
    return 0;
}

typedef struct ack_ctx {
    sipua__txn *ct;
    sipua_str to;
} ack_ctx;

static int build_ack(const void *ctx, char *out, size_t cap)
{
    const ack_ctx *c = ctx;
    return sipua__txn_build_ack_or_cancel(c->ct->layer, c->ct->request, c->ct->request_len,
                                          SIPUA_METHOD_ACK, c->to, out, cap);
}

/* 17.1.1.3: the ACK for a non-2xx final response, built once and sent for
 * every retransmission of that response. */
static int make_ack(sipua__txn *ct, const sipua_msg *resp)
{
    size_t from = 0;
    const sipua_hdr *to = sipua_msg_find(resp, SIPUA_HDR_TO, &from);
    ack_ctx c = {ct, to ? to->value : (sipua_str){"", 0}};
    size_t cap = 0;
    int n = sipua__txn_build_into(ct->layer, build_ack, &c, ct->request_len + c.to.len + 128,
                                  &ct->ack, &cap);
    if (n < 0)
        return n;
    ct->ack_len = (size_t)n;
    return 0;
}

static void enter_completed(sipua__txn *ct, sipua_time now, sipua_time linger)
{
    sipua__txn_layer *layer = ct->layer;
    sipua__timer_cancel(&layer->timers, &ct->retransmit);
    ct->state = SIPUA__TXN_COMPLETED;
    if (linger > 0)
        sipua__timer_schedule(&layer->timers, &ct->timeout, now + linger);
    else
        sipua__timer_cancel(&layer->timers, &ct->timeout);
}

static int invite_client_on_response(sipua__txn *ct, const sipua_msg *msg, int status,
                                     sipua_time now)
{
    sipua__txn_layer *layer = ct->layer;
    switch (ct->state) {
    case SIPUA__TXN_CALLING:
    case SIPUA__TXN_PROCEEDING:
        ct->status = status;
        sipua__timer_cancel(&layer->timers, &ct->retransmit); /* A */
        sipua__timer_cancel(&layer->timers, &ct->timeout);    /* B */
        if (status < 200) {
            ct->state = SIPUA__TXN_PROCEEDING;
            sipua__txn_deliver_response(ct, msg);
        } else if (status < 300) {
            /* RFC 6026 7.2: Accepted, timer M absorbs the 2xx of other
             * forks and retransmissions by passing them up. */
            ct->state = SIPUA__TXN_ACCEPTED;
            sipua__timer_schedule(&layer->timers, &ct->timeout, now + 64 * layer->cfg.t1);
            sipua__txn_deliver_response(ct, msg);
        } else {
            int rc = make_ack(ct, msg);
            sipua_time d = reliable(ct) ? 0 : layer->cfg.timer_d;
            enter_completed(ct, now, d);
            if (rc == 0)
                rc = sipua__txn_send_only(ct, ct->ack, ct->ack_len);
            sipua__txn_deliver_response(ct, msg);
            if (rc < 0 && ct->state != SIPUA__TXN_TERMINATED)
                sipua__txn_end(ct, TXN_END_TRANSPORT, rc);
            else if (d == 0)
                sipua__txn_end(ct, TXN_END_NORMAL, 0);
        }
        return 0;
    case SIPUA__TXN_COMPLETED:
        layer->stats.absorbed++;
        if (status >= 300)
            sipua__txn_resend(ct, ct->ack, ct->ack_len);
        return 0;
    case SIPUA__TXN_ACCEPTED:
        if (status >= 200 && status < 300)
            sipua__txn_deliver_response(ct, msg);
        else
            layer->stats.absorbed++;
        return 0;
    default: return 0;
    }
}

static int non_invite_client_on_response(sipua__txn *ct, const sipua_msg *msg, int status,
                                         sipua_time now)
{
    sipua__txn_layer *layer = ct->layer;
    switch (ct->state) {
    case SIPUA__TXN_TRYING:
    case SIPUA__TXN_PROCEEDING: {
        /* Timer K: T4 on unreliable transports, else none. */
        sipua_time k = reliable(ct) ? 0 : layer->cfg.t4;
        ct->status = status;
        if (status < 200)
            ct->state = SIPUA__TXN_PROCEEDING;
        else
            enter_completed(ct, now, k);
        sipua__txn_deliver_response(ct, msg);
        if (ct->state == SIPUA__TXN_COMPLETED && k == 0)
            sipua__txn_end(ct, TXN_END_NORMAL, 0);
        return 0;
    }
    default: layer->stats.absorbed++; return 0;
    }
}

int sipua__txn_client_on_response(sipua__txn *ct, const sipua_msg *msg, sipua_time now)
{
    int status = sipua_msg_status(msg);
    if (status < 100 || status > 699)
        return SIPUA_EPARSE;
    if (ct->kind == SIPUA__TXN_INVITE_CLIENT)
        return invite_client_on_response(ct, msg, status, now);
    return non_invite_client_on_response(ct, msg, status, now);
}

void sipua__txn_client_timer(sipua__timer *timer, sipua_time now, void *user)
{
    sipua__txn *ct = user;
    sipua__txn_layer *layer = ct->layer;
    if (timer == &ct->retransmit) {
        /* Timer A doubles without bound (17.1.1.2); timer E doubles up to
         * T2, and is T2 once a provisional response came (17.1.2.2). */
        if (sipua__txn_resend(ct, ct->request, ct->request_len) < 0)
            return;
        if (ct->kind == SIPUA__TXN_INVITE_CLIENT)
            ct->interval *= 2;
        else if (ct->state == SIPUA__TXN_PROCEEDING || 2 * ct->interval > layer->cfg.t2)
            ct->interval = layer->cfg.t2;
        else
            ct->interval *= 2;
        sipua__txn_arm(ct, &ct->retransmit, now, ct->interval);
        return;
    }
    /* Timer B or F: no final response. D, K or M: the wait is over. */
    if (ct->state == SIPUA__TXN_CALLING || ct->state == SIPUA__TXN_TRYING ||
        (ct->state == SIPUA__TXN_PROCEEDING && ct->kind == SIPUA__TXN_NON_INVITE_CLIENT))
        sipua__txn_end(ct, TXN_END_TIMEOUT, 0);
    else
        sipua__txn_end(ct, TXN_END_NORMAL, 0);
}

int sipua__txn_client_build_cancel(const sipua__txn *ct, char *out, size_t cap)
{
    if (!ct || !out || ct->kind != SIPUA__TXN_INVITE_CLIENT)
        return SIPUA_EINVAL;
    sipua__txn_layer *layer = ct->layer;
    int rc = sipua_msg_parse(layer->scratch, ct->request, ct->request_len, SIPUA_PARSE_DATAGRAM);
    if (rc < 0)
        return rc;
    size_t from = 0;
    const sipua_hdr *to = sipua_msg_find(layer->scratch, SIPUA_HDR_TO, &from);
    if (!to)
        return SIPUA_EINVAL;
    /* The To span points into ct->request, which the builder parses again. */
    return sipua__txn_build_ack_or_cancel(layer, ct->request, ct->request_len, SIPUA_METHOD_CANCEL,
                                          to->value, out, cap);
}
