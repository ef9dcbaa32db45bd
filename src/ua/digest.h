/* Digest computation (RFC 7616 3.4) over values that are either raw or the
 * content of a quoted-string as written, escapes and all: what
 * sipua_auth_parse() gives. Hashing the latter undoes the quoted-pairs on
 * the way, so nothing is copied. */
#ifndef SIPUA_UA_DIGEST_H
#define SIPUA_UA_DIGEST_H

#include "sipua/auth.h"

#include "base/md5.h"
#include "base/sha256.h"

typedef struct sipua__digest_hash {
    sipua_digest_alg alg;
    union {
        sipua__md5_ctx md5;
        sipua__sha256_ctx sha256;
        sipua__sha512_ctx sha512;
    } u;
} sipua__digest_hash;

/* alg must be a sipua_digest_alg; -sess forms hash as their base. */
void sipua__digest_hash_init(sipua__digest_hash *h, sipua_digest_alg alg);
void sipua__digest_hash_update(sipua__digest_hash *h, const void *data, size_t len);
/* Hashes s, undoing its quoted-pairs ("\x" is x) when escaped is set. */
void sipua__digest_hash_value(sipua__digest_hash *h, sipua_str s, int escaped);
/* Finishes and writes the digest as lower-case hex with a NUL into out
 * (SIPUA_DIGEST_HEX_MAX + 1 bytes); returns the number of digits. */
size_t sipua__digest_hash_hex(sipua__digest_hash *h, char *out);

/* Which of a sipua_digest_params' spans are quoted-string content as
 * written rather than raw values. */
enum {
    SIPUA__DIGEST_ESC_USERNAME = 1,
    SIPUA__DIGEST_ESC_REALM = 2,
    SIPUA__DIGEST_ESC_NONCE = 4,
    SIPUA__DIGEST_ESC_URI = 8,
    SIPUA__DIGEST_ESC_CNONCE = 16
};

/* sipua_digest_response() with the spans named in `escaped` taken as
 * written (SIPUA__DIGEST_ESC_*). out holds SIPUA_DIGEST_HEX_MAX + 1 bytes.
 * Returns the number of digits or SIPUA_EINVAL. */
int sipua__digest_compute(const sipua_digest_params *p, unsigned escaped, char *out);

/* Whether quoted-string content as written (escapes undone) equals raw. */
int sipua__digest_unq_eq(sipua_str written, sipua_str raw);

/* Whether alg is one of the -sess forms, whose A1 takes nonce and cnonce
 * and so needs a qop to carry the cnonce. */
int sipua__digest_is_sess(sipua_digest_alg alg);

/* Whether s is nc-value: exactly 8 hex digits (RFC 7616 3.4). */
int sipua__digest_nc_ok(sipua_str s);

#endif
