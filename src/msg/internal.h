/* The message object and the scanners shared by src/msg. Internal. */
#ifndef SIPUA_MSG_INTERNAL_H
#define SIPUA_MSG_INTERNAL_H

#include "sipua/msg.h"

struct sipua_msg {
    sipua_allocator alloc;
    sipua_msg_limits limits;
    sipua_hdr *hdrs;
    size_t nhdrs;
    size_t cap;

    /* Filled by the scanners when the element is met; meaningful only when
     * the flags below say it was (not cleared between parses). */
    sipua_uri ruri;
    sipua_via top_via;
    sipua_nameaddr from, to, contact;
    sipua_cseq cseq;
    sipua_str call_id;

    /* Cleared on every parse, from here to the end. */
    const char *buf; /* the whole message: start line to end of body */
    size_t len;
    int is_request;
    int has_ruri;
    sipua_method method;
    sipua_str method_str;
    int status;
    sipua_str reason;
    sipua_str start_line;
    sipua_str body;
    int64_t content_length;
    int max_forwards;
    int contact_star;
    uint32_t via_count, contact_count, route_count, rr_count;
    uint32_t seen; /* bit per eager single-value header id already met */
    /* URIs of From, To and the first Contact: 0 not yet taken apart, 1 done,
     * -1 malformed (the accessor then returns NULL) */
    int8_t from_uri, to_uri, contact_uri;

    /* index + 1 of the first header of each id, 0 when absent */
    uint16_t first[SIPUA_HDR_COUNT_];

    sipua_msg_error err;
};

/* Keeps a function out of line: for the rare paths, and where a call is
 * cheaper than the registers an inlined body would take from its caller. */
#if defined(__GNUC__)
#define SIPUA_NOINLINE      __attribute__((noinline))
#define SIPUA_ALWAYS_INLINE __attribute__((always_inline))
#else
#define SIPUA_NOINLINE
#define SIPUA_ALWAYS_INLINE
#endif

/* Where and why a scanner failed. */
typedef struct sipua__fault {
    const char *why;
    const char *at;
} sipua__fault;

static inline const char *sipua__fail(sipua__fault *f, const char *why, const char *at)
{
    f->why = why;
    f->at = at;
    return NULL;
}

/* Scanners: each parses one element starting at p and returns the position
 * after it, or NULL when malformed (filling *why). */
const char *sipua__host(const char *p, const char *end, sipua_str *host, sipua_host_kind *kind);
int sipua__uri_parse(const char *p, const char *end, sipua_uri *u);
/* [p, e) is exactly an IPv4 address / the inside of an IPv6 reference. */
int sipua__is_ipv4(const char *p, const char *e);
int sipua__is_ipv6(const char *p, const char *e);

/* One name-addr or addr-spec with its header parameters, up to a top-level
 * ',' (with SIPUA__NA_LIST) or the end. SIPUA__NA_BRACKETS: the URI must be
 * in <> (Route, Record-Route). SIPUA__NA_URI_LATER: only the URI's span is
 * found (na->uri.whole); sipua__uri_parse() takes it apart when asked. */
enum { SIPUA__NA_LIST = 1, SIPUA__NA_BRACKETS = 2, SIPUA__NA_URI_LATER = 4 };
const char *sipua__nameaddr(const char *p, const char *end, sipua_nameaddr *na, int flags,
                            sipua__fault *why);

/* One via-parm, up to a top-level ',' or the end. */
const char *sipua__via(const char *p, const char *end, sipua_via *via, sipua__fault *why);

/* generic-param list after a value: *( SEMI token [ EQUAL gen-value ] ).
 * Stops at ',' (when list) or the end. Returns the end of the list. */
const char *sipua__gen_params(const char *p, const char *end, int list, sipua__fault *why);

/* auth-param *( COMMA auth-param ); fills a when not NULL. Returns the end
 * of the list or NULL. */
const char *sipua__auth_params(const char *p, const char *e, sipua_auth *a);

/* Splits a header value at top-level commas (outside quotes and <>). */
const char *sipua__next_comma(const char *p, const char *end);

/* Sets the message's error once (the first fault wins). */
void sipua__msg_fail(sipua_msg *msg, int code, const char *reason, const char *at,
                     const sipua_hdr *hdr);

/* Validates one lazily parsed header. Returns 0 or SIPUA_EPARSE with *why
 * and *at set. */
int sipua__check_header(const sipua_msg *msg, const sipua_hdr *h, const char **why,
                        const char **at);

#endif
