/* The WebSocket object's state, shared by ws.c (frames) and ws_handshake.c
 * (the HTTP upgrade). Nothing outside those two files includes this. */
#ifndef SIPUA_TRANSPORT_WS_INTERNAL_H
#define SIPUA_TRANSPORT_WS_INTERNAL_H

#include "transport/ws.h"

typedef enum ws_state {
    WS_IDLE = 0,  /* a client that has not sent its request yet */
    WS_HANDSHAKE, /* reading the HTTP head */
    WS_OPEN,
    WS_CLOSING, /* our close frame is sent, the peer's is awaited */
    WS_CLOSED
} ws_state;

struct sipua__ws {
    sipua__ws_role role;
    ws_state state;
    sipua__ws_opts opts;
    sipua__ws_callbacks cb;
    void *user;
    sipua_allocator alloc;
    int in_callback; /* depth of callbacks under way: feed is refused inside */

    /* handshake */
    char *head; /* max_handshake bytes, freed once open */
    size_t head_len;
    char accept[28]; /* client: the Sec-WebSocket-Accept expected */

    /* the frame being read */
    uint8_t hdr[14];
    size_t hdr_have;
    int in_payload;
    int fin, opcode;
    int masked;
    uint8_t mask[4];
    uint64_t payload_len, payload_have;

    /* payload of a control frame: they interleave with fragments (5.4) */
    uint8_t ctl[125];

    /* the data message being reassembled */
    uint8_t *msg;
    size_t msg_len, msg_cap;
    int msg_opcode; /* 0 when no message is under way */
};

/* Calls the send callback, counting it as a callback. */
void sipua__ws_out(sipua__ws *ws, const void *data, size_t len);
/* Reports an event. */
void sipua__ws_emit(sipua__ws *ws, const sipua__ws_event *ev);
/* Enters CLOSED and reports it, once. */
void sipua__ws_finish(sipua__ws *ws, uint16_t code, sipua_str reason, int remote, int http_status);

/* Handshake bytes: consumes what belongs to the HTTP head from data and
 * returns how much; on the head's end validates it, answers (server), and
 * enters OPEN or CLOSED. */
size_t sipua__ws_handshake_feed(sipua__ws *ws, const uint8_t *data, size_t len);
/* Client: builds and sends the upgrade request. */
int sipua__ws_handshake_start(sipua__ws *ws, sipua_str host, sipua_str path, sipua_str origin);

#endif
