/* The UAS's first look at a received message (RFC 3261 8.2, 8.1.3.3, 18.1.2):
 * which requests are answered at once with an error, which messages are
 * dropped, and which go on to the transaction and session layers. Internal;
 * the UA core calls it on every message it receives. */
#ifndef SIPUA_UA_INSPECT_H
#define SIPUA_UA_INSPECT_H

#include "sipua/msg.h"

typedef struct sipua__uas_policy {
    uint32_t allowed_methods;     /* bit (1u << sipua_method) per method we implement */
    const char *const *supported; /* option tags we support ("100rel", "timer", ...) */
    size_t nsupported;
    const char *const *accepted_types; /* body types we accept ("application/sdp", ...) */
    size_t naccepted;
    int registrar;                /* acting as a registrar: REGISTER needs a SIP AOR */
    int authenticate;             /* requests must carry Digest credentials */
    const sipua_str *local_hosts; /* our sent-by hosts, to check responses' top Via */
    size_t nlocal_hosts;
} sipua__uas_policy;

typedef enum sipua__action {
    SIPUA_ACT_PROCESS = 0, /* hand to the transaction layer */
    SIPUA_ACT_RESPOND,     /* answer statelessly with `status` */
    SIPUA_ACT_DROP         /* discard (and count) */
} sipua__action;

#define SIPUA_MAX_UNSUPPORTED 16

typedef struct sipua__verdict {
    sipua__action action;
    int status;          /* for SIPUA_ACT_RESPOND */
    const char *reason;  /* reason phrase */
    const char *why;     /* what was wrong, for logs and the 400 reason phrase */
    int add_allow;       /* 405/501: add Allow */
    int add_accept;      /* 415: add Accept */
    int add_unsupported; /* 420: add Unsupported with the tags below */
    sipua_str unsupported[SIPUA_MAX_UNSUPPORTED];
    size_t nunsupported;
} sipua__verdict;

/* Decides what to do with a message that sipua_msg_parse() returned
 * `parse_result` for. Never fails: a NULL policy means "all methods, no
 * extensions, SDP bodies". */
void sipua__uas_inspect(const sipua_msg *msg, int parse_result, const sipua__uas_policy *policy,
                        sipua__verdict *out);

#endif
