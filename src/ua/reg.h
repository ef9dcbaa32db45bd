/* sipua — registrations (internal): what src/ua/register.c needs from the
 * UA core and what the core routes to it. See include/sipua/register.h. */
#ifndef SIPUA_SRC_UA_REG_H
#define SIPUA_SRC_UA_REG_H

#include "base/timer.h"
#include "sipua/register.h"
#include "txn/txn.h"

typedef struct sipua__reg_host {
    void *ctx; /* the UA */
    sipua__txn_layer *txn;
    sipua__timer_heap *timers;
    const sipua_allocator *alloc;
    sipua_time *now; /* the UA's current time */
    const char *user_agent;
    void (*random)(void *ctx, uint8_t *buf, size_t len);
    /* our address for a transport (Via sent-by, Contact host), or NULL */
    const sipua_endpoint *(*identity)(void *ctx, sipua_transport t);
    /* hands an event to the application */
    void (*emit)(void *ctx, sipua_ua_event *ev);
    /* RFC 5626 4.4.1: keep-alives every interval on the stream connection
     * to peer (0: back to the UA's own setting) */
    void (*flow_keepalive)(void *ctx, const sipua_endpoint *peer, sipua_time interval);
} sipua__reg_host;

typedef struct sipua__regs sipua__regs;

/* The UA's registrations; NULL when out of memory. host is copied. */
sipua__regs *sipua__regs_new(const sipua__reg_host *host);
/* Frees every registration without a request or an event; their running
 * transactions are let go (their user pointers cleared). */
void sipua__regs_free(sipua__regs *rs);

/* The UA's registrations, for the public calls of register.c; moves the
 * UA's clock to `now` unless the UA is inside recv or advance. Defined in
 * core.c. NULL when ua is NULL. */
sipua__regs *sipua__ua_regs(sipua_ua *ua, sipua_time now);

/* Transaction callbacks: each returns 1 when the transaction was a
 * registration's (and was handled), 0 otherwise. */
int sipua__reg_on_response(sipua__txn *ct, const sipua_msg *resp);
int sipua__reg_on_failure(sipua__txn *ct, int err);
int sipua__reg_on_terminated(sipua__txn *ct);

/* The program could not reach `to`: the REGISTER in flight there fails now
 * (RFC 3261 17.1.4). */
void sipua__regs_transport_failed(sipua__regs *rs, const sipua_endpoint *to, int err);

/* A stream connection to `peer` closed: registrations bound over it
 * register again soon over a new one. */
void sipua__regs_connection_closed(sipua__regs *rs, const sipua_endpoint *peer);

/* The Contact for a session of the AOR `local` (a name-addr or addr-spec:
 * the From of our INVITE, the To of the peer's) over transport t, from a
 * registration that holds a binding: "<pub-gruu>" (RFC 5627), "<temp-gruu>"
 * when anonymous (any registration's), or the registration's Contact with
 * ;ob (RFC 5626 4.3) over the transport of its flow. Writes it to
 * out[0..cap) and returns 1; 0 when no registration has one. */
int sipua__regs_session_contact(const sipua__regs *rs, sipua_str local, int anonymous,
                                sipua_transport t, char *out, size_t cap);

#endif
