/* sipua — the UA as a server that asks for credentials (RFC 3261 22.1,
 * 22.4; RFC 7616): new INVITEs without good Digest credentials are
 * answered 401 with a challenge. Nonces are stateless: a timestamp and an
 * HMAC-SHA-256 of it under a secret the UA drew, so any nonce we issued is
 * recognised, and one older than its lifetime gets stale=true. */
#ifndef SIPUA_SRC_UA_CHALLENGE_H
#define SIPUA_SRC_UA_CHALLENGE_H

#include "sipua/auth.h"

typedef struct sipua__challenge sipua__challenge;

/* NULL when out of memory. secret: 32 random bytes. */
sipua__challenge *sipua__challenge_new(const sipua_allocator *a, const char *realm,
                                       sipua_digest_alg alg, sipua_password_cb cb, void *user,
                                       const uint8_t secret[32]);
void sipua__challenge_free(sipua__challenge *c, const sipua_allocator *a);

/* A request to check: 0 when its credentials are good; else 401 to send
 * with the header lines written in extra[0..cap) (WWW-Authenticate, CRLF
 * included). `now` dates the nonce. */
int sipua__challenge_check(const sipua__challenge *c, const sipua_msg *req, sipua_time now,
                           char *extra, size_t cap);

#endif
