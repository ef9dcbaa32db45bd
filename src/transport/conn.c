/* The connection table: hashed by id and by (transport, remote address),
 * one timer per connection in the base timer heap, and closes deferred
 * while callbacks run. */
#include <stdint.h>
#include <string.h>

#include "transport/conn_internal.h"

static const char *const transport_names[SIPUA__TP_COUNT_] = {"UDP", "TCP", "TLS", "WS", "WSS"};

const char *sipua__transport_name(sipua__transport t)
{
    return (unsigned)t < SIPUA__TP_COUNT_ ? transport_names[t] : "";
}

int sipua__transport_is_stream(sipua__transport t)
{
    return t != SIPUA__TP_UDP && (unsigned)t < SIPUA__TP_COUNT_;
}

const char *sipua__conn_close_reason_name(sipua__conn_close_reason r)
{
    switch (r) {
    case SIPUA__CONN_CLOSE_LOCAL: return "local";
    case SIPUA__CONN_CLOSE_PEER: return "peer";
    case SIPUA__CONN_CLOSE_ERROR: return "error";
    case SIPUA__CONN_CLOSE_IDLE: return "idle";
    case SIPUA__CONN_CLOSE_KEEPALIVE: return "keepalive";
    case SIPUA__CONN_CLOSE_FRAMING: return "framing";
    case SIPUA__CONN_CLOSE_HANDSHAKE: return "handshake";
    }
    return "";
}

void sipua__conn_opts_init(sipua__conn_opts *o)
{
    o->idle_timeout_inbound = SIPUA__SECONDS(600);
    o->idle_timeout_outbound = 0;
    o->pong_timeout = SIPUA__SECONDS(10);
    sipua_msg_limits_init(&o->limits);
    sipua__ws_opts_init(&o->ws);
}

/* ------------------------------------------------------------------ */
/* Hashing                                                             */

static size_t id_bucket(const sipua__conn_table *t, uint32_t id)
{
    return id & (t->buckets - 1); /* ids are sequential: the low bits spread */
}

static size_t key_bucket(const sipua__conn_table *t, sipua__transport tp, const sipua__addr *a)
{
    return sipua__addr_hash(a, t->seed ^ ((uint32_t)tp * 0x9E3779B9u)) & (t->buckets - 1);
}

conn *sipua__conn_get(const sipua__conn_table *t, uint32_t id)
{
    if (!t || !id)
        return NULL;
    for (conn *c = t->by_id[id_bucket(t, id)]; c; c = c->next_by_id)
        if (c->id == id)
            return c;
    return NULL;
}

static void link_conn(sipua__conn_table *t, conn *c)
{
    size_t b = id_bucket(t, c->id);
    c->next_by_id = t->by_id[b];
    t->by_id[b] = c;
    b = key_bucket(t, c->key.transport, &c->key.remote);
    c->next_by_key = t->by_key[b]; /* the newest first */
    t->by_key[b] = c;
}

static void unlink_key(sipua__conn_table *t, conn *c)
{
    conn **p = &t->by_key[key_bucket(t, c->key.transport, &c->key.remote)];
    while (*p && *p != c)
        p = &(*p)->next_by_key;
    if (*p)
        *p = c->next_by_key;
    c->next_by_key = NULL;
}

static void unlink_id(sipua__conn_table *t, conn *c)
{
    conn **p = &t->by_id[id_bucket(t, c->id)];
    while (*p && *p != c)
        p = &(*p)->next_by_id;
    if (*p)
        *p = c->next_by_id;
}

/* Doubles the buckets. The key chains keep their order (newest first). */
static int grow(sipua__conn_table *t)
{
    size_t n = t->buckets * 2;
    conn **by_id = t->alloc.alloc(n * sizeof *by_id, t->alloc.user);
    conn **by_key = t->alloc.alloc(n * sizeof *by_key, t->alloc.user);
    if (!by_id || !by_key) {
        t->alloc.free(by_id, t->alloc.user);
        t->alloc.free(by_key, t->alloc.user);
        return -1;
    }
    memset(by_id, 0, n * sizeof *by_id);
    memset(by_key, 0, n * sizeof *by_key);
    conn **old_id = t->by_id, **old_key = t->by_key;
    size_t old_n = t->buckets;
    t->by_id = by_id;
    t->by_key = by_key;
    t->buckets = n;
    for (size_t i = 0; i < old_n; i++) {
        for (conn *c = old_id[i], *next; c; c = next) {
            next = c->next_by_id;
            size_t b = id_bucket(t, c->id);
            c->next_by_id = t->by_id[b];
            t->by_id[b] = c;
        }
        /* appending at each chain's tail keeps newest-first */
        for (conn *c = old_key[i], *next; c; c = next) {
            next = c->next_by_key;
            c->next_by_key = NULL;
            conn **p = &t->by_key[key_bucket(t, c->key.transport, &c->key.remote)];
            while (*p)
                p = &(*p)->next_by_key;
            *p = c;
        }
    }
    t->alloc.free(old_id, t->alloc.user);
    t->alloc.free(old_key, t->alloc.user);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Deadlines                                                           */

void sipua__conn_reschedule(sipua__conn_table *t, conn *c)
{
    sipua_time d = 0;
    const sipua_time times[3] = {c->idle_at, c->ping_at, c->pong_at};
    for (int i = 0; i < 3; i++)
        if (times[i] && (!d || times[i] < d))
            d = times[i];
    if (!d || c->closing)
        sipua__timer_cancel(&t->timers, &c->timer);
    else /* cannot fail: opening reserved a place for every connection */
        (void)sipua__timer_schedule(&t->timers, &c->timer, d);
}

void sipua__conn_touch(sipua__conn_table *t, conn *c, sipua_time now)
{
    sipua_time idle = c->outbound ? t->opts.idle_timeout_outbound : t->opts.idle_timeout_inbound;
    sipua_time at = idle > 0 ? now + idle : 0;
    if (at == c->idle_at)
        return;
    c->idle_at = at;
    sipua__conn_reschedule(t, c);
}

/* ------------------------------------------------------------------ */
/* Callbacks and closing                                               */

void sipua__conn_out(sipua__conn_table *t, conn *c, const void *data, size_t len, sipua_time now)
{
    t->busy++;
    t->cb.send(t->user, c->id, data, len);
    t->busy--;
    sipua__conn_touch(t, c, now);
}

void sipua__conn_emit(sipua__conn_table *t, const sipua__conn_event *ev)
{
    t->busy++;
    t->cb.event(t->user, ev);
    t->busy--;
}

static void destroy(sipua__conn_table *t, conn *c)
{
    sipua__conn_stream_free(t, c);
    t->alloc.free(c, t->alloc.user);
}

/* Reports CLOSED and forgets c. */
static void finish(sipua__conn_table *t, conn *c)
{
    sipua__conn_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SIPUA__CONN_EV_CLOSED;
    ev.id = c->id;
    ev.key = &c->key;
    ev.reason = c->reason;
    ev.code = c->code;
    ev.data.p = c->text;
    ev.data.len = c->text_len;
    sipua__conn_emit(t, &ev);
    unlink_id(t, c);
    t->count--;
    destroy(t, c);
}

/* Carries out the closes requested during callbacks, once none runs. */
static void reap(sipua__conn_table *t)
{
    while (!t->busy && t->pending) {
        conn *c = t->pending;
        t->pending = c->next_pending;
        finish(t, c);
    }
}

void sipua__conn_request_close(sipua__conn_table *t, conn *c, sipua__conn_close_reason reason,
                               int code, sipua_str text)
{
    if (c->closing)
        return;
    c->closing = 1;
    c->reason = reason;
    c->code = code;
    c->text_len = text.len < sizeof c->text ? text.len : sizeof c->text;
    if (c->text_len)
        memcpy(c->text, text.p, c->text_len);
    /* no longer found, no timer: only its id lives on until CLOSED */
    sipua__timer_cancel(&t->timers, &c->timer);
    unlink_key(t, c);
    c->next_pending = t->pending;
    t->pending = c;
    reap(t);
}

static void expire(sipua__timer *timer, sipua_time now, void *user);

/* ------------------------------------------------------------------ */
/* The table                                                           */

sipua__conn_table *sipua__conn_table_new(const sipua__conn_opts *opts,
                                         const sipua__conn_callbacks *cb, void *user,
                                         const sipua_allocator *alloc)
{
    if (!cb || !cb->send || !cb->event || !cb->random)
        return NULL;
    /* a stream buffer holds one message and one byte more */
    if (opts && opts->limits.max_message > SIZE_MAX / 4)
        return NULL;
    if (!alloc)
        alloc = sipua_default_allocator();
    sipua__conn_table *t = alloc->alloc(sizeof *t, alloc->user);
    if (!t)
        return NULL;
    memset(t, 0, sizeof *t);
    if (opts)
        t->opts = *opts;
    else
        sipua__conn_opts_init(&t->opts);
    t->cb = *cb;
    t->user = user;
    t->alloc = *alloc;
    sipua__timer_heap_init(&t->timers, &t->alloc);
    t->buckets = 16;
    t->next_id = 1;
    t->by_id = alloc->alloc(t->buckets * sizeof *t->by_id, alloc->user);
    if (t->by_id)
        memset(t->by_id, 0, t->buckets * sizeof *t->by_id);
    t->by_key = alloc->alloc(t->buckets * sizeof *t->by_key, alloc->user);
    if (!t->by_id || !t->by_key) {
        sipua__conn_table_free(t);
        return NULL;
    }
    memset(t->by_key, 0, t->buckets * sizeof *t->by_key);
    /* a per-table hash seed, so that remote addresses cannot be picked to
     * collide in every table alike */
    uint8_t s[4];
    cb->random(user, s, sizeof s);
    t->seed = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
    return t;
}

void sipua__conn_table_free(sipua__conn_table *t)
{
    if (!t)
        return;
    sipua__timer_heap_free(&t->timers); /* first: it disarms the timers inside connections */
    if (t->by_id)
        for (size_t i = 0; i < t->buckets; i++)
            for (conn *c = t->by_id[i], *next; c; c = next) {
                next = c->next_by_id;
                destroy(t, c);
            }
    t->alloc.free(t->by_id, t->alloc.user);
    t->alloc.free(t->by_key, t->alloc.user);
    t->alloc.free(t, t->alloc.user);
}

int sipua__conn_open(sipua__conn_table *t, const sipua__conn_key *key, int outbound, sipua_time now,
                     uint32_t *id)
{
    if (!t || !key || !id || (unsigned)key->transport >= SIPUA__TP_COUNT_ ||
        (key->remote.family != SIPUA__AF_IPV4 && key->remote.family != SIPUA__AF_IPV6))
        return SIPUA_EINVAL;
    if (t->count >= t->buckets && grow(t) != 0)
        return SIPUA_ENOMEM;
    if (sipua__timer_heap_reserve(&t->timers, t->count + 1) != 0)
        return SIPUA_ENOMEM;
    conn *c = t->alloc.alloc(sizeof *c, t->alloc.user);
    if (!c)
        return SIPUA_ENOMEM;
    memset(c, 0, sizeof *c);
    c->key = *key;
    c->table = t;
    sipua__timer_init(&c->timer, expire, c);
    c->outbound = outbound != 0;
    if (sipua__conn_stream_init(t, c) != 0) {
        t->alloc.free(c, t->alloc.user);
        return SIPUA_ENOMEM;
    }
    do { /* 0 is never an id; after a wrap, skip the ids in use */
        c->id = t->next_id++;
    } while (c->id == 0 || sipua__conn_get(t, c->id));
    link_conn(t, c);
    t->count++;
    sipua__conn_touch(t, c, now);
    *id = c->id;
    return SIPUA_OK;
}

/* A connection that the caller may act on: present and not closing. */
static conn *live(const sipua__conn_table *t, uint32_t id)
{
    conn *c = sipua__conn_get(t, id);
    return c && !c->closing ? c : NULL;
}

int sipua__conn_feed(sipua__conn_table *t, uint32_t id, const uint8_t *data, size_t len,
                     sipua_time now)
{
    if (!t || (!data && len))
        return SIPUA_EINVAL;
    if (t->busy)
        return SIPUA_ESTATE;
    conn *c = live(t, id);
    if (!c)
        return SIPUA_ENOTFOUND;
    t->now = now;
    t->busy++;
    sipua__conn_touch(t, c, now);
    sipua__conn_stream_feed(t, c, data, len, now);
    t->busy--;
    reap(t);
    return SIPUA_OK;
}

int sipua__conn_send(sipua__conn_table *t, uint32_t id, const uint8_t *data, size_t len,
                     sipua_time now)
{
    if (!t || !data || !len)
        return SIPUA_EINVAL;
    conn *c = live(t, id);
    if (!c)
        return SIPUA_ENOTFOUND;
    if (!c->ready)
        return SIPUA_ESTATE;
    if (!t->busy)
        t->now = now;
    int r = sipua__conn_stream_send(t, c, data, len, now);
    reap(t);
    return r;
}

int sipua__conn_close(sipua__conn_table *t, uint32_t id)
{
    conn *c = live(t, id);
    if (!c)
        return SIPUA_ENOTFOUND;
    sipua__conn_stream_close(t, c);
    sipua__conn_request_close(t, c, SIPUA__CONN_CLOSE_LOCAL, 0, (sipua_str){NULL, 0});
    return SIPUA_OK;
}

int sipua__conn_lost(sipua__conn_table *t, uint32_t id, int error)
{
    if (t && t->busy)
        return SIPUA_ESTATE;
    conn *c = live(t, id);
    if (!c)
        return SIPUA_ENOTFOUND;
    sipua__conn_request_close(t, c, error ? SIPUA__CONN_CLOSE_ERROR : SIPUA__CONN_CLOSE_PEER, error,
                              (sipua_str){NULL, 0});
    return SIPUA_OK;
}

/* 80 to 100 % of the interval (RFC 5626 4.4.1), so that clients started
 * together do not ping together. */
static sipua_time jittered(sipua__conn_table *t, sipua_time interval)
{
    uint8_t r[2];
    t->busy++;
    t->cb.random(t->user, r, sizeof r);
    t->busy--;
    unsigned permille = (unsigned)(r[0] << 8 | r[1]) % 201; /* 0..200 */
    return interval - interval / 1000 * (sipua_time)permille;
}

int sipua__conn_set_keepalive(sipua__conn_table *t, uint32_t id, sipua_time interval,
                              sipua_time now)
{
    conn *c = live(t, id);
    if (!c)
        return SIPUA_ENOTFOUND;
    if (interval < 0 || c->key.transport == SIPUA__TP_UDP)
        return SIPUA_EINVAL;
    c->keepalive = interval;
    c->ping_at = interval ? now + jittered(t, interval) : 0;
    if (!interval)
        c->pong_at = 0;
    sipua__conn_reschedule(t, c);
    return SIPUA_OK;
}

static int key_equal(const sipua__conn_key *a, const sipua__conn_key *b)
{
    return a->transport == b->transport && a->listener == b->listener &&
           sipua__addr_equal(&a->remote, &b->remote);
}

uint32_t sipua__conn_find(const sipua__conn_table *t, const sipua__conn_key *key)
{
    if (!t || !key || (unsigned)key->transport >= SIPUA__TP_COUNT_)
        return 0;
    for (conn *c = t->by_key[key_bucket(t, key->transport, &key->remote)]; c; c = c->next_by_key)
        if (key_equal(&c->key, key))
            return c->id;
    return 0;
}

uint32_t sipua__conn_find_remote(const sipua__conn_table *t, sipua__transport transport,
                                 const sipua__addr *remote)
{
    if (!t || !remote || (unsigned)transport >= SIPUA__TP_COUNT_)
        return 0;
    uint32_t any = 0;
    for (conn *c = t->by_key[key_bucket(t, transport, remote)]; c; c = c->next_by_key) {
        if (c->key.transport != transport || !sipua__addr_equal(&c->key.remote, remote))
            continue;
        if (c->ready)
            return c->id;
        if (!any)
            any = c->id;
    }
    return any;
}

const sipua__conn_key *sipua__conn_key_of(const sipua__conn_table *t, uint32_t id)
{
    conn *c = sipua__conn_get(t, id);
    return c ? &c->key : NULL;
}

int sipua__conn_is_ready(const sipua__conn_table *t, uint32_t id)
{
    conn *c = live(t, id);
    return c && c->ready;
}

size_t sipua__conn_count(const sipua__conn_table *t)
{
    return t ? t->count : 0;
}

sipua_time sipua__conn_next_deadline(const sipua__conn_table *t)
{
    return t ? sipua__timer_heap_next_deadline(&t->timers) : 0;
}

/* The earliest of c's deadlines has come. */
static void expire(sipua__timer *timer, sipua_time now, void *user)
{
    conn *c = user;
    sipua__conn_table *t = c->table;
    (void)timer;
    if (c->pong_at && c->pong_at <= now) {
        sipua__conn_request_close(t, c, SIPUA__CONN_CLOSE_KEEPALIVE, 0, (sipua_str){NULL, 0});
        return;
    }
    if (c->idle_at && c->idle_at <= now) {
        sipua__conn_stream_close(t, c);
        sipua__conn_request_close(t, c, SIPUA__CONN_CLOSE_IDLE, 0, (sipua_str){NULL, 0});
        return;
    }
    if (c->ping_at && c->ping_at <= now) {
        c->ping_at = now + jittered(t, c->keepalive);
        if (c->ready && !c->pong_at) { /* one ping at a time */
            c->pong_at = now + t->opts.pong_timeout;
            sipua__conn_send_ping(t, c, now);
        }
    }
    sipua__conn_reschedule(t, c);
}

int sipua__conn_advance(sipua__conn_table *t, sipua_time now)
{
    if (!t)
        return SIPUA_EINVAL;
    if (t->busy)
        return SIPUA_ESTATE;
    t->now = now;
    t->busy++;
    sipua__timer_heap_run(&t->timers, now);
    t->busy--;
    reap(t);
    return SIPUA_OK;
}
