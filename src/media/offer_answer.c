/* The offer/answer model of RFC 3264 over parsed descriptions: our offers,
 * our answers to the peer's offers, and the peer's answers to ours. A
 * description is planned first (one plan_line per m= line), then written;
 * the plan is also what the m= lines of later offers are kept from. */
#include <string.h>

#include "media/internal.h"

/* ------------------------------------------------------------------ */
/* Capabilities                                                        */

static void copy_cstr(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void copy_span(char *dst, size_t cap, sipua_str src)
{
    size_t n = src.len < cap - 1 ? src.len : cap - 1;
    if (n)
        memcpy(dst, src.p, n);
    dst[n] = '\0';
}

int sipua_sdp_caps_add(sipua_sdp_caps *caps, sipua_sdp_kind kind, const char *name,
                       uint32_t clock_rate, uint32_t channels, int pt, const char *fmtp)
{
    if (!caps || !name || !*name || strlen(name) >= sizeof caps->codecs[0].name || !clock_rate ||
        pt < -1 || pt > 127 || (fmtp && strlen(fmtp) >= sizeof caps->codecs[0].fmtp) ||
        (kind != SIPUA_SDP_AUDIO && kind != SIPUA_SDP_VIDEO))
        return SIPUA_EINVAL;
    if (caps->codec_count >= SIPUA_SDP_MAX_CODECS)
        return SIPUA_ELIMIT;
    sipua_sdp_codec *c = &caps->codecs[caps->codec_count];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    copy_cstr(c->name, sizeof c->name, name);
    c->clock_rate = clock_rate;
    c->channels = channels ? channels : 1;
    c->pt = pt;
    /* dynamic types are numbered from 96 up, skipping those already used */
    c->dynamic_pt = pt;
    if (pt < 0) {
        int n = 96;
        for (size_t i = 0; i < caps->codec_count; i++)
            if (caps->codecs[i].dynamic_pt >= n)
                n = caps->codecs[i].dynamic_pt + 1;
        c->dynamic_pt = n <= 127 ? n : 127;
    }
    copy_cstr(c->fmtp, sizeof c->fmtp, fmtp ? fmtp : "");
    caps->codec_count++;
    return 0;
}

void sipua_sdp_caps_init(sipua_sdp_caps *caps)
{
    if (!caps)
        return;
    memset(caps, 0, sizeof *caps);
    caps->version = SIPUA_SDP_CAPS_VERSION;
    copy_cstr(caps->address, sizeof caps->address, "0.0.0.0");
    copy_cstr(caps->username, sizeof caps->username, "-");
    copy_cstr(caps->session_name, sizeof caps->session_name, "-");
    caps->direction = SIPUA_SDP_SENDRECV;
    caps->ptime = 20;
    sipua_sdp_caps_add(caps, SIPUA_SDP_AUDIO, "PCMU", 8000, 1, 0, NULL);
    sipua_sdp_caps_add(caps, SIPUA_SDP_AUDIO, "PCMA", 8000, 1, 8, NULL);
    sipua_sdp_caps_add(caps, SIPUA_SDP_AUDIO, "opus", 48000, 2, -1, "minptime=10;useinbandfec=1");
    caps->codecs[2].dynamic_pt = 111;
    sipua_sdp_caps_add(caps, SIPUA_SDP_AUDIO, "telephone-event", 8000, 1, -1, "0-16");
    caps->codecs[3].dynamic_pt = 101;
}

/* ------------------------------------------------------------------ */
/* Directions as bits: 1 send, 2 receive, from the writer's side           */

static unsigned dir_bits(sipua_sdp_direction d)
{
    return d == SIPUA_SDP_INACTIVE || d == SIPUA_SDP_DIR_NONE ? 0u : (unsigned)d & 3u;
}

static sipua_sdp_direction bits_dir(unsigned b)
{
    return b ? (sipua_sdp_direction)b : SIPUA_SDP_INACTIVE;
}

/* The peer's direction seen from our side: its send is our receive. */
static unsigned swap_bits(unsigned b)
{
    return ((b & 1u) << 1) | ((b & 2u) >> 1);
}

/* What we are willing to do now: the configured direction, less receiving
 * while we hold the peer (RFC 3264 8.4). */
static unsigned local_bits(const sipua_sdp_oa *oa)
{
    unsigned b = dir_bits(oa->caps.direction);
    if (oa->held)
        b &= ~2u;
    return b;
}

/* ------------------------------------------------------------------ */
/* Plans                                                               */

typedef struct plan_line {
    sipua_str media, proto, refused_fmt;
    uint16_t port;
    size_t n;                        /* formats */
    int codec[SIPUA_SDP_MAX_CODECS]; /* index into caps->codecs */
    int pt[SIPUA_SDP_MAX_CODECS];    /* the number written */
    sipua_sdp_direction dir;
    int rtcp_mux;
} plan_line;

typedef struct plan {
    size_t n;
    plan_line lines[SIPUA_SDP_MAX_STREAMS];
} plan;

static int is_telephone_event(const sipua_sdp_codec *c)
{
    return strcmp(c->name, "telephone-event") == 0;
}

static int is_ip6(const char *addr)
{
    return strchr(addr, ':') != NULL;
}

static sipua_str cspan(const char *s)
{
    sipua_str r = {s, strlen(s)};
    return r;
}

static void put(sipua_builder *b, const char *s)
{
    sipua_builder_raw(b, cspan(s));
}

static void put_span(sipua_builder *b, sipua_str s)
{
    if (s.len)
        sipua_builder_raw(b, s);
}

static void write_plan(const sipua_sdp_oa *oa, const plan *pl, uint64_t version, sipua_builder *b,
                       size_t *o_end)
{
    const sipua_sdp_caps *caps = &oa->caps;
    const char *addrtype = is_ip6(caps->address) ? "IP6 " : "IP4 ";
    put(b, "v=0\r\no=");
    put(b, caps->username);
    put(b, " ");
    sipua__sdp_put_u64(b, oa->session_id);
    put(b, " ");
    sipua__sdp_put_u64(b, version);
    put(b, " IN ");
    put(b, addrtype);
    put(b, caps->address);
    put(b, "\r\n");
    *o_end = b->len;
    put(b, "s=");
    put(b, caps->session_name);
    put(b, "\r\nc=IN ");
    put(b, addrtype);
    put(b, caps->address);
    put(b, "\r\nt=0 0\r\n");
    for (size_t i = 0; i < pl->n; i++) {
        const plan_line *l = &pl->lines[i];
        put(b, "m=");
        put_span(b, l->media);
        put(b, " ");
        sipua__sdp_put_u64(b, l->port);
        put(b, " ");
        put_span(b, l->proto);
        if (!l->port) {
            put(b, " ");
            put_span(b, l->refused_fmt);
            put(b, "\r\n");
            continue;
        }
        for (size_t k = 0; k < l->n; k++) {
            put(b, " ");
            sipua__sdp_put_u64(b, (uint64_t)l->pt[k]);
        }
        put(b, "\r\n");
        for (size_t k = 0; k < l->n; k++) {
            const sipua_sdp_codec *c = &caps->codecs[l->codec[k]];
            put(b, "a=rtpmap:");
            sipua__sdp_put_u64(b, (uint64_t)l->pt[k]);
            put(b, " ");
            put(b, c->name);
            put(b, "/");
            sipua__sdp_put_u64(b, c->clock_rate);
            if (c->channels > 1) {
                put(b, "/");
                sipua__sdp_put_u64(b, c->channels);
            }
            put(b, "\r\n");
            if (c->fmtp[0]) {
                put(b, "a=fmtp:");
                sipua__sdp_put_u64(b, (uint64_t)l->pt[k]);
                put(b, " ");
                put(b, c->fmtp);
                put(b, "\r\n");
            }
        }
        if (sipua_str_eq(l->media, "audio") && caps->ptime) {
            put(b, "a=ptime:");
            sipua__sdp_put_u64(b, caps->ptime);
            put(b, "\r\n");
        }
        if (l->rtcp_mux)
            put(b, "a=rtcp-mux\r\n");
        put(b, "a=");
        put(b, sipua_sdp_direction_name(l->dir));
        put(b, "\r\n");
    }
}

/* FNV-1a: tells whether a description differs from the last one. */
static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h | 1; /* never 0, which means "nothing written yet" */
}

/* Writes the plan; the o= version grows when anything after o= changed
 * (RFC 3264 8: "incremented ... for each new offer or answer that differs"). */
static int emit(sipua_sdp_oa *oa, const plan *pl, char *out, size_t cap)
{
    sipua_builder b;
    size_t o_end = 0;
    sipua_builder_init(&b, out, cap);
    write_plan(oa, pl, oa->session_version, &b, &o_end);
    int n = sipua_builder_finish(&b);
    if (n < 0)
        return n;
    uint64_t h = hash_bytes(out + o_end, (size_t)n - o_end);
    if (h != oa->last_hash) {
        sipua_builder_init(&b, out, cap);
        write_plan(oa, pl, oa->session_version + 1, &b, &o_end);
        n = sipua_builder_finish(&b);
        if (n < 0)
            return n;
        oa->session_version++;
        oa->last_hash = h;
    }
    return n;
}

/* Keeps the m= lines just sent, for the next offer. */
static void remember(sipua_sdp_oa *oa, const plan *pl)
{
    oa->mline_count = pl->n;
    for (size_t i = 0; i < pl->n; i++) {
        const plan_line *l = &pl->lines[i];
        sipua_sdp_oa_mline *ml = &oa->mlines[i];
        copy_span(ml->media, sizeof ml->media, l->media);
        copy_span(ml->proto, sizeof ml->proto, l->proto);
        ml->active = l->port != 0;
        for (size_t k = 0; k < SIPUA_SDP_MAX_CODECS; k++)
            ml->pts[k] = -1;
        if (l->port) {
            for (size_t k = 0; k < l->n; k++)
                ml->pts[l->codec[k]] = l->pt[k];
            char num[4];
            int v = l->pt[0], d = 0;
            char tmp[4];
            do {
                tmp[d++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            for (int k = 0; k < d; k++)
                num[k] = tmp[d - 1 - k];
            copy_span(ml->fmt, sizeof ml->fmt, (sipua_str){num, (size_t)d});
        } else {
            copy_span(ml->fmt, sizeof ml->fmt, l->refused_fmt);
        }
    }
}

/* Writes a planned description and, once it is written, commits it: its
 * m= lines, the negotiation result (for an answer) and the new state. */
static int conclude(sipua_sdp_oa *oa, const plan *pl, const sipua_sdp_negotiation *res,
                    sipua_sdp_oa_state next, char *out, size_t cap)
{
    int n = emit(oa, pl, out, cap);
    if (n < 0) {
        oa->reason = "output buffer too small";
        return n;
    }
    remember(oa, pl);
    if (res)
        oa->result = *res;
    oa->state = next;
    oa->reason = NULL;
    return n;
}

static int kind_of(sipua_str media, sipua_sdp_kind *kind)
{
    if (sipua_str_eq(media, "audio")) {
        *kind = SIPUA_SDP_AUDIO;
        return 1;
    }
    if (sipua_str_eq(media, "video")) {
        *kind = SIPUA_SDP_VIDEO;
        return 1;
    }
    return 0;
}

/* Plain RTP only until SRTP and DTLS-SRTP exist (RFC 3551, RFC 4585). */
static int proto_supported(sipua_str proto)
{
    return sipua_str_eq(proto, "RTP/AVP") || sipua_str_eq(proto, "RTP/AVPF");
}

static uint16_t port_for(const sipua_sdp_caps *caps, sipua_sdp_kind kind)
{
    return kind == SIPUA_SDP_AUDIO ? caps->audio_port : caps->video_port;
}

/* Fills an offered line with every codec of that kind (with telephone-event
 * only for audio), keeping the numbers of an earlier exchange. Returns the
 * number of codecs other than telephone-event. */
static size_t offer_codecs(const sipua_sdp_oa *oa, sipua_sdp_kind kind, const int *prev_pts,
                           plan_line *l)
{
    size_t real = 0;
    l->n = 0;
    for (size_t k = 0; k < oa->caps.codec_count; k++) {
        const sipua_sdp_codec *c = &oa->caps.codecs[k];
        if (c->kind != kind)
            continue;
        int pt = c->pt >= 0 ? c->pt : c->dynamic_pt;
        if (prev_pts && prev_pts[k] >= 0)
            pt = prev_pts[k];
        int dup = 0;
        for (size_t j = 0; j < l->n; j++)
            dup |= l->pt[j] == pt;
        if (dup)
            continue;
        l->codec[l->n] = (int)k;
        l->pt[l->n] = pt;
        l->n++;
        if (!is_telephone_event(c))
            real++;
    }
    return real;
}

/* ------------------------------------------------------------------ */
/* Our offer                                                           */

/* A NUL-terminated string within cap octets whose every octet passes ok
 * (at least one octet). */
static int cstr_ok(const char *s, size_t cap, int (*ok)(unsigned char))
{
    const char *end = memchr(s, '\0', cap);
    if (!end || end == s)
        return 0;
    for (; s < end; s++)
        if (!ok((unsigned char)*s))
            return 0;
    return 1;
}

static int address_char(unsigned char c)
{
    return sipua__sdp_is_token_char(c) || c == ':';
}

static int text_char(unsigned char c)
{
    return c != '\r' && c != '\n';
}

/* What we write must parse: the capabilities are checked once, here. */
static int caps_ok(const sipua_sdp_caps *caps)
{
    if (caps->codec_count > SIPUA_SDP_MAX_CODECS ||
        !cstr_ok(caps->address, sizeof caps->address, address_char) ||
        !cstr_ok(caps->username, sizeof caps->username, sipua__sdp_is_token_char) ||
        !cstr_ok(caps->session_name, sizeof caps->session_name, text_char) ||
        ((caps->session_name[0] == ' ' || caps->session_name[0] == '\t') &&
         caps->session_name[1]) ||
        caps->ptime > 100000)
        return 0;
    for (size_t k = 0; k < caps->codec_count; k++) {
        const sipua_sdp_codec *c = &caps->codecs[k];
        int pt = c->pt >= 0 ? c->pt : c->dynamic_pt;
        if (!cstr_ok(c->name, sizeof c->name, sipua__sdp_is_token_char) || !c->clock_rate ||
            !c->channels || c->channels > 255 || pt < 0 || pt > 127 ||
            (c->fmtp[0] && !cstr_ok(c->fmtp, sizeof c->fmtp, text_char)) ||
            !memchr(c->fmtp, '\0', sizeof c->fmtp))
            return 0;
    }
    return 1;
}

int sipua_sdp_oa_init(sipua_sdp_oa *oa, const sipua_sdp_caps *caps, uint64_t session_id)
{
    if (!oa || !caps || !caps_ok(caps))
        return SIPUA_EINVAL;
    memset(oa, 0, sizeof *oa);
    oa->caps = *caps;
    oa->session_id = session_id;
    return 0;
}

int sipua_sdp_oa_offer(sipua_sdp_oa *oa, char *out, size_t cap)
{
    if (!oa || (!out && cap))
        return SIPUA_EINVAL;
    if (oa->state == SIPUA_SDP_OA_OFFER_SENT) {
        oa->reason = "an offer is already awaiting its answer";
        return SIPUA_ESTATE;
    }
    plan pl;
    memset(&pl, 0, sizeof pl);
    size_t active = 0;
    int have[2] = {0, 0};
    unsigned bits = local_bits(oa);
    for (size_t i = 0; i < oa->mline_count; i++) {
        /* a re-offer keeps every m= line in place (RFC 3264 8) */
        const sipua_sdp_oa_mline *ml = &oa->mlines[i];
        plan_line *l = &pl.lines[pl.n++];
        l->media = cspan(ml->media);
        l->proto = cspan(ml->proto);
        l->refused_fmt = cspan(ml->fmt);
        sipua_sdp_kind kind;
        if (ml->active && kind_of(l->media, &kind) && !have[kind] && proto_supported(l->proto) &&
            port_for(&oa->caps, kind) && offer_codecs(oa, kind, ml->pts, l)) {
            l->port = port_for(&oa->caps, kind);
            l->dir = bits_dir(bits);
            have[kind] = 1;
            active++;
        }
    }
    for (int kind = SIPUA_SDP_AUDIO; kind <= SIPUA_SDP_VIDEO && pl.n < SIPUA_SDP_MAX_STREAMS;
         kind++) {
        if (have[kind] || oa->mline_count || !port_for(&oa->caps, (sipua_sdp_kind)kind))
            continue;
        plan_line *l = &pl.lines[pl.n];
        if (!offer_codecs(oa, (sipua_sdp_kind)kind, NULL, l))
            continue;
        l->media = cspan(kind == SIPUA_SDP_AUDIO ? "audio" : "video");
        l->proto = cspan("RTP/AVP");
        l->port = port_for(&oa->caps, (sipua_sdp_kind)kind);
        l->dir = bits_dir(bits);
        pl.n++;
        active++;
    }
    if (!active) {
        oa->reason = "nothing to offer: no port or no codec";
        return SIPUA_ENOTFOUND;
    }
    return conclude(oa, &pl, NULL, SIPUA_SDP_OA_OFFER_SENT, out, cap);
}

void sipua_sdp_oa_rollback(sipua_sdp_oa *oa)
{
    if (!oa || oa->state != SIPUA_SDP_OA_OFFER_SENT)
        return;
    if (oa->result.stream_count) {
        oa->state = SIPUA_SDP_OA_NEGOTIATED;
    } else {
        /* nothing was ever agreed: no m= line to keep either */
        oa->state = SIPUA_SDP_OA_IDLE;
        oa->mline_count = 0;
    }
}

int sipua_sdp_oa_hold(sipua_sdp_oa *oa, int hold)
{
    if (!oa || (hold != 0 && hold != 1))
        return SIPUA_EINVAL;
    oa->held = hold;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Results                                                             */

static int is_null_address(sipua_str a)
{
    return sipua_str_eq(a, "0.0.0.0") || sipua_str_eq(a, "::");
}

/* Fills the parts of a stream that come from the peer's m= section. */
static void stream_remote(sipua_sdp_stream *s, const sipua_sdp_media *m)
{
    copy_span(s->media, sizeof s->media, m->media);
    copy_span(s->remote_address, sizeof s->remote_address, m->conn.address);
    s->remote_port = m->port;
    s->remote_rtcp_port = m->rtcp_port >= 0 ? m->rtcp_port : (int32_t)m->port + 1;
}

static void stream_codec(sipua_sdp_stream *s, const sipua_sdp_rtpmap *r)
{
    s->pt = r->pt;
    copy_span(s->codec, sizeof s->codec, r->encoding);
    s->clock_rate = r->clock_rate;
    s->channels = r->channels;
}

static void stream_clear(sipua_sdp_stream *s)
{
    memset(s, 0, sizeof *s);
    s->pt = -1;
    s->telephone_event_pt = -1;
    s->remote_rtcp_port = -1;
    s->direction = SIPUA_SDP_INACTIVE;
}

/* The codec of ours (of that kind) that a peer's format is, or -1. */
static int match_codec(const sipua_sdp_caps *caps, sipua_sdp_kind kind, const sipua_sdp_rtpmap *r)
{
    for (size_t k = 0; k < caps->codec_count; k++) {
        const sipua_sdp_codec *c = &caps->codecs[k];
        if (c->kind == kind && c->clock_rate == r->clock_rate && c->channels == r->channels &&
            sipua_str_caseeq(r->encoding, c->name))
            return (int)k;
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* Our answer to the peer's offer                                      */

int sipua_sdp_oa_answer(sipua_sdp_oa *oa, const sipua_sdp *offer, char *out, size_t cap)
{
    if (!oa || !offer || (!out && cap))
        return SIPUA_EINVAL;
    if (oa->state == SIPUA_SDP_OA_OFFER_SENT) {
        oa->reason = "an offer of ours is pending (glare)";
        return SIPUA_ESTATE;
    }
    if (offer->media_count > SIPUA_SDP_MAX_STREAMS) {
        oa->reason = "more m= lines than sipua negotiates";
        return SIPUA_EPARSE;
    }
    if (oa->mline_count && offer->media_count < oa->mline_count) {
        oa->reason = "a new offer removed m= lines (RFC 3264 8)";
        return SIPUA_EPARSE;
    }
    plan pl;
    memset(&pl, 0, sizeof pl);
    sipua_sdp_negotiation res;
    memset(&res, 0, sizeof res);
    int have[2] = {0, 0};
    size_t active = 0;
    unsigned mine = local_bits(oa);
    for (size_t i = 0; i < offer->media_count; i++) {
        const sipua_sdp_media *m = &offer->media[i];
        plan_line *l = &pl.lines[pl.n++];
        sipua_sdp_stream *s = &res.streams[res.stream_count++];
        stream_clear(s);
        stream_remote(s, m);
        l->media = m->media;
        l->proto = m->proto;
        l->refused_fmt = m->fmts[0];
        if (m->media.len >= sizeof oa->mlines[0].media ||
            m->proto.len >= sizeof oa->mlines[0].proto ||
            m->fmts[0].len >= sizeof oa->mlines[0].fmt) {
            oa->reason = "m= media, proto or format longer than sipua keeps";
            return SIPUA_EPARSE;
        }
        sipua_sdp_kind kind;
        if (!m->port || !kind_of(m->media, &kind) || have[kind] || !proto_supported(m->proto) ||
            !port_for(&oa->caps, kind))
            continue;
        /* the codecs we share, in the offer's order and with its numbers */
        size_t real = 0;
        int te_rate_pt = -1;
        for (size_t f = 0; f < m->fmt_count && l->n < SIPUA_SDP_MAX_CODECS; f++) {
            sipua_sdp_rtpmap r;
            if (sipua_sdp_media_rtpmap(m, f, &r) != 0)
                continue;
            int k = match_codec(&oa->caps, kind, &r);
            if (k < 0)
                continue;
            int dup = 0;
            for (size_t j = 0; j < l->n; j++)
                dup |= l->codec[j] == k || l->pt[j] == r.pt;
            if (dup)
                continue;
            l->codec[l->n] = k;
            l->pt[l->n] = r.pt;
            l->n++;
            if (is_telephone_event(&oa->caps.codecs[k])) {
                if (te_rate_pt < 0)
                    te_rate_pt = r.pt;
            } else if (!real++) {
                stream_codec(s, &r);
            }
        }
        if (!real) {
            l->n = 0;
            s->pt = -1;
            continue;
        }
        unsigned theirs = dir_bits(m->direction);
        if (is_null_address(m->conn.address))
            theirs &= ~2u; /* RFC 3264 8.4: c=0.0.0.0 asks not to be sent to */
        unsigned bits = swap_bits(theirs) & mine;
        l->port = port_for(&oa->caps, kind);
        l->dir = bits_dir(bits);
        l->rtcp_mux = m->rtcp_mux;
        s->active = 1;
        s->telephone_event_pt = te_rate_pt;
        s->local_port = l->port;
        s->direction = l->dir;
        s->rtcp_mux = m->rtcp_mux;
        if (m->rtcp_mux)
            s->remote_rtcp_port = m->port;
        have[kind] = 1;
        active++;
    }
    if (!active) {
        oa->reason = "no acceptable media stream in the offer";
        return SIPUA_ENOTFOUND;
    }
    return conclude(oa, &pl, &res, SIPUA_SDP_OA_NEGOTIATED, out, cap);
}

/* ------------------------------------------------------------------ */
/* The peer's answer to our offer                                      */

static int bad_answer(sipua_sdp_oa *oa, const char *reason)
{
    oa->reason = reason;
    return SIPUA_EPARSE;
}

int sipua_sdp_oa_take_answer(sipua_sdp_oa *oa, const sipua_sdp *answer)
{
    if (!oa || !answer)
        return SIPUA_EINVAL;
    if (oa->state != SIPUA_SDP_OA_OFFER_SENT) {
        oa->reason = "no offer of ours is pending";
        return SIPUA_ESTATE;
    }
    oa->state = oa->result.stream_count ? SIPUA_SDP_OA_NEGOTIATED : SIPUA_SDP_OA_IDLE;
    if (answer->media_count != oa->mline_count)
        return bad_answer(oa, "the answer's m= lines do not match the offer's (RFC 3264 6)");
    sipua_sdp_negotiation res;
    memset(&res, 0, sizeof res);
    size_t active = 0;
    for (size_t i = 0; i < answer->media_count; i++) {
        const sipua_sdp_media *m = &answer->media[i];
        const sipua_sdp_oa_mline *ml = &oa->mlines[i];
        sipua_sdp_stream *s = &res.streams[res.stream_count++];
        stream_clear(s);
        stream_remote(s, m);
        if (!sipua_str_eq(m->media, ml->media))
            return bad_answer(oa, "an answer's m= line changed its media type");
        if (!m->port || !ml->active)
            continue;
        sipua_sdp_kind kind;
        if (!kind_of(m->media, &kind))
            continue;
        int real = 0;
        for (size_t f = 0; f < m->fmt_count; f++) {
            sipua_sdp_rtpmap r;
            int k = -1;
            if (sipua_sdp_media_rtpmap(m, f, &r) == 0)
                k = match_codec(&oa->caps, kind, &r);
            if (k < 0 || ml->pts[k] < 0)
                return bad_answer(oa, "the answer holds a format the offer did not");
            if (is_telephone_event(&oa->caps.codecs[k])) {
                if (s->telephone_event_pt < 0)
                    s->telephone_event_pt = r.pt;
            } else if (!real++) {
                stream_codec(s, &r);
            }
        }
        if (!real)
            continue;
        unsigned theirs = dir_bits(m->direction);
        if (is_null_address(m->conn.address))
            theirs &= ~2u;
        s->active = 1;
        s->local_port = port_for(&oa->caps, kind);
        s->direction = bits_dir(swap_bits(theirs) & local_bits(oa));
        s->rtcp_mux = m->rtcp_mux;
        if (m->rtcp_mux)
            s->remote_rtcp_port = m->port;
        active++;
    }
    if (!active) {
        oa->reason = "the answer refused every stream";
        return SIPUA_ENOTFOUND;
    }
    oa->result = res;
    oa->state = SIPUA_SDP_OA_NEGOTIATED;
    oa->reason = NULL;
    return 0;
}
