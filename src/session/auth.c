/* sipua — Digest authentication of a session's requests (RFC 3261 22.2,
 * 22.3; RFC 7616; RFC 8760): a 401 or 407 to our INVITE is answered by
 * sending the INVITE again with credentials for the strongest challenge
 * we can answer (CSeq + 1, same Call-ID and From tag); once a session was
 * challenged, its later requests (BYE, INFO, REFER, re-INVITE...) carry
 * credentials for that challenge up front, nc counting on. Credentials
 * come from the UA's list (sipua_ua_set_credentials), by realm. A second
 * challenge for a realm we answered, not marked stale, means the
 * credentials were refused: the call fails with AUTHENTICATION_ERROR.
 */
#include <stdio.h>
#include <stdlib.h>

#include "session/internal.h"
#include "sipua/auth.h"

#define AUTH_ROUNDS_MAX 4 /* INVITEs re-sent for challenges, at most */

/* ------------------------------------------------------------------ */
/* The UA's credentials                                                */

static char *dup_str(const sipua_allocator *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = a->alloc(n, a->user);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void wipe_free(const sipua_allocator *a, char *s)
{
    if (!s)
        return;
    volatile char *v = s;
    while (*v)
        *v++ = 0;
    a->free(s, a->user);
}

static void cred_clear(const sipua_allocator *a, sipua__cred *c)
{
    wipe_free(a, c->realm);
    wipe_free(a, c->user);
    wipe_free(a, c->password);
    memset(c, 0, sizeof *c);
}

static int has_crlf(const char *s)
{
    return s && (strchr(s, '\r') || strchr(s, '\n'));
}

int sipua__creds_set(sipua__creds *cs, const sipua_allocator *a, const char *realm,
                     const char *user, const char *password)
{
    if (!cs || !a || (user && !*user) || has_crlf(realm) || has_crlf(user))
        return SIPUA_EINVAL;
    if ((user == NULL) != (password == NULL))
        return SIPUA_EINVAL;
    const char *r = realm ? realm : "";
    size_t i = 0;
    while (i < cs->n && strcmp(cs->c[i].realm, r) != 0)
        i++;
    if (i < cs->n) {
        cred_clear(a, &cs->c[i]);
        cs->c[i] = cs->c[--cs->n];
        memset(&cs->c[cs->n], 0, sizeof cs->c[cs->n]);
    }
    if (!user)
        return 0; /* removed */
    if (cs->n == SIPUA__CREDS_MAX)
        return SIPUA_ELIMIT;
    sipua__cred c = {dup_str(a, r), dup_str(a, user), dup_str(a, password)};
    if (!c.realm || !c.user || !c.password) {
        cred_clear(a, &c);
        return SIPUA_ENOMEM;
    }
    cs->c[cs->n++] = c;
    return 0;
}

void sipua__creds_clear(sipua__creds *cs, const sipua_allocator *a)
{
    if (!cs)
        return;
    for (size_t i = 0; i < cs->n; i++)
        cred_clear(a, &cs->c[i]);
    cs->n = 0;
}

/* The credentials for a realm (as the challenge wrote it), else those set
 * for any realm, else NULL. */
static const sipua__cred *creds_find(const sipua__creds *cs, sipua_str realm)
{
    const sipua__cred *any = NULL;
    for (size_t i = 0; cs && i < cs->n; i++) {
        if (!cs->c[i].realm[0])
            any = &cs->c[i];
        else if (strlen(cs->c[i].realm) == realm.len &&
                 memcmp(cs->c[i].realm, realm.p, realm.len) == 0)
            return &cs->c[i];
    }
    return any;
}

/* ------------------------------------------------------------------ */
/* Credentials for one request                                         */

static void cnonce_of(const sipua_session *s, char out[17])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[8];
    s->host->random(s->host->ctx, r, sizeof r);
    for (size_t i = 0; i < sizeof r; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[16] = 0;
}

/* "Authorization: Digest ..." (or Proxy-) with CRLF into out for the
 * request `method uri` with `body`, answering challenge ch with nc.
 * Returns the length or a negative error. */
static int credentials_line(const sipua_session *s, const sipua_auth *ch, int proxy,
                            sipua_str method, sipua_str uri, sipua_str body, uint32_t nc, char *out,
                            size_t cap)
{
    const sipua__cred *c = creds_find(s->host->creds, ch->realm);
    if (!c)
        return SIPUA_ENOTFOUND;
    char cnonce[17];
    cnonce_of(s, cnonce);
    sipua_auth_creds_opts o;
    sipua_auth_creds_opts_init(&o);
    o.method = method;
    o.uri = uri;
    o.body = body;
    o.username = sipua__cstr(c->user);
    o.password = sipua__cstr(c->password);
    o.cnonce = sipua__cstr(cnonce);
    o.nc = nc;
    const char *name = proxy ? "Proxy-Authorization: " : "Authorization: ";
    size_t nl = strlen(name);
    if (cap < nl + 3)
        return SIPUA_ENOSPC;
    memcpy(out, name, nl);
    int n = sipua_auth_credentials(ch, &o, out + nl, cap - nl - 2);
    if (n < 0)
        return n;
    memcpy(out + nl + (size_t)n, "\r\n", 3);
    return (int)nl + n + 2;
}

/* The Request-URI and the method of a request in buf[0..len). */
static int request_line(const char *buf, size_t len, sipua_str *method, sipua_str *uri)
{
    const char *eol = memchr(buf, '\r', len);
    if (!eol)
        return -1;
    const char *sp1 = memchr(buf, ' ', (size_t)(eol - buf));
    if (!sp1)
        return -1;
    const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
    if (!sp2)
        return -1;
    *method = (sipua_str){buf, (size_t)(sp1 - buf)};
    *uri = (sipua_str){sp1 + 1, (size_t)(sp2 - sp1 - 1)};
    return 0;
}

/* ------------------------------------------------------------------ */
/* The INVITE challenged                                               */

int sipua__auth_invite_challenged(sipua_session *s, const sipua_msg *resp)
{
    int code = sipua_msg_status(resp);
    if ((code != 401 && code != 407) || !s->host->creds || !s->host->creds->n || s->cancel_wanted ||
        s->final_given || s->auth_rounds >= AUTH_ROUNDS_MAX)
        return 0;
    int proxy = code == 407;
    sipua_hdr_id id = proxy ? SIPUA_HDR_PROXY_AUTHENTICATE : SIPUA_HDR_WWW_AUTHENTICATE;
    sipua_auth ch[8];
    size_t n = 0;
    while (n < 8 && sipua_msg_auth(resp, id, n, &ch[n]) == 0)
        n++;
    int i = n ? sipua_auth_choose(ch, n) : SIPUA_ENOTFOUND;
    if (i < 0 || !creds_find(s->host->creds, ch[i].realm))
        return 0;
    /* refused: a new challenge, not stale, for a realm we answered */
    int stale = sipua_str_caseeq(ch[i].stale, "true");
    for (int k = 0; k < 2 && !stale; k++)
        if (s->auth_realm[k] && strlen(s->auth_realm[k]) == ch[i].realm.len &&
            memcmp(s->auth_realm[k], ch[i].realm.p, ch[i].realm.len) == 0)
            return 0;

    /* keep the challenge for the later requests of the session */
    size_t cl = ch[i].scheme.len + 1 + ch[i].params.len;
    char *copy = sipua__session_alloc(s, cl + 1);
    if (!copy)
        return 0;
    snprintf(copy, cl + 1, "%.*s %.*s", (int)ch[i].scheme.len, ch[i].scheme.p,
             (int)ch[i].params.len, ch[i].params.p);
    sipua_auth kept;
    if (sipua_auth_parse(sipua__cstr(copy), &kept) != 0) {
        sipua__session_free(s, copy);
        return 0;
    }
    sipua_str method, uri;
    if (request_line(s->invite_buf, s->invite_len, &method, &uri) != 0) {
        sipua__session_free(s, copy);
        return 0;
    }
    char line[1024];
    int ll = credentials_line(s, &kept, proxy, method, uri, sipua_msg_body(s->invite), 1, line,
                              sizeof line);
    static const char *const drop_www[] = {"authorization"};
    static const char *const drop_proxy[] = {"proxy-authorization"};
    if (ll < 0 || !sipua__session_invite_again(s, proxy ? drop_proxy : drop_www, 1, line)) {
        sipua__session_free(s, copy);
        return 0;
    }
    sipua__session_free(s, s->auth_chal);
    s->auth_chal = copy;
    s->auth_proxy = proxy;
    s->auth_nc = 1;
    s->auth_rounds++;
    size_t slot = proxy ? 1 : 0;
    char *realm = sipua__session_alloc(s, kept.realm.len + 1);
    if (realm) {
        memcpy(realm, kept.realm.p, kept.realm.len);
        realm[kept.realm.len] = 0;
        sipua__session_free(s, s->auth_realm[slot]);
        s->auth_realm[slot] = realm;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Later requests                                                      */

int sipua__auth_add(sipua_session *s, char *buf, size_t len, size_t cap)
{
    if (!s->auth_chal || !s->host->creds)
        return (int)len;
    sipua_auth ch;
    sipua_str method, uri;
    if (sipua_auth_parse(sipua__cstr(s->auth_chal), &ch) != 0 ||
        request_line(buf, len, &method, &uri) != 0)
        return (int)len;
    /* the header section ends at the first blank line */
    char *blank = NULL;
    for (size_t i = 0; i + 3 < len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
            blank = buf + i + 2;
            break;
        }
    if (!blank)
        return (int)len;
    sipua_str body = {blank + 2, len - (size_t)(blank + 2 - buf)};
    char line[1024];
    int ll = credentials_line(s, &ch, s->auth_proxy, method, uri, body, s->auth_nc + 1, line,
                              sizeof line);
    if (ll < 0 || len + (size_t)ll > cap)
        return (int)len;
    s->auth_nc++;
    memmove(blank + ll, blank, len - (size_t)(blank - buf));
    memcpy(blank, line, (size_t)ll);
    return (int)(len + (size_t)ll);
}

void sipua__auth_release(sipua_session *s)
{
    sipua__session_free(s, s->auth_chal);
    s->auth_chal = NULL;
    for (int k = 0; k < 2; k++) {
        sipua__session_free(s, s->auth_realm[k]);
        s->auth_realm[k] = NULL;
    }
}
