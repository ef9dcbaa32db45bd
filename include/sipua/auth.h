/* sipua — Digest authentication (RFC 3261 22, RFC 7616, RFC 8760).
 *
 * The client side answers a WWW-Authenticate or Proxy-Authenticate
 * challenge with the value of an Authorization or Proxy-Authorization
 * header; the server side checks received credentials against a password.
 * Algorithms: MD5, SHA-256 and SHA-512-256, each also in its -sess form;
 * qop absent (RFC 2069), auth and auth-int.
 *
 * Nothing here allocates, reads a clock or draws random numbers: the cnonce
 * comes from the caller (the UA draws it through its random callback), and
 * the server's nonces are the caller's to make and expire.
 */
#ifndef SIPUA_AUTH_H
#define SIPUA_AUTH_H

#include "base.h"
#include "msg.h"
#include "ua.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sipua_digest_alg {
    SIPUA_DIGEST_MD5 = 1,
    SIPUA_DIGEST_MD5_SESS,
    SIPUA_DIGEST_SHA256,
    SIPUA_DIGEST_SHA256_SESS,
    SIPUA_DIGEST_SHA512_256,
    SIPUA_DIGEST_SHA512_256_SESS
} sipua_digest_alg;

typedef enum sipua_digest_qop {
    SIPUA_DIGEST_QOP_NONE = 0, /* RFC 2069 compatibility: no cnonce, no nc */
    SIPUA_DIGEST_QOP_AUTH,
    SIPUA_DIGEST_QOP_AUTH_INT /* the body is hashed in too */
} sipua_digest_qop;

/* Hex digits in the longest response (SHA-256, SHA-512-256); a buffer for a
 * response needs one more byte, for the NUL. MD5's has 32. */
#define SIPUA_DIGEST_HEX_MAX 64

/* The algorithm that an algorithm parameter names, compared without regard
 * to case ("SHA-512-256-sess"); an absent name ({NULL, 0}) is MD5 (RFC 7616
 * 3.3). Returns a sipua_digest_alg, or SIPUA_ENOTFOUND for another name
 * (AKAv1-MD5, a typo). */
SIPUA_EXTERN int sipua_digest_alg_from_str(sipua_str name);

/* The algorithm's name as RFC 7616 and RFC 8760 spell it ("SHA-256-sess"),
 * a static string; NULL for a value outside the enum. */
SIPUA_EXTERN const char *sipua_digest_alg_name(sipua_digest_alg alg);

/* Everything a Digest response is computed from (RFC 7616 3.4.1-3.4.3).
 * The spans are the values themselves: no quotes, no escapes. */
typedef struct sipua_digest_params {
    uint32_t version;     /* SIPUA_DIGEST_PARAMS_VERSION, set by _init */
    sipua_digest_alg alg; /* default SIPUA_DIGEST_MD5 */
    sipua_digest_qop qop; /* default SIPUA_DIGEST_QOP_NONE */
    sipua_str username;   /* required (may be empty) */
    sipua_str realm;      /* required (may be empty) */
    sipua_str password;   /* absent is the empty password */
    sipua_str method;     /* "INVITE", required */
    sipua_str uri;        /* the digest-uri: the Request-URI as sent, required */
    sipua_str nonce;      /* the server's nonce, required */
    sipua_str cnonce;     /* required with a qop or a -sess algorithm */
    sipua_str nc;         /* 8 hex digits, "00000001"; required with a qop */
    sipua_str body;       /* auth-int only: the message body; absent is empty */
} sipua_digest_params;

#define SIPUA_DIGEST_PARAMS_VERSION 1u

/* Fills p with the defaults above and every span absent. */
SIPUA_EXTERN void sipua_digest_params_init(sipua_digest_params *p);

/* Computes the request-digest (RFC 7616 3.4.1; RFC 2069's form when qop is
 * NONE) into out_hex as lower-case hex with a NUL. Returns the number of hex
 * digits (32 for MD5, 64 for the others), SIPUA_EINVAL (p or out_hex NULL,
 * an unknown version, algorithm or qop, a required value absent, nc not 8
 * hex digits) or SIPUA_ENOSPC (cap too small for the digits and the NUL). */
SIPUA_EXTERN int sipua_digest_response(const sipua_digest_params *p, char *out_hex, size_t cap);

/* ------------------------------------------------------------------ */
/* Client: answering a challenge                                       */

/* Of n parsed challenges (one per WWW-Authenticate or Proxy-Authenticate
 * value of a 401 or 407), the index of the one to answer: a Digest
 * challenge with a nonce and an algorithm we know, the strongest by RFC
 * 8760 2.4's order (SHA-512-256, then SHA-256, then MD5; the -sess form
 * counts as its base algorithm), the first one offered among equals.
 * Returns the index or SIPUA_ENOTFOUND (none usable; also when n is 0 or
 * challenges is NULL). */
SIPUA_EXTERN int sipua_auth_choose(const sipua_auth *challenges, size_t n);

typedef struct sipua_auth_creds_opts {
    uint32_t version;   /* SIPUA_AUTH_CREDS_OPTS_VERSION, set by _init */
    sipua_str method;   /* the method of the request being authorized, required */
    sipua_str uri;      /* its Request-URI, required */
    sipua_str body;     /* its body; absent ({NULL, 0}) means not known yet */
    sipua_str username; /* required; no CR or LF */
    sipua_str password;
    sipua_str cnonce; /* fresh random text from the caller; required when the
                       * challenge has a qop. No CR, LF, quote or backslash */
    uint32_t nc;      /* how many times this nonce has been used, this time
                       * included: 1 for the first request (default 1) */
    int auth_int;     /* prefer qop=auth-int when offered and body is known */
} sipua_auth_creds_opts;

#define SIPUA_AUTH_CREDS_OPTS_VERSION 1u

/* Fills o with the defaults above and every span absent. */
SIPUA_EXTERN void sipua_auth_creds_opts_init(sipua_auth_creds_opts *o);

/* Writes into out the value of the Authorization header (for a
 * WWW-Authenticate challenge) or Proxy-Authorization header (for a
 * Proxy-Authenticate one) that answers `challenge` (RFC 3261 22.2, 22.3;
 * RFC 7616 3.4): `Digest username="..", realm="..", nonce="..", uri="..",
 * response="..", algorithm=.., cnonce="..", opaque="..", qop=.., nc=..`,
 * where algorithm appears when the challenge named one, cnonce, qop and nc
 * when a qop is used, opaque when the challenge had one. The qop is
 * auth-int when the challenge offers it, the body is known and o->auth_int
 * asks for it (or auth is not offered), else auth when offered, else none
 * when the challenge has no qop. Realm, nonce and opaque are echoed as the
 * challenge wrote them; username and uri are quoted with `"` and `\` (and
 * other control characters) escaped (RFC 3261 25.1). The result is
 * NUL-terminated; nothing is kept.
 *
 * Returns the length written (without the NUL), SIPUA_EINVAL (an argument
 * NULL, an unknown version, a required option absent, a CR or LF in the
 * username, the realm, the nonce or the opaque, a bad cnonce, nc 0),
 * SIPUA_ENOTFOUND (not a Digest challenge, no nonce, an unknown algorithm,
 * a qop list with nothing usable, or a -sess algorithm without a qop) or
 * SIPUA_ENOSPC (cap too small; out then holds an empty string). */
SIPUA_EXTERN int sipua_auth_credentials(const sipua_auth *challenge, const sipua_auth_creds_opts *o,
                                        char *out, size_t cap);

/* ------------------------------------------------------------------ */
/* Server: checking credentials                                        */

typedef struct sipua_auth_verify_opts {
    uint32_t version;   /* SIPUA_AUTH_VERIFY_OPTS_VERSION, set by _init */
    sipua_str method;   /* the method of the request that carried them, required */
    sipua_str body;     /* its body, for qop=auth-int; absent is empty */
    sipua_str password; /* the password of the credentials' username */
    sipua_str realm;    /* our realm, required */
    sipua_str nonce;    /* the nonce we issued; absent: not compared, the
                         * caller checks creds->nonce itself */
} sipua_auth_verify_opts;

#define SIPUA_AUTH_VERIFY_OPTS_VERSION 1u

/* Copies a value of a parsed header (the content of a quoted-string as
 * written, what sipua_auth_parse() stores) into out[0..cap) with its
 * quoted-pairs undone: `b\"o\\b` gives `b"o\b`. The username to look a
 * password up by, for one. No NUL is written. Returns the length,
 * SIPUA_EINVAL (out NULL with cap > 0, or written.p NULL with a length) or
 * SIPUA_ENOSPC. */
SIPUA_EXTERN int sipua_auth_unquote(sipua_str written, char *out, size_t cap);

/* Fills o with every span absent. */
SIPUA_EXTERN void sipua_auth_verify_opts_init(sipua_auth_verify_opts *o);

/* Checks parsed Digest credentials (sipua_auth_parse() on an Authorization
 * or Proxy-Authorization value) for the request they came with: the realm
 * is ours, the response is the one the password gives (compared in constant
 * time), and the nonce is the one we issued. The caller looked the password
 * up by creds->username (see sipua_auth_unquote()), and may compare creds->uri with the Request-URI
 * and creds->nc with the counts it has seen (RFC 7616 3.4.6, 3.4.5).
 *
 * Returns 0 when the credentials are good. Anything else refuses them:
 * SIPUA_EINVAL (an argument NULL, an unknown version, method or realm
 * absent), SIPUA_EPARSE (not Digest, a field missing, an unknown algorithm
 * or qop, nc not 8 hex digits, a -sess algorithm without a qop),
 * SIPUA_ENOTFOUND (another realm, or a wrong response), SIPUA_ESTATE (the
 * response is right but for another nonce: challenge again with
 * stale=true, RFC 7616 3.3). */
SIPUA_EXTERN int sipua_auth_verify(const sipua_auth *creds, const sipua_auth_verify_opts *o);

/* ------------------------------------------------------------------ */
/* The UA's credentials                                                */

/* The credentials the UA answers challenges to its sessions' requests
 * with: a 401 or 407 to an INVITE sends it again (CSeq + 1) with an
 * Authorization or Proxy-Authorization for the strongest challenge whose
 * realm has credentials here; the session's later requests carry
 * credentials for that challenge from the start (nc counting on). A
 * second challenge for a realm already answered, not marked stale, fails
 * the call with AUTHENTICATION_ERROR, as does a challenge no credentials
 * answer. realm NULL: any realm (a realm of its own is preferred);
 * setting a realm again replaces it; user and password NULL remove it.
 * The strings are copied; the password never appears in an event, a trace
 * or an error, and its copy is wiped when removed or when the UA is freed.
 * Registrations have their own (sipua/register.h). Returns 0,
 * SIPUA_EINVAL (NULL ua, user without password or the reverse, an empty
 * user, CR or LF in realm or user), SIPUA_ELIMIT (8 realms already),
 * SIPUA_ENOMEM. */
SIPUA_EXTERN int sipua_ua_set_credentials(sipua_ua *ua, const char *realm, const char *user,
                                          const char *password);

/* The password of `username` in `realm` into out[0..cap): its length, or
 * a negative value for a user that does not exist. */
typedef int (*sipua_password_cb)(void *user, sipua_str username, sipua_str realm, char *out,
                                 size_t cap);

/* Makes the UA a server that asks for credentials (RFC 3261 22.1, 22.4,
 * RFC 7616): a new INVITE (outside a dialog) without good Digest
 * credentials for `realm` is answered 401 Unauthorized with a challenge
 * (qop=auth, algorithm alg, a nonce good for 5 minutes); a request whose
 * response was right on an older nonce is challenged with stale=true;
 * credentials for another algorithm or Request-URI, an unknown user or a
 * wrong password are challenged anew. The invite event then comes only
 * for INVITEs that passed. Nonces need no memory: each carries its time
 * and an HMAC-SHA-256 of it under a secret the UA draws here (nonce
 * counts are not tracked: a replayed INVITE is answered like the first).
 * The password callback is asked for each check; the UA keeps no
 * password. cb NULL turns the checking off. Returns 0, SIPUA_EINVAL (NULL
 * ua, an empty or over-long realm or one with a quote, CR or LF, an
 * unknown alg), SIPUA_ENOMEM. */
SIPUA_EXTERN int sipua_ua_require_auth(sipua_ua *ua, const char *realm, sipua_digest_alg alg,
                                       sipua_password_cb cb, void *user);

#ifdef __cplusplus
}
#endif

#endif
