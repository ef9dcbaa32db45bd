/* Transaction layer internals shared by the files of src/txn. */
#ifndef SIPUA_SRC_TXN_INTERNAL_H
#define SIPUA_SRC_TXN_INTERNAL_H

#include "base/timer.h"
#include "txn/txn.h"

/* A chained hash table of transactions; the chain link lives in the
 * transaction (sipua__txn.hnext), as each is in at most one table. */
typedef struct txn_table {
    sipua__txn **buckets;
    size_t mask; /* bucket count - 1 (a power of two) */
    size_t count;
} txn_table;

struct sipua__txn_layer {
    sipua__txn_config cfg;
    sipua__txn_callbacks cb;
    void *user;
    const sipua_allocator *alloc;
    sipua__timer_heap timers;
    sipua_msg *scratch;     /* parses the layer's own copies; never held across a callback */
    txn_table clients;      /* client transactions: branch + CSeq method */
    txn_table servers;      /* server transactions with a cookie branch: branch + sent-by */
    txn_table servers_2543; /* server transactions without: Call-ID + CSeq + From tag */
    uint64_t seed;          /* hash seed */
    int depth;              /* callbacks under way */
    sipua__txn *dead;       /* terminated, freed when no callback is under way */
    sipua__txn_stats stats;
};

/* The key a server transaction is found by (RFC 3261 17.2.3). */
typedef struct txn_key {
    sipua_method method; /* INVITE for an ACK */
    int is_ack;
    int rfc2543; /* no magic cookie: the fallback fields below decide */
    sipua_str branch;
    sipua_str host; /* top Via sent-by */
    uint16_t port;
    sipua_str request_uri;
    sipua_str to_tag;
    sipua_str from_tag;
    sipua_str call_id;
    uint32_t cseq;
} txn_key;

struct sipua__txn {
    sipua__txn_layer *layer;
    sipua__txn *hnext; /* hash chain, or the dead list */
    txn_table *table;  /* the table it is in; NULL when in none */
    uint64_t hash;
    sipua__txn_kind kind;
    sipua__txn_state state;
    int status;
    int response_sent; /* server: a response is stored in `response` */
    void *user;
    sipua__txn_dest dest;
    sipua__timer retransmit; /* A, E or G */
    sipua__timer timeout;    /* B, D, F, H, I, J, K, L or M */
    sipua_time interval;     /* the retransmit timer's current interval */
    txn_key key;             /* client: method and branch only; spans into data[] */
    union {                  /* by kind: a transaction is one or the other for its life */
        struct {
            char *request; /* client: the request as sent (in data[]) */
            size_t request_len;
            char *ack; /* INVITE client: the ACK for the non-2xx final response */
            size_t ack_len;
        };
        struct {
            char *response; /* server: the last response sent */
            size_t response_len;
            size_t response_cap;
            sipua_str response_to_tag; /* its To tag, in `response` (RFC 2543 ACK matching) */
        };
    };
    char data[];
};

/* layer.c */
void sipua__txn_enter(sipua__txn_layer *layer);
void sipua__txn_leave(sipua__txn_layer *layer);
/* Sends bytes to t's destination; returns 0 or the send callback's error. */
int sipua__txn_send_only(sipua__txn *t, const char *bytes, size_t len);
/* Sends bytes to t's destination; on failure ends t with a transport error
 * and returns the error. */
int sipua__txn_send(sipua__txn *t, const char *bytes, size_t len);
/* Resends bytes and counts it. */
int sipua__txn_resend(sipua__txn *t, const char *bytes, size_t len);
/* How a transaction ends. */
typedef enum txn_end_reason { TXN_END_NORMAL, TXN_END_TIMEOUT, TXN_END_TRANSPORT } txn_end_reason;
void sipua__txn_end(sipua__txn *t, txn_end_reason why, int err);
/* Arms one of t's timers `after` from now; ends t with SIPUA_ENOMEM as a
 * transport error when the heap cannot grow. */
int sipua__txn_arm(sipua__txn *t, sipua__timer *timer, sipua_time now, sipua_time after);
sipua__txn *sipua__txn_alloc(sipua__txn_layer *layer, size_t data_len);
/* Frees a transaction never given to the TU (not in a table, no timer
 * armed), without callbacks. */
void sipua__txn_discard(sipua__txn *t);
/* Delivers to the TU. */
void sipua__txn_deliver_request(sipua__txn_layer *layer, sipua__txn *st, const sipua_msg *msg,
                                const sipua__txn_dest *from);
void sipua__txn_deliver_response(sipua__txn *ct, const sipua_msg *msg);
/* Frees terminated transactions when no callback is under way. */
void sipua__txn_flush(sipua__txn_layer *layer);

/* table.c */
int sipua__txn_table_init(txn_table *table, const sipua_allocator *alloc, size_t buckets);
void sipua__txn_table_free(txn_table *table, const sipua_allocator *alloc);
void sipua__txn_table_insert(sipua__txn_layer *layer, txn_table *table, sipua__txn *t);
void sipua__txn_table_remove(sipua__txn *t);
/* The key of a received request; SIPUA_EPARSE when it lacks a top Via,
 * Call-ID or CSeq. */
int sipua__txn_key_from_request(const sipua_msg *msg, txn_key *key);
uint64_t sipua__txn_hash_server(const sipua__txn_layer *layer, const txn_key *key);
uint64_t sipua__txn_hash_client(const sipua__txn_layer *layer, sipua_str branch,
                                sipua_method method);
sipua__txn *sipua__txn_find_server(sipua__txn_layer *layer, const txn_key *key, int for_cancel);
sipua__txn *sipua__txn_find_client(sipua__txn_layer *layer, sipua_str branch, sipua_method method);

/* client.c */
int sipua__txn_client_on_response(sipua__txn *ct, const sipua_msg *msg, sipua_time now);
void sipua__txn_client_timer(sipua__timer *timer, sipua_time now, void *user);

/* server.c */
int sipua__txn_server_on_request(sipua__txn_layer *layer, const sipua_msg *msg,
                                 const sipua__txn_dest *from, sipua_time now);
void sipua__txn_server_timer(sipua__timer *timer, sipua_time now, void *user);

/* build.c */
/* Writes "Name: value\r\n" with any folding of the value turned into one
 * space. */
void sipua__txn_put_header(sipua_builder *b, const char *name, sipua_str value);
/* Writes a message into out[0..cap); returns its length or a negative
 * error, SIPUA_ENOSPC when cap is too small. */
typedef int (*sipua__txn_build_fn)(const void *ctx, char *out, size_t cap);
/* Runs fn into *buf, growing *buf (of *cap bytes, maybe NULL and 0) from
 * `hint` bytes until the message fits. Returns its length, SIPUA_ENOMEM or
 * fn's error. */
int sipua__txn_build_into(sipua__txn_layer *layer, sipua__txn_build_fn fn, const void *ctx,
                          size_t hint, char **buf, size_t *cap);
/* The ACK (17.1.1.3) or CANCEL (9.1) for the INVITE in request[0..len), with
 * `to` as the To value, into out[0..cap). Returns the length or
 * SIPUA_ENOSPC. Uses the layer's scratch message. */
int sipua__txn_build_ack_or_cancel(sipua__txn_layer *layer, const char *request, size_t len,
                                   sipua_method method, sipua_str to, char *out, size_t cap);
/* The Request-URI of a request's start line "METHOD SP Request-URI SP
 * SIP/2.0", as written; {NULL,0} when the line has no such shape. */
sipua_str sipua__txn_request_uri(const sipua_msg *m);
/* A sipua__txn_build_fn: the 100 Trying for the request ctx (a sipua_msg,
 * RFC 3261 8.2.6). */
int sipua__txn_build_trying(const void *ctx, char *out, size_t cap);

#endif
