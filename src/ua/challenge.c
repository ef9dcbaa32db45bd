/* sipua — Digest challenges of incoming requests; see challenge.h. */
#include <stdio.h>
#include <string.h>

#include "base/sha256.h"
#include "ua/challenge.h"

#define NONCE_LIFE_US 300000000 /* a nonce is good for 5 minutes, then stale */
#define REALM_MAX     128

struct sipua__challenge {
    char realm[REALM_MAX];
    sipua_digest_alg alg;
    sipua_password_cb cb;
    void *user;
    uint8_t key[32];
};

sipua__challenge *sipua__challenge_new(const sipua_allocator *a, const char *realm,
                                       sipua_digest_alg alg, sipua_password_cb cb, void *user,
                                       const uint8_t secret[32])
{
    sipua__challenge *c = a->alloc(sizeof *c, a->user);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    snprintf(c->realm, sizeof c->realm, "%s", realm);
    c->alg = alg;
    c->cb = cb;
    c->user = user;
    memcpy(c->key, secret, sizeof c->key);
    return c;
}

void sipua__challenge_free(sipua__challenge *c, const sipua_allocator *a)
{
    if (!c)
        return;
    volatile uint8_t *k = c->key;
    for (size_t i = 0; i < sizeof c->key; i++)
        k[i] = 0;
    a->free(c, a->user);
}

/* HMAC-SHA-256 (RFC 2104) of text under the challenge's key. */
static void hmac(const sipua__challenge *c, const char *text, size_t len,
                 uint8_t out[SIPUA__SHA256_LEN])
{
    uint8_t pad[64], inner[SIPUA__SHA256_LEN];
    sipua__sha256_ctx h;
    memset(pad, 0x36, sizeof pad);
    for (size_t i = 0; i < sizeof c->key; i++)
        pad[i] ^= c->key[i];
    sipua__sha256_init(&h);
    sipua__sha256_update(&h, pad, sizeof pad);
    sipua__sha256_update(&h, text, len);
    sipua__sha256_final(&h, inner);
    memset(pad, 0x5c, sizeof pad);
    for (size_t i = 0; i < sizeof c->key; i++)
        pad[i] ^= c->key[i];
    sipua__sha256_init(&h);
    sipua__sha256_update(&h, pad, sizeof pad);
    sipua__sha256_update(&h, inner, sizeof inner);
    sipua__sha256_final(&h, out);
}

/* "<16 hex digits of the time>.<32 hex digits of its HMAC>" into out[50]. */
static void make_nonce(const sipua__challenge *c, uint64_t t, char out[50])
{
    static const char hex[] = "0123456789abcdef";
    snprintf(out, 50, "%016llx.", (unsigned long long)t);
    uint8_t mac[SIPUA__SHA256_LEN];
    hmac(c, out, 16, mac);
    for (size_t i = 0; i < 16; i++) {
        out[17 + 2 * i] = hex[mac[i] >> 4];
        out[18 + 2 * i] = hex[mac[i] & 15];
    }
    out[49] = 0;
}

/* 1 when nonce is one we made, with its time in *t. */
static int our_nonce(const sipua__challenge *c, sipua_str nonce, uint64_t *t)
{
    if (nonce.len != 49 || nonce.p[16] != '.')
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < 16; i++) {
        char ch = nonce.p[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0)
            return 0;
        v = v << 4 | (uint64_t)d;
    }
    char expect[50];
    make_nonce(c, v, expect);
    unsigned diff = 0; /* in constant time */
    for (size_t i = 0; i < 49; i++)
        diff |= (unsigned)(expect[i] ^ nonce.p[i]);
    *t = v;
    return diff == 0;
}

static int challenge_line(const sipua__challenge *c, sipua_time now, int stale, char *extra,
                          size_t cap)
{
    char nonce[50];
    make_nonce(c, (uint64_t)now, nonce);
    int n = snprintf(extra, cap,
                     "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", qop=\"auth\", "
                     "algorithm=%s%s\r\n",
                     c->realm, nonce, sipua_digest_alg_name(c->alg), stale ? ", stale=true" : "");
    return n > 0 && (size_t)n < cap ? 1 : SIPUA_ENOSPC;
}

int sipua__challenge_check(const sipua__challenge *c, const sipua_msg *req, sipua_time now,
                           char *extra, size_t cap)
{
    /* the credentials for our realm */
    sipua_auth a;
    int found = 0;
    for (size_t i = 0; i < 8 && !found; i++) {
        if (sipua_msg_auth(req, SIPUA_HDR_AUTHORIZATION, i, &a) != 0)
            break;
        found = a.realm.len == strlen(c->realm) && memcmp(a.realm.p, c->realm, a.realm.len) == 0;
    }
    if (!found)
        return challenge_line(c, now, 0, extra, cap);
    uint64_t issued;
    int alg = sipua_digest_alg_from_str(a.algorithm);
    if (!our_nonce(c, a.nonce, &issued) || alg != (int)c->alg)
        return challenge_line(c, now, 0, extra, cap);
    /* the uri they answered for is the Request-URI (RFC 7616 3.4.6) */
    const sipua_uri *ru = sipua_msg_request_uri(req);
    sipua_str ruri = ru ? ru->whole : (sipua_str){NULL, 0};
    char uri[512];
    int ul = sipua_auth_unquote(a.uri, uri, sizeof uri);
    if (ul < 0 || (size_t)ul != ruri.len || memcmp(uri, ruri.p, ruri.len) != 0)
        return challenge_line(c, now, 0, extra, cap);
    char user[256], pw[256];
    int un = sipua_auth_unquote(a.username, user, sizeof user);
    int pn = un < 0 ? -1
                    : c->cb(c->user, (sipua_str){user, (size_t)un},
                            (sipua_str){c->realm, strlen(c->realm)}, pw, sizeof pw);
    if (pn < 0 || (size_t)pn >= sizeof pw)
        return challenge_line(c, now, 0, extra, cap);
    sipua_auth_verify_opts o;
    sipua_auth_verify_opts_init(&o);
    o.method = sipua_msg_method_str(req);
    o.body = sipua_msg_body(req);
    o.password = (sipua_str){pw, (size_t)pn};
    o.realm = (sipua_str){c->realm, strlen(c->realm)};
    int r = sipua_auth_verify(&a, &o);
    memset(pw, 0, sizeof pw);
    if (r != 0)
        return challenge_line(c, now, 0, extra, cap);
    /* right, but on an old nonce: again, stale (RFC 7616 3.3) */
    if ((uint64_t)now > issued + NONCE_LIFE_US || issued > (uint64_t)now + 1000000)
        return challenge_line(c, now, 1, extra, cap);
    return 0;
}
