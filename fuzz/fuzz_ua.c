/* libFuzzer target over the whole input surface of a UA core: the input is
 * a sequence of records, each one datagram or stream segment from one of a
 * few sources (UDP, or a TCP connection), with time moving forward between
 * them, so that transactions are created, retransmitted, answered and timed
 * out. Every message the core sends must parse. No crash, leak or
 * sanitizer report; after the last record the clock runs until nothing is
 * left, and no transaction may remain. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipua/ua.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_ua.c:%d: check failed: %s\n", __LINE__, #cond);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static sipua_msg *out_msg;
static uint64_t rng;

static int on_send(void *user, const sipua_endpoint *to, const char *bytes, size_t len)
{
    (void)user;
    CHECK(to && to->host[0]);
    /* On UDP and TCP, keep-alive answers aside, what the core sends is a
     * valid message (WebSocket bytes are the handshake and frames) */
    if (len > 2 && (to->transport == SIPUA_TRANSPORT_UDP || to->transport == SIPUA_TRANSPORT_TCP)) {
        int r = sipua_msg_parse(out_msg, bytes, len, SIPUA_PARSE_DATAGRAM);
        if (r > 0)
            r = sipua_msg_parse_all(out_msg);
        if (r < 0) {
            const sipua_msg_error *e = sipua_msg_get_error(out_msg);
            fprintf(stderr, "sent an invalid message (%s, line %u):\n%.*s\n",
                    e->reason ? e->reason : "?", e->line, (int)len, bytes);
        }
        CHECK(r >= 0);
    }
    return 0;
}

static void on_random(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    for (size_t i = 0; i < len; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (uint8_t)(rng >> 56);
    }
}

static void on_event(void *user, const sipua_ua_event *ev)
{
    sipua_ua *ua = user ? *(sipua_ua **)user : NULL;
    /* calls into the core from a callback are refused, requests allowed */
    if (ua && ev->type == SIPUA_UA_EV_REQUEST_ANSWERED && ev->peer) {
        CHECK(sipua_ua_advance(ua, 0) == SIPUA_ESTATE);
        CHECK(sipua_ua_recv(ua, ev->peer, "", 0, 0) == SIPUA_ESTATE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!out_msg)
        out_msg = sipua_msg_new(NULL, NULL);
    rng = 0x5eed;
    static sipua_ua *ua;
    sipua_ua_callbacks cb = {.version = SIPUA_UA_CALLBACKS_VERSION,
                             .send = on_send,
                             .random = on_random,
                             .event = on_event};
    sipua_ua_config cfg;
    sipua_ua_config_init(&cfg);
    sipua_endpoint me;
    sipua_endpoint_set(&me, SIPUA_TRANSPORT_UDP, "192.0.2.1", 5060, 0);
    sipua_ua_config_listen(&cfg, &me);
    sipua_endpoint_set(&me, SIPUA_TRANSPORT_TCP, "192.0.2.1", 5060, 0);
    sipua_ua_config_listen(&cfg, &me);
    CHECK(sipua_ua_new(&cfg, &cb, &ua, NULL, &ua) == 0);

    static const char *const hosts[] = {"192.0.2.7", "198.51.100.9", "2001:db8::5"};
    sipua_time now = 1000000;
    /* a client request of our own, so that responses have something to match */
    sipua_endpoint peer;
    sipua_endpoint_set(&peer, SIPUA_TRANSPORT_UDP, hosts[0], 5060, 0);
    uint64_t id;
    CHECK(sipua_ua_options(ua, SIPUA_STR("sip:192.0.2.7"), &peer, now, &id) == 0);

    uint64_t conns[2] = {0, 0};
    /* records: [flags][advance ms][len hi][len lo][bytes...] */
    size_t i = 0;
    while (i + 4 <= size) {
        uint8_t flags = data[i];
        now += (sipua_time)data[i + 1] * 1000;
        size_t len = ((size_t)data[i + 2] << 8) | data[i + 3];
        i += 4;
        if (len > size - i)
            len = size - i;
        sipua_endpoint from;
        int stream = flags & 1;
        /* streams: two connections, TCP and WS, opened on first use */
        int which = (flags >> 5) & 1;
        sipua_endpoint_set(&from,
                           !stream ? SIPUA_TRANSPORT_UDP
                           : which ? SIPUA_TRANSPORT_WS
                                   : SIPUA_TRANSPORT_TCP,
                           hosts[(flags >> 1) % 3], (uint16_t)(5060 + ((flags >> 3) & 3)), 0);
        if (stream) {
            if (!conns[which])
                CHECK(sipua_ua_conn_open(ua, &from, now, &conns[which]) == 0);
            from.conn = conns[which];
        }
        if (flags & 0x80) {
            sipua_ua_advance(ua, now);
        } else if ((flags & 0x41) == 0x41) {
            sipua_ua_connection_closed(ua, from.conn, now);
            conns[which] = 0;
        } else {
            int r = sipua_ua_recv(ua, &from, (const char *)data + i, len, now);
            /* a connection the UA closed (framing, WebSocket errors) is unknown */
            CHECK(r == 0 || (stream && r == SIPUA_ENOTFOUND));
            if (r == SIPUA_ENOTFOUND)
                conns[which] = 0;
        }
        i += len;
    }
    /* run the clock out: every transaction must end */
    for (int n = 0; n < 1000; n++) {
        sipua_time d = sipua_ua_next_deadline(ua);
        if (!d)
            break;
        now = d > now ? d : now;
        sipua_ua_advance(ua, now);
    }
    sipua_ua_stats st;
    sipua_ua_get_stats(ua, &st);
    CHECK(st.live_transactions == 0);
    CHECK(sipua_ua_next_deadline(ua) == 0);
    sipua_ua_free(ua);
    ua = NULL;
    return 0;
}
