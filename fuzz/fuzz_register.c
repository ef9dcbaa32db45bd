/* libFuzzer target over what a registrar can answer (src/ua/register.c):
 * a UA core with one registration, its password known. The input is a
 * sequence of records, each a response to the REGISTER in flight (it
 * copies that request's Via, From, To, Call-ID and CSeq, so that it
 * matches) with a status the record picks and the record's bytes as its
 * other headers (challenges, Contact, Expires, Min-Expires...), after
 * which the clock moves on by the record's step, firing refreshes, retries
 * and timeouts. Then the registration is ended and the clock runs until
 * nothing is left. Every REGISTER sent must parse whole and never hold
 * the password; the events must make sense; nothing may remain. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipua/register.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_register.c:%d: check failed: %s\n", __LINE__, #cond);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define PASSWORD "pw-9d1e"

static sipua_msg *out_msg;
static char last_req[8192];
static size_t last_len;
static uint64_t rng;
static sipua_time now;
static int ended;

static int holds_password(const char *bytes, size_t len)
{
    size_t n = sizeof PASSWORD - 1;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(bytes + i, PASSWORD, n) == 0)
            return 1;
    return 0;
}

static int on_send(void *user, const sipua_endpoint *to, const char *bytes, size_t len)
{
    (void)user;
    (void)to;
    CHECK(!holds_password(bytes, len));
    int r = sipua_msg_parse(out_msg, bytes, len, SIPUA_PARSE_DATAGRAM);
    if (r > 0)
        r = sipua_msg_parse_all(out_msg);
    CHECK(r >= 0);
    if (sipua_msg_is_request(out_msg)) {
        CHECK(sipua_msg_method(out_msg) == SIPUA_METHOD_REGISTER);
        CHECK(len <= sizeof last_req);
        memcpy(last_req, bytes, len);
        last_len = len;
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
    (void)user;
    if (ev->type < SIPUA_UA_EV_REGISTERED)
        return;
    CHECK(!ended);
    switch (ev->type) {
    case SIPUA_UA_EV_REGISTERED:
        CHECK(ev->status >= 200 && ev->status < 300 && ev->expires > 0);
        CHECK(ev->ncontacts <= 16 && (!ev->ncontacts || ev->contacts));
        for (size_t i = 0; i < ev->ncontacts; i++)
            CHECK(ev->contacts[i].p && ev->contacts[i].len);
        break;
    case SIPUA_UA_EV_REGISTRATION_FAILED:
        CHECK(ev->status >= 300 || ev->error);
        CHECK(ev->retry_at == 0 || ev->retry_at > now);
        ended = ev->retry_at == 0;
        break;
    case SIPUA_UA_EV_UNREGISTERED: ended = 1; break;
    default: CHECK(0);
    }
}

static void advance_to(sipua_ua *ua, sipua_time t)
{
    for (int i = 0; i < 10000; i++) {
        sipua_time d = sipua_ua_next_deadline(ua);
        if (!d || d > t)
            break;
        now = d > now ? d : now;
        CHECK(sipua_ua_advance(ua, now) == 0);
    }
    now = t > now ? t : now;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int codes[] = {200, 401, 407, 423, 202, 180, 403, 500};
    if (!out_msg)
        out_msg = sipua_msg_new(NULL, NULL);
    sipua_msg *req = sipua_msg_new(NULL, NULL);
    rng = 1;
    now = 1000000;
    last_len = 0;
    ended = 0;
    sipua_ua_config cfg;
    sipua_ua_config_init(&cfg);
    sipua_endpoint me, reg;
    sipua_endpoint_set(&me, SIPUA_TRANSPORT_UDP, "10.0.0.1", 5060, 0);
    sipua_endpoint_set(&reg, SIPUA_TRANSPORT_UDP, "10.0.0.9", 5060, 0);
    sipua_ua_config_listen(&cfg, &me);
    sipua_ua_callbacks cb = {.version = SIPUA_UA_CALLBACKS_VERSION,
                             .send = on_send,
                             .random = on_random,
                             .event = on_event};
    sipua_ua *ua;
    CHECK(sipua_ua_new(&cfg, &cb, NULL, NULL, &ua) == 0);
    sipua_register_config rc;
    sipua_register_config_init(&rc);
    rc.aor = "sip:alice@example.com";
    rc.password = PASSWORD;
    rc.expires = 300;
    /* GRUUs (RFC 5627): the 2xx's Contact parameters are read */
    rc.instance_id = "urn:uuid:00000000-0000-4000-8000-000000000001";
    rc.gruu = 1;
    uint64_t id;
    CHECK(sipua_register(ua, &rc, &reg, now, &id) == 0);

    size_t pos = 0;
    while (pos + 4 <= size) {
        int code = data[pos] < 0xc0 ? codes[data[pos] & 7] : 100 + (data[pos + 1] * 3) % 600;
        sipua_time step = (sipua_time)(data[pos + 2] % 64) * 1000000;
        size_t len = data[pos + 3];
        pos += 4;
        if (len > size - pos)
            len = size - pos;
        if (last_len && sipua_msg_parse(req, last_req, last_len, SIPUA_PARSE_DATAGRAM) > 0) {
            char resp[4096];
            sipua_builder b;
            sipua_builder_init(&b, resp, sizeof resp);
            sipua_builder_response(&b, req, code, SIPUA_STR("Fuzz"), SIPUA_STR("t1"),
                                   (sipua_str){NULL, 0}, 0);
            sipua_builder_raw(&b, (sipua_str){(const char *)data + pos, len});
            sipua_builder_body(&b, (sipua_str){"", 0});
            int n = sipua_builder_finish(&b);
            if (n > 0)
                CHECK(sipua_ua_recv(ua, &reg, resp, (size_t)n, now) == 0);
        }
        pos += len;
        advance_to(ua, now + step);
    }
    int r = sipua_unregister(ua, id, now);
    CHECK(r == 0 || (r == SIPUA_ENOTFOUND && ended));
    advance_to(ua, now + 3600 * (sipua_time)1000000);
    CHECK(ended);
    CHECK(sipua_ua_next_deadline(ua) == 0);
    sipua_ua_free(ua);
    sipua_msg_free(req);
    return 0;
}
