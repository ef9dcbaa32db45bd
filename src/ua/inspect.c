/* The UAS's first look at a received message; see inspect.h. */
#include <string.h>
#include <strings.h>

#include "ua/inspect.h"

static void respond(sipua__verdict *v, int status, const char *reason, const char *why)
{
    v->action = SIPUA_ACT_RESPOND;
    v->status = status;
    v->reason = reason;
    v->why = why;
}

static int in_list(sipua_str s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (sipua_str_caseeq(s, list[i]))
            return 1;
    return 0;
}

/* A body's type/subtype against one of our accepted types, which may use
 * "*" wildcards, as in application/star. */
static int media_match(sipua_str type, sipua_str sub, const char *want)
{
    const char *slash = strchr(want, '/');
    if (!slash)
        return 0;
    sipua_str wt = {want, (size_t)(slash - want)}, ws = {slash + 1, strlen(slash + 1)};
    int type_ok =
        sipua_str_eq(wt, "*") || (wt.len == type.len && strncasecmp(wt.p, type.p, type.len) == 0);
    int sub_ok =
        sipua_str_eq(ws, "*") || (ws.len == sub.len && strncasecmp(ws.p, sub.p, sub.len) == 0);
    return type_ok && sub_ok;
}

static void inspect_response(const sipua_msg *m, int parsed, const sipua__uas_policy *pol,
                             sipua__verdict *v)
{
    if (parsed < 0) {
        v->action = SIPUA_ACT_DROP;
        v->why = "malformed response";
        return;
    }
    /* RFC 3261 8.1.3.3: more than one Via in a response at a UAC */
    if (sipua_msg_via_count(m) != 1) {
        v->action = SIPUA_ACT_DROP;
        v->why = "response with more than one Via";
        return;
    }
    /* RFC 3261 18.1.2: the top Via's sent-by must be ours */
    if (pol && pol->nlocal_hosts) {
        const sipua_via *via = sipua_msg_top_via(m);
        int mine = 0;
        for (size_t i = 0; i < pol->nlocal_hosts && !mine; i++)
            mine = via->host.len == pol->local_hosts[i].len &&
                   memcmp(via->host.p, pol->local_hosts[i].p, via->host.len) == 0;
        if (!mine) {
            v->action = SIPUA_ACT_DROP;
            v->why = "top Via sent-by is not ours";
        }
    }
}

void sipua__uas_inspect(const sipua_msg *m, int parsed, const sipua__uas_policy *pol,
                        sipua__verdict *v)
{
    static const char *const sdp_only[] = {"application/sdp"};
    memset(v, 0, sizeof *v);
    if (!m) {
        v->action = SIPUA_ACT_DROP;
        v->why = "no message";
        return;
    }
    if (!sipua_msg_is_request(m)) {
        inspect_response(m, parsed, pol, v);
        return;
    }
    const sipua_msg_error *err = sipua_msg_get_error(m);
    const int can_answer = sipua_msg_top_via(m) != NULL;
    if (parsed < 0) {
        /* a request we cannot read: 400 (505 for a version) if the Via says
         * where to send it, else drop (RFC 3261 8.2, DESIGN: "Messages") */
        if (!can_answer || sipua_msg_method(m) == SIPUA_METHOD_ACK) {
            v->action = SIPUA_ACT_DROP;
            v->why = err->reason ? err->reason : "malformed request";
            return;
        }
        if (parsed == SIPUA_EVERSION)
            respond(v, 505, "Version Not Supported", err->reason);
        else
            respond(v, 400, "Bad Request", err->reason ? err->reason : "malformed request");
        return;
    }
    sipua_method method = sipua_msg_method(m);
    if (method == SIPUA_METHOD_ACK)
        return; /* never answered */

    /* 8.2.1 method inspection */
    uint32_t allowed = pol ? pol->allowed_methods : 0xffffffffu & ~1u;
    if (method == SIPUA_METHOD_OTHER) {
        respond(v, 501, "Not Implemented", "unknown method");
        v->add_allow = 1;
        return;
    }
    if (!(allowed & (1u << method))) {
        respond(v, 405, "Method Not Allowed", "method not allowed here");
        v->add_allow = 1;
        return;
    }

    /* 8.2.2.1 Request-URI scheme */
    const sipua_uri *ruri = sipua_msg_request_uri(m);
    if (!ruri || ruri->scheme_id == SIPUA_URI_OTHER) {
        respond(v, 416, "Unsupported URI Scheme", "Request-URI scheme not supported");
        return;
    }

    /* 8.2.2.3 Require (never for CANCEL; Proxy-Require is for proxies) */
    if (method != SIPUA_METHOD_CANCEL) {
        uint64_t it = 0;
        sipua_str tag;
        while (sipua_msg_next_value(m, SIPUA_HDR_REQUIRE, &it, &tag)) {
            if (pol && in_list(tag, pol->supported, pol->nsupported))
                continue;
            if (v->nunsupported < SIPUA_MAX_UNSUPPORTED)
                v->unsupported[v->nunsupported++] = tag;
        }
        if (v->nunsupported) {
            respond(v, 420, "Bad Extension", "unsupported extension required");
            v->add_unsupported = 1;
            return;
        }
    }

    /* registrar: the AOR in To must be SIP or SIPS (RFC 3261 10.3 step 5) */
    if (method == SIPUA_METHOD_REGISTER && pol && pol->registrar) {
        const sipua_nameaddr *to = sipua_msg_to(m);
        if (!to || (to->uri.scheme_id != SIPUA_URI_SIP && to->uri.scheme_id != SIPUA_URI_SIPS)) {
            respond(v, 400, "Bad Request", "address-of-record must be a SIP or SIPS URI");
            return;
        }
    }

    /* credentials: a scheme other than Digest is as good as none (RFC 4475 3.3.7) */
    if (pol && pol->authenticate && method != SIPUA_METHOD_CANCEL) {
        sipua_auth a;
        if (sipua_msg_auth(m, SIPUA_HDR_AUTHORIZATION, 0, &a) != 0 ||
            !sipua_str_caseeq(a.scheme, "Digest")) {
            respond(v, 401, "Unauthorized", "no usable credentials");
            return;
        }
    }

    /* 8.2.3 content processing */
    const char *const *types = pol && pol->naccepted ? pol->accepted_types : sdp_only;
    size_t ntypes = pol && pol->naccepted ? pol->naccepted : 1;
    if (sipua_msg_body(m).len > 0) {
        sipua_media_type mt;
        int r = sipua_msg_content_type(m, &mt);
        int ok = 0;
        if (r == 0) {
            for (size_t i = 0; i < ntypes && !ok; i++)
                ok = media_match(mt.type, mt.subtype, types[i]);
        }
        const sipua_hdr *enc = sipua_msg_find(m, SIPUA_HDR_CONTENT_ENCODING, NULL);
        if (enc && !sipua_str_caseeq(enc->value, "identity"))
            ok = 0;
        if (!ok) {
            respond(v, 415, "Unsupported Media Type", "body type not supported");
            v->add_accept = 1;
            return;
        }
    }

    /* Accept: the answer to an INVITE (or OPTIONS) carries SDP (RFC 3261 8.2.3,
     * RFC 4475 3.3.15) */
    if ((method == SIPUA_METHOD_INVITE) && sipua_msg_find(m, SIPUA_HDR_ACCEPT, NULL)) {
        uint64_t it = 0;
        sipua_str val;
        int ok = 0;
        while (!ok && sipua_msg_next_value(m, SIPUA_HDR_ACCEPT, &it, &val)) {
            const char *p = val.p, *e = val.p + val.len, *slash = memchr(p, '/', val.len);
            if (!slash)
                continue;
            const char *se = slash + 1;
            while (se < e && *se != ';' && *se != ' ' && *se != '\t')
                se++;
            sipua_str t = {p, (size_t)(slash - p)}, s = {slash + 1, (size_t)(se - slash - 1)};
            while (t.len && (t.p[t.len - 1] == ' ' || t.p[t.len - 1] == '\t'))
                t.len--;
            ok = (sipua_str_eq(t, "*") || sipua_str_caseeq(t, "application")) &&
                 (sipua_str_eq(s, "*") || sipua_str_caseeq(s, "sdp"));
        }
        if (!ok) {
            respond(v, 406, "Not Acceptable", "Accept excludes application/sdp");
            return;
        }
    }
}
