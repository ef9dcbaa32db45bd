/* DTMF over INFO (the application/dtmf-relay usage of INFO, legacy INFO
 * usage in RFC 6086 terms): tones sent one INFO each from a queue paced
 * by the final responses, and tones received. */
#include <stdio.h>
#include <string.h>

#include "session/internal.h"

static void on_dtmf_timer(sipua__timer *t, sipua_time now, void *user);

void sipua__dtmf_init(sipua_session *s)
{
    sipua__timer_init(&s->t_dtmf, on_dtmf_timer, s);
}

void sipua_dtmf_opts_init(sipua_dtmf_opts *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->version = SIPUA_DTMF_OPTS_VERSION;
    o->transport = SIPUA_DTMF_INFO;
    o->duration_ms = 100;
    o->inter_tone_gap_ms = 500;
}

/* A tone as sent: '0'-'9', 'A'-'D', '#', '*', or ',' (a pause); 0 for
 * anything else. */
static char tone_of(char c)
{
    if ((c >= '0' && c <= '9') || c == '#' || c == '*' || c == ',')
        return c;
    if (c >= 'a' && c <= 'd')
        return (char)(c - 'a' + 'A');
    if (c >= 'A' && c <= 'D')
        return c;
    return 0;
}

static void emit_dtmf(sipua_session *s, char tone, int duration, int received, const sipua_msg *msg)
{
    if (!s->cb || s->detached)
        return;
    sipua_session_event ev = {.kind = SIPUA_SESSION_EV_DTMF,
                              .msg = msg,
                              .tone = tone,
                              .duration_ms = duration,
                              .received = received};
    sipua_session_ref(s);
    s->cb(s, &ev, s->user);
    sipua_session_unref(s);
}

void sipua__dtmf_stop(sipua_session *s)
{
    s->dtmf_head = s->dtmf_len = 0;
    sipua__session_free(s, s->dtmf);
    s->dtmf = NULL;
    if (!s->detached)
        sipua__timer_cancel(s->host->timers, &s->t_dtmf);
}

/* The next entry of the queue: a pause arms the timer, a tone goes out in
 * its INFO. Returns 0 or the error of the send (the queue is then
 * dropped). */
static int dtmf_next(sipua_session *s)
{
    if (!s->dtmf_len || s->final_given)
        return 0;
    sipua__dtmf_item it = s->dtmf[s->dtmf_head];
    s->dtmf_head = (s->dtmf_head + 1) % SIPUA__DTMF_QUEUE;
    s->dtmf_len--;
    if (it.tone == ',') {
        sipua__timer_schedule(s->host->timers, &s->t_dtmf,
                              sipua__session_now(s) + SIPUA__DTMF_PAUSE);
        return 0;
    }
    char body[64];
    int n = snprintf(body, sizeof body, "Signal=%c\r\nDuration=%u\r\n", it.tone,
                     (unsigned)it.duration_ms);
    const char *extra[] = {"Content-Type: application/dtmf-relay"};
    int r = sipua__session_send_in_dialog(s, SIPUA_METHOD_INFO, extra, 1,
                                          (sipua_str){body, (size_t)n}, &s->info_req);
    if (r < 0) {
        sipua__dtmf_stop(s);
        return r;
    }
    s->dtmf_last = it;
    emit_dtmf(s, it.tone, it.duration_ms, 0, NULL);
    return 0;
}

static void on_dtmf_timer(sipua__timer *t, sipua_time now, void *user)
{
    (void)t;
    (void)now;
    sipua_session *s = user;
    if (!s->info_req)
        dtmf_next(s);
}

void sipua__dtmf_on_info_done(sipua_session *s, int code)
{
    s->info_req = NULL;
    if (s->final_given)
        return;
    if (code < 200 || code > 299) {
        /* the peer does not take the tones (415, 405, 501), the dialog
         * is gone (481), or no answer came: the rest would fare no
         * better */
        sipua__dtmf_stop(s);
        return;
    }
    /* the next one after the tone's duration and the gap; a call made
     * meanwhile waits for it too */
    sipua_time wait = ((sipua_time)s->dtmf_last.duration_ms + s->dtmf_last.gap_ms) * 1000;
    sipua__timer_schedule(s->host->timers, &s->t_dtmf, sipua__session_now(s) + wait);
}

int sipua_session_send_dtmf(sipua_session *s, const char *tones, const sipua_dtmf_opts *opts,
                            sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    sipua_dtmf_opts defaults;
    if (!opts) {
        sipua_dtmf_opts_init(&defaults);
        opts = &defaults;
    }
    if (!s || !tones || !*tones || opts->version != SIPUA_DTMF_OPTS_VERSION ||
        opts->transport != SIPUA_DTMF_INFO)
        return SIPUA_EINVAL;
    size_t n = strlen(tones);
    for (size_t i = 0; i < n; i++)
        if (!tone_of(tones[i]))
            return SIPUA_EINVAL;
    if (!sipua_session_is_established(s) || !s->dialog)
        return SIPUA_ESTATE;
    sipua__session_touch(s, now);
    if (n > SIPUA__DTMF_QUEUE - s->dtmf_len)
        return SIPUA_ELIMIT;
    if (!s->dtmf) {
        /* most calls send no tone: the queue comes with the first */
        s->dtmf = sipua__session_alloc(s, SIPUA__DTMF_QUEUE * sizeof *s->dtmf);
        if (!s->dtmf)
            return SIPUA_ENOMEM;
    }
    int duration = opts->duration_ms < 70     ? 70
                   : opts->duration_ms > 6000 ? 6000
                                              : opts->duration_ms;
    int gap = opts->inter_tone_gap_ms < 50 ? 50 : opts->inter_tone_gap_ms;
    if (gap > 60000)
        gap = 60000;
    for (size_t i = 0; i < n; i++) {
        size_t at = (s->dtmf_head + s->dtmf_len) % SIPUA__DTMF_QUEUE;
        s->dtmf[at] = (sipua__dtmf_item){tone_of(tones[i]), (uint16_t)duration, (uint16_t)gap};
        s->dtmf_len++;
    }
    if (s->info_req || sipua__timer_armed(&s->t_dtmf))
        return 0; /* queued behind the tone in flight or the wait after it */
    return dtmf_next(s);
}

/* ------------------------------------------------------------------ */
/* Received                                                            */

/* The tone in an application/dtmf-relay body ("Signal=5\r\nDuration=160\r\n"),
 * or 0; *duration is 0 when the body gives none. */
static char dtmf_of(sipua_str body, int *duration)
{
    const char *p = body.p, *e = body.p + body.len;
    char tone = 0;
    *duration = 0;
    while (p && p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e;
        const char *eq = memchr(p, '=', (size_t)(le - p));
        if (eq) {
            sipua_str k = {p, (size_t)(eq - p)};
            while (k.len && (k.p[k.len - 1] == ' ' || k.p[k.len - 1] == '\t'))
                k.len--;
            const char *v = eq + 1;
            while (v < le && (*v == ' ' || *v == '\t'))
                v++;
            if (sipua_str_caseeq(k, "Signal") && v < le) {
                char c = tone_of(*v);
                /* one character: "Signal=16" (a hook flash) is no tone */
                const char *after = v + 1;
                while (after < le && (*after == ' ' || *after == '\t' || *after == '\r'))
                    after++;
                tone = c && c != ',' && after == le ? c : 0;
            } else if (sipua_str_caseeq(k, "Duration")) {
                int d = 0;
                for (; v < le && *v >= '0' && *v <= '9' && d < 100000; v++)
                    d = d * 10 + (*v - '0');
                *duration = d;
            }
        }
        p = nl ? nl + 1 : e;
    }
    return tone;
}

void sipua__dtmf_on_info(sipua_session *s, sipua__txn *st, const sipua_msg *req)
{
    /* RFC 6086 4.2.2: we announce no Info Package (no Recv-Info), so one
     * named in the request gets 469 with our (empty) Recv-Info */
    if (sipua_msg_find_name(req, "Info-Package")) {
        sipua__session_respond_simple(s, st, req, 469, "Bad Info Package", "Recv-Info: \r\n");
        return;
    }
    sipua_str body = sipua_msg_body(req);
    if (!body.len) {
        sipua__session_respond_simple(s, st, req, 200, "OK", NULL);
        return;
    }
    sipua_media_type mt;
    if (sipua_msg_content_type(req, &mt) != 0 || !sipua_str_caseeq(mt.type, "application") ||
        !sipua_str_caseeq(mt.subtype, "dtmf-relay")) {
        sipua__session_respond_simple(s, st, req, 415, "Unsupported Media Type",
                                      "Accept: application/dtmf-relay\r\n");
        return;
    }
    int duration;
    char tone = dtmf_of(body, &duration);
    sipua__session_respond_simple(s, st, req, 200, "OK", NULL);
    if (tone && !s->final_given)
        emit_dtmf(s, tone, duration, 1, req);
}
