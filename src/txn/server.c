/* Server transactions: INVITE (RFC 3261 17.2.1, RFC 6026 8.5-8.7) and
 * non-INVITE (17.2.2). */
#include "txn/internal.h"

#include <string.h>

static int reliable(const sipua__txn *t)
{
    return t->dest.reliable;
}

/* Copies s to *pos and returns the copy; an absent span stays absent. */
static sipua_str copy_str(char **pos, sipua_str s)
{
    if (!s.p)
        return s;
    sipua_str copy = {*pos, s.len};
    if (s.len)
        memcpy(*pos, s.p, s.len);
    *pos += s.len;
    return copy;
}

static sipua__txn *create(sipua__txn_layer *layer, const txn_key *key, const sipua__txn_dest *from)
{
    /* RFC 3261 matching reads the branch and the sent-by only: the RFC 2543
     * fields are kept for the transactions matched by them */
    size_t need = key->branch.len + key->host.len;
    if (key->rfc2543)
        need += key->request_uri.len + key->to_tag.len + key->from_tag.len + key->call_id.len;
    sipua__txn *st = sipua__txn_alloc(layer, need);
    if (!st)
        return NULL;
    if (sipua__timer_heap_reserve(&layer->timers, 2 * layer->stats.live) != 0) {
        sipua__txn_discard(st);
        return NULL;
    }
    char *pos = st->data;
    st->key = *key;
    st->key.is_ack = 0;
    st->key.branch = copy_str(&pos, key->branch);
    st->key.host = copy_str(&pos, key->host);
    if (key->rfc2543) {
        st->key.request_uri = copy_str(&pos, key->request_uri);
        st->key.to_tag = copy_str(&pos, key->to_tag);
        st->key.from_tag = copy_str(&pos, key->from_tag);
        st->key.call_id = copy_str(&pos, key->call_id);
    } else {
        st->key.request_uri = st->key.to_tag = st->key.from_tag = st->key.call_id =
            (sipua_str){NULL, 0};
    }
    int invite = key->method == SIPUA_METHOD_INVITE;
    st->kind = invite ? SIPUA__TXN_INVITE_SERVER : SIPUA__TXN_NON_INVITE_SERVER;
    st->state = invite ? SIPUA__TXN_PROCEEDING : SIPUA__TXN_TRYING;
    st->dest = *from;
    sipua__timer_init(&st->retransmit, sipua__txn_server_timer, st);
    sipua__timer_init(&st->timeout, sipua__txn_server_timer, st);
    st->hash = sipua__txn_hash_server(layer, &st->key);
    sipua__txn_table_insert(layer, key->rfc2543 ? &layer->servers_2543 : &layer->servers, st);
    layer->stats.servers_created++;
    return st;
}

/* A request that matched server transaction st (17.2.1, 17.2.2). */
static int on_match(sipua__txn *st, const sipua_msg *msg, const txn_key *key,
                    const sipua__txn_dest *from, sipua_time now)
{
    sipua__txn_layer *layer = st->layer;
    if (key->is_ack) {
        if (st->state == SIPUA__TXN_COMPLETED) {
            /* Timer I: absorb ACK retransmissions for T4, or not at all
             * on a reliable transport. */
            sipua_time i = reliable(st) ? 0 : layer->cfg.t4;
            st->state = SIPUA__TXN_CONFIRMED;
            sipua__timer_cancel(&layer->timers, &st->retransmit);
            if (i == 0)
                sipua__txn_end(st, TXN_END_NORMAL, 0);
            else
                sipua__txn_arm(st, &st->timeout, now, i);
        } else if (st->state == SIPUA__TXN_ACCEPTED) {
            /* The ACK to a 2xx belongs to the TU (RFC 6026 8.7). */
            sipua__txn_deliver_request(layer, NULL, msg, from);
        } else {
            layer->stats.absorbed++;
        }
        return 0;
    }
    /* A retransmission: the TU never sees it. Answer with the last
     * response, if any, except in Accepted (RFC 6026 8.7: the TU
     * retransmits its 2xx) and Confirmed. */
    layer->stats.absorbed++;
    if ((st->state == SIPUA__TXN_PROCEEDING || st->state == SIPUA__TXN_COMPLETED) &&
        st->response_sent)
        sipua__txn_resend(st, st->response, st->response_len);
    return 0;
}

/* Keeps bytes[0..len) as the last response; to_tag points into bytes. */
static int store_response(sipua__txn *st, const char *bytes, size_t len, sipua_str to_tag)
{
    const sipua_allocator *a = st->layer->alloc;
    if (st->response_cap < len) {
        char *grown = a->realloc(st->response, len, a->user);
        if (!grown)
            return SIPUA_ENOMEM;
        st->response = grown;
        st->response_cap = len;
    }
    memcpy(st->response, bytes, len);
    st->response_len = len;
    st->response_sent = 1;
    st->response_to_tag.p = to_tag.p ? st->response + (to_tag.p - bytes) : NULL;
    st->response_to_tag.len = to_tag.len;
    return 0;
}

/* Frees the stored response: a response was sent, none is kept. */
static void drop_response(sipua__txn *st)
{
    const sipua_allocator *a = st->layer->alloc;
    if (st->response)
        a->free(st->response, a->user);
    st->response = NULL;
    st->response_cap = 0;
    st->response_len = 0;
    st->response_sent = 0;
    st->response_to_tag = (sipua_str){NULL, 0};
}

/* 17.2.1: the server transaction answers 100 Trying itself when the TU did
 * not answer at once. */
static void send_trying(sipua__txn *st, const sipua_msg *msg)
{
    sipua_str raw = sipua_msg_raw(msg);
    int n = sipua__txn_build_into(st->layer, sipua__txn_build_trying, msg, raw.len + 64,
                                  &st->response, &st->response_cap);
    if (n < 0)
        return; /* not sent; the TU's own answer still will be */
    st->response_len = (size_t)n;
    st->response_sent = 1;
    st->response_to_tag = (sipua_str){NULL, 0};
    st->status = 100;
    sipua__txn_send(st, st->response, st->response_len);
}

int sipua__txn_server_on_request(sipua__txn_layer *layer, const sipua_msg *msg,
                                 const sipua__txn_dest *from, sipua_time now)
{
    txn_key key;
    if (sipua__txn_key_from_request(msg, &key) != 0)
        return SIPUA_EPARSE;
    const sipua_cseq *cseq = sipua_msg_cseq(msg);
    sipua_str method = sipua_msg_method_str(msg);
    if (cseq->method_str.len != method.len || memcmp(cseq->method_str.p, method.p, method.len) != 0)
        return SIPUA_EPARSE;
    sipua__txn *st = sipua__txn_find_server(layer, &key, 0);
    if (st)
        return on_match(st, msg, &key, from, now);
    if (key.is_ack) {
        sipua__txn_deliver_request(layer, NULL, msg, from);
        return 0;
    }
    st = create(layer, &key, from);
    if (!st)
        return SIPUA_ENOMEM;
    sipua__txn_deliver_request(layer, st, msg, from);
    if (st->kind == SIPUA__TXN_INVITE_SERVER && st->state == SIPUA__TXN_PROCEEDING &&
        !st->response_sent && layer->cfg.send_trying)
        send_trying(st, msg);
    return 0;
}

/* Moves st for a response with this status that was just stored. */
static void respond_transition(sipua__txn *st, int status, sipua_time now)
{
    sipua__txn_layer *layer = st->layer;
    sipua_time t1 = layer->cfg.t1;
    if (status < 200) {
        st->state = SIPUA__TXN_PROCEEDING;
    } else if (st->kind == SIPUA__TXN_NON_INVITE_SERVER) {
        st->state = SIPUA__TXN_COMPLETED; /* timer J, below once sent */
    } else if (status < 300) {
        if (st->state != SIPUA__TXN_ACCEPTED) {
            st->state = SIPUA__TXN_ACCEPTED;
            sipua__txn_arm(st, &st->timeout, now, 64 * t1); /* timer L */
        }
    } else {
        st->state = SIPUA__TXN_COMPLETED;
        st->interval = t1;
        if (!reliable(st))
            sipua__txn_arm(st, &st->retransmit, now, t1); /* timer G */
        sipua__txn_arm(st, &st->timeout, now, 64 * t1);   /* timer H */
    }
}

int sipua__txn_server_respond(sipua__txn *st, const char *bytes, size_t len, sipua_time now)
{
    if (!st || !bytes)
        return SIPUA_EINVAL;
    if (st->kind != SIPUA__TXN_INVITE_SERVER && st->kind != SIPUA__TXN_NON_INVITE_SERVER)
        return SIPUA_ESTATE;
    sipua__txn_layer *layer = st->layer;
    int open = st->state == SIPUA__TXN_TRYING || st->state == SIPUA__TXN_PROCEEDING;
    if (!open && st->state != SIPUA__TXN_ACCEPTED)
        return SIPUA_ESTATE;
    int rc = sipua_msg_parse(layer->scratch, bytes, len, SIPUA_PARSE_DATAGRAM);
    if (rc < 0)
        return rc;
    if (sipua_msg_is_request(layer->scratch))
        return SIPUA_EINVAL;
    int status = sipua_msg_status(layer->scratch);
    if (status < 100 || status > 699)
        return SIPUA_EINVAL;
    if (!open && (status < 200 || status >= 300))
        return SIPUA_ESTATE; /* Accepted takes only the TU's 2xx retransmissions */
    const sipua_nameaddr *to = sipua_msg_to(layer->scratch);
    if (st->kind == SIPUA__TXN_INVITE_SERVER && status >= 200 && status < 300 && !st->key.rfc2543) {
        /* Accepted never resends (the TU retransmits its 2xx) and matches
         * ACKs by branch: no copy is kept for the 32 s of timer L. */
        drop_response(st);
        st->status = status;
        respond_transition(st, status, now);
        sipua__txn_send(st, bytes, len);
        sipua__txn_flush(layer);
        return 0;
    }
    rc = store_response(st, bytes, len, to ? to->tag : (sipua_str){NULL, 0});
    if (rc < 0)
        return rc;
    st->status = status;
    respond_transition(st, status, now);
    if (sipua__txn_send(st, st->response, st->response_len) == 0 &&
        st->kind == SIPUA__TXN_NON_INVITE_SERVER && st->state == SIPUA__TXN_COMPLETED) {
        if (reliable(st))
            sipua__txn_end(st, TXN_END_NORMAL, 0);
        else
            sipua__txn_arm(st, &st->timeout, now, 64 * layer->cfg.t1); /* timer J */
    }
    sipua__txn_flush(layer);
    return 0;
}

void sipua__txn_server_timer(sipua__timer *timer, sipua_time now, void *user)
{
    sipua__txn *st = user;
    sipua__txn_layer *layer = st->layer;
    if (timer == &st->retransmit) {
        /* Timer G: the non-2xx final response again, doubling up to T2. */
        if (sipua__txn_resend(st, st->response, st->response_len) < 0)
            return;
        st->interval = 2 * st->interval > layer->cfg.t2 ? layer->cfg.t2 : 2 * st->interval;
        sipua__txn_arm(st, &st->retransmit, now, st->interval);
        return;
    }
    /* Timer H: no ACK came. I, J or L: the wait is over. */
    if (st->state == SIPUA__TXN_COMPLETED && st->kind == SIPUA__TXN_INVITE_SERVER)
        sipua__txn_end(st, TXN_END_TIMEOUT, 0);
    else
        sipua__txn_end(st, TXN_END_NORMAL, 0);
}
