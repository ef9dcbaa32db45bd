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
    unsigned b = dir_bits(oa->caps->direction);
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
    const sipua_sdp_caps *caps = oa->caps;
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
 * (RFC 3264 8: "incremented ... for each new offer or answer that differs").
 * Written once with the next version, as a description usually differs
 * (the hash covers what follows o=, whatever the version), and again with
 * the same version when it does not. */
static int emit(sipua_sdp_oa *oa, const plan *pl, char *out, size_t cap)
{
    sipua_builder b;
    size_t o_end = 0;
    sipua_builder_init(&b, out, cap);
    write_plan(oa, pl, oa->session_version + 1, &b, &o_end);
    int n = sipua_builder_finish(&b);
    if (n < 0)
        return n;
    uint64_t h = hash_bytes(out + o_end, (size_t)n - o_end);
    if (h == oa->last_hash) {
        sipua_builder_init(&b, out, cap);
        write_plan(oa, pl, oa->session_version, &b, &o_end);
        return sipua_builder_finish(&b);
    }
    oa->session_version++;
    oa->last_hash = h;
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

/* ------------------------------------------------------------------ */
/* What an exchange leaves behind                                      */

/* sipua_sdp_oa_line_.flags; the result's direction above them */
enum { LINE_ACTIVE = 1, RESULT_ACTIVE = 2, RESULT_RTCP_MUX = 4, RESULT_RTCP_GIVEN = 8 };
#define DIRECTION_SHIFT 4

/* One stream of a result before it is kept, with spans into the peer's
 * description. */
typedef struct res_line {
    int active, pt, te_pt, codec, rtcp_mux, rtcp_given;
    sipua_str codec_name, address;
    uint16_t remote_port, rtcp_port;
    sipua_sdp_direction direction;
} res_line;

/* The lines and text an exchange will leave in the oa, built aside so
 * that nothing changes when it fails. */
typedef struct staged {
    sipua_sdp_oa_line_ lines[SIPUA_SDP_MAX_STREAMS];
    int8_t pts[2][SIPUA_SDP_MAX_CODECS];
    char text[sizeof((sipua_sdp_oa *)0)->text_];
    size_t used;
} staged;

static sipua_str text_at(const sipua_sdp_oa *oa, uint8_t off)
{
    return cspan(oa->text_ + off);
}

/* Keeps s (cut to max - 1 octets) in the text, once: 0, or -1 when the
 * text is full. */
static int stage_str(staged *st, sipua_str s, size_t max, uint8_t *off)
{
    size_t n = s.len < max - 1 ? s.len : max - 1;
    *off = 0; /* text[0] is the empty string */
    if (!n)
        return 0;
    for (size_t at = 1; at < st->used; at += strlen(st->text + at) + 1) {
        if (strlen(st->text + at) == n && memcmp(st->text + at, s.p, n) == 0) {
            *off = (uint8_t)at;
            return 0;
        }
    }
    if (st->used + n + 1 > sizeof st->text)
        return -1;
    memcpy(st->text + st->used, s.p, n);
    st->text[st->used + n] = '\0';
    *off = (uint8_t)st->used;
    st->used += n + 1;
    return 0;
}

static void pt_text(int pt, char num[4], sipua_str *out)
{
    char tmp[4];
    int d = 0;
    do {
        tmp[d++] = (char)('0' + pt % 10);
        pt /= 10;
    } while (pt && d < 3);
    for (int k = 0; k < d; k++)
        num[k] = tmp[d - 1 - k];
    *out = (sipua_str){num, (size_t)d};
}

/* Stages the m= lines: those of plan pl (NULL: the oa's, kept) and the
 * result res[0..nres) (NULL: the oa's, kept). 0, or -1 when the text
 * does not fit. A result taken from the peer must leave room for the
 * payload type texts a later offer of ours writes in place of the ones
 * kept (two kinds, three digits each): else the exchange is refused now
 * rather than the re-offer (a hold, a refresh) failing later. */
#define REOFFER_ROOM 8

static int stage(const sipua_sdp_oa *oa, const plan *pl, const res_line *res, size_t nres,
                 staged *st)
{
    size_t n = pl ? pl->n : oa->line_count_;
    memset(st->lines, 0, sizeof st->lines);
    if (pl)
        memset(st->pts, -1, sizeof st->pts);
    else
        memcpy(st->pts, oa->pts_, sizeof st->pts);
    st->text[0] = '\0';
    st->used = 1;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        sipua_sdp_oa_line_ *ln = &st->lines[i];
        const sipua_sdp_oa_line_ *old = &oa->lines_[i];
        if (pl) {
            const plan_line *l = &pl->lines[i];
            char num[4];
            sipua_str fmt = l->refused_fmt;
            sipua_sdp_kind kind;
            if (l->port && kind_of(l->media, &kind)) {
                /* one line of a kind has a port (RFC 3264 plan, above) */
                ln->flags |= LINE_ACTIVE;
                for (size_t k = 0; k < l->n; k++)
                    st->pts[kind][l->codec[k]] = (int8_t)l->pt[k];
                pt_text(l->pt[0], num, &fmt);
            }
            bad |= stage_str(st, l->media, 32, &ln->media);
            bad |= stage_str(st, l->proto, 48, &ln->proto);
            bad |= stage_str(st, fmt, 32, &ln->fmt);
        } else {
            ln->flags = old->flags & LINE_ACTIVE;
            bad |= stage_str(st, text_at(oa, old->media), 32, &ln->media);
            bad |= stage_str(st, text_at(oa, old->proto), 48, &ln->proto);
            bad |= stage_str(st, text_at(oa, old->fmt), 32, &ln->fmt);
        }
        if (res && i < nres) {
            const res_line *r = &res[i];
            ln->flags |=
                (uint8_t)((r->active ? RESULT_ACTIVE : 0) | (r->rtcp_mux ? RESULT_RTCP_MUX : 0) |
                          (r->rtcp_given ? RESULT_RTCP_GIVEN : 0) |
                          ((unsigned)r->direction << DIRECTION_SHIFT));
            ln->pt = (int8_t)r->pt;
            ln->te_pt = (int8_t)r->te_pt;
            ln->codec = (int8_t)r->codec;
            ln->remote_port = r->remote_port;
            ln->rtcp_port = r->rtcp_port;
            bad |= stage_str(st, r->codec_name, 32, &ln->codec_name);
            bad |= stage_str(st, r->address, 64, &ln->address);
        } else if (!res && i < oa->result_count_) {
            ln->flags |= old->flags & (uint8_t)~LINE_ACTIVE;
            ln->pt = old->pt;
            ln->te_pt = old->te_pt;
            ln->codec = old->codec;
            ln->remote_port = old->remote_port;
            ln->rtcp_port = old->rtcp_port;
            bad |= stage_str(st, text_at(oa, old->codec_name), 32, &ln->codec_name);
            bad |= stage_str(st, text_at(oa, old->address), 64, &ln->address);
        }
    }
    if (res && st->used + REOFFER_ROOM > sizeof st->text)
        bad = 1;
    return bad ? -1 : 0;
}

static void commit(sipua_sdp_oa *oa, const staged *st, size_t nlines, size_t nres)
{
    memcpy(oa->lines_, st->lines, nlines * sizeof st->lines[0]);
    memcpy(oa->pts_, st->pts, sizeof st->pts);
    memcpy(oa->text_, st->text, st->used);
    oa->line_count_ = (uint8_t)nlines;
    oa->result_count_ = (uint8_t)nres;
}

/* Writes a planned description and, once it is written, commits it: its
 * m= lines, the negotiation result (for an answer) and the new state. */
static int conclude(sipua_sdp_oa *oa, const plan *pl, const res_line *res, size_t nres,
                    sipua_sdp_oa_state next, char *out, size_t cap)
{
    staged st;
    if (stage(oa, pl, res, nres, &st) != 0) {
        oa->reason = "m= lines longer than sipua keeps";
        return SIPUA_EPARSE;
    }
    int n = emit(oa, pl, out, cap);
    if (n < 0) {
        oa->reason = "output buffer too small";
        return n;
    }
    commit(oa, &st, pl->n, res ? nres : oa->result_count_);
    oa->state = next;
    oa->reason = NULL;
    return n;
}

/* Plain RTP only until SRTP and DTLS-SRTP exist (RFC 3551, RFC 4585). */
static int proto_supported(sipua_str proto)
{
    return sipua_str_eq(proto, "RTP/AVP") || sipua_str_eq(proto, "RTP/AVPF");
}

static uint16_t port_for(const sipua_sdp_oa *oa, sipua_sdp_kind kind)
{
    return kind == SIPUA_SDP_AUDIO ? oa->audio_port : oa->video_port;
}

/* Fills an offered line with every codec of that kind (with telephone-event
 * only for audio), keeping the numbers of an earlier exchange. Returns the
 * number of codecs other than telephone-event. */
static size_t offer_codecs(const sipua_sdp_oa *oa, sipua_sdp_kind kind, const int8_t *prev_pts,
                           plan_line *l)
{
    size_t real = 0;
    l->n = 0;
    for (size_t k = 0; k < oa->caps->codec_count; k++) {
        const sipua_sdp_codec *c = &oa->caps->codecs[k];
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
    oa->caps = caps;
    oa->audio_port = caps->audio_port;
    oa->video_port = caps->video_port;
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
    for (size_t i = 0; i < oa->line_count_; i++) {
        /* a re-offer keeps every m= line in place (RFC 3264 8) */
        const sipua_sdp_oa_line_ *ml = &oa->lines_[i];
        plan_line *l = &pl.lines[pl.n++];
        l->media = text_at(oa, ml->media);
        l->proto = text_at(oa, ml->proto);
        l->refused_fmt = text_at(oa, ml->fmt);
        sipua_sdp_kind kind;
        if ((ml->flags & LINE_ACTIVE) && kind_of(l->media, &kind) && !have[kind] &&
            proto_supported(l->proto) && port_for(oa, kind) &&
            offer_codecs(oa, kind, oa->pts_[kind], l)) {
            l->port = port_for(oa, kind);
            l->dir = bits_dir(bits);
            have[kind] = 1;
            active++;
        }
    }
    for (int kind = SIPUA_SDP_AUDIO; kind <= SIPUA_SDP_VIDEO && pl.n < SIPUA_SDP_MAX_STREAMS;
         kind++) {
        if (have[kind] || oa->line_count_ || !port_for(oa, (sipua_sdp_kind)kind))
            continue;
        plan_line *l = &pl.lines[pl.n];
        if (!offer_codecs(oa, (sipua_sdp_kind)kind, NULL, l))
            continue;
        l->media = cspan(kind == SIPUA_SDP_AUDIO ? "audio" : "video");
        l->proto = cspan("RTP/AVP");
        l->port = port_for(oa, (sipua_sdp_kind)kind);
        l->dir = bits_dir(bits);
        pl.n++;
        active++;
    }
    if (!active) {
        oa->reason = "nothing to offer: no port or no codec";
        return SIPUA_ENOTFOUND;
    }
    return conclude(oa, &pl, NULL, 0, SIPUA_SDP_OA_OFFER_SENT, out, cap);
}

void sipua_sdp_oa_rollback(sipua_sdp_oa *oa)
{
    if (!oa || oa->state != SIPUA_SDP_OA_OFFER_SENT)
        return;
    if (oa->result_count_) {
        oa->state = SIPUA_SDP_OA_NEGOTIATED;
    } else {
        /* nothing was ever agreed: no m= line to keep either */
        oa->state = SIPUA_SDP_OA_IDLE;
        oa->line_count_ = 0;
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

/* A result stream with what comes from the peer's m= section. */
static void res_remote(res_line *s, const sipua_sdp_media *m)
{
    memset(s, 0, sizeof *s);
    s->pt = -1;
    s->te_pt = -1;
    s->codec = -1;
    s->direction = SIPUA_SDP_INACTIVE;
    s->address = m->conn.address;
    s->remote_port = m->port;
    s->rtcp_given = m->rtcp_port >= 0;
    s->rtcp_port = (uint16_t)(s->rtcp_given ? m->rtcp_port : 0);
}

static void res_codec(res_line *s, const sipua_sdp_rtpmap *r, int k)
{
    s->pt = r->pt;
    s->codec = k;
    s->codec_name = r->encoding;
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

int sipua_sdp_oa_result(const sipua_sdp_oa *oa, sipua_sdp_negotiation *out)
{
    if (!oa || !out)
        return SIPUA_EINVAL;
    memset(out, 0, sizeof *out);
    out->stream_count = oa->result_count_;
    for (size_t i = 0; i < oa->result_count_; i++) {
        const sipua_sdp_oa_line_ *ln = &oa->lines_[i];
        sipua_sdp_stream *s = &out->streams[i];
        copy_span(s->media, sizeof s->media, text_at(oa, ln->media));
        s->active = (ln->flags & RESULT_ACTIVE) != 0;
        s->pt = ln->pt;
        copy_span(s->codec, sizeof s->codec, text_at(oa, ln->codec_name));
        if (ln->codec >= 0 && (size_t)ln->codec < oa->caps->codec_count) {
            s->clock_rate = oa->caps->codecs[ln->codec].clock_rate;
            s->channels = oa->caps->codecs[ln->codec].channels;
        }
        s->telephone_event_pt = ln->te_pt;
        copy_span(s->remote_address, sizeof s->remote_address, text_at(oa, ln->address));
        s->remote_port = ln->remote_port;
        s->rtcp_mux = (ln->flags & RESULT_RTCP_MUX) != 0;
        s->remote_rtcp_port = s->rtcp_mux                       ? ln->remote_port
                              : (ln->flags & RESULT_RTCP_GIVEN) ? ln->rtcp_port
                                                                : (int32_t)ln->remote_port + 1;
        sipua_sdp_kind kind;
        if (s->active && kind_of(text_at(oa, ln->media), &kind))
            s->local_port = port_for(oa, kind);
        s->direction = (sipua_sdp_direction)(ln->flags >> DIRECTION_SHIFT);
    }
    return 0;
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
    if (oa->line_count_ && offer->media_count < oa->line_count_) {
        oa->reason = "a new offer removed m= lines (RFC 3264 8)";
        return SIPUA_EPARSE;
    }
    plan pl;
    memset(&pl, 0, sizeof pl);
    res_line res[SIPUA_SDP_MAX_STREAMS];
    size_t nres = 0;
    int have[2] = {0, 0};
    size_t active = 0;
    unsigned mine = local_bits(oa);
    for (size_t i = 0; i < offer->media_count; i++) {
        const sipua_sdp_media *m = &offer->media[i];
        plan_line *l = &pl.lines[pl.n++];
        res_line *s = &res[nres++];
        res_remote(s, m);
        l->media = m->media;
        l->proto = m->proto;
        l->refused_fmt = m->fmts[0];
        if (m->media.len >= 32 || m->proto.len >= 48 || m->fmts[0].len >= 32) {
            oa->reason = "m= media, proto or format longer than sipua keeps";
            return SIPUA_EPARSE;
        }
        sipua_sdp_kind kind;
        if (!m->port || !kind_of(m->media, &kind) || have[kind] || !proto_supported(m->proto) ||
            !port_for(oa, kind))
            continue;
        /* the codecs we share, in the offer's order and with its numbers */
        size_t real = 0;
        int te_rate_pt = -1;
        for (size_t f = 0; f < m->fmt_count && l->n < SIPUA_SDP_MAX_CODECS; f++) {
            sipua_sdp_rtpmap r;
            if (sipua_sdp_media_rtpmap(m, f, &r) != 0)
                continue;
            int k = match_codec(oa->caps, kind, &r);
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
            if (is_telephone_event(&oa->caps->codecs[k])) {
                if (te_rate_pt < 0)
                    te_rate_pt = r.pt;
            } else if (!real++) {
                res_codec(s, &r, k);
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
        l->port = port_for(oa, kind);
        l->dir = bits_dir(bits);
        l->rtcp_mux = m->rtcp_mux;
        s->active = 1;
        s->te_pt = te_rate_pt;
        s->direction = l->dir;
        s->rtcp_mux = m->rtcp_mux;
        have[kind] = 1;
        active++;
    }
    if (!active) {
        oa->reason = "no acceptable media stream in the offer";
        return SIPUA_ENOTFOUND;
    }
    return conclude(oa, &pl, res, nres, SIPUA_SDP_OA_NEGOTIATED, out, cap);
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
    oa->state = oa->result_count_ ? SIPUA_SDP_OA_NEGOTIATED : SIPUA_SDP_OA_IDLE;
    if (answer->media_count != oa->line_count_)
        return bad_answer(oa, "the answer's m= lines do not match the offer's (RFC 3264 6)");
    res_line res[SIPUA_SDP_MAX_STREAMS];
    size_t nres = 0;
    size_t active = 0;
    for (size_t i = 0; i < answer->media_count; i++) {
        const sipua_sdp_media *m = &answer->media[i];
        const sipua_sdp_oa_line_ *ml = &oa->lines_[i];
        res_line *s = &res[nres++];
        res_remote(s, m);
        if (!sipua_str_eq(m->media, oa->text_ + ml->media))
            return bad_answer(oa, "an answer's m= line changed its media type");
        if (!m->port || !(ml->flags & LINE_ACTIVE))
            continue;
        sipua_sdp_kind kind;
        if (!kind_of(m->media, &kind))
            continue;
        int real = 0;
        for (size_t f = 0; f < m->fmt_count; f++) {
            sipua_sdp_rtpmap r;
            int k = -1;
            if (sipua_sdp_media_rtpmap(m, f, &r) == 0)
                k = match_codec(oa->caps, kind, &r);
            if (k < 0 || oa->pts_[kind][k] < 0)
                return bad_answer(oa, "the answer holds a format the offer did not");
            if (is_telephone_event(&oa->caps->codecs[k])) {
                if (s->te_pt < 0)
                    s->te_pt = r.pt;
            } else if (!real++) {
                res_codec(s, &r, k);
            }
        }
        if (!real)
            continue;
        unsigned theirs = dir_bits(m->direction);
        if (is_null_address(m->conn.address))
            theirs &= ~2u;
        s->active = 1;
        s->direction = bits_dir(swap_bits(theirs) & local_bits(oa));
        s->rtcp_mux = m->rtcp_mux;
        active++;
    }
    if (!active) {
        oa->reason = "the answer refused every stream";
        return SIPUA_ENOTFOUND;
    }
    staged st;
    if (stage(oa, NULL, res, nres, &st) != 0) {
        oa->reason = "m= lines longer than sipua keeps";
        return SIPUA_EPARSE;
    }
    commit(oa, &st, oa->line_count_, nres);
    oa->state = SIPUA_SDP_OA_NEGOTIATED;
    oa->reason = NULL;
    return 0;
}
