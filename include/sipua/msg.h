/* sipua — the SIP message layer: parser, header model, URIs, builder.
 *
 * Parsing is zero-copy: a parsed message is an index of spans into the
 * buffer it was parsed from, which the caller keeps alive and unchanged for
 * as long as it uses the message. The headers that the transaction and
 * dialog layers need on every message (Via, From, To, Call-ID, CSeq,
 * Max-Forwards, Contact, Content-Length, Route, Record-Route) are parsed and
 * checked on arrival; every other header is parsed on first access, or all
 * at once by sipua_msg_parse_all().
 *
 * On arrival, the top Via is taken apart whole and the other Via values are
 * counted; From, To, Contact, Route and Record-Route are split into display
 * name, URI and parameters (with the tag), and the URI inside is taken apart
 * by the first sipua_msg_from()/_to()/_contact() call, which returns NULL
 * when it is malformed. sipua_msg_parse_all() checks all of it: a message
 * that passes it is well formed throughout. Accessors cache what they
 * parse in the message object, so one message is not to be read from two
 * threads at once.
 *
 * Grammar: RFC 3261 section 25, with the compact header forms (section 7.3.3),
 * folding, comma-separated values, quoted strings and escapes; RFC 5118 IPv6
 * references. RFC 4475 decides what is accepted.
 */
#ifndef SIPUA_MSG_H
#define SIPUA_MSG_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Limits                                                              */

/* Input beyond a limit is refused with SIPUA_ELIMIT and a reason naming the
 * limit; it is never truncated. */
typedef struct sipua_msg_limits {
    uint32_t version;      /* SIPUA_MSG_LIMITS_VERSION */
    size_t max_message;    /* whole message, start line to end of body; default 65535 */
    size_t max_headers;    /* header fields (lines); default 128 */
    size_t max_header_len; /* one header field, name and folded value; default 8192 */
    size_t max_body;       /* body octets; default 65535 */
    size_t max_via;        /* Via values; default 64 */
} sipua_msg_limits;

#define SIPUA_MSG_LIMITS_VERSION 1

/* Fills *limits with the defaults above. */
SIPUA_EXTERN void sipua_msg_limits_init(sipua_msg_limits *limits);

/* ------------------------------------------------------------------ */
/* Methods and header names                                            */

typedef enum sipua_method {
    SIPUA_METHOD_OTHER = 0, /* an extension method: see sipua_msg_method_str() */
    SIPUA_METHOD_INVITE,
    SIPUA_METHOD_ACK,
    SIPUA_METHOD_BYE,
    SIPUA_METHOD_CANCEL,
    SIPUA_METHOD_OPTIONS,
    SIPUA_METHOD_REGISTER,
    SIPUA_METHOD_PRACK,
    SIPUA_METHOD_SUBSCRIBE,
    SIPUA_METHOD_NOTIFY,
    SIPUA_METHOD_PUBLISH,
    SIPUA_METHOD_INFO,
    SIPUA_METHOD_REFER,
    SIPUA_METHOD_MESSAGE,
    SIPUA_METHOD_UPDATE,
    SIPUA_METHOD_COUNT_
} sipua_method;

/* Classifies a method token (case-sensitive, RFC 3261 7.1). */
SIPUA_EXTERN sipua_method sipua_method_from_str(sipua_str token);
/* The method's name ("INVITE"); "" for SIPUA_METHOD_OTHER. */
SIPUA_EXTERN const char *sipua_method_name(sipua_method m);

/* Header fields the library knows by name. X(ID, "Canonical-Name", 'compact'
 * or 0, eager). The compact forms are those of the IANA SIP parameters
 * registry. */
#define SIPUA_HEADER_MAP(X)                                                                        \
    X(VIA, "Via", 'v', 1)                                                                          \
    X(FROM, "From", 'f', 1)                                                                        \
    X(TO, "To", 't', 1)                                                                            \
    X(CALL_ID, "Call-ID", 'i', 1)                                                                  \
    X(CSEQ, "CSeq", 0, 1)                                                                          \
    X(MAX_FORWARDS, "Max-Forwards", 0, 1)                                                          \
    X(CONTACT, "Contact", 'm', 1)                                                                  \
    X(CONTENT_LENGTH, "Content-Length", 'l', 1)                                                    \
    X(ROUTE, "Route", 0, 1)                                                                        \
    X(RECORD_ROUTE, "Record-Route", 0, 1)                                                          \
    X(CONTENT_TYPE, "Content-Type", 'c', 0)                                                        \
    X(CONTENT_ENCODING, "Content-Encoding", 'e', 0)                                                \
    X(CONTENT_DISPOSITION, "Content-Disposition", 0, 0)                                            \
    X(CONTENT_LANGUAGE, "Content-Language", 0, 0)                                                  \
    X(ACCEPT, "Accept", 0, 0)                                                                      \
    X(ACCEPT_ENCODING, "Accept-Encoding", 0, 0)                                                    \
    X(ACCEPT_LANGUAGE, "Accept-Language", 0, 0)                                                    \
    X(ALLOW, "Allow", 0, 0)                                                                        \
    X(ALLOW_EVENTS, "Allow-Events", 'u', 0)                                                        \
    X(SUPPORTED, "Supported", 'k', 0)                                                              \
    X(REQUIRE, "Require", 0, 0)                                                                    \
    X(PROXY_REQUIRE, "Proxy-Require", 0, 0)                                                        \
    X(UNSUPPORTED, "Unsupported", 0, 0)                                                            \
    X(AUTHORIZATION, "Authorization", 0, 0)                                                        \
    X(PROXY_AUTHORIZATION, "Proxy-Authorization", 0, 0)                                            \
    X(WWW_AUTHENTICATE, "WWW-Authenticate", 0, 0)                                                  \
    X(PROXY_AUTHENTICATE, "Proxy-Authenticate", 0, 0)                                              \
    X(AUTHENTICATION_INFO, "Authentication-Info", 0, 0)                                            \
    X(EXPIRES, "Expires", 0, 0)                                                                    \
    X(MIN_EXPIRES, "Min-Expires", 0, 0)                                                            \
    X(DATE, "Date", 0, 0)                                                                          \
    X(RETRY_AFTER, "Retry-After", 0, 0)                                                            \
    X(TIMESTAMP, "Timestamp", 0, 0)                                                                \
    X(WARNING, "Warning", 0, 0)                                                                    \
    X(RSEQ, "RSeq", 0, 0)                                                                          \
    X(RACK, "RAck", 0, 0)                                                                          \
    X(REFER_TO, "Refer-To", 'r', 0)                                                                \
    X(REFERRED_BY, "Referred-By", 'b', 0)                                                          \
    X(REPLACES, "Replaces", 0, 0)                                                                  \
    X(EVENT, "Event", 'o', 0)                                                                      \
    X(SUBSCRIPTION_STATE, "Subscription-State", 0, 0)                                              \
    X(REASON, "Reason", 0, 0)                                                                      \
    X(SESSION_EXPIRES, "Session-Expires", 'x', 0)                                                  \
    X(MIN_SE, "Min-SE", 0, 0)                                                                      \
    X(SUBJECT, "Subject", 's', 0)                                                                  \
    X(USER_AGENT, "User-Agent", 0, 0)                                                              \
    X(SERVER, "Server", 0, 0)                                                                      \
    X(ORGANIZATION, "Organization", 0, 0)                                                          \
    X(PRIORITY, "Priority", 0, 0)                                                                  \
    X(PRIVACY, "Privacy", 0, 0)                                                                    \
    X(P_ASSERTED_IDENTITY, "P-Asserted-Identity", 0, 0)                                            \
    X(P_PREFERRED_IDENTITY, "P-Preferred-Identity", 0, 0)                                          \
    X(PATH, "Path", 0, 0)                                                                          \
    X(SERVICE_ROUTE, "Service-Route", 0, 0)                                                        \
    X(REPLY_TO, "Reply-To", 0, 0)                                                                  \
    X(IN_REPLY_TO, "In-Reply-To", 0, 0)                                                            \
    X(CALL_INFO, "Call-Info", 0, 0)                                                                \
    X(ALERT_INFO, "Alert-Info", 0, 0)                                                              \
    X(ERROR_INFO, "Error-Info", 0, 0)                                                              \
    X(MIME_VERSION, "MIME-Version", 0, 0)                                                          \
    X(ACCEPT_CONTACT, "Accept-Contact", 'a', 0)                                                    \
    X(REJECT_CONTACT, "Reject-Contact", 'j', 0)                                                    \
    X(REQUEST_DISPOSITION, "Request-Disposition", 'd', 0)                                          \
    X(IDENTITY, "Identity", 'y', 0)                                                                \
    X(SIP_ETAG, "SIP-ETag", 0, 0)                                                                  \
    X(SIP_IF_MATCH, "SIP-If-Match", 0, 0)                                                          \
    X(INFO_PACKAGE, "Info-Package", 0, 0)                                                          \
    X(RECV_INFO, "Recv-Info", 0, 0)

typedef enum sipua_hdr_id {
    SIPUA_HDR_OTHER = 0, /* an extension header: compare its name */
#define SIPUA_HDR_ENUM_(id, name, compact, eager) SIPUA_HDR_##id,
    SIPUA_HEADER_MAP(SIPUA_HDR_ENUM_)
#undef SIPUA_HDR_ENUM_
        SIPUA_HDR_COUNT_
} sipua_hdr_id;

/* Classifies a header name, long or compact form, ignoring case. */
SIPUA_EXTERN sipua_hdr_id sipua_hdr_id_from_name(sipua_str name);
/* The canonical long name ("Call-ID"); "" for SIPUA_HDR_OTHER. */
SIPUA_EXTERN const char *sipua_hdr_name(sipua_hdr_id id);

/* One header field as it appears in the message. `value` runs from the first
 * non-blank octet after the colon to the last non-blank octet of the field,
 * folding (CRLF followed by blanks) included: the value parsers treat it as
 * linear white space. */
typedef struct sipua_hdr {
    sipua_str name;  /* as written, maybe compact ("i") */
    sipua_str value; /* raw value span */
    sipua_hdr_id id;
    uint32_t line; /* 1-based line number of the field in the message */
} sipua_hdr;

/* ------------------------------------------------------------------ */
/* URIs (RFC 3261 19.1, RFC 3966 tel)                                  */

typedef enum sipua_uri_scheme {
    SIPUA_URI_OTHER = 0, /* an absoluteURI of another scheme: only `scheme` and `opaque` are set */
    SIPUA_URI_SIP,
    SIPUA_URI_SIPS,
    SIPUA_URI_TEL
} sipua_uri_scheme;

typedef enum sipua_host_kind {
    SIPUA_HOST_NONE = 0,
    SIPUA_HOST_NAME, /* a DNS name */
    SIPUA_HOST_IPV4,
    SIPUA_HOST_IPV6 /* `host` excludes the brackets */
} sipua_host_kind;

typedef struct sipua_uri {
    sipua_uri_scheme scheme_id;
    sipua_str scheme;   /* as written */
    sipua_str user;     /* escaped form; tel: the number */
    sipua_str password; /* escaped form */
    sipua_str host;
    sipua_host_kind host_kind;
    uint16_t port;     /* 0 when absent */
    sipua_str params;  /* after the first ';' of the host part, without it */
    sipua_str headers; /* after '?', without it */
    sipua_str opaque;  /* everything after "scheme:" */
    sipua_str whole;   /* the whole URI as written */
} sipua_uri;

/* Parses a URI. Returns 0, or SIPUA_EPARSE when it is malformed.
 * Errors: SIPUA_EINVAL for NULL arguments, SIPUA_EPARSE. */
SIPUA_EXTERN int sipua_uri_parse(sipua_str text, sipua_uri *uri);

/* Looks up a ';'-separated parameter by name (ignoring case) in a parameter
 * list such as sipua_uri.params or sipua_nameaddr.params. Returns 1 when
 * found (value is {NULL,0} for a parameter without '='), 0 when absent. */
SIPUA_EXTERN int sipua_param_find(sipua_str params, const char *name, sipua_str *value);

/* Iterates a ';'-separated parameter list: start with *pos = 0; returns 1
 * with the next name and value (value {NULL,0} when it has no '='), 0 at
 * the end. */
SIPUA_EXTERN int sipua_param_next(sipua_str params, size_t *pos, sipua_str *name, sipua_str *value);

/* Decodes %HH escapes of `in` into out[0..cap). Returns the decoded length,
 * SIPUA_EPARSE for a bad escape, SIPUA_ENOSPC when cap is too small. NULs
 * are kept (RFC 4475 3.1.1.4). */
SIPUA_EXTERN int sipua_unescape(sipua_str in, char *out, size_t cap);

/* Compares two SIP/SIPS URIs by the rules of RFC 3261 19.1.4. Returns 1 when
 * equivalent, 0 when not, SIPUA_EPARSE when either has a malformed escape. */
SIPUA_EXTERN int sipua_uri_equal(const sipua_uri *a, const sipua_uri *b);

/* ------------------------------------------------------------------ */
/* name-addr / addr-spec (From, To, Contact, Route, Refer-To, ...)     */

typedef struct sipua_nameaddr {
    sipua_str display; /* as written: quoted (with quotes) or tokens; {NULL,0} when absent */
    sipua_uri uri;
    sipua_str params; /* header parameters after the URI, without the leading ';' */
    sipua_str tag;    /* the tag parameter's value, {NULL,0} when absent */
    int bracketed;    /* 1 for name-addr "<...>", 0 for a bare addr-spec */
} sipua_nameaddr;

/* Parses one name-addr or addr-spec with its header parameters. In a bare
 * addr-spec, ';' starts the header parameters (RFC 3261 20), and '?' or ','
 * make it invalid. Returns 0 or SIPUA_EPARSE. */
SIPUA_EXTERN int sipua_nameaddr_parse(sipua_str text, sipua_nameaddr *na);

/* The display name with the quotes and backslash escapes removed, written
 * to out[0..cap). Returns its length or SIPUA_ENOSPC. */
SIPUA_EXTERN int sipua_nameaddr_display(const sipua_nameaddr *na, char *out, size_t cap);

/* ------------------------------------------------------------------ */
/* Via (RFC 3261 20.42, RFC 3581)                                      */

typedef struct sipua_via {
    sipua_str protocol;  /* "SIP/2.0" */
    sipua_str transport; /* "UDP", "TCP", "TLS", "SCTP", "WS", "WSS", or an extension token */
    sipua_str host;      /* without IPv6 brackets */
    sipua_host_kind host_kind;
    uint16_t port;      /* 0 when absent */
    sipua_str branch;   /* {NULL,0} when absent */
    sipua_str received; /* without brackets */
    sipua_str maddr;
    int32_t rport;    /* -1 absent, 0 present without a value, else the port */
    int32_t ttl;      /* -1 absent */
    sipua_str params; /* all parameters, without the leading ';' */
} sipua_via;

/* 1 when the branch carries the RFC 3261 magic cookie "z9hG4bK" followed by
 * at least one more character (RFC 3261 17.2.3); 0 means the transaction
 * must be matched the RFC 2543 way (RFC 4475 3.2.1). */
SIPUA_EXTERN int sipua_via_branch_is_rfc3261(const sipua_via *via);

/* Parses one via-parm. Returns 0 or SIPUA_EPARSE. */
SIPUA_EXTERN int sipua_via_parse(sipua_str text, sipua_via *via);

/* ------------------------------------------------------------------ */
/* Other typed values                                                  */

typedef struct sipua_cseq {
    uint32_t number;
    sipua_method method;
    sipua_str method_str;
} sipua_cseq;

typedef struct sipua_rack {
    uint32_t rseq;
    uint32_t cseq;
    sipua_method method;
    sipua_str method_str;
} sipua_rack;

typedef struct sipua_media_type {
    sipua_str type;    /* "application" */
    sipua_str subtype; /* "sdp" */
    sipua_str params;  /* without the leading ';' */
} sipua_media_type;

/* Digest and other credentials and challenges (RFC 3261 25, RFC 7616). */
typedef struct sipua_auth {
    sipua_str scheme; /* "Digest", or another token */
    sipua_str params; /* the comma-separated auth-params */
    /* Digest fields, values with quotes removed (escapes left as written). */
    sipua_str realm, nonce, opaque, algorithm, qop, username, uri, response, cnonce, nc, stale,
        domain, userhash;
} sipua_auth;

/* Parses a challenge or credentials value. Returns 0 or SIPUA_EPARSE. */
SIPUA_EXTERN int sipua_auth_parse(sipua_str text, sipua_auth *auth);

typedef struct sipua_event_hdr {
    sipua_str package; /* "refer", "dialog", ... (event-type, with template) */
    sipua_str id;      /* the id parameter */
    sipua_str params;
} sipua_event_hdr;

typedef struct sipua_substate {
    sipua_str state; /* "active", "pending", "terminated", or an extension */
    sipua_str reason;
    int64_t expires;     /* -1 when absent */
    int64_t retry_after; /* -1 when absent */
    sipua_str params;
} sipua_substate;

typedef struct sipua_reason {
    sipua_str protocol; /* "SIP", "Q.850", ... */
    int32_t cause;      /* -1 when absent */
    sipua_str text;     /* the text parameter without quotes */
    sipua_str params;
} sipua_reason;

/* ------------------------------------------------------------------ */
/* Messages                                                            */

typedef struct sipua_msg sipua_msg;

/* Parse error details, for 400 reason phrases and for `sipua lint`. */
typedef struct sipua_msg_error {
    int code;           /* SIPUA_EPARSE, SIPUA_ELIMIT, SIPUA_EVERSION, SIPUA_EAGAIN */
    const char *reason; /* static text naming the fault: "empty parameter" */
    sipua_str header;   /* the header field's name as written, when the fault is in one */
    size_t offset;      /* byte offset of the fault from the message start */
    uint32_t line;      /* 1-based line of the fault */
    uint32_t column;    /* 1-based column of the fault */
} sipua_msg_error;

/* Allocates a message object able to hold limits->max_headers headers.
 * limits and alloc may be NULL (defaults). The object is reused across
 * parses. Returns NULL when out of memory. */
SIPUA_EXTERN sipua_msg *sipua_msg_new(const sipua_msg_limits *limits, const sipua_allocator *alloc);
SIPUA_EXTERN void sipua_msg_free(sipua_msg *msg);

/* A compact copy of parsed message src, for keeping: buf[0..len) holds the
 * same bytes as src (sipua_msg_raw), moved where the caller keeps them for
 * as long as the copy; the copy is those bytes parsed again with src's
 * limits, with room for src's headers only (one allocation instead of
 * max_headers entries), so that parsing another message into it may fail
 * with SIPUA_ELIMIT. Free it with sipua_msg_free(). Returns NULL when out
 * of memory, for NULL arguments, or when buf does not parse. */
SIPUA_EXTERN sipua_msg *sipua_msg_copy(const sipua_msg *src, const char *buf, size_t len,
                                       const sipua_allocator *alloc);

typedef enum sipua_parse_flags {
    SIPUA_PARSE_DATAGRAM = 0, /* the buffer is one whole datagram (RFC 3261 18.3) */
    SIPUA_PARSE_STREAM = 1    /* the buffer is a stream: Content-Length is mandatory and the
                                 message may continue in later bytes */
} sipua_parse_flags;

/* Parses one message from buf[0..len). The previous content of msg is
 * discarded. The buffer must outlive every use of msg.
 *
 * Datagram: a missing Content-Length means the body is the rest of the
 * datagram; octets after Content-Length bytes of body are ignored; a
 * Content-Length beyond the datagram is an error.
 * Stream: leading CRLFs are skipped; a missing Content-Length is an error;
 * an incomplete message returns SIPUA_EAGAIN.
 *
 * Returns the number of bytes consumed (> 0) on success. Errors:
 * SIPUA_EAGAIN (stream: more bytes needed), SIPUA_EPARSE, SIPUA_ELIMIT,
 * SIPUA_EVERSION (not SIP/2.0), SIPUA_EINVAL (NULL arguments). On error
 * sipua_msg_get_error() says what and where, and the message may still be
 * partly readable (sipua_msg_is_request(), method, top Via, Call-ID, CSeq,
 * when they were reached) so that a 400 can be answered. */
SIPUA_EXTERN int sipua_msg_parse(sipua_msg *msg, const char *buf, size_t len, int flags);

/* Parses and checks every header field that was left for later, so that a
 * message that passes is well formed throughout (what `sipua lint` does).
 * Returns 0, or SIPUA_EPARSE with sipua_msg_get_error() filled. */
SIPUA_EXTERN int sipua_msg_parse_all(sipua_msg *msg);

SIPUA_EXTERN const sipua_msg_error *sipua_msg_get_error(const sipua_msg *msg);

/* Start line. */
SIPUA_EXTERN int sipua_msg_is_request(const sipua_msg *msg);
SIPUA_EXTERN sipua_method sipua_msg_method(const sipua_msg *msg);
SIPUA_EXTERN sipua_str sipua_msg_method_str(const sipua_msg *msg);
SIPUA_EXTERN const sipua_uri *sipua_msg_request_uri(const sipua_msg *msg);
SIPUA_EXTERN int sipua_msg_status(const sipua_msg *msg);
SIPUA_EXTERN sipua_str sipua_msg_reason(const sipua_msg *msg);
/* The start line without its CRLF. */
SIPUA_EXTERN sipua_str sipua_msg_start_line(const sipua_msg *msg);
/* The whole message as parsed (start line to end of body). */
SIPUA_EXTERN sipua_str sipua_msg_raw(const sipua_msg *msg);

/* Headers in order of appearance. */
SIPUA_EXTERN size_t sipua_msg_header_count(const sipua_msg *msg);
SIPUA_EXTERN const sipua_hdr *sipua_msg_header_at(const sipua_msg *msg, size_t index);
/* The first header with this id at index >= from; NULL when none. */
SIPUA_EXTERN const sipua_hdr *sipua_msg_find(const sipua_msg *msg, sipua_hdr_id id, size_t *from);
/* The first header with this name (long or compact form, any case). */
SIPUA_EXTERN const sipua_hdr *sipua_msg_find_name(const sipua_msg *msg, const char *name);

/* Iterates the comma-separated values of every header with this id, in
 * order: start with *iter = 0; returns 1 with the next value span, 0 at the
 * end. Commas inside quotes and <> do not split. */
SIPUA_EXTERN int sipua_msg_next_value(const sipua_msg *msg, sipua_hdr_id id, uint64_t *iter,
                                      sipua_str *value);

/* The eager headers, parsed on arrival. NULL when absent; for From, To and
 * Contact also NULL when the URI inside is malformed (the header itself is
 * still there: sipua_msg_find() returns it, sipua_msg_parse_all() says
 * what is wrong). */
SIPUA_EXTERN const sipua_via *sipua_msg_top_via(const sipua_msg *msg);
SIPUA_EXTERN size_t sipua_msg_via_count(const sipua_msg *msg);
SIPUA_EXTERN const sipua_nameaddr *sipua_msg_from(const sipua_msg *msg);
SIPUA_EXTERN const sipua_nameaddr *sipua_msg_to(const sipua_msg *msg);
SIPUA_EXTERN sipua_str sipua_msg_call_id(const sipua_msg *msg);
SIPUA_EXTERN const sipua_cseq *sipua_msg_cseq(const sipua_msg *msg);
/* -1 when absent. */
SIPUA_EXTERN int sipua_msg_max_forwards(const sipua_msg *msg);
/* -1 when absent. */
SIPUA_EXTERN int64_t sipua_msg_content_length(const sipua_msg *msg);
/* The first Contact; NULL when absent. `*star` is set to 1 for "Contact: *". */
SIPUA_EXTERN const sipua_nameaddr *sipua_msg_contact(const sipua_msg *msg, int *star);
SIPUA_EXTERN size_t sipua_msg_contact_count(const sipua_msg *msg);
SIPUA_EXTERN size_t sipua_msg_route_count(const sipua_msg *msg);
SIPUA_EXTERN size_t sipua_msg_record_route_count(const sipua_msg *msg);
SIPUA_EXTERN sipua_str sipua_msg_body(const sipua_msg *msg);

/* Lazily parsed headers. Each returns 0 and fills *out, SIPUA_ENOTFOUND
 * when the header is absent, SIPUA_EPARSE when it is malformed. The first
 * header of that name is used. */
SIPUA_EXTERN int sipua_msg_content_type(const sipua_msg *msg, sipua_media_type *out);
SIPUA_EXTERN int sipua_msg_expires(const sipua_msg *msg, uint32_t *out);
SIPUA_EXTERN int sipua_msg_rseq(const sipua_msg *msg, uint32_t *out);
SIPUA_EXTERN int sipua_msg_rack(const sipua_msg *msg, sipua_rack *out);
SIPUA_EXTERN int sipua_msg_refer_to(const sipua_msg *msg, sipua_nameaddr *out);
SIPUA_EXTERN int sipua_msg_referred_by(const sipua_msg *msg, sipua_nameaddr *out);
SIPUA_EXTERN int sipua_msg_event(const sipua_msg *msg, sipua_event_hdr *out);
SIPUA_EXTERN int sipua_msg_subscription_state(const sipua_msg *msg, sipua_substate *out);
SIPUA_EXTERN int sipua_msg_reason_hdr(const sipua_msg *msg, sipua_reason *out);
/* The idx-th credentials or challenge of that header id (AUTHORIZATION,
 * PROXY_AUTHORIZATION, WWW_AUTHENTICATE, PROXY_AUTHENTICATE). */
SIPUA_EXTERN int sipua_msg_auth(const sipua_msg *msg, sipua_hdr_id id, size_t idx, sipua_auth *out);
/* 1 when an option tag appears in any header of this id (REQUIRE, SUPPORTED,
 * PROXY_REQUIRE, UNSUPPORTED), 0 when not. Case-insensitive. */
SIPUA_EXTERN int sipua_msg_has_option(const sipua_msg *msg, sipua_hdr_id id, const char *tag);

/* ------------------------------------------------------------------ */
/* Stream framing                                                      */

/* Finds message boundaries in a stream transport's receive buffer without
 * rescanning what it has already seen. */
typedef struct sipua_framer {
    size_t scanned;    /* bytes of the current message already searched for the blank line */
    size_t head_end;   /* 0 until the end of the header section is known */
    size_t total;      /* start line to end of body, once known */
    int error;         /* sticky: once framing fails, the stream must be closed */
    int awaiting_pong; /* set by the owner after sending a CRLFCRLF ping: a lone CRLF is then
                          the pong at once, rather than possibly the first half of a ping */
} sipua_framer;

typedef enum sipua_frame_kind {
    SIPUA_FRAME_MESSAGE = 1,   /* *len bytes starting at *skip are one message */
    SIPUA_FRAME_KEEPALIVE = 2, /* *skip bytes are a CRLFCRLF ping (RFC 5626 4.4.1): answer CRLF */
    SIPUA_FRAME_PONG = 3       /* *skip bytes are a lone CRLF (a pong, or noise before a message) */
} sipua_frame_kind;

SIPUA_EXTERN void sipua_framer_init(sipua_framer *f);

/* Looks at the unconsumed bytes buf[0..len) of a stream. Returns a
 * sipua_frame_kind (> 0) when something can be consumed: the caller consumes
 * *skip bytes (and for a message, hands buf[*skip .. *skip+*len) to
 * sipua_msg_parse with SIPUA_PARSE_STREAM), then calls again with the rest.
 * Returns SIPUA_EAGAIN when more bytes are needed, SIPUA_EPARSE or
 * SIPUA_ELIMIT when the stream cannot be framed (sticky). */
SIPUA_EXTERN int sipua_framer_next(sipua_framer *f, const sipua_msg_limits *limits, const char *buf,
                                   size_t len, size_t *skip, size_t *msg_len);

/* ------------------------------------------------------------------ */
/* Building messages                                                   */

/* Writes a message straight into a caller's buffer. Errors are sticky: once
 * the buffer is full every call is a no-op and sipua_builder_finish() returns
 * SIPUA_ENOSPC. */
typedef struct sipua_builder {
    char *buf;
    size_t cap;
    size_t len;
    int error;
} sipua_builder;

SIPUA_EXTERN void sipua_builder_init(sipua_builder *b, char *buf, size_t cap);
/* "METHOD uri SIP/2.0\r\n". SIPUA_EINVAL for an empty method or URI. */
SIPUA_EXTERN int sipua_builder_request_line(sipua_builder *b, sipua_str method, sipua_str uri);
/* "SIP/2.0 code reason\r\n". SIPUA_EINVAL for a code outside 100..699. */
SIPUA_EXTERN int sipua_builder_status_line(sipua_builder *b, int code, sipua_str reason);
/* "Name: value\r\n". SIPUA_EINVAL when the name is not a token or the value
 * holds CR or LF. */
SIPUA_EXTERN int sipua_builder_header(sipua_builder *b, sipua_str name, sipua_str value);
SIPUA_EXTERN int sipua_builder_header_u64(sipua_builder *b, sipua_str name, uint64_t value);
/* Appends raw bytes (a value assembled in pieces: follow with
 * sipua_builder_raw(b, SIPUA_STR("\r\n"))). */
SIPUA_EXTERN int sipua_builder_raw(sipua_builder *b, sipua_str bytes);
/* "Content-Length: N\r\n\r\n" then the body. Ends the message. */
SIPUA_EXTERN int sipua_builder_body(sipua_builder *b, sipua_str body);
/* Returns the message length, or the sticky error. */
SIPUA_EXTERN int sipua_builder_finish(const sipua_builder *b);

/* Starts a response to request req (RFC 3261 8.2.6.2): the status line,
 * the request's Via values in order, From, To, Call-ID and CSeq. The top
 * Via gets received and rport (RFC 3581 4) from src_host and src_port, the
 * address the request came from, when src_host is given ({NULL, 0}: the
 * Vias as received). To gets ";tag=" to_tag when code is above 100, the
 * request's To has no tag and to_tag is given. Add the other headers, then
 * end with sipua_builder_body(). Returns 0, SIPUA_EINVAL (req not a request,
 * or without top Via, From, To, Call-ID or CSeq; a code outside 100..699)
 * or the builder's sticky error. */
SIPUA_EXTERN int sipua_builder_response(sipua_builder *b, const sipua_msg *req, int code,
                                        sipua_str reason, sipua_str to_tag, sipua_str src_host,
                                        uint16_t src_port);

/* Writes a parsed message in canonical form: long header names, folding
 * replaced by one space, and a Content-Length that matches the body. The
 * result parses to a message equal to msg. Returns the length written or
 * SIPUA_ENOSPC. */
SIPUA_EXTERN int sipua_msg_serialize(const sipua_msg *msg, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
