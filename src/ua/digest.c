/* The request-digest of RFC 7616 3.4.1, with RFC 8760's algorithm names and
 * RFC 2069's form when no qop is used:
 *
 *   A1       = username ":" realm ":" password
 *   A1 -sess = H(username ":" realm ":" password) ":" nonce ":" cnonce
 *   A2       = method ":" uri [ ":" H(body) ]       (the last for auth-int)
 *   response = H(H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2))
 *   no qop:    H(H(A1) ":" nonce ":" H(A2))
 *
 * each H written as lower-case hex. */
#include "ua/digest.h"

#include <string.h>

static const char *const alg_names[] = {
    [SIPUA_DIGEST_MD5] = "MD5",
    [SIPUA_DIGEST_MD5_SESS] = "MD5-sess",
    [SIPUA_DIGEST_SHA256] = "SHA-256",
    [SIPUA_DIGEST_SHA256_SESS] = "SHA-256-sess",
    [SIPUA_DIGEST_SHA512_256] = "SHA-512-256",
    [SIPUA_DIGEST_SHA512_256_SESS] = "SHA-512-256-sess",
};

static int alg_ok(int alg)
{
    return alg >= SIPUA_DIGEST_MD5 && alg <= SIPUA_DIGEST_SHA512_256_SESS;
}

int sipua__digest_is_sess(sipua_digest_alg alg)
{
    return alg == SIPUA_DIGEST_MD5_SESS || alg == SIPUA_DIGEST_SHA256_SESS ||
           alg == SIPUA_DIGEST_SHA512_256_SESS;
}

int sipua_digest_alg_from_str(sipua_str name)
{
    if (!name.p && !name.len)
        return SIPUA_DIGEST_MD5;
    if (!name.p)
        return SIPUA_ENOTFOUND;
    for (int a = SIPUA_DIGEST_MD5; a <= SIPUA_DIGEST_SHA512_256_SESS; a++)
        if (sipua_str_caseeq(name, alg_names[a]))
            return a;
    return SIPUA_ENOTFOUND;
}

const char *sipua_digest_alg_name(sipua_digest_alg alg)
{
    return alg_ok((int)alg) ? alg_names[alg] : NULL;
}

void sipua_digest_params_init(sipua_digest_params *p)
{
    if (!p)
        return;
    memset(p, 0, sizeof *p);
    p->version = SIPUA_DIGEST_PARAMS_VERSION;
    p->alg = SIPUA_DIGEST_MD5;
    p->qop = SIPUA_DIGEST_QOP_NONE;
}

void sipua__digest_hash_init(sipua__digest_hash *h, sipua_digest_alg alg)
{
    switch (alg) {
    case SIPUA_DIGEST_SHA256:
    case SIPUA_DIGEST_SHA256_SESS:
        h->alg = SIPUA_DIGEST_SHA256;
        sipua__sha256_init(&h->u.sha256);
        break;
    case SIPUA_DIGEST_SHA512_256:
    case SIPUA_DIGEST_SHA512_256_SESS:
        h->alg = SIPUA_DIGEST_SHA512_256;
        sipua__sha512_256_init(&h->u.sha512);
        break;
    default:
        h->alg = SIPUA_DIGEST_MD5;
        sipua__md5_init(&h->u.md5);
        break;
    }
}

void sipua__digest_hash_update(sipua__digest_hash *h, const void *data, size_t len)
{
    switch (h->alg) {
    case SIPUA_DIGEST_SHA256: sipua__sha256_update(&h->u.sha256, data, len); break;
    case SIPUA_DIGEST_SHA512_256: sipua__sha512_update(&h->u.sha512, data, len); break;
    default: sipua__md5_update(&h->u.md5, data, len); break;
    }
}

void sipua__digest_hash_value(sipua__digest_hash *h, sipua_str s, int escaped)
{
    if (!s.len)
        return;
    if (!escaped) {
        sipua__digest_hash_update(h, s.p, s.len);
        return;
    }
    /* runs between quoted-pairs go in whole; a pair gives its second byte */
    const char *p = s.p, *e = s.p + s.len, *run = p;
    while (p < e) {
        if (*p == '\\' && p + 1 < e) {
            sipua__digest_hash_update(h, run, (size_t)(p - run));
            run = p + 1;
            p += 2;
        } else {
            p++;
        }
    }
    sipua__digest_hash_update(h, run, (size_t)(e - run));
}

size_t sipua__digest_hash_hex(sipua__digest_hash *h, char *out)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t d[SIPUA_DIGEST_HEX_MAX / 2];
    size_t n;
    switch (h->alg) {
    case SIPUA_DIGEST_SHA256:
        sipua__sha256_final(&h->u.sha256, d);
        n = SIPUA__SHA256_LEN;
        break;
    case SIPUA_DIGEST_SHA512_256:
        sipua__sha512_final(&h->u.sha512, d);
        n = SIPUA__SHA512_256_LEN;
        break;
    default:
        sipua__md5_final(&h->u.md5, d);
        n = SIPUA__MD5_LEN;
        break;
    }
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = 0;
    return 2 * n;
}

int sipua__digest_unq_eq(sipua_str written, sipua_str raw)
{
    size_t j = 0;
    for (size_t i = 0; i < written.len; i++, j++) {
        if (written.p[i] == '\\' && i + 1 < written.len)
            i++;
        if (j >= raw.len || written.p[i] != raw.p[j])
            return 0;
    }
    return j == raw.len;
}

int sipua__digest_nc_ok(sipua_str s)
{
    if (s.len != 8 || !s.p)
        return 0;
    for (size_t i = 0; i < 8; i++) {
        char c = s.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

static int present(sipua_str s)
{
    return s.p != NULL;
}

static int span_ok(sipua_str s)
{
    return s.p || !s.len;
}

static const sipua_str colon = {":", 1};

int sipua__digest_compute(const sipua_digest_params *p, unsigned escaped, char *out)
{
    if (!p || !out || p->version != SIPUA_DIGEST_PARAMS_VERSION || !alg_ok((int)p->alg) ||
        p->qop > SIPUA_DIGEST_QOP_AUTH_INT)
        return SIPUA_EINVAL;
    if (!present(p->username) || !present(p->realm) || !present(p->method) || !present(p->uri) ||
        !present(p->nonce) || !span_ok(p->password) || !span_ok(p->body))
        return SIPUA_EINVAL;
    int qop = p->qop != SIPUA_DIGEST_QOP_NONE, sess = sipua__digest_is_sess(p->alg);
    if ((qop || sess) && !present(p->cnonce))
        return SIPUA_EINVAL;
    if (qop && !sipua__digest_nc_ok(p->nc))
        return SIPUA_EINVAL;

    sipua__digest_hash h;
    char ha1[SIPUA_DIGEST_HEX_MAX + 1], ha2[SIPUA_DIGEST_HEX_MAX + 1];
    size_t n;
    sipua__digest_hash_init(&h, p->alg);
    sipua__digest_hash_value(&h, p->username, escaped & SIPUA__DIGEST_ESC_USERNAME);
    sipua__digest_hash_value(&h, colon, 0);
    sipua__digest_hash_value(&h, p->realm, escaped & SIPUA__DIGEST_ESC_REALM);
    sipua__digest_hash_value(&h, colon, 0);
    sipua__digest_hash_value(&h, p->password, 0);
    n = sipua__digest_hash_hex(&h, ha1);
    if (sess) {
        sipua__digest_hash_init(&h, p->alg);
        sipua__digest_hash_update(&h, ha1, n);
        sipua__digest_hash_value(&h, colon, 0);
        sipua__digest_hash_value(&h, p->nonce, escaped & SIPUA__DIGEST_ESC_NONCE);
        sipua__digest_hash_value(&h, colon, 0);
        sipua__digest_hash_value(&h, p->cnonce, escaped & SIPUA__DIGEST_ESC_CNONCE);
        sipua__digest_hash_hex(&h, ha1);
    }

    char hbody[SIPUA_DIGEST_HEX_MAX + 1];
    if (p->qop == SIPUA_DIGEST_QOP_AUTH_INT) {
        sipua__digest_hash_init(&h, p->alg);
        sipua__digest_hash_value(&h, p->body, 0);
        sipua__digest_hash_hex(&h, hbody);
    }
    sipua__digest_hash_init(&h, p->alg);
    sipua__digest_hash_value(&h, p->method, 0);
    sipua__digest_hash_value(&h, colon, 0);
    sipua__digest_hash_value(&h, p->uri, escaped & SIPUA__DIGEST_ESC_URI);
    if (p->qop == SIPUA_DIGEST_QOP_AUTH_INT) {
        sipua__digest_hash_value(&h, colon, 0);
        sipua__digest_hash_update(&h, hbody, n);
    }
    sipua__digest_hash_hex(&h, ha2);

    sipua__digest_hash_init(&h, p->alg);
    sipua__digest_hash_update(&h, ha1, n);
    sipua__digest_hash_value(&h, colon, 0);
    sipua__digest_hash_value(&h, p->nonce, escaped & SIPUA__DIGEST_ESC_NONCE);
    sipua__digest_hash_value(&h, colon, 0);
    if (qop) {
        static const sipua_str qop_names[] = {{"auth", 4}, {"auth-int", 8}};
        sipua__digest_hash_value(&h, p->nc, 0);
        sipua__digest_hash_value(&h, colon, 0);
        sipua__digest_hash_value(&h, p->cnonce, escaped & SIPUA__DIGEST_ESC_CNONCE);
        sipua__digest_hash_value(&h, colon, 0);
        sipua__digest_hash_value(&h, qop_names[p->qop - SIPUA_DIGEST_QOP_AUTH], 0);
        sipua__digest_hash_value(&h, colon, 0);
    }
    sipua__digest_hash_update(&h, ha2, n);
    return (int)sipua__digest_hash_hex(&h, out);
}

int sipua_digest_response(const sipua_digest_params *p, char *out_hex, size_t cap)
{
    char hex[SIPUA_DIGEST_HEX_MAX + 1];
    if (!out_hex)
        return SIPUA_EINVAL;
    int n = sipua__digest_compute(p, 0, hex);
    if (n < 0)
        return n;
    if (cap < (size_t)n + 1)
        return SIPUA_ENOSPC;
    memcpy(out_hex, hex, (size_t)n + 1);
    return n;
}
