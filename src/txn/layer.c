/* The transaction layer: creation, the entry points that feed it messages
 * and time, transaction lifetimes and the callbacks to the TU. */
#include "txn/internal.h"

#include <string.h>

#define MS 1000

void sipua__txn_config_init(sipua__txn_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->t1 = 500 * MS;
    cfg->t2 = 4000 * MS;
    cfg->t4 = 5000 * MS;
    cfg->timer_d = 32000 * MS;
    cfg->send_trying = 1;
    cfg->initial_buckets = 1024;
}

void sipua__txn_dest_init(sipua__txn_dest *dest, sipua__transport_kind kind, const char *host,
                          uint16_t port, uint64_t conn_id)
{
    memset(dest, 0, sizeof *dest);
    dest->kind = kind;
    dest->reliable = kind != SIPUA__TRANSPORT_UDP;
    if (host) {
        size_t n = strlen(host);
        if (n >= sizeof dest->host)
            n = sizeof dest->host - 1;
        memcpy(dest->host, host, n);
    }
    dest->port = port;
    dest->conn_id = conn_id;
}

/* ------------------------------------------------------------------ */
/* Layer                                                               */

/* Takes the caller's values over the defaults in *out where they make
 * sense: T1 and T2 must be positive (a zero interval would retransmit
 * forever), T2 at least T1; T4 and timer D may be zero. */
static void sanitize_config(sipua__txn_config *out, const sipua__txn_config *in)
{
    if (in->t1 > 0)
        out->t1 = in->t1;
    if (in->t2 > 0)
        out->t2 = in->t2;
    if (out->t2 < out->t1)
        out->t2 = out->t1;
    if (in->t4 >= 0)
        out->t4 = in->t4;
    if (in->timer_d >= 0)
        out->timer_d = in->timer_d;
    out->send_trying = in->send_trying;
    if (in->initial_buckets)
        out->initial_buckets = in->initial_buckets;
}

sipua__txn_layer *sipua__txn_layer_new(const sipua__txn_config *cfg, const sipua__txn_callbacks *cb,
                                       void *user, const sipua_allocator *alloc)
{
    if (!cb || !cb->send)
        return NULL;
    if (!alloc)
        alloc = sipua_default_allocator();
    sipua__txn_layer *layer = alloc->alloc(sizeof *layer, alloc->user);
    if (!layer)
        return NULL;
    memset(layer, 0, sizeof *layer);
    sipua__txn_config_init(&layer->cfg);
    if (cfg)
        sanitize_config(&layer->cfg, cfg);
    size_t buckets = 16;
    while (buckets < layer->cfg.initial_buckets && buckets < ((size_t)1 << 30))
        buckets *= 2;
    layer->cb = *cb;
    layer->user = user;
    layer->alloc = alloc;
    sipua__timer_heap_init(&layer->timers, alloc);
    layer->scratch = sipua_msg_new(NULL, alloc);
    if (!layer->scratch || sipua__txn_table_init(&layer->clients, alloc, buckets) != 0 ||
        sipua__txn_table_init(&layer->servers, alloc, buckets) != 0 ||
        sipua__txn_table_init(&layer->servers_2543, alloc, buckets) != 0) {
        sipua__txn_layer_free(layer);
        return NULL;
    }
    layer->seed = 0x5bd1e9955bd1e995u;
    if (cb->random) {
        uint8_t r[8];
        cb->random(user, r, sizeof r);
        for (size_t i = 0; i < sizeof r; i++)
            layer->seed = (layer->seed << 8 | layer->seed >> 56) ^ r[i];
    }
    return layer;
}

static void free_txn(sipua__txn *t)
{
    sipua__txn_layer *layer = t->layer;
    const sipua_allocator *a = layer->alloc;
    int client = t->kind == SIPUA__TXN_INVITE_CLIENT || t->kind == SIPUA__TXN_NON_INVITE_CLIENT;
    if (client && t->ack)
        a->free(t->ack, a->user);
    if (!client && t->response)
        a->free(t->response, a->user);
    a->free(t, a->user);
    layer->stats.live--;
}

static void free_table_txns(txn_table *table)
{
    for (size_t i = 0; table->buckets && i <= table->mask; i++) {
        sipua__txn *t = table->buckets[i];
        while (t) {
            sipua__txn *next = t->hnext;
            free_txn(t);
            t = next;
        }
        table->buckets[i] = NULL;
    }
    table->count = 0;
}

static void each_in_table(txn_table *table, void (*fn)(sipua__txn *t, void *arg), void *arg)
{
    for (size_t i = 0; table->buckets && i <= table->mask; i++)
        for (sipua__txn *t = table->buckets[i]; t; t = t->hnext)
            fn(t, arg);
}

void sipua__txn_layer_each(sipua__txn_layer *layer, void (*fn)(sipua__txn *t, void *arg), void *arg)
{
    if (!layer || !fn)
        return;
    each_in_table(&layer->clients, fn, arg);
    each_in_table(&layer->servers, fn, arg);
    each_in_table(&layer->servers_2543, fn, arg);
}

void sipua__txn_layer_free(sipua__txn_layer *layer)
{
    if (!layer)
        return;
    const sipua_allocator *a = layer->alloc;
    /* The heap first: it writes to the timers it still holds. */
    sipua__timer_heap_free(&layer->timers);
    free_table_txns(&layer->clients);
    free_table_txns(&layer->servers);
    free_table_txns(&layer->servers_2543);
    layer->depth = 0;
    sipua__txn_flush(layer);
    sipua__txn_table_free(&layer->clients, a);
    sipua__txn_table_free(&layer->servers, a);
    sipua__txn_table_free(&layer->servers_2543, a);
    sipua_msg_free(layer->scratch);
    a->free(layer, a->user);
}

void sipua__txn_layer_stats(const sipua__txn_layer *layer, sipua__txn_stats *out)
{
    *out = layer->stats;
}

sipua_time sipua__txn_layer_next_deadline(const sipua__txn_layer *layer)
{
    return sipua__timer_heap_next_deadline(&layer->timers);
}

int sipua__txn_layer_advance(sipua__txn_layer *layer, sipua_time now)
{
    if (!layer)
        return SIPUA_EINVAL;
    if (layer->depth)
        return SIPUA_ESTATE;
    size_t fired = sipua__timer_heap_run(&layer->timers, now);
    sipua__txn_flush(layer);
    return fired > INT32_MAX ? INT32_MAX : (int)fired;
}

int sipua__txn_layer_recv(sipua__txn_layer *layer, const sipua_msg *msg,
                          const sipua__txn_dest *from, sipua_time now)
{
    if (!layer || !msg || !from)
        return SIPUA_EINVAL;
    if (layer->depth)
        return SIPUA_ESTATE;
    sipua__timer_heap_run(&layer->timers, now);
    int rc;
    if (sipua_msg_is_request(msg)) {
        rc = sipua__txn_server_on_request(layer, msg, from, now);
    } else {
        const sipua_via *via = sipua_msg_top_via(msg);
        const sipua_cseq *cseq = sipua_msg_cseq(msg);
        if (!via || !cseq || !sipua_msg_call_id(msg).len) {
            rc = SIPUA_EPARSE;
        } else {
            sipua__txn *ct = sipua__txn_find_client(layer, via->branch, cseq->method);
            if (ct) {
                rc = sipua__txn_client_on_response(ct, msg, now);
            } else {
                layer->stats.stray_responses++;
                rc = SIPUA_ENOTFOUND;
            }
        }
    }
    sipua__txn_flush(layer);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Lifetimes and callbacks                                             */

void sipua__txn_enter(sipua__txn_layer *layer)
{
    layer->depth++;
}

void sipua__txn_leave(sipua__txn_layer *layer)
{
    layer->depth--;
}

void sipua__txn_flush(sipua__txn_layer *layer)
{
    if (layer->depth)
        return;
    while (layer->dead) {
        sipua__txn *t = layer->dead;
        layer->dead = t->hnext;
        free_txn(t);
    }
}

sipua__txn *sipua__txn_alloc(sipua__txn_layer *layer, size_t data_len)
{
    const sipua_allocator *a = layer->alloc;
    sipua__txn *t = a->alloc(sizeof *t + data_len, a->user);
    if (!t)
        return NULL;
    memset(t, 0, sizeof *t);
    t->layer = layer;
    layer->stats.live++;
    return t;
}

void sipua__txn_discard(sipua__txn *t)
{
    sipua__txn_layer *layer = t->layer;
    t->state = SIPUA__TXN_TERMINATED;
    t->hnext = layer->dead;
    layer->dead = t;
    sipua__txn_flush(layer);
}

void sipua__txn_end(sipua__txn *t, txn_end_reason why, int err)
{
    if (t->state == SIPUA__TXN_TERMINATED)
        return;
    sipua__txn_layer *layer = t->layer;
    t->state = SIPUA__TXN_TERMINATED;
    sipua__timer_cancel(&layer->timers, &t->retransmit);
    sipua__timer_cancel(&layer->timers, &t->timeout);
    sipua__txn_table_remove(t);
    sipua__txn_enter(layer);
    if (why == TXN_END_TIMEOUT) {
        layer->stats.timeouts++;
        if (layer->cb.timeout)
            layer->cb.timeout(layer->user, t);
    } else if (why == TXN_END_TRANSPORT) {
        layer->stats.transport_errors++;
        if (layer->cb.transport_error)
            layer->cb.transport_error(layer->user, t, err);
    }
    if (layer->cb.terminated)
        layer->cb.terminated(layer->user, t);
    sipua__txn_leave(layer);
    t->hnext = layer->dead;
    layer->dead = t;
}

void sipua__txn_terminate(sipua__txn *t)
{
    if (!t)
        return;
    sipua__txn_layer *layer = t->layer;
    sipua__txn_end(t, TXN_END_NORMAL, 0);
    sipua__txn_flush(layer);
}

int sipua__txn_send_only(sipua__txn *t, const char *bytes, size_t len)
{
    sipua__txn_layer *layer = t->layer;
    sipua__txn_enter(layer);
    int rc = layer->cb.send(layer->user, &t->dest, bytes, len);
    sipua__txn_leave(layer);
    return rc < 0 ? rc : 0;
}

int sipua__txn_send(sipua__txn *t, const char *bytes, size_t len)
{
    int rc = sipua__txn_send_only(t, bytes, len);
    if (rc < 0)
        sipua__txn_end(t, TXN_END_TRANSPORT, rc);
    return rc;
}

int sipua__txn_resend(sipua__txn *t, const char *bytes, size_t len)
{
    t->layer->stats.retransmissions++;
    return sipua__txn_send(t, bytes, len);
}

int sipua__txn_arm(sipua__txn *t, sipua__timer *timer, sipua_time now, sipua_time after)
{
    int rc = sipua__timer_schedule(&t->layer->timers, timer, now + after);
    if (rc < 0)
        sipua__txn_end(t, TXN_END_TRANSPORT, rc);
    return rc;
}

void sipua__txn_deliver_request(sipua__txn_layer *layer, sipua__txn *st, const sipua_msg *msg,
                                const sipua__txn_dest *from)
{
    if (!layer->cb.request)
        return;
    sipua__txn_enter(layer);
    layer->cb.request(layer->user, st, msg, from);
    sipua__txn_leave(layer);
}

void sipua__txn_deliver_response(sipua__txn *ct, const sipua_msg *msg)
{
    sipua__txn_layer *layer = ct->layer;
    if (!layer->cb.response)
        return;
    sipua__txn_enter(layer);
    layer->cb.response(layer->user, ct, msg);
    sipua__txn_leave(layer);
}

/* ------------------------------------------------------------------ */
/* Branches and accessors                                              */

int sipua__txn_make_branch(sipua__txn_layer *layer, char *out, size_t cap)
{
    static const char cookie[] = "z9hG4bK";
    static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
    enum { RANDOM_CHARS = 22 };
    if (!layer || !out || !layer->cb.random)
        return SIPUA_EINVAL;
    size_t len = sizeof cookie - 1 + RANDOM_CHARS;
    if (cap < len + 1)
        return SIPUA_ENOSPC;
    uint8_t r[RANDOM_CHARS];
    layer->cb.random(layer->user, r, sizeof r);
    memcpy(out, cookie, sizeof cookie - 1);
    for (size_t i = 0; i < RANDOM_CHARS; i++)
        out[sizeof cookie - 1 + i] = digits[r[i] & 31]; /* 32 divides 256: unbiased */
    out[len] = '\0';
    return (int)len;
}

sipua__txn_kind sipua__txn_get_kind(const sipua__txn *t)
{
    return t->kind;
}

sipua__txn_state sipua__txn_get_state(const sipua__txn *t)
{
    return t->state;
}

sipua_method sipua__txn_get_method(const sipua__txn *t)
{
    return t->key.method;
}

sipua_str sipua__txn_get_branch(const sipua__txn *t)
{
    return t->key.branch;
}

int sipua__txn_get_status(const sipua__txn *t)
{
    return t->status;
}

void *sipua__txn_get_user(const sipua__txn *t)
{
    return t->user;
}

void sipua__txn_set_user(sipua__txn *t, void *txn_user)
{
    t->user = txn_user;
}

const sipua__txn_dest *sipua__txn_get_dest(const sipua__txn *t)
{
    return &t->dest;
}

void sipua__txn_set_dest(sipua__txn *t, const sipua__txn_dest *dest)
{
    t->dest = *dest;
}

sipua__txn_layer *sipua__txn_get_layer(const sipua__txn *t)
{
    return t->layer;
}

const char *sipua__txn_state_name(sipua__txn_state s)
{
    switch (s) {
    case SIPUA__TXN_CALLING: return "Calling";
    case SIPUA__TXN_TRYING: return "Trying";
    case SIPUA__TXN_PROCEEDING: return "Proceeding";
    case SIPUA__TXN_COMPLETED: return "Completed";
    case SIPUA__TXN_CONFIRMED: return "Confirmed";
    case SIPUA__TXN_ACCEPTED: return "Accepted";
    case SIPUA__TXN_TERMINATED: return "Terminated";
    }
    return "?";
}
