/* libFuzzer target for the WebSocket transport: the opening handshake and
 * the frame decoder, fed in pieces the input chooses.
 *
 * Input: byte 0 selects the mode (bits 0-1: 0 a server reading the upgrade
 * request from the input, 1 a server already upgraded, 2 a client reading
 * the 101 from the input, 3 a client already open; bit 2: check UTF-8;
 * bit 3: echo every message back from the callback; bit 4: a 64-byte
 * message limit; bit 5: start a close from the callback of the first
 * message). Byte 1 seeds the segmentation: the rest of the input is cut
 * into pieces of 1 to 64 bytes drawn from it, or fed whole when it is 0.
 *
 * Checks: events come in a sane order (OPEN once and first, nothing after
 * CLOSED), messages respect the limit, spans are readable, and a closed
 * object refuses input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/ws.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_ws.c:%d: check failed: %s\n", __LINE__, #cond);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct state {
    sipua__ws *ws;
    size_t max_message;
    int opened, closed, echo, close_on_message;
    size_t messages, sent;
    uint8_t sink;
} state;

static void on_send(void *user, const uint8_t *data, size_t len)
{
    state *s = user;
    CHECK(len > 0);
    s->sent += len;
    s->sink ^= data[0] ^ data[len - 1]; /* the bytes are readable */
}

static void touch(state *s, sipua_str v)
{
    if (v.len) {
        CHECK(v.p != NULL);
        s->sink ^= (uint8_t)(v.p[0] ^ v.p[v.len - 1]);
    }
}

static void on_event(void *user, const sipua__ws_event *ev)
{
    state *s = user;
    CHECK(!s->closed);
    touch(s, ev->data);
    switch (ev->kind) {
    case SIPUA__WS_EV_OPEN:
        CHECK(!s->opened);
        s->opened = 1;
        touch(s, ev->path);
        touch(s, ev->host);
        touch(s, ev->origin);
        break;
    case SIPUA__WS_EV_MESSAGE:
        CHECK(s->opened);
        CHECK(ev->data.len <= s->max_message);
        s->messages++;
        CHECK(sipua__ws_feed(s->ws, (const uint8_t *)"x", 1) == SIPUA_ESTATE);
        if (s->echo)
            sipua__ws_send(s->ws, ev->binary, (const uint8_t *)ev->data.p, ev->data.len);
        if (s->close_on_message && s->messages == 1)
            CHECK(sipua__ws_close(s->ws, 1000, SIPUA_STR("enough")) == SIPUA_OK);
        break;
    case SIPUA__WS_EV_PONG:
        CHECK(s->opened);
        CHECK(ev->data.len <= 125);
        break;
    case SIPUA__WS_EV_CLOSED:
        s->closed = 1;
        CHECK(ev->code >= 1000 && ev->code <= 4999);
        CHECK(ev->data.len <= 125 || ev->code == 1006);
        break;
    }
}

static const uint8_t nonce[16] = "the sample nonce";

static void on_random(void *user, uint8_t *out, size_t len)
{
    (void)user;
    for (size_t i = 0; i < len; i++)
        out[i] = nonce[i % sizeof nonce];
}

static const char request[] = "GET / HTTP/1.1\r\n"
                              "Host: h\r\n"
                              "Upgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Protocol: sip\r\n"
                              "Sec-WebSocket-Version: 13\r\n"
                              "\r\n";
static const char response[] = "HTTP/1.1 101 Switching Protocols\r\n"
                               "Upgrade: websocket\r\n"
                               "Connection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                               "Sec-WebSocket-Protocol: sip\r\n"
                               "\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t mode = data[0], seed = data[1];
    data += 2;
    size -= 2;

    sipua__ws_opts o;
    sipua__ws_opts_init(&o);
    o.check_utf8 = (mode >> 2) & 1;
    if (mode & 0x10)
        o.max_message = 64;
    state s;
    memset(&s, 0, sizeof s);
    s.max_message = o.max_message;
    s.echo = (mode >> 3) & 1;
    s.close_on_message = (mode >> 5) & 1;
    sipua__ws_callbacks cb = {on_send, on_event, on_random};
    int client = (mode & 2) != 0;
    s.ws = sipua__ws_new(client ? SIPUA__WS_CLIENT : SIPUA__WS_SERVER, &o, &cb, &s, NULL);
    CHECK(s.ws);
    if (client)
        CHECK(sipua__ws_client_start(s.ws, SIPUA_STR("h"), SIPUA_STR("/"), (sipua_str){NULL, 0}) ==
              SIPUA_OK);
    if (mode & 1) {
        const char *head = client ? response : request;
        CHECK(sipua__ws_feed(s.ws, (const uint8_t *)head, strlen(head)) == SIPUA_OK);
        CHECK(s.opened && !s.closed);
    }

    uint32_t x = seed ? seed * 2654435761u : 0;
    size_t off = 0;
    while (off < size) {
        size_t n = size - off;
        if (x) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            size_t piece = 1 + x % 64;
            if (piece < n)
                n = piece;
        }
        int was_closed = s.closed;
        int r = sipua__ws_feed(s.ws, data + off, n);
        CHECK(r == (was_closed ? SIPUA_ESTATE : SIPUA_OK));
        CHECK(sipua__ws_is_closed(s.ws) == s.closed);
        off += n;
    }
    if (sipua__ws_is_open(s.ws)) {
        sipua__ws_send(s.ws, 1, data, size);
        sipua__ws_ping(s.ws, data, size > 125 ? 125 : size);
        sipua__ws_close(s.ws, 1001, SIPUA_STR(""));
    }
    sipua__ws_free(s.ws);
    return 0;
}
