/* libFuzzer target for the connection table: the input is a script of
 * operations (open, feed, send, close, lose, keep-alive, advance the clock,
 * start a WS upgrade) over a few connections and addresses, so that
 * framing, WebSocket, timers, lookups and deferred closes meet in every
 * order.
 *
 * Each operation is one byte (the low 3 bits pick it, the others are its
 * argument) and, for feed and send, a length byte and that many bytes.
 *
 * Checks: one CLOSED per connection and nothing after it, events only for
 * live ids, a live connection is found by its key, the count matches, and
 * deadlines do not lie in the past after an advance. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/conn.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_conn.c:%d: check failed: %s\n", __LINE__, #cond);                \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define SLOTS 8

typedef struct state {
    sipua__conn_table *t;
    uint32_t ids[SLOTS]; /* 0: free slot */
    size_t live;
    int close_in_callback;
    uint8_t sink;
} state;

static int slot_of(const state *s, uint32_t id)
{
    for (int i = 0; i < SLOTS; i++)
        if (s->ids[i] == id)
            return i;
    return -1;
}

static void on_send(void *user, uint32_t id, const uint8_t *data, size_t len)
{
    state *s = user;
    CHECK(slot_of(s, id) >= 0);
    CHECK(len > 0);
    s->sink ^= data[0] ^ data[len - 1];
}

static void on_event(void *user, const sipua__conn_event *ev)
{
    state *s = user;
    int slot = slot_of(s, ev->id);
    CHECK(slot >= 0);
    CHECK(ev->key != NULL);
    if (ev->data.len)
        s->sink ^= (uint8_t)(ev->data.p[0] ^ ev->data.p[ev->data.len - 1]);
    if (ev->kind == SIPUA__CONN_EV_CLOSED) {
        CHECK(*sipua__conn_close_reason_name(ev->reason) != 0);
        s->ids[slot] = 0;
        s->live--;
        return;
    }
    if (ev->kind == SIPUA__CONN_EV_MESSAGE && s->close_in_callback) {
        s->close_in_callback = 0;
        CHECK(sipua__conn_close(s->t, ev->id) == SIPUA_OK);
        CHECK(sipua__conn_feed(s->t, ev->id, (const uint8_t *)"x", 1, 0) == SIPUA_ESTATE);
    }
}

static void on_random(void *user, uint8_t *out, size_t len)
{
    state *s = user;
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(s->sink + i);
}

static sipua__conn_key make_key(uint8_t arg)
{
    sipua__conn_key k;
    memset(&k, 0, sizeof k);
    k.transport = (sipua__transport)(arg % SIPUA__TP_COUNT_);
    uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8};
    ip[15] = (uint8_t)((arg >> 3) & 3);
    k.remote = (arg & 0x80) ? sipua__addr_v6(ip, 5060) : sipua__addr_v4(ip + 12, 5060);
    k.listener = (arg >> 5) & 1;
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    state s;
    memset(&s, 0, sizeof s);
    sipua__conn_opts o;
    sipua__conn_opts_init(&o);
    o.idle_timeout_inbound = SIPUA__SECONDS(30);
    o.limits.max_message = 512;
    o.ws.max_message = 512;
    sipua__conn_callbacks cb = {on_send, on_event, on_random};
    s.t = sipua__conn_table_new(&o, &cb, &s, NULL);
    CHECK(s.t);
    sipua_time now = SIPUA__SECONDS(1);
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i] & 7, arg = data[i] >> 3;
        i++;
        uint32_t id = s.ids[arg % SLOTS];
        switch (op) {
        case 0: { /* open */
            int slot = slot_of(&s, 0);
            if (slot < 0)
                break;
            uint8_t karg = i < size ? data[i++] : 0;
            sipua__conn_key k = make_key(karg);
            uint32_t nid = 0;
            CHECK(sipua__conn_open(s.t, &k, arg & 1, now, &nid) == SIPUA_OK);
            CHECK(nid != 0 && slot_of(&s, nid) < 0);
            s.ids[slot] = nid;
            s.live++;
            CHECK(sipua__conn_find(s.t, &k) == nid);
            break;
        }
        case 1:   /* feed */
        case 2: { /* send */
            size_t n = i < size ? data[i++] : 0;
            if (n > size - i)
                n = size - i;
            if (id) {
                int r = op == 1 ? sipua__conn_feed(s.t, id, data + i, n, now)
                                : sipua__conn_send(s.t, id, data + i, n, now);
                CHECK(r == SIPUA_OK ||
                      (op == 2 && (r == SIPUA_ESTATE || (r == SIPUA_EINVAL && !n))));
            }
            i += n;
            break;
        }
        case 3:
            if (id)
                CHECK(sipua__conn_close(s.t, id) == SIPUA_OK);
            break;
        case 4:
            if (id)
                CHECK(sipua__conn_lost(s.t, id, arg & 1 ? -5 : 0) == SIPUA_OK);
            break;
        case 5:
            if (id) {
                int r = sipua__conn_set_keepalive(s.t, id, SIPUA__SECONDS(arg), now);
                CHECK(r == SIPUA_OK || r == SIPUA_EINVAL);
            }
            break;
        case 6: { /* advance */
            now += (sipua_time)arg * SIPUA__SECONDS(1) / 2 + 1;
            CHECK(sipua__conn_advance(s.t, now) == SIPUA_OK);
            sipua_time d = sipua__conn_next_deadline(s.t);
            CHECK(d == 0 || d > now);
            break;
        }
        case 7:
            if (id) {
                int r = sipua__conn_ws_connect(s.t, id, SIPUA_STR("h"), SIPUA_STR("/"),
                                               (sipua_str){NULL, 0}, now);
                CHECK(r == SIPUA_OK || r == SIPUA_ESTATE);
            }
            s.close_in_callback = arg & 1;
            break;
        }
        CHECK(sipua__conn_count(s.t) == s.live);
        for (int k = 0; k < SLOTS; k++)
            if (s.ids[k])
                CHECK(sipua__conn_key_of(s.t, s.ids[k]) != NULL);
    }
    sipua__conn_table_free(s.t);
    return 0;
}
