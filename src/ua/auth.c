/* Digest credentials: answering a challenge on the client (RFC 3261 22.2,
 * 22.3; RFC 7616 3.4) and checking an answer on the server (RFC 7616
 * 3.4.6). The hashing is in digest.c. */
#include <string.h>

#include "ua/digest.h"

/* RFC 8760 2.4: SHA-512-256 first, then SHA-256, then MD5. */
static int strength(sipua_digest_alg alg)
{
    switch (alg) {
    case SIPUA_DIGEST_SHA512_256:
    case SIPUA_DIGEST_SHA512_256_SESS: return 3;
    case SIPUA_DIGEST_SHA256:
    case SIPUA_DIGEST_SHA256_SESS: return 2;
    default: return 1;
    }
}

static int usable_alg(const sipua_auth *c)
{
    if (!sipua_str_caseeq(c->scheme, "Digest") || !c->nonce.p)
        return SIPUA_ENOTFOUND;
    return sipua_digest_alg_from_str(c->algorithm);
}

int sipua_auth_choose(const sipua_auth *challenges, size_t n)
{
    int best = SIPUA_ENOTFOUND, best_strength = 0;
    if (!challenges || n > INT32_MAX)
        return SIPUA_ENOTFOUND;
    for (size_t i = 0; i < n; i++) {
        int alg = usable_alg(&challenges[i]);
        if (alg < 0)
            continue;
        int s = strength((sipua_digest_alg)alg);
        if (s > best_strength) {
            best = (int)i;
            best_strength = s;
        }
    }
    return best;
}

/* Whether a qop-options list ("auth,auth-int", RFC 7616 3.3) offers name. */
static int qop_offers(sipua_str list, const char *name)
{
    size_t nl = strlen(name), i = 0;
    while (i < list.len) {
        while (i < list.len && (list.p[i] == ' ' || list.p[i] == '\t' || list.p[i] == ','))
            i++;
        size_t b = i;
        while (i < list.len && list.p[i] != ',' && list.p[i] != ' ' && list.p[i] != '\t')
            i++;
        if (i - b == nl && sipua_str_caseeq((sipua_str){list.p + b, nl}, name))
            return 1;
    }
    return 0;
}

/* The qop to answer with, or SIPUA_ENOTFOUND. */
static int choose_qop(const sipua_auth *c, const sipua_auth_creds_opts *o)
{
    if (!c->qop.p)
        return SIPUA_DIGEST_QOP_NONE;
    int auth = qop_offers(c->qop, "auth"), auth_int = qop_offers(c->qop, "auth-int");
    if (auth_int && o->body.p && (o->auth_int || !auth))
        return SIPUA_DIGEST_QOP_AUTH_INT;
    return auth ? SIPUA_DIGEST_QOP_AUTH : SIPUA_ENOTFOUND;
}

/* A bounded writer: the first overflow sticks. */
typedef struct writer {
    char *p;
    size_t cap, len;
    int full;
} writer;

static void put(writer *w, const char *s, size_t n)
{
    if (w->full || n >= w->cap - w->len) {
        w->full = 1;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void puts_(writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static int has_crlf(sipua_str s)
{
    return s.len && (memchr(s.p, '\r', s.len) || memchr(s.p, '\n', s.len));
}

/* `, name="value"` with value quoted per RFC 3261 25.1: `"`, `\` and the
 * control characters qdtext leaves out become quoted-pairs. */
static void put_quoted(writer *w, const char *name, sipua_str v, int escape)
{
    puts_(w, name);
    put(w, "=\"", 2);
    if (!escape) {
        put(w, v.p, v.len);
    } else {
        for (size_t i = 0; i < v.len; i++) {
            unsigned char c = (unsigned char)v.p[i];
            if (c == '"' || c == '\\' || (c < 0x20 && c != '\t') || c == 0x7f)
                put(w, "\\", 1);
            put(w, v.p + i, 1);
        }
    }
    put(w, "\"", 1);
}

void sipua_auth_creds_opts_init(sipua_auth_creds_opts *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->version = SIPUA_AUTH_CREDS_OPTS_VERSION;
    o->nc = 1;
}

static int cnonce_ok(sipua_str s)
{
    if (!s.p || !s.len)
        return 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c < 0x21 || c == '"' || c == '\\' || c == 0x7f)
            return 0;
    }
    return 1;
}

int sipua_auth_credentials(const sipua_auth *challenge, const sipua_auth_creds_opts *o, char *buf,
                           size_t cap)
{
    if (!challenge || !o || !buf || !cap || o->version != SIPUA_AUTH_CREDS_OPTS_VERSION)
        return SIPUA_EINVAL;
    if (!o->method.p || !o->uri.p || !o->username.p || (!o->password.p && o->password.len) ||
        (!o->body.p && o->body.len))
        return SIPUA_EINVAL;
    buf[0] = 0;
    int alg = usable_alg(challenge);
    if (alg < 0)
        return alg;
    int qop = choose_qop(challenge, o);
    if (qop < 0 || (qop == SIPUA_DIGEST_QOP_NONE && sipua__digest_is_sess((sipua_digest_alg)alg)))
        return SIPUA_ENOTFOUND;
    if (has_crlf(o->username) || has_crlf(o->uri) || has_crlf(challenge->realm) ||
        has_crlf(challenge->nonce) || has_crlf(challenge->opaque))
        return SIPUA_EINVAL;
    if (qop != SIPUA_DIGEST_QOP_NONE && (!cnonce_ok(o->cnonce) || o->nc == 0))
        return SIPUA_EINVAL;

    char nc[9];
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++)
        nc[i] = digits[(o->nc >> (28 - 4 * i)) & 15];
    nc[8] = 0;

    sipua_digest_params p;
    sipua_digest_params_init(&p);
    p.alg = (sipua_digest_alg)alg;
    p.qop = (sipua_digest_qop)qop;
    p.username = o->username;
    p.realm = challenge->realm.p ? challenge->realm : (sipua_str){"", 0};
    p.password = o->password;
    p.method = o->method;
    p.uri = o->uri;
    p.nonce = challenge->nonce;
    p.cnonce = o->cnonce;
    p.nc = (sipua_str){nc, 8};
    p.body = o->body;
    char response[SIPUA_DIGEST_HEX_MAX + 1];
    int n = sipua__digest_compute(&p, SIPUA__DIGEST_ESC_REALM | SIPUA__DIGEST_ESC_NONCE, response);
    if (n < 0)
        return n;

    writer w = {buf, cap, 0, 0};
    puts_(&w, "Digest ");
    put_quoted(&w, "username", o->username, 1);
    put_quoted(&w, ", realm", p.realm, 0);
    put_quoted(&w, ", nonce", challenge->nonce, 0);
    put_quoted(&w, ", uri", o->uri, 1);
    put_quoted(&w, ", response", (sipua_str){response, (size_t)n}, 0);
    if (challenge->algorithm.p) {
        puts_(&w, ", algorithm=");
        puts_(&w, sipua_digest_alg_name(p.alg));
    }
    if (qop != SIPUA_DIGEST_QOP_NONE)
        put_quoted(&w, ", cnonce", o->cnonce, 0);
    if (challenge->opaque.p)
        put_quoted(&w, ", opaque", challenge->opaque, 0);
    if (qop != SIPUA_DIGEST_QOP_NONE) {
        puts_(&w, qop == SIPUA_DIGEST_QOP_AUTH_INT ? ", qop=auth-int, nc=" : ", qop=auth, nc=");
        puts_(&w, nc);
    }
    if (w.full) {
        buf[0] = 0;
        return SIPUA_ENOSPC;
    }
    buf[w.len] = 0;
    return (int)w.len;
}

int sipua_auth_unquote(sipua_str written, char *out, size_t cap)
{
    if ((!written.p && written.len) || (!out && cap))
        return SIPUA_EINVAL;
    size_t n = 0;
    for (size_t i = 0; i < written.len; i++, n++) {
        if (written.p[i] == '\\' && i + 1 < written.len)
            i++;
        if (n >= cap || n > INT32_MAX)
            return SIPUA_ENOSPC;
        out[n] = written.p[i];
    }
    return (int)n;
}

void sipua_auth_verify_opts_init(sipua_auth_verify_opts *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->version = SIPUA_AUTH_VERIFY_OPTS_VERSION;
}

/* Equal hex strings, letters compared without case, in time that depends
 * only on the lengths. */
static int hex_eq_ct(sipua_str a, const char *b, size_t n)
{
    if (a.len != n)
        return 0;
    unsigned diff = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)a.p[i]; /* branching on the received byte leaks nothing */
        if (c >= 'A' && c <= 'F')
            c |= 0x20;
        diff |= c ^ (unsigned char)b[i];
    }
    return diff == 0;
}

int sipua_auth_verify(const sipua_auth *creds, const sipua_auth_verify_opts *o)
{
    if (!creds || !o || o->version != SIPUA_AUTH_VERIFY_OPTS_VERSION || !o->method.p ||
        !o->realm.p || (!o->password.p && o->password.len) || (!o->body.p && o->body.len))
        return SIPUA_EINVAL;
    if (!sipua_str_caseeq(creds->scheme, "Digest") || !creds->username.p || !creds->realm.p ||
        !creds->nonce.p || !creds->uri.p || !creds->response.p)
        return SIPUA_EPARSE;
    int alg = sipua_digest_alg_from_str(creds->algorithm);
    if (alg < 0)
        return SIPUA_EPARSE;
    int qop;
    if (!creds->qop.p)
        qop = SIPUA_DIGEST_QOP_NONE;
    else if (sipua_str_caseeq(creds->qop, "auth"))
        qop = SIPUA_DIGEST_QOP_AUTH;
    else if (sipua_str_caseeq(creds->qop, "auth-int"))
        qop = SIPUA_DIGEST_QOP_AUTH_INT;
    else
        return SIPUA_EPARSE;
    if (qop != SIPUA_DIGEST_QOP_NONE && (!creds->cnonce.p || !sipua__digest_nc_ok(creds->nc)))
        return SIPUA_EPARSE;
    if (qop == SIPUA_DIGEST_QOP_NONE && sipua__digest_is_sess((sipua_digest_alg)alg))
        return SIPUA_EPARSE;
    if (!sipua__digest_unq_eq(creds->realm, o->realm))
        return SIPUA_ENOTFOUND;

    sipua_digest_params p;
    sipua_digest_params_init(&p);
    p.alg = (sipua_digest_alg)alg;
    p.qop = (sipua_digest_qop)qop;
    p.username = creds->username;
    p.realm = creds->realm;
    p.password = o->password;
    p.method = o->method;
    p.uri = creds->uri;
    p.nonce = creds->nonce;
    p.cnonce = creds->cnonce;
    p.nc = creds->nc;
    p.body = o->body;
    char want[SIPUA_DIGEST_HEX_MAX + 1];
    int n = sipua__digest_compute(&p,
                                  SIPUA__DIGEST_ESC_USERNAME | SIPUA__DIGEST_ESC_REALM |
                                      SIPUA__DIGEST_ESC_NONCE | SIPUA__DIGEST_ESC_URI |
                                      SIPUA__DIGEST_ESC_CNONCE,
                                  want);
    if (n < 0)
        return SIPUA_EPARSE;
    if (!hex_eq_ct(creds->response, want, (size_t)n))
        return SIPUA_ENOTFOUND;
    if (o->nonce.p && !sipua__digest_unq_eq(creds->nonce, o->nonce))
        return SIPUA_ESTATE;
    return 0;
}
