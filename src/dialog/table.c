/* The dialog table: dialogs by (Call-ID, local tag), so that the forks of
 * one INVITE share a chain, and the dialog set rules of RFC 3261 12.1.2 and
 * 13.2.2.4. See dialog.h. */
#include <string.h>

#include "dialog/internal.h"

#define INITIAL_BUCKETS 64

struct sipua__dialog_table {
    sipua_allocator a;
    uint64_t seed;
    sipua__dialog **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;
};

/* Seeded FNV-1a over the Call-ID as is and the local tag in lower case
 * (tags compare ignoring case), with a final mix so that the low bits that
 * pick the bucket depend on every byte. */
static uint64_t set_hash(uint64_t seed, sipua_str call_id, sipua_str local_tag)
{
    uint64_t h = 0xcbf29ce484222325u ^ seed;
    for (size_t i = 0; i < call_id.len; i++) {
        h ^= (unsigned char)call_id.p[i];
        h *= 0x100000001b3u;
    }
    h ^= 0xff; /* no Call-ID byte: keeps "ab"+"c" apart from "a"+"bc" */
    h *= 0x100000001b3u;
    for (size_t i = 0; i < local_tag.len; i++) {
        unsigned char c = (unsigned char)local_tag.p[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c | 0x20);
        h ^= c;
        h *= 0x100000001b3u;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h;
}

static int in_set(const sipua__dialog *d, uint64_t h, sipua_str call_id, sipua_str local_tag)
{
    return d->hash == h && sipua__dialog_bytes_eq(d->call_id, call_id) &&
           sipua__dialog_tag_eq(d->local_tag, local_tag);
}

sipua__dialog_table *sipua__dialog_table_new(const sipua_allocator *alloc, uint64_t seed)
{
    const sipua_allocator *a = alloc ? alloc : sipua_default_allocator();
    sipua__dialog_table *t = a->alloc(sizeof *t, a->user);
    if (!t)
        return NULL;
    t->buckets = a->alloc(INITIAL_BUCKETS * sizeof *t->buckets, a->user);
    if (!t->buckets) {
        a->free(t, a->user);
        return NULL;
    }
    memset(t->buckets, 0, INITIAL_BUCKETS * sizeof *t->buckets);
    t->a = *a;
    t->seed = seed;
    t->nbuckets = INITIAL_BUCKETS;
    t->count = 0;
    return t;
}

void sipua__dialog_table_free(sipua__dialog_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        sipua__dialog *d = t->buckets[i];
        while (d) {
            sipua__dialog *next = d->next;
            d->table = NULL;
            sipua__dialog_free(d);
            d = next;
        }
    }
    t->a.free(t->buckets, t->a.user);
    t->a.free(t, t->a.user);
}

size_t sipua__dialog_table_count(const sipua__dialog_table *t)
{
    return t ? t->count : 0;
}

/* Doubles the bucket array; on failure the chains just grow longer. */
static void grow(sipua__dialog_table *t)
{
    size_t n = t->nbuckets * 2;
    if (n < t->nbuckets || n > SIZE_MAX / sizeof *t->buckets)
        return;
    sipua__dialog **b = t->a.alloc(n * sizeof *b, t->a.user);
    if (!b)
        return;
    memset(b, 0, n * sizeof *b);
    /* re-linked at each chain's tail, so a set keeps its order */
    for (size_t i = 0; i < t->nbuckets; i++) {
        sipua__dialog *d = t->buckets[i];
        while (d) {
            sipua__dialog *next = d->next, **at = &b[d->hash & (n - 1)];
            while (*at)
                at = &(*at)->next;
            d->next = NULL;
            *at = d;
            d = next;
        }
    }
    t->a.free(t->buckets, t->a.user);
    t->buckets = b;
    t->nbuckets = n;
}

int sipua__dialog_table_add(sipua__dialog_table *t, sipua__dialog *d)
{
    if (!t || !d || d->table ||
        sipua__dialog_table_find(t, d->call_id, d->local_tag, d->remote_tag))
        return SIPUA_EINVAL;
    if (t->count >= t->nbuckets)
        grow(t);
    d->hash = set_hash(t->seed, d->call_id, d->local_tag);
    /* appended, so that a set is walked in the order its forks answered */
    sipua__dialog **at = &t->buckets[d->hash & (t->nbuckets - 1)];
    while (*at)
        at = &(*at)->next;
    d->next = NULL;
    *at = d;
    d->table = t;
    t->count++;
    return 0;
}

void sipua__dialog_table_unlink(sipua__dialog *d)
{
    sipua__dialog_table *t = d->table;
    sipua__dialog **at = &t->buckets[d->hash & (t->nbuckets - 1)];
    while (*at && *at != d)
        at = &(*at)->next;
    if (*at) {
        *at = d->next;
        t->count--;
    }
    d->next = NULL;
    d->table = NULL;
}

sipua__dialog *sipua__dialog_table_first_in_set(const sipua__dialog_table *t, sipua_str call_id,
                                                sipua_str local_tag)
{
    if (!t || !call_id.len || !local_tag.len)
        return NULL;
    uint64_t h = set_hash(t->seed, call_id, local_tag);
    for (sipua__dialog *d = t->buckets[h & (t->nbuckets - 1)]; d; d = d->next)
        if (in_set(d, h, call_id, local_tag))
            return d;
    return NULL;
}

sipua__dialog *sipua__dialog_table_next_in_set(const sipua__dialog *d)
{
    if (!d || !d->table)
        return NULL;
    for (sipua__dialog *n = d->next; n; n = n->next)
        if (in_set(n, d->hash, d->call_id, d->local_tag))
            return n;
    return NULL;
}

sipua__dialog *sipua__dialog_table_find(const sipua__dialog_table *t, sipua_str call_id,
                                        sipua_str local_tag, sipua_str remote_tag)
{
    sipua__dialog *d = sipua__dialog_table_first_in_set(t, call_id, local_tag);
    for (; d; d = sipua__dialog_table_next_in_set(d))
        if (sipua__dialog_tag_eq(d->remote_tag, remote_tag))
            return d;
    return NULL;
}

sipua__dialog *sipua__dialog_table_match(const sipua__dialog_table *t, const sipua_msg *msg)
{
    if (!t || !msg)
        return NULL;
    const sipua_nameaddr *from = sipua_msg_from(msg), *to = sipua_msg_to(msg);
    if (!from || !to)
        return NULL;
    int req = sipua_msg_is_request(msg);
    return sipua__dialog_table_find(t, sipua_msg_call_id(msg), req ? to->tag : from->tag,
                                    req ? from->tag : to->tag);
}

size_t sipua__dialog_table_end_early(sipua__dialog_table *t, sipua_str call_id, sipua_str local_tag)
{
    size_t n = 0;
    sipua__dialog *d = sipua__dialog_table_first_in_set(t, call_id, local_tag);
    for (; d; d = sipua__dialog_table_next_in_set(d)) {
        if (d->state == SIPUA__DIALOG_EARLY) {
            d->state = SIPUA__DIALOG_TERMINATED;
            n++;
        }
    }
    return n;
}

const char *sipua__dialog_outcome_name(sipua__dialog_outcome o)
{
    switch (o) {
    case SIPUA__DIALOG_SET_NO_DIALOG: return "No dialog";
    case SIPUA__DIALOG_SET_CREATED_EARLY: return "Created early";
    case SIPUA__DIALOG_SET_EARLY_UPDATED: return "Early updated";
    case SIPUA__DIALOG_SET_LATE_PROVISIONAL: return "Late provisional";
    case SIPUA__DIALOG_SET_CONFIRMED: return "Confirmed";
    case SIPUA__DIALOG_SET_2XX_AGAIN: return "2xx again";
    case SIPUA__DIALOG_SET_EXTRA_CONFIRMED: return "Extra confirmed";
    }
    return "?";
}

/* ------------------------------------------------------------------ */
/* Responses to our INVITE (12.1.2, 13.2.2.4)                          */

/* Another dialog of d's set was confirmed once: d's 2xx is not the first. */
static int set_has_winner(const sipua__dialog_table *t, const sipua__dialog *d, sipua_str call_id,
                          sipua_str local_tag)
{
    sipua__dialog *o = sipua__dialog_table_first_in_set(t, call_id, local_tag);
    for (; o; o = sipua__dialog_table_next_in_set(o))
        if (o != d && o->was_confirmed)
            return 1;
    return 0;
}

/* A 1xx on an early dialog may bring the peer's Contact at last. */
static int update_early(sipua__dialog *d, const sipua_msg *resp)
{
    sipua_str uri;
    int r = sipua__dialog_contact_uri(resp, &uri);
    if (r == SIPUA_ENOTFOUND)
        return 0;
    return r ? r : sipua__dialog_set_target(d, uri);
}

/* The 2xx confirms an early dialog: the route set is recomputed from it
 * and the remote target taken from its Contact (13.2.2.4, 12.2.1.2). */
static int confirm_early(sipua__dialog *d, const sipua_msg *resp)
{
    sipua_str uri = d->target;
    int r = sipua__dialog_contact_uri(resp, &uri);
    if (r && r != SIPUA_ENOTFOUND)
        return r;
    sipua__dialog_routes *routes;
    r = sipua__dialog_routes_from(&d->a, resp, 1, &routes);
    if (r)
        return r;
    char *target = sipua__dialog_copy(&d->a, uri);
    if (!target) {
        if (routes)
            d->a.free(routes, d->a.user);
        return SIPUA_ENOMEM;
    }
    sipua__dialog_replace(d, routes, target, uri.len);
    d->state = SIPUA__DIALOG_CONFIRMED;
    d->was_confirmed = 1;
    return 0;
}

int sipua__dialog_table_uac_response(sipua__dialog_table *t, const sipua_msg *invite,
                                     const sipua_msg *resp, int over_tls, sipua__dialog **dp,
                                     sipua__dialog_outcome *outcome)
{
    if (dp)
        *dp = NULL;
    if (outcome)
        *outcome = SIPUA__DIALOG_SET_NO_DIALOG;
    if (!t || !invite || !resp || !sipua_msg_is_request(invite) || sipua_msg_is_request(resp))
        return SIPUA_EINVAL;
    const sipua_nameaddr *from = sipua_msg_from(invite), *rfrom = sipua_msg_from(resp);
    const sipua_nameaddr *rto = sipua_msg_to(resp);
    if (!from || !rfrom || !rto)
        return SIPUA_EPARSE;
    sipua_str call_id = sipua_msg_call_id(invite), local_tag = from->tag;
    if (!call_id.len || !local_tag.len ||
        !sipua__dialog_bytes_eq(call_id, sipua_msg_call_id(resp)) ||
        !sipua__dialog_tag_eq(local_tag, rfrom->tag))
        return SIPUA_EINVAL;
    int status = sipua_msg_status(resp);
    if (status >= 300) {
        sipua__dialog_table_end_early(t, call_id, local_tag);
        return 0;
    }
    if (status <= 100 || (status < 200 && !rto->tag.len))
        return 0;
    if (!rto->tag.len)
        return SIPUA_EPARSE;

    sipua__dialog_outcome o;
    sipua__dialog *d = sipua__dialog_table_find(t, call_id, local_tag, rto->tag);
    int r = 0;
    if (!d) {
        r = sipua__dialog_new_uac(invite, resp, over_tls, &t->a, &d);
        if (r)
            return r;
        if (status < 200)
            o = SIPUA__DIALOG_SET_CREATED_EARLY;
        else
            o = set_has_winner(t, d, call_id, local_tag) ? SIPUA__DIALOG_SET_EXTRA_CONFIRMED
                                                         : SIPUA__DIALOG_SET_CONFIRMED;
        sipua__dialog_table_add(t, d); /* cannot fail: the id was not there */
    } else if (status < 200) {
        if (d->state != SIPUA__DIALOG_EARLY) {
            o = SIPUA__DIALOG_SET_LATE_PROVISIONAL;
        } else {
            r = update_early(d, resp);
            o = SIPUA__DIALOG_SET_EARLY_UPDATED;
        }
    } else if (d->was_confirmed) {
        o = SIPUA__DIALOG_SET_2XX_AGAIN;
    } else {
        int extra = set_has_winner(t, d, call_id, local_tag);
        r = confirm_early(d, resp);
        o = extra ? SIPUA__DIALOG_SET_EXTRA_CONFIRMED : SIPUA__DIALOG_SET_CONFIRMED;
    }
    if (r)
        return r;
    if (dp)
        *dp = d;
    if (outcome)
        *outcome = o;
    return 0;
}
