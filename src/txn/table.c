/* Transaction lookup: hash tables and the matching rules of RFC 3261
 * 17.1.3 (client) and 17.2.3 (server, with the RFC 2543 fallback). */
#include "txn/internal.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Hashing: seeded FNV-1a over lowercased bytes, with a final mix      */

static uint64_t hash_bytes(uint64_t h, sipua_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        h ^= c;
        h *= 0x100000001b3u;
    }
    return h;
}

static uint64_t hash_u64(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x100000001b3u;
    return h;
}

static uint64_t hash_finish(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h;
}

static uint64_t hash_start(const sipua__txn_layer *layer)
{
    return 0xcbf29ce484222325u ^ layer->seed;
}

uint64_t sipua__txn_hash_client(const sipua__txn_layer *layer, sipua_str branch,
                                sipua_method method)
{
    return hash_finish(hash_u64(hash_bytes(hash_start(layer), branch), (uint64_t)method));
}

uint64_t sipua__txn_hash_server(const sipua__txn_layer *layer, const txn_key *key)
{
    uint64_t h = hash_start(layer);
    if (key->rfc2543) {
        /* The fields an INVITE, its ACK and its CANCEL share. */
        h = hash_bytes(h, key->call_id);
        h = hash_u64(h, key->cseq);
        h = hash_bytes(h, key->from_tag);
    } else {
        h = hash_bytes(h, key->branch);
    }
    return hash_finish(h);
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */

int sipua__txn_table_init(txn_table *table, const sipua_allocator *alloc, size_t buckets)
{
    table->count = 0;
    table->mask = buckets - 1;
    table->buckets = alloc->alloc(buckets * sizeof *table->buckets, alloc->user);
    if (!table->buckets)
        return SIPUA_ENOMEM;
    memset(table->buckets, 0, buckets * sizeof *table->buckets);
    return 0;
}

void sipua__txn_table_free(txn_table *table, const sipua_allocator *alloc)
{
    if (table->buckets)
        alloc->free(table->buckets, alloc->user);
    table->buckets = NULL;
}

/* Doubles the bucket array; on allocation failure the table keeps working
 * with longer chains. */
static void grow(const sipua_allocator *alloc, txn_table *table)
{
    size_t n = (table->mask + 1) * 2;
    if (n > SIZE_MAX / sizeof *table->buckets)
        return;
    sipua__txn **b = alloc->alloc(n * sizeof *b, alloc->user);
    if (!b)
        return;
    memset(b, 0, n * sizeof *b);
    for (size_t i = 0; i <= table->mask; i++) {
        sipua__txn *t = table->buckets[i];
        while (t) {
            sipua__txn *next = t->hnext;
            size_t j = (size_t)t->hash & (n - 1);
            t->hnext = b[j];
            b[j] = t;
            t = next;
        }
    }
    alloc->free(table->buckets, alloc->user);
    table->buckets = b;
    table->mask = n - 1;
}

void sipua__txn_table_insert(sipua__txn_layer *layer, txn_table *table, sipua__txn *t)
{
    if (table->count > table->mask)
        grow(layer->alloc, table);
    size_t i = (size_t)t->hash & table->mask;
    t->hnext = table->buckets[i];
    table->buckets[i] = t;
    t->table = table;
    table->count++;
}

void sipua__txn_table_remove(sipua__txn *t)
{
    txn_table *table = t->table;
    if (!table)
        return;
    sipua__txn **pp = &table->buckets[(size_t)t->hash & table->mask];
    while (*pp && *pp != t)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = t->hnext;
    t->hnext = NULL;
    t->table = NULL;
    table->count--;
}

/* ------------------------------------------------------------------ */
/* Matching                                                            */

static int str_eq(sipua_str a, sipua_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static int str_caseeq(sipua_str a, sipua_str b)
{
    if (a.len != b.len)
        return 0;
    for (size_t i = 0; i < a.len; i++) {
        unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

/* Request-URIs of a retransmission or an ACK are normally byte-identical;
 * otherwise they are compared by the rules of RFC 3261 19.1.4. */
static int uri_match(sipua_str a, sipua_str b)
{
    if (str_eq(a, b))
        return 1;
    sipua_uri ua, ub;
    if (sipua_uri_parse(a, &ua) != 0 || sipua_uri_parse(b, &ub) != 0)
        return 0;
    return sipua_uri_equal(&ua, &ub) == 1;
}

int sipua__txn_key_from_request(const sipua_msg *msg, txn_key *key)
{
    const sipua_via *via = sipua_msg_top_via(msg);
    const sipua_cseq *cseq = sipua_msg_cseq(msg);
    sipua_str call_id = sipua_msg_call_id(msg);
    if (!via || !cseq || !call_id.len)
        return SIPUA_EPARSE;
    memset(key, 0, sizeof *key);
    sipua_method method = sipua_msg_method(msg);
    key->is_ack = method == SIPUA_METHOD_ACK;
    key->method = key->is_ack ? SIPUA_METHOD_INVITE : method;
    key->rfc2543 = !sipua_via_branch_is_rfc3261(via);
    key->branch = via->branch;
    key->host = via->host;
    key->port = via->port;
    key->call_id = call_id;
    key->cseq = cseq->number;
    key->request_uri = sipua__txn_request_uri(msg);
    const sipua_nameaddr *from = sipua_msg_from(msg);
    const sipua_nameaddr *to = sipua_msg_to(msg);
    if (from)
        key->from_tag = from->tag;
    if (to)
        key->to_tag = to->tag;
    return 0;
}

/* 17.2.3 for a transaction and a received request's key. */
static int server_matches(const sipua__txn *t, const txn_key *k, int for_cancel)
{
    const txn_key *tk = &t->key;
    if (tk->rfc2543 != k->rfc2543 || tk->method != k->method)
        return 0;
    if (!str_caseeq(tk->branch, k->branch) || !str_caseeq(tk->host, k->host) || tk->port != k->port)
        return 0;
    if (!k->rfc2543)
        return 1;
    if (tk->cseq != k->cseq || !str_eq(tk->call_id, k->call_id) ||
        !str_eq(tk->from_tag, k->from_tag))
        return 0;
    /* An ACK carries the To tag of the response it acknowledges; an INVITE
     * retransmission or a CANCEL, the To tag of the INVITE. */
    sipua_str to_tag = k->is_ack && !for_cancel ? t->response_to_tag : tk->to_tag;
    if (!str_eq(to_tag, k->to_tag))
        return 0;
    return uri_match(tk->request_uri, k->request_uri);
}

sipua__txn *sipua__txn_find_server(sipua__txn_layer *layer, const txn_key *key, int for_cancel)
{
    txn_table *table = key->rfc2543 ? &layer->servers_2543 : &layer->servers;
    uint64_t h = sipua__txn_hash_server(layer, key);
    for (sipua__txn *t = table->buckets[(size_t)h & table->mask]; t; t = t->hnext)
        if (t->hash == h && server_matches(t, key, for_cancel))
            return t;
    return NULL;
}

sipua__txn *sipua__txn_find_client(sipua__txn_layer *layer, sipua_str branch, sipua_method method)
{
    if (!branch.len)
        return NULL;
    txn_table *table = &layer->clients;
    uint64_t h = sipua__txn_hash_client(layer, branch, method);
    for (sipua__txn *t = table->buckets[(size_t)h & table->mask]; t; t = t->hnext)
        if (t->hash == h && t->key.method == method && str_caseeq(t->key.branch, branch))
            return t;
    return NULL;
}

sipua__txn *sipua__txn_find_invite_for_cancel(sipua__txn_layer *layer, const sipua_msg *cancel)
{
    txn_key key;
    if (!layer || !cancel || sipua__txn_key_from_request(cancel, &key) != 0)
        return NULL;
    key.method = SIPUA_METHOD_INVITE;
    key.is_ack = 0;
    sipua__txn *t = sipua__txn_find_server(layer, &key, 1);
    return t && t->kind == SIPUA__TXN_INVITE_SERVER ? t : NULL;
}
