/* sipua — SDP (RFC 4566) and the offer/answer model (RFC 3264).
 *
 * Parsing is zero-copy: a parsed description is an index of spans into the
 * buffer it was parsed from, which the caller keeps alive and unchanged for
 * as long as it reads the description. The parser is strict about what RFC
 * 4566 requires (line order, "type=value" with nothing around '=', CRLF or
 * LF after every line, one known type letter per line) and reports the
 * first fault with a reason, a line and a column: such a fault is the
 * session cause BAD_MEDIA_DESCRIPTION.
 *
 * The offer/answer half (sipua_sdp_oa) is a plain struct the caller owns,
 * one per session, over capabilities that sessions may share: it writes
 * our offers and answers into caller buffers and turns the peer's answer
 * or offer into a negotiation result. It allocates nothing, reads no
 * clock and draws no random number (the o= session id comes from the
 * caller).
 */
#ifndef SIPUA_SDP_H
#define SIPUA_SDP_H

#include "base.h"
#include "msg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Limits                                                              */

/* Input beyond a limit is refused with SIPUA_ELIMIT; never truncated. */
typedef struct sipua_sdp_limits {
    uint32_t version;   /* SIPUA_SDP_LIMITS_VERSION */
    size_t max_size;    /* the whole description in octets; default 65535 */
    size_t max_lines;   /* lines of every type; default 1024 */
    size_t max_media;   /* m= sections; default 16 */
    size_t max_attrs;   /* a= lines, session and media level together; default 512 */
    size_t max_formats; /* formats over all m= lines; default 256 */
} sipua_sdp_limits;

#define SIPUA_SDP_LIMITS_VERSION 1

/* b= lines kept per section (session or media); more is SIPUA_ELIMIT. */
#define SIPUA_SDP_MAX_BANDWIDTHS 4

/* Fills *limits with the defaults above. */
SIPUA_EXTERN void sipua_sdp_limits_init(sipua_sdp_limits *limits);

/* ------------------------------------------------------------------ */
/* The parsed description                                              */

typedef enum sipua_sdp_direction {
    SIPUA_SDP_DIR_NONE = 0, /* no direction attribute (session level only) */
    SIPUA_SDP_SENDRECV = 3,
    SIPUA_SDP_SENDONLY = 1,
    SIPUA_SDP_RECVONLY = 2,
    SIPUA_SDP_INACTIVE = 4
} sipua_sdp_direction;

/* "sendrecv", "sendonly", "recvonly", "inactive"; "" for NONE. */
SIPUA_EXTERN const char *sipua_sdp_direction_name(sipua_sdp_direction dir);

/* Every line as written: its type letter, its value (after '=', without
 * the line end) and its 1-based line number. */
typedef struct sipua_sdp_line {
    char type;
    sipua_str value;
    uint32_t line;
} sipua_sdp_line;

/* a=name or a=name:value. value is {NULL,0} for a property attribute and
 * an empty non-NULL span for "a=name:". */
typedef struct sipua_sdp_attr {
    sipua_str name;
    sipua_str value;
    uint32_t line;
} sipua_sdp_attr;

/* c=<nettype> <addrtype> <address>[/<ttl>][/<count>] (RFC 4566 5.7). */
typedef struct sipua_sdp_conn {
    sipua_str nettype;  /* "IN" */
    sipua_str addrtype; /* "IP4", "IP6" or an extension token */
    sipua_str address;  /* without /ttl and /count; {NULL,0} when there is no c= */
    int32_t ttl;        /* IP4 multicast TTL, -1 when absent */
    uint32_t count;     /* number of addresses, 1 when absent */
} sipua_sdp_conn;

/* b=<bwtype>:<bandwidth> (RFC 4566 5.8). */
typedef struct sipua_sdp_bw {
    sipua_str type; /* "AS", "CT", "TIAS", ... */
    uint64_t value;
} sipua_sdp_bw;

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>. */
typedef struct sipua_sdp_origin {
    sipua_str username;
    sipua_str sess_id; /* digits, kept as written: some stacks exceed 64 bits */
    uint64_t sess_version;
    sipua_str nettype, addrtype, address;
} sipua_sdp_origin;

/* One m= section with its media-level lines. */
typedef struct sipua_sdp_media {
    sipua_str media;     /* "audio", "video", "application", ... */
    uint16_t port;       /* 0: the stream is refused or disabled */
    uint32_t port_count; /* m=audio 49170/2: 2; 1 when absent */
    sipua_str proto;     /* "RTP/AVP", "UDP/TLS/RTP/SAVPF", ... */
    const sipua_str *fmts;
    size_t fmt_count;    /* at least one */
    sipua_str info;      /* i= */
    sipua_str key;       /* k= */
    sipua_sdp_conn conn; /* this section's first c=, or the session's when it has none */
    size_t conn_count;   /* c= lines of this section itself */
    sipua_sdp_bw bw[SIPUA_SDP_MAX_BANDWIDTHS];
    size_t bw_count;
    const sipua_sdp_attr *attrs; /* this section's a= lines, in order */
    size_t attr_count;
    const sipua_sdp_line *lines; /* every line of the section from m= on */
    size_t line_count;
    /* The direction in force: the media level's attribute, else the
     * session level's, else sendrecv (RFC 3264 5.1). Never NONE. */
    sipua_sdp_direction direction;
    /* Well-known attributes of this section; -1 or {NULL,0} when absent. */
    int32_t ptime, maxptime; /* milliseconds (a fraction is cut off) */
    int32_t rtcp_port;       /* a=rtcp (RFC 3605) */
    sipua_str rtcp;          /* its whole value */
    int rtcp_mux;            /* a=rtcp-mux (RFC 5761) */
    sipua_str ice_ufrag, ice_pwd, fingerprint, setup, mid; /* falling back to the session's
                                                              for ice-ufrag, ice-pwd,
                                                              fingerprint and setup */
    uint32_t line;                                         /* of the m= line */
} sipua_sdp_media;

typedef struct sipua_sdp_error {
    int code;           /* SIPUA_EPARSE, SIPUA_ELIMIT, SIPUA_EVERSION */
    const char *reason; /* static text naming the fault: "field order: s= expected" */
    size_t offset;      /* byte offset of the fault from the description's start */
    uint32_t line;      /* 1-based */
    uint32_t column;    /* 1-based */
} sipua_sdp_error;

/* A parsed description. The fields are read-only for the caller; the
 * arrays belong to the object and are reused by the next parse. */
typedef struct sipua_sdp {
    sipua_sdp_origin origin;
    sipua_str session_name; /* s= */
    sipua_str info;         /* i= */
    sipua_str uri;          /* u= */
    sipua_str email;        /* the first e= (all in `lines`) */
    sipua_str phone;        /* the first p= */
    sipua_sdp_conn conn;    /* session-level c=; address {NULL,0} when absent */
    sipua_sdp_bw bw[SIPUA_SDP_MAX_BANDWIDTHS];
    size_t bw_count;
    uint64_t start_time, stop_time; /* the first t= */
    size_t time_count;              /* t= lines (r= and z= are in `lines`) */
    sipua_str key;                  /* k= */
    const sipua_sdp_attr *attrs;    /* session-level a= lines */
    size_t attr_count;
    sipua_sdp_direction direction; /* session-level direction attribute, or NONE */
    sipua_str ice_ufrag, ice_pwd, fingerprint, setup, group;
    int ice_lite;
    const sipua_sdp_media *media;
    size_t media_count;
    const sipua_sdp_line *lines; /* every line of the description, in order */
    size_t line_count;
    sipua_str raw; /* the text parsed */
    sipua_sdp_error error;
    /* internal: storage, do not touch */
    struct sipua_sdp_store_ *store_;
} sipua_sdp;

/* Allocates a description object able to hold what the limits allow
 * (limits and alloc may be NULL: defaults). The object is reused across
 * parses. Returns NULL when out of memory or a limit is 0. */
SIPUA_EXTERN sipua_sdp *sipua_sdp_new(const sipua_sdp_limits *limits, const sipua_allocator *alloc);
SIPUA_EXTERN void sipua_sdp_free(sipua_sdp *sdp);

/* Parses a whole session description from buf[0..len). The previous
 * content of sdp is discarded; the buffer must outlive every use of sdp.
 * Returns 0, or: SIPUA_EPARSE (malformed), SIPUA_EVERSION (v= other than 0),
 * SIPUA_ELIMIT (a limit exceeded), SIPUA_EINVAL (NULL arguments). On error
 * sdp->error says what and where, and the other fields are unspecified. */
SIPUA_EXTERN int sipua_sdp_parse(sipua_sdp *sdp, const char *buf, size_t len);

/* Iterates the attributes of that name (case-sensitive, RFC 4566 5.13) in
 * attrs[0..count): start with *iter = 0; returns 1 with the next one's
 * value ({NULL,0} for a property attribute), 0 at the end. For candidates,
 * ssrc, crypto, extmap and the other repeated attributes. */
SIPUA_EXTERN int sipua_sdp_attr_next(const sipua_sdp_attr *attrs, size_t count, const char *name,
                                     size_t *iter, sipua_str *value);

/* An RTP payload format (a=rtpmap, RFC 4566 6, or the static payload
 * types of RFC 3551 6). */
typedef struct sipua_sdp_rtpmap {
    int pt;             /* 0..127 */
    sipua_str encoding; /* "opus"; for a static type without rtpmap, a static string */
    uint32_t clock_rate;
    uint32_t channels; /* 1 when absent */
    sipua_str fmtp;    /* the a=fmtp parameters of this pt, {NULL,0} when none */
} sipua_sdp_rtpmap;

/* The payload format of format fmt_index of m: its a=rtpmap, or the
 * static assignment of RFC 3551 for pt 0..34 without one. Returns 0,
 * SIPUA_ENOTFOUND (a dynamic type without rtpmap, or no such index), or
 * SIPUA_EINVAL (the format is not a payload type number). */
SIPUA_EXTERN int sipua_sdp_media_rtpmap(const sipua_sdp_media *m, size_t fmt_index,
                                        sipua_sdp_rtpmap *out);

/* Writes a parsed description back in canonical form (CRLF line ends;
 * fields from the parsed values, so that parsing the output gives the same
 * description). Returns the length written, SIPUA_ENOSPC, SIPUA_EINVAL. */
SIPUA_EXTERN int sipua_sdp_write(const sipua_sdp *sdp, char *out, size_t cap);

/* ------------------------------------------------------------------ */
/* Building                                                            */

/* SDP is written with the sipua_builder of msg.h (sticky SIPUA_ENOSPC).
 * "<type>=<value>\r\n": SIPUA_EINVAL when type is not a-z or the value
 * holds CR, LF or NUL. */
SIPUA_EXTERN int sipua_sdp_build_line(sipua_builder *b, char type, sipua_str value);
/* "a=<name>\r\n" when value.p is NULL, else "a=<name>:<value>\r\n".
 * SIPUA_EINVAL when the name is empty or holds ':', SP, CR, LF or NUL. */
SIPUA_EXTERN int sipua_sdp_build_attr(sipua_builder *b, sipua_str name, sipua_str value);

/* ------------------------------------------------------------------ */
/* Offer/answer (RFC 3264)                                             */

typedef enum sipua_sdp_kind { SIPUA_SDP_AUDIO = 0, SIPUA_SDP_VIDEO = 1 } sipua_sdp_kind;

/* A codec we can send and receive. */
typedef struct sipua_sdp_codec {
    sipua_sdp_kind kind;
    char name[32];       /* encoding name, matched ignoring case: "PCMU", "opus" */
    uint32_t clock_rate; /* 8000, 48000, 90000 */
    uint32_t channels;   /* 1, or 2 for opus */
    int pt;              /* static payload type, or -1 for a dynamic one */
    int dynamic_pt;      /* the number we offer a dynamic type with (96..127) */
    char fmtp[128];      /* a=fmtp parameters we offer, "" for none */
} sipua_sdp_codec;

#define SIPUA_SDP_MAX_CODECS  12
#define SIPUA_SDP_MAX_STREAMS 16

/* What we offer and accept. */
typedef struct sipua_sdp_caps {
    uint32_t version;              /* SIPUA_SDP_CAPS_VERSION */
    char address[64];              /* our media address, IPv4 or IPv6 (a ':' makes it IP6) */
    char username[32];             /* o= username; default "-" */
    char session_name[64];         /* s=; default "-" */
    uint16_t audio_port;           /* RTP port for audio; 0 refuses audio */
    uint16_t video_port;           /* RTP port for video; 0 (the default) refuses video */
    sipua_sdp_direction direction; /* default sendrecv */
    uint32_t ptime;                /* a=ptime for audio, 0 for none; default 20 */
    sipua_sdp_codec codecs[SIPUA_SDP_MAX_CODECS]; /* in order of preference */
    size_t codec_count;
} sipua_sdp_caps;

#define SIPUA_SDP_CAPS_VERSION 1

/* Defaults: address "0.0.0.0", port 0, sendrecv, ptime 20, and the audio
 * codecs PCMU/8000 (0), PCMA/8000 (8), opus/48000/2 (dynamic 111, fmtp
 * "minptime=10;useinbandfec=1") and telephone-event/8000 (dynamic 101,
 * fmtp "0-16"). No video codec. */
SIPUA_EXTERN void sipua_sdp_caps_init(sipua_sdp_caps *caps);

/* Appends a codec. SIPUA_ELIMIT when the table is full, SIPUA_EINVAL for
 * an empty or too long name or fmtp, or a pt outside -1..127. */
SIPUA_EXTERN int sipua_sdp_caps_add(sipua_sdp_caps *caps, sipua_sdp_kind kind, const char *name,
                                    uint32_t clock_rate, uint32_t channels, int pt,
                                    const char *fmtp);

/* One stream of a negotiation, in m= line order. */
typedef struct sipua_sdp_stream {
    char media[32];      /* the m= media type, "audio" */
    int active;          /* 0 when either side refused it (port 0) */
    int pt;              /* the codec to send with, -1 when none */
    char codec[32];      /* its encoding name as the peer wrote it */
    uint32_t clock_rate; /* of the codec */
    uint32_t channels;
    int telephone_event_pt; /* RFC 4733 payload type to send DTMF with, -1 when none */
    char remote_address[64];
    uint16_t remote_port;
    int32_t remote_rtcp_port;      /* a=rtcp, else remote_port + 1; remote_port with rtcp-mux */
    int rtcp_mux;                  /* both sides agreed on a=rtcp-mux */
    uint16_t local_port;           /* the oa's port for the media type */
    sipua_sdp_direction direction; /* ours: SENDONLY means we send and do not receive */
} sipua_sdp_stream;

typedef struct sipua_sdp_negotiation {
    size_t stream_count;
    sipua_sdp_stream streams[SIPUA_SDP_MAX_STREAMS];
} sipua_sdp_negotiation;

typedef enum sipua_sdp_oa_state {
    SIPUA_SDP_OA_IDLE = 0,   /* nothing negotiated yet */
    SIPUA_SDP_OA_OFFER_SENT, /* our offer awaits its answer */
    SIPUA_SDP_OA_NEGOTIATED  /* an offer/answer exchange completed */
} sipua_sdp_oa_state;

/* Internal to the offer/answer code: one m= line of the last exchange
 * (kept so that later offers keep the order and the count, RFC 3264 8)
 * with its part of the result, in a few octets. Strings are offsets into
 * sipua_sdp_oa.text_. */
typedef struct sipua_sdp_oa_line_ {
    uint8_t media, proto, fmt; /* m= media, proto, and a format for a refused line */
    uint8_t flags;             /* offered, accepted, rtcp-mux, a=rtcp; our direction */
    int8_t pt, te_pt;          /* result: the codec to send with and telephone-event, -1 none */
    int8_t codec;              /* result: the index of that codec in the capabilities */
    uint8_t codec_name;        /* result: its encoding name as the peer wrote it */
    uint8_t address;           /* result: the peer's address */
    uint16_t remote_port, rtcp_port;
} sipua_sdp_oa_line_;

/* Offer/answer state of one session: plain data that allocates nothing,
 * about 460 octets; copy it, no free. The capabilities are borrowed. */
typedef struct sipua_sdp_oa {
    const sipua_sdp_caps *caps; /* ours: several sessions may share them */
    uint64_t session_id;
    uint64_t session_version;
    uint64_t last_hash; /* of our last description without its o= line */
    const char *reason; /* why the last call failed, static text */
    int held;           /* sipua_sdp_oa_hold() */
    sipua_sdp_oa_state state;
    uint16_t audio_port; /* this session's RTP ports: the capabilities' at init, */
    uint16_t video_port; /* which the caller may change before the first offer */
    /* internal: the m= lines of the last exchange and its result */
    uint8_t line_count_, result_count_;
    /* payload types offered per codec index, -1 not offered, for the one
     * line of each kind (audio, video) that is not refused */
    int8_t pts_[2][SIPUA_SDP_MAX_CODECS];
    sipua_sdp_oa_line_ lines_[SIPUA_SDP_MAX_STREAMS];
    char text_[160];
} sipua_sdp_oa;

/* Starts a session's offer/answer state from our capabilities, which are
 * not copied: they stay valid and unchanged for as long as oa is used.
 * session_id goes in o= (the caller draws it: RFC 4566 suggests an NTP
 * timestamp or a random number); the first description we write has
 * version 1. Errors: SIPUA_EINVAL for NULL arguments or capabilities that
 * would not make valid SDP: an empty address or one with characters other
 * than token characters and ':', a username that is not a token, a session
 * name with CR or LF or a leading blank, a codec name that is not a token,
 * a payload type outside 0..127, a zero clock rate, an fmtp with CR or LF,
 * more than SIPUA_SDP_MAX_CODECS codecs. */
SIPUA_EXTERN int sipua_sdp_oa_init(sipua_sdp_oa *oa, const sipua_sdp_caps *caps,
                                   uint64_t session_id);

/* Writes an offer into out[0..cap): audio (when caps has an audio port),
 * video (when it has a video port and a video codec), and for a re-offer
 * every m= line of the last exchange in the same order, refused ones with
 * port 0 (RFC 3264 8). The o= version grows when the description differs
 * from our last one. Returns its length, or SIPUA_ENOSPC, SIPUA_ESTATE (an
 * offer of ours is already awaiting its answer), SIPUA_ENOTFOUND (nothing
 * to offer: no port, no codec), SIPUA_EINVAL. */
SIPUA_EXTERN int sipua_sdp_oa_offer(sipua_sdp_oa *oa, char *out, size_t cap);

/* Answers the peer's offer (in an INVITE, a re-INVITE, an UPDATE, or in a
 * 2xx or reliable 1xx when our INVITE had none): same m= lines in the same
 * order, port 0 for each stream refused, per accepted stream the codecs we
 * share in the offer's order with the offer's payload type numbers,
 * telephone-event only when offered, and the direction of RFC 3264 6.1.
 * Writes the answer into out[0..cap); sipua_sdp_oa_result() gives the
 * result.
 * Returns its length, or: SIPUA_ENOTFOUND when no stream is acceptable (the
 * whole offer is incompatible: answer 488, cause INCOMPATIBLE_SDP),
 * SIPUA_EPARSE when the offer breaks RFC 3264 (cause
 * BAD_MEDIA_DESCRIPTION), SIPUA_ESTATE when an offer of ours is pending
 * (glare), SIPUA_ENOSPC, SIPUA_EINVAL. oa->reason says why. */
SIPUA_EXTERN int sipua_sdp_oa_answer(sipua_sdp_oa *oa, const sipua_sdp *offer, char *out,
                                     size_t cap);

/* Takes the peer's answer to our pending offer: it must have as many m=
 * lines as the offer, of the same media types, and in each accepted stream
 * only formats we offered. Sets the result. Returns 0, or:
 * SIPUA_EPARSE (the answer does not match the offer: BAD_MEDIA_DESCRIPTION),
 * SIPUA_ENOTFOUND (every stream refused or no usable codec:
 * INCOMPATIBLE_SDP), SIPUA_ESTATE (no offer pending), SIPUA_EINVAL. The
 * pending offer is over either way. */
SIPUA_EXTERN int sipua_sdp_oa_take_answer(sipua_sdp_oa *oa, const sipua_sdp *answer);

/* Forgets a pending offer of ours (its transaction failed, or 491): the
 * state returns to what it was before it. */
SIPUA_EXTERN void sipua_sdp_oa_rollback(sipua_sdp_oa *oa);

/* Puts the peer on hold (hold = 1) or takes it off (0), RFC 3264 8.4:
 * from then on our offers and answers mark sendrecv streams sendonly and
 * recvonly ones inactive. Follow with sipua_sdp_oa_offer(), whose version
 * then grows. Returns 0 or SIPUA_EINVAL. */
SIPUA_EXTERN int sipua_sdp_oa_hold(sipua_sdp_oa *oa, int hold);

/* The result of the last completed exchange into *out: one stream per m=
 * line, stream_count 0 when nothing was negotiated yet. Returns 0 or
 * SIPUA_EINVAL. */
SIPUA_EXTERN int sipua_sdp_oa_result(const sipua_sdp_oa *oa, sipua_sdp_negotiation *out);

#ifdef __cplusplus
}
#endif

#endif
