/* sipua — registration (RFC 3261 10) and the configuration text.
 *
 * A registration binds our Contact to an address-of-record at a registrar
 * and keeps it bound: REGISTER with Contact and Expires, Digest
 * authentication when challenged (401 or 407, sipua/auth.h), a refresh
 * before the granted expiry, 423 Interval Too Brief answered with the
 * Min-Expires asked, a retry with back-off after a failure, and REGISTER
 * with Expires: 0 to unregister. It runs inside the UA core, sans-IO like
 * the rest: requests leave through the UA's send callback, timers fire in
 * sipua_ua_advance(), and what happens comes as UA events
 * (SIPUA_UA_EV_REGISTERED, _UNREGISTERED, _REGISTRATION_FAILED) whose
 * request_id is the registration's id.
 *
 *   sipua_register_config rc;  sipua_register_config_init(&rc);
 *   rc.aor = "sip:alice@example.com";  rc.password = secret;
 *   sipua_register(ua, &rc, &registrar_endpoint, now, &id);
 *   ...  sipua_unregister(ua, id, now);
 *
 * The password is kept by the UA for the registration's lifetime and never
 * appears in an event, a trace or an error: only the request-digest made
 * from it goes on the wire.
 */
#ifndef SIPUA_REGISTER_H
#define SIPUA_REGISTER_H

#include "session.h"
#include "ua.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sipua_register_config {
    uint32_t version; /* SIPUA_REGISTER_CONFIG_VERSION, set by _init */
    /* The address-of-record, "sip:alice@example.com": the To and From of
     * each REGISTER (RFC 3261 10.2). Required; a SIP or SIPS URI with a
     * user part. */
    const char *aor;
    const char *display_name; /* in To and From; NULL: none */
    /* The Request-URI, "sip:example.com"; NULL: the AOR without its user
     * part (RFC 3261 10.2). */
    const char *registrar;
    /* An outbound proxy (a SIP URI): sent as Route: <uri;lr>. The next hop
     * given to sipua_register() is then the proxy's address. NULL: none. */
    const char *outbound_proxy;
    const char *auth_user; /* the Digest username; NULL: the AOR's user part */
    const char *password;  /* NULL: a challenge cannot be answered */
    /* The expiry asked for, seconds (Expires header); default 600. 423
     * raises it to the registrar's Min-Expires. 1 to 2^31 - 1. */
    uint32_t expires;
    /* The back-off after a failure (RFC 5626 4.5): the n-th failure in a
     * row waits min(retry_max, retry_base * 2^n), drawn between
     * half and all of it; defaults 30 s and 30 min. retry_base 0: no
     * retry, the registration ends at its first failure. */
    sipua_time retry_base, retry_max;
    /* This user agent instance's name for good (RFC 5626 4.1): a URN,
     * "urn:uuid:" and a UUID, that the application keeps across restarts.
     * Sent as the Contact's +sip.instance; outbound and GRUUs need it.
     * NULL (default): none. */
    const char *instance_id;
    /* RFC 5626 outbound: the reg-id of this registration's flow, 1 to
     * 2^31 - 1; 0 (default): outbound not asked. Needs instance_id and a
     * stream transport (TCP, TLS, WS, WSS: a UDP flow is kept up by STUN,
     * which sipua does not send): SIPUA_EINVAL otherwise. The REGISTER then
     * says Supported: outbound, path. When the 2xx has Require: outbound,
     * the registrar keeps the connection as our flow: sipua pings it with
     * CRLFCRLF every 80 to 100 % of the 2xx's Flow-Timer (120 s without
     * one), takes a pong missing for 10 s or the connection closing as the
     * flow failing and registers again at once over a new one (4.4, 4.5),
     * and the sessions of this AOR put ;ob in their Contact (4.3). */
    uint32_t reg_id;
    /* RFC 5627: ask for GRUUs (Supported: gruu); needs instance_id. The
     * public GRUU the registrar grants becomes the Contact of this AOR's
     * sessions (calls whose From, or whose INVITE's To, is the AOR); the
     * temporary one the Contact of anonymous calls. 0 (default): none. */
    int gruu;
} sipua_register_config;

#define SIPUA_REGISTER_CONFIG_VERSION 1u

/* Fills cfg with the defaults above. */
SIPUA_EXTERN void sipua_register_config_init(sipua_register_config *cfg);

/* Starts a registration: the first REGISTER goes to `next_hop` (a literal
 * address: the program resolves the registrar's or the proxy's name) at
 * once. The strings of cfg are copied. The registration keeps its Call-ID
 * and From tag for its lifetime, with a new CSeq for each request.
 *
 * Then, as UA events with request_id = *id:
 *   REGISTERED after each 2xx (the first and every refresh): expires is
 *     the granted expiry (our Contact's expires parameter in the 2xx, else
 *     its Expires header, else what we asked), contacts every binding the
 *     registrar listed; outbound 1 when reg_id was asked and the 2xx has
 *     Require: outbound, flow_timer its Flow-Timer; pub_gruu and temp_gruu
 *     the GRUUs of our binding (our Contact, or the binding with our
 *     +sip.instance), unquoted, when gruu was asked and granted. The
 *     refresh goes at the granted expiry minus 30 s
 *     (half of it when under 60 s), with the cached credentials (nc + 1);
 *     over a stream transport, one to two seconds after the connection
 *     the binding was made over closes.
 *   REGISTRATION_FAILED (status, error, cause, retry_at): the registrar
 *     refused us or did not answer. cause is AUTHENTICATION_ERROR when our
 *     credentials were refused (a new challenge, not stale, in answer to
 *     them) or a challenge could not be answered (no password, no Digest
 *     challenge we know), REQUEST_TIMEOUT with no answer, CONNECTION_ERROR
 *     when the transport failed, else sipua_cause_from_status(status).
 *     retry_at is when the next attempt goes, or 0: the registration has
 *     ended (always so after AUTHENTICATION_ERROR: retrying cannot help).
 *   UNREGISTERED after sipua_unregister(): status 2xx when the registrar
 *     confirmed it, else the failure (status, error); the registration
 *     has ended.
 * An ended registration's id is forgotten.
 *
 * Returns 0 with *id set, SIPUA_EINVAL (NULL arguments, a bad version or
 * URI, expires 0, no listen endpoint for the next hop's transport),
 * SIPUA_ENOMEM, or the transport's error for the first send (nothing is
 * then left). */
SIPUA_EXTERN int sipua_register(sipua_ua *ua, const sipua_register_config *cfg,
                                const sipua_endpoint *next_hop, sipua_time now, uint64_t *id);

/* Ends registration id: REGISTER with our Contact and Expires: 0 (after the
 * request in flight, if any, is answered: RFC 3261 10.2 allows one at a
 * time), then UNREGISTERED. When no REGISTER went out yet, UNREGISTERED
 * comes at the next sipua_ua_advance() without one. Returns 0,
 * SIPUA_EINVAL, SIPUA_ENOTFOUND (no such registration, or it has ended),
 * SIPUA_ESTATE (already unregistering) or SIPUA_ENOMEM (the registration
 * is then forgotten, as by sipua_register_cancel()). */
SIPUA_EXTERN int sipua_unregister(sipua_ua *ua, uint64_t id, sipua_time now);

/* Forgets registration id at once: no request, no event (a binding the
 * registrar holds lapses at its expiry). From an event callback too.
 * Returns 0, SIPUA_EINVAL or SIPUA_ENOTFOUND. */
SIPUA_EXTERN int sipua_register_cancel(sipua_ua *ua, uint64_t id);

/* ------------------------------------------------------------------ */
/* Configuration text                                                  */

/* A reader of configuration text (the sipua program's config file):
 * lines of `key = value`, blank lines, and comments: lines whose first
 * non-blank character is '#' or ';'. Around the key and the value, blanks
 * are ignored; a value in double quotes is taken as written between them
 * (to keep leading or trailing blanks, or a '#'). Lines end with LF or
 * CRLF. Nothing is allocated or copied: keys and values are spans into
 * the text. */
typedef struct sipua_conf_reader {
    sipua_str text;
    size_t pos;
    unsigned line;     /* the line of the last entry, or of the error */
    const char *error; /* after SIPUA_EPARSE: what is wrong, a static string */
} sipua_conf_reader;

/* Starts reading text (which must outlive the reader). */
SIPUA_EXTERN void sipua_conf_init(sipua_conf_reader *r, sipua_str text);

/* The next entry: 1 with *key and *value set (the value may be empty),
 * 0 at the end, or SIPUA_EPARSE with r->line and r->error naming the bad
 * line (no '=', an empty key, a key that is not letters, digits, '_',
 * '-' and '.', a control character or NUL, an unterminated quote, a line
 * over 4096 bytes); reading may go on from the next line. SIPUA_EINVAL
 * for NULL arguments. */
SIPUA_EXTERN int sipua_conf_next(sipua_conf_reader *r, sipua_str *key, sipua_str *value);

#ifdef __cplusplus
}
#endif

#endif
