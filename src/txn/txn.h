/* sipua — the transaction layer (internal): RFC 3261 section 17 with the
 * RFC 6026 Accepted state.
 *
 * Four machines: INVITE client (17.1.1), non-INVITE client (17.1.2), INVITE
 * server (17.2.1) and non-INVITE server (17.2.2); timers A to M with T1, T2
 * and T4 configurable; matching by branch (17.1.3, 17.2.3) and the RFC 2543
 * fallback; transport errors (17.1.4, 17.2.4) reported to the TU.
 *
 * Sans-IO. The layer reads no clock and opens no socket: every call that
 * can start or fire a timer takes `now`, sipua__txn_layer_next_deadline()
 * says when to call sipua__txn_layer_advance() again, bytes leave through
 * the `send` callback, and whatever the TU must know arrives through the
 * other callbacks, all set once at creation with one user pointer.
 *
 * Lifetimes. A transaction is created by sipua__txn_client_new() or, for a
 * server transaction, by sipua__txn_layer_recv() just before the `request`
 * callback. Every transaction the TU is given ends with exactly one
 * `terminated` callback; its pointer is invalid once that callback returns.
 * Pointers to messages handed to a callback are valid until it returns.
 *
 * Re-entrancy. From inside a callback the TU may call
 * sipua__txn_client_new(), sipua__txn_server_respond(),
 * sipua__txn_terminate(), the lookups and the accessors. It may not call
 * sipua__txn_layer_recv() or sipua__txn_layer_advance() (SIPUA_ESTATE), nor
 * sipua__txn_layer_free().
 *
 * Time is sipua_time, microseconds. One layer belongs to one thread.
 */
#ifndef SIPUA_SRC_TXN_TXN_H
#define SIPUA_SRC_TXN_TXN_H

#include "sipua/base.h"
#include "sipua/msg.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sipua__txn_layer sipua__txn_layer;
typedef struct sipua__txn sipua__txn;

/* ------------------------------------------------------------------ */
/* Destinations                                                        */

typedef enum sipua__transport_kind {
    SIPUA__TRANSPORT_UDP = 0,
    SIPUA__TRANSPORT_TCP,
    SIPUA__TRANSPORT_TLS,
    SIPUA__TRANSPORT_WS,
    SIPUA__TRANSPORT_WSS
} sipua__transport_kind;

#define SIPUA__TXN_HOST_MAX 48 /* an IPv6 address in text, with its NUL */

/* Where bytes go or came from: plain data, copied by the layer. The layer
 * only reads `reliable` (it decides the timers, RFC 3261 17.1.1.2 and
 * 17.1.2.2) and passes the rest back to `send` untouched. */
typedef struct sipua__txn_dest {
    sipua__transport_kind kind;
    int reliable;                   /* 1: TCP, TLS, WS, WSS; 0: UDP */
    char host[SIPUA__TXN_HOST_MAX]; /* IP address in text, NUL-terminated */
    uint16_t port;
    uint64_t conn_id; /* the connection of a stream transport; 0 for none */
} sipua__txn_dest;

/* Fills *dest; `reliable` follows the kind (everything but UDP). A host
 * too long for the field is cut at SIPUA__TXN_HOST_MAX - 1 bytes. */
void sipua__txn_dest_init(sipua__txn_dest *dest, sipua__transport_kind kind, const char *host,
                          uint16_t port, uint64_t conn_id);

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

typedef struct sipua__txn_config {
    sipua_time t1;      /* RTT estimate; default 500 ms (RFC 3261 17.1.1.1) */
    sipua_time t2;      /* cap of non-INVITE and response retransmit intervals; default 4 s */
    sipua_time t4;      /* time a message stays in the network; default 5 s */
    sipua_time timer_d; /* INVITE client Completed wait on UDP; default 32 s */
    /* 1 (default): when the TU has not answered an INVITE by the time the
     * `request` callback returns, the server transaction sends 100 Trying
     * itself (RFC 3261 17.2.1: the TU may not answer within 200 ms). */
    int send_trying;
    /* Size of the first bucket array of each lookup table; default 1024.
     * The tables double when they hold more transactions than buckets. */
    size_t initial_buckets;
} sipua__txn_config;

/* Fills *cfg with the defaults above. sipua__txn_layer_new() keeps the
 * default for a T1 or T2 that is not positive, raises T2 to T1 when it is
 * smaller, and keeps the default for a negative T4 or timer D (zero is
 * allowed: no wait in Completed or Confirmed). */
void sipua__txn_config_init(sipua__txn_config *cfg);

/* ------------------------------------------------------------------ */
/* Callbacks                                                           */

/* Every callback receives the layer's user pointer first. Any of them but
 * `send` may be NULL. */
typedef struct sipua__txn_callbacks {
    /* Hands bytes to the transport. Returns 0 once they are accepted, or a
     * negative error when they cannot be sent: the transaction then reports
     * a transport error (17.1.4, 17.2.4) and terminates. */
    int (*send)(void *user, const sipua__txn_dest *dest, const char *bytes, size_t len);
    /* A new request. `st` is its new server transaction, in Trying
     * (non-INVITE) or Proceeding (INVITE); the TU answers through
     * sipua__txn_server_respond(). `st` is NULL for an ACK that belongs to
     * no transaction: the ACK to a 2xx (RFC 3261 17.2.3, RFC 6026 8.7), which
     * the TU handles. `from` is where the request came from. */
    void (*request)(void *user, sipua__txn *st, const sipua_msg *msg, const sipua__txn_dest *from);
    /* A response for client transaction `ct`: provisional, final, and on an
     * INVITE client transaction in Accepted every further 2xx (RFC 6026 7.2:
     * retransmissions, and 2xx from other forks). */
    void (*response)(void *user, sipua__txn *ct, const sipua_msg *msg);
    /* Timer B, F or H fired: no final response (client), or no ACK to a
     * non-2xx final response (INVITE server). `terminated` follows. */
    void (*timeout)(void *user, sipua__txn *t);
    /* `send` returned err for a transaction's message. `terminated` follows. */
    void (*transport_error)(void *user, sipua__txn *t, int err);
    /* The transaction reached Terminated and is freed when this returns. */
    void (*terminated)(void *user, sipua__txn *t);
    /* Random bytes, for sipua__txn_make_branch() and to seed the lookup
     * hashes against crafted collisions. May be NULL: branches cannot then
     * be made, and the hashes use a fixed seed. */
    void (*random)(void *user, uint8_t *buf, size_t len);
} sipua__txn_callbacks;

/* ------------------------------------------------------------------ */
/* The layer                                                           */

/* Creates a layer. cfg NULL: defaults; alloc NULL: the default allocator.
 * cb is copied; cb->send is required. Returns NULL when out of memory or
 * when cb or cb->send is NULL. */
sipua__txn_layer *sipua__txn_layer_new(const sipua__txn_config *cfg, const sipua__txn_callbacks *cb,
                                       void *user, const sipua_allocator *alloc);

/* Frees the layer and every transaction still in it, without any callback.
 * NULL is a no-op. Not from inside a callback. */
void sipua__txn_layer_free(sipua__txn_layer *layer);

/* Feeds a received message, parsed from bytes that came from `from`.
 *
 * A request is matched to a server transaction (17.2.3: branch with the
 * magic cookie, sent-by and method, ACK matching its INVITE; without the
 * cookie the RFC 2543 rules). A retransmission is absorbed: the last
 * response is sent again, or nothing when there is none, and the TU hears
 * nothing. An ACK for a non-2xx final response confirms the INVITE server
 * transaction. Anything else creates a server transaction and reaches the
 * TU through `request` (an ACK matching nothing reaches it with st NULL).
 *
 * A response is matched to a client transaction (17.1.3: top Via branch and
 * CSeq method) and drives it.
 *
 * Timers due at or before `now` fire first. Returns 0, or SIPUA_ENOTFOUND
 * for a response that matches no transaction (RFC 6026 8.9: discard it;
 * counted in stats.stray_responses), SIPUA_EPARSE for a message without a
 * top Via, Call-ID or CSeq, or a request whose CSeq method is not its
 * method, SIPUA_ENOMEM, SIPUA_EINVAL (NULL arguments), SIPUA_ESTATE (called
 * from a callback). No callback is made when an error is returned. */
int sipua__txn_layer_recv(sipua__txn_layer *layer, const sipua_msg *msg,
                          const sipua__txn_dest *from, sipua_time now);

/* Calls fn for every live transaction (not yet terminated), in no
 * particular order; fn may read and clear the transaction's user pointer
 * but not end or create transactions. For owners that must let go of what
 * their transactions hold before sipua__txn_layer_free(). */
void sipua__txn_layer_each(sipua__txn_layer *layer, void (*fn)(sipua__txn *t, void *arg),
                           void *arg);

/* Fires every timer due at or before `now`. Returns the number fired, or
 * SIPUA_ESTATE when called from a callback. */
int sipua__txn_layer_advance(sipua__txn_layer *layer, sipua_time now);

/* When sipua__txn_layer_advance() must next be called; 0 when no timer is
 * armed. */
sipua_time sipua__txn_layer_next_deadline(const sipua__txn_layer *layer);

/* Counters, for tests and monitoring. */
typedef struct sipua__txn_stats {
    size_t live;               /* transactions allocated (not yet freed) */
    uint64_t clients_created;  /* client transactions */
    uint64_t servers_created;  /* server transactions */
    uint64_t retransmissions;  /* requests, ACKs and responses sent again */
    uint64_t absorbed;         /* retransmitted requests and responses absorbed */
    uint64_t stray_responses;  /* responses matching no client transaction */
    uint64_t timeouts;         /* timeout callbacks */
    uint64_t transport_errors; /* transport_error callbacks */
} sipua__txn_stats;

void sipua__txn_layer_stats(const sipua__txn_layer *layer, sipua__txn_stats *out);

/* ------------------------------------------------------------------ */
/* Transactions                                                        */

typedef enum sipua__txn_kind {
    SIPUA__TXN_INVITE_CLIENT = 0,
    SIPUA__TXN_NON_INVITE_CLIENT,
    SIPUA__TXN_INVITE_SERVER,
    SIPUA__TXN_NON_INVITE_SERVER
} sipua__txn_kind;

typedef enum sipua__txn_state {
    SIPUA__TXN_CALLING = 0, /* INVITE client, request sent */
    SIPUA__TXN_TRYING,      /* non-INVITE client or server, no response yet */
    SIPUA__TXN_PROCEEDING,  /* a provisional response */
    SIPUA__TXN_COMPLETED,   /* a final response (non-2xx for INVITE) */
    SIPUA__TXN_CONFIRMED,   /* INVITE server: ACK received */
    SIPUA__TXN_ACCEPTED,    /* INVITE, 2xx (RFC 6026) */
    SIPUA__TXN_TERMINATED
} sipua__txn_state;

/* Starts a client transaction for a request the TU has serialized into
 * bytes[0..len): the layer copies the bytes, parses them, sends them to
 * dest and arms timers A and B (INVITE) or E and F (others). The request's
 * top Via must carry a branch with the magic cookie (RFC 3261 8.1.1.7), its
 * CSeq method must be its method, and it must not be an ACK (an ACK has no
 * client transaction). `txn_user` becomes the transaction's user pointer.
 *
 * Returns 0 with *out set, or SIPUA_EINVAL (NULL arguments, ACK, no branch
 * with the cookie, CSeq method mismatch), SIPUA_EPARSE or SIPUA_ELIMIT (the
 * bytes do not parse), SIPUA_ENOMEM, or the negative error `send` returned
 * for the first transmission. On error no transaction exists and no
 * callback is made. */
int sipua__txn_client_new(sipua__txn_layer *layer, const char *bytes, size_t len,
                          const sipua__txn_dest *dest, void *txn_user, sipua_time now,
                          sipua__txn **out);

/* Sends a response on server transaction `st` (bytes[0..len), serialized by
 * the TU, parsed here for its status code and To tag) and moves it:
 * 1xx keeps it in Proceeding; a final response moves a non-INVITE
 * transaction to Completed (timer J), a 2xx moves an INVITE transaction to
 * Accepted (timer L, RFC 6026 8.5; later 2xx, the TU's retransmissions, are
 * sent too) and 300-699 to Completed (timers G and H). The layer keeps a
 * copy of the last response to answer retransmissions.
 *
 * Returns 0, SIPUA_EINVAL (NULL, not a response, bad code),
 * SIPUA_EPARSE or SIPUA_ELIMIT (the bytes do not parse), SIPUA_ESTATE (the
 * transaction is a client one, or its final response was already sent
 * and this is not a 2xx on an INVITE in Accepted), SIPUA_ENOMEM. A failed
 * send is not an error return: it comes as `transport_error` then
 * `terminated`, as for every transport error. */
int sipua__txn_server_respond(sipua__txn *st, const char *bytes, size_t len, sipua_time now);

/* Ends a transaction now, in any state: its timers stop, nothing more is
 * sent and `terminated` is called (unless it is already terminated). For a
 * TU that gives up on an INVITE client transaction left in Proceeding, or
 * on a request it will not answer. */
void sipua__txn_terminate(sipua__txn *t);

/* The INVITE server transaction that a received CANCEL cancels (RFC 3261
 * 9.2: the same matching as 17.2.3, method INVITE; RFC 2543: Request-URI,
 * Call-ID, From, To tag, CSeq number and top Via), or NULL. */
sipua__txn *sipua__txn_find_invite_for_cancel(sipua__txn_layer *layer, const sipua_msg *cancel);

/* Builds the CANCEL for INVITE client transaction `ct` into out[0..cap)
 * (RFC 3261 9.1: its Request-URI, Call-ID, From, To, CSeq number and top
 * Via, method CANCEL, and its Route headers). The TU sends it with
 * sipua__txn_client_new(). Returns the length, SIPUA_ENOSPC, or SIPUA_EINVAL
 * when ct is not an INVITE client transaction. */
int sipua__txn_client_build_cancel(const sipua__txn *ct, char *out, size_t cap);

/* Writes a new branch, "z9hG4bK" and 22 characters from `random`, NUL-
 * terminated, into out[0..cap). Returns its length, SIPUA_ENOSPC when cap is
 * under 30, or SIPUA_EINVAL when the layer has no `random` callback. */
int sipua__txn_make_branch(sipua__txn_layer *layer, char *out, size_t cap);

/* Accessors. */
sipua__txn_kind sipua__txn_get_kind(const sipua__txn *t);
sipua__txn_state sipua__txn_get_state(const sipua__txn *t);
sipua_method sipua__txn_get_method(const sipua__txn *t);
/* The top Via branch that identifies the transaction ({NULL,0} for an RFC
 * 2543 server transaction without one). Valid while the transaction is. */
sipua_str sipua__txn_get_branch(const sipua__txn *t);
/* The last final (or, before it, provisional) status sent or received; 0
 * before any. */
int sipua__txn_get_status(const sipua__txn *t);
void *sipua__txn_get_user(const sipua__txn *t);
void sipua__txn_set_user(sipua__txn *t, void *txn_user);
/* Where the transaction sends: the request's destination (client), or the
 * request's source (server: responses go back where the request came from,
 * the connection for streams and the source address for datagrams, as with
 * RFC 3581 rport). The TU may change a server transaction's destination,
 * for example to apply RFC 3261 18.2.2 itself. */
const sipua__txn_dest *sipua__txn_get_dest(const sipua__txn *t);
void sipua__txn_set_dest(sipua__txn *t, const sipua__txn_dest *dest);
sipua__txn_layer *sipua__txn_get_layer(const sipua__txn *t);
/* The state's name ("Proceeding"). */
const char *sipua__txn_state_name(sipua__txn_state s);

#endif
