/* The dialog layer's insides, shared by its files. */
#ifndef SIPUA_SRC_DIALOG_INTERNAL_H
#define SIPUA_SRC_DIALOG_INTERNAL_H

#include "dialog/dialog.h"

/* The route set: one block, the array then the values it points into. */
typedef struct sipua__dialog_routes {
    size_t count;
    sipua_str value[]; /* whole Route values, in the order they are sent */
} sipua__dialog_routes;

struct sipua__dialog {
    sipua_allocator a;
    sipua__dialog_table *table; /* NULL when in none */
    sipua__dialog *next;        /* chain in the table's bucket */
    uint64_t hash;              /* of (Call-ID, local tag) */

    sipua__dialog_role role;
    sipua__dialog_state state;
    int secure;
    int was_confirmed; /* a 2xx confirmed it once: the set has its winner */

    /* identity, in the block after the struct */
    sipua_str call_id, local_tag, remote_tag, local_uri, remote_uri;

    uint32_t local_cseq, remote_cseq;
    int has_local_cseq, has_remote_cseq;
    uint32_t invite_cseq;        /* the last INVITE we sent, for its ACK */
    uint32_t remote_invite_cseq; /* the last INVITE received, for the peer's ACK */
    int has_invite, has_remote_invite;

    char *target_block; /* the remote target once a refresh changed it, owned; NULL
                           while it is the first, in the dialog's own block */
    sipua_str target;
    sipua__dialog_routes *routes; /* NULL for an empty route set */
    void *user;                   /* sipua__dialog_set_user() */
};

/* Tags compare ignoring ASCII case; Call-IDs byte for byte. */
int sipua__dialog_tag_eq(sipua_str a, sipua_str b);
int sipua__dialog_bytes_eq(sipua_str a, sipua_str b);

/* The route set from the Record-Route values of msg, reversed (UAC) or
 * not (UAS), in a new block; *out NULL when there is none. Returns 0,
 * SIPUA_EPARSE, SIPUA_ENOMEM. */
int sipua__dialog_routes_from(const sipua_allocator *a, const sipua_msg *msg, int reverse,
                              sipua__dialog_routes **out);
/* A copy of s in a new block (NULL when out of memory). */
char *sipua__dialog_copy(const sipua_allocator *a, sipua_str s);
/* Takes d out of its table (table.c). */
void sipua__dialog_table_unlink(sipua__dialog *d);
/* Replaces the route set (kept when `routes` is the current one) and, when
 * `target` is not NULL, the remote target, with blocks already made. */
void sipua__dialog_replace(sipua__dialog *d, sipua__dialog_routes *routes, char *target,
                           size_t target_len);
/* Replaces the remote target with a copy of uri: 0 or SIPUA_ENOMEM. */
int sipua__dialog_set_target(sipua__dialog *d, sipua_str uri);
/* The Contact URI of msg: 0 with *uri set, SIPUA_ENOTFOUND when there is
 * none (or "*"), SIPUA_EPARSE when it is malformed. */
int sipua__dialog_contact_uri(const sipua_msg *msg, sipua_str *uri);

#endif
