/* What `sipua call` and `sipua answer` share: the timeline of session
 * events (readable, or one JSON object per line), and the ladder diagram
 * of the SIP messages of each call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"

void calls_init(calls *c, sipua_time t0, int json, int ladder)
{
    memset(c, 0, sizeof *c);
    c->t0 = t0;
    c->json = json;
    c->ladder = ladder;
}

static double secs(const calls *c, sipua_time t)
{
    return (double)(t - c->t0) / 1e6;
}

static const char *event_name(sipua_session_event_kind k)
{
    switch (k) {
    case SIPUA_SESSION_EV_PROGRESS: return "progress";
    case SIPUA_SESSION_EV_ACCEPTED: return "accepted";
    case SIPUA_SESSION_EV_TERMINATED: return "terminated";
    case SIPUA_SESSION_EV_FAILED: return "failed";
    case SIPUA_SESSION_EV_CANCELED: return "canceled";
    case SIPUA_SESSION_EV_DTMF: return "dtmf";
    case SIPUA_SESSION_EV_RENEGOTIATED: return "renegotiated";
    case SIPUA_SESSION_EV_REFERRED: return "referred";
    case SIPUA_SESSION_EV_REFER_PROGRESS: return "refer_progress";
    }
    return "?";
}

/* "Name <sip:...>" of a name-addr, for the timeline */
static void identity(const sipua_nameaddr *na, char *out, size_t cap)
{
    out[0] = 0;
    if (!na)
        return;
    if (na->display.len)
        snprintf(out, cap, "%.*s <%.*s>", (int)na->display.len, na->display.p,
                 (int)na->uri.whole.len, na->uri.whole.p);
    else
        snprintf(out, cap, "<%.*s>", (int)na->uri.whole.len, na->uri.whole.p);
}

const char *calls_transfer_outcome(int code)
{
    return code >= 300 ? NULL : code >= 200 ? "transferred" : "transfer outcome not known";
}

void calls_note(calls *c, sipua_session *s, sipua_time now, const char *what, const char *detail)
{
    if (c->quiet)
        return;
    uint64_t id = sipua_session_id(s);
    if (c->json) {
        printf("{\"time\":%.6f,\"session\":%llu,\"event\":", secs(c, now), (unsigned long long)id);
        json_str(stdout, what, strlen(what));
        if (detail) {
            fputs(",\"detail\":", stdout);
            json_str(stdout, detail, strlen(detail));
        }
        fputs("}\n", stdout);
    } else {
        printf("[%9.3f] call %llu: %s%s%s\n", secs(c, now), (unsigned long long)id, what,
               detail ? " " : "", detail ? detail : "");
    }
    fflush(stdout);
}

void calls_event(calls *c, sipua_session *s, const sipua_session_event *ev, sipua_time now)
{
    if (c->quiet)
        return;
    uint64_t id = sipua_session_id(s);
    const char *name = event_name(ev->kind);
    sipua_str reason = ev->msg && !sipua_msg_is_request(ev->msg) ? sipua_msg_reason(ev->msg)
                                                                 : (sipua_str){NULL, 0};
    char who[300];
    if (c->json) {
        printf("{\"time\":%.6f,\"session\":%llu,\"event\":\"%s\"", secs(c, now),
               (unsigned long long)id, name);
        if (ev->code)
            printf(",\"code\":%d", ev->code);
        if (reason.len) {
            fputs(",\"reason\":", stdout);
            json_str(stdout, reason.p, reason.len);
        }
        if (ev->kind == SIPUA_SESSION_EV_TERMINATED || ev->kind == SIPUA_SESSION_EV_FAILED ||
            ev->kind == SIPUA_SESSION_EV_CANCELED) {
            const char *cs = sipua_cause_str(ev->cause);
            fputs(",\"cause\":", stdout);
            json_str(stdout, cs, strlen(cs));
            if (ev->kind == SIPUA_SESSION_EV_TERMINATED)
                printf(",\"by\":\"%s\"", ev->by_peer ? "peer" : "us");
            sipua_time st = sipua_session_start_time(s);
            if (st)
                printf(",\"duration\":%.3f", (double)(sipua_session_end_time(s) - st) / 1e6);
        }
        if (ev->kind == SIPUA_SESSION_EV_ACCEPTED) {
            identity(sipua_session_remote_identity(s), who, sizeof who);
            fputs(",\"remote\":", stdout);
            json_str(stdout, who, strlen(who));
        }
        if (ev->kind == SIPUA_SESSION_EV_DTMF)
            printf(",\"tone\":\"%c\",\"duration_ms\":%d,\"direction\":\"%s\"", ev->tone,
                   ev->duration_ms, ev->received ? "received" : "sent");
        if (ev->kind == SIPUA_SESSION_EV_RENEGOTIATED)
            printf(",\"held_local\":%s,\"held_remote\":%s", ev->held_local ? "true" : "false",
                   ev->held_remote ? "true" : "false");
        if (ev->kind == SIPUA_SESSION_EV_REFERRED) {
            fputs(",\"refer_to\":", stdout);
            json_str(stdout, ev->refer_to.p, ev->refer_to.len);
        }
        if (ev->kind == SIPUA_SESSION_EV_REFER_PROGRESS)
            printf(",\"final\":%s", ev->refer_final ? "true" : "false");
        fputs("}\n", stdout);
        fflush(stdout);
        return;
    }
    printf("[%9.3f] call %llu: %s", secs(c, now), (unsigned long long)id, name);
    if (ev->code)
        printf(" %d", ev->code);
    if (reason.len)
        printf(" %.*s", (int)reason.len, reason.p);
    switch (ev->kind) {
    case SIPUA_SESSION_EV_ACCEPTED:
        identity(sipua_session_remote_identity(s), who, sizeof who);
        printf(" (with %s)", who);
        break;
    case SIPUA_SESSION_EV_TERMINATED:
    case SIPUA_SESSION_EV_FAILED:
    case SIPUA_SESSION_EV_CANCELED: {
        printf(": %s", sipua_cause_str(ev->cause));
        if (ev->kind == SIPUA_SESSION_EV_TERMINATED)
            printf(", by %s", ev->by_peer ? "the peer" : "us");
        sipua_time st = sipua_session_start_time(s);
        if (st)
            printf(", %.3f s established", (double)(sipua_session_end_time(s) - st) / 1e6);
        break;
    }
    case SIPUA_SESSION_EV_DTMF:
        printf(" '%c' %d ms %s", ev->tone, ev->duration_ms, ev->received ? "received" : "sent");
        break;
    case SIPUA_SESSION_EV_RENEGOTIATED:
        printf(": %s", ev->held_local && ev->held_remote ? "both sides hold"
                       : ev->held_local                  ? "held by us"
                       : ev->held_remote                 ? "held by the peer"
                                                         : "active");
        break;
    case SIPUA_SESSION_EV_REFERRED:
        printf(" to %.*s", (int)ev->refer_to.len, ev->refer_to.p);
        break;
    case SIPUA_SESSION_EV_REFER_PROGRESS:
        if (ev->refer_final)
            printf(" (%s)", ev->code >= 300   ? "the transfer failed"
                            : ev->code >= 200 ? "the transfer succeeded"
                                              : "the last report: the outcome is not known");
        break;
    default: break;
    }
    printf("\n");
    fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* Ladder                                                              */

#define MAX_LADDER 512

typedef struct rung {
    sipua_time t;
    int outgoing;
    char label[48];
} rung;

typedef struct calls_ladder {
    char call_id[128];
    char peer[64];
    rung r[MAX_LADDER];
    size_t n;
} calls_ladder;

static calls_ladder *ladder_for(calls *c, sipua_str cid, int create)
{
    for (size_t i = 0; i < c->nladders; i++)
        if (strlen(c->ladders[i]->call_id) == cid.len &&
            memcmp(c->ladders[i]->call_id, cid.p, cid.len) == 0)
            return c->ladders[i];
    if (!create || cid.len >= sizeof c->ladders[0]->call_id)
        return NULL;
    if (c->nladders == c->capladders) {
        size_t cap = c->capladders ? 2 * c->capladders : 8;
        calls_ladder **n = realloc(c->ladders, cap * sizeof *n);
        if (!n)
            return NULL;
        c->ladders = n;
        c->capladders = cap;
    }
    calls_ladder *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    memcpy(l->call_id, cid.p, cid.len);
    c->ladders[c->nladders++] = l;
    return l;
}

void calls_trace(calls *c, int outgoing, const sipua_endpoint *peer, const char *msg, size_t len,
                 sipua_time now)
{
    if (!c->ladder)
        return;
    if (!c->scratch)
        c->scratch = sipua_msg_new(NULL, NULL);
    if (!c->scratch || sipua_msg_parse(c->scratch, msg, len, SIPUA_PARSE_DATAGRAM) <= 0)
        return;
    calls_ladder *l = ladder_for(c, sipua_msg_call_id(c->scratch), 1);
    if (!l || l->n == MAX_LADDER)
        return;
    if (!l->peer[0])
        snprintf(l->peer, sizeof l->peer, strchr(peer->host, ':') ? "[%s]:%u" : "%s:%u", peer->host,
                 (unsigned)peer->port);
    rung *r = &l->r[l->n++];
    r->t = now;
    r->outgoing = outgoing;
    if (sipua_msg_is_request(c->scratch)) {
        sipua_str m = sipua_msg_method_str(c->scratch);
        snprintf(r->label, sizeof r->label, "%.*s", (int)m.len, m.p);
    } else {
        sipua_str reason = sipua_msg_reason(c->scratch);
        const sipua_cseq *cs = sipua_msg_cseq(c->scratch);
        snprintf(r->label, sizeof r->label, "%d %.*s (%.*s)", sipua_msg_status(c->scratch),
                 (int)(reason.len > 20 ? 20 : reason.len), reason.p,
                 cs ? (int)cs->method_str.len : 0, cs ? cs->method_str.p : "");
    }
    sipua_str body = sipua_msg_body(c->scratch);
    sipua_media_type mt;
    if (body.len && strlen(r->label) + 6 < sizeof r->label &&
        sipua_msg_content_type(c->scratch, &mt) == 0 && sipua_str_caseeq(mt.subtype, "sdp"))
        strcat(r->label, " +SDP");
}

void calls_print_ladder(calls *c, sipua_session *s)
{
    if (!c->ladder)
        return;
    calls_ladder *l = ladder_for(c, sipua_session_call_id(s), 0);
    if (!l)
        return;
    const int w = 44; /* the arrow's length */
    FILE *out = c->json ? stderr : stdout;
    fprintf(out, "\nladder of call %llu (Call-ID %s)\n", (unsigned long long)sipua_session_id(s),
            l->call_id);
    fprintf(out, "%12s %-*s %s\n", "", w + 2, "us", l->peer);
    for (size_t i = 0; i < l->n; i++) {
        rung *r = &l->r[i];
        char arrow[64];
        int lab = (int)strlen(r->label);
        if (lab > w - 6)
            lab = w - 6;
        int left = (w - lab - 2) / 2, right = w - lab - 2 - left;
        int k = 0;
        arrow[k++] = r->outgoing ? '-' : '<';
        for (int j = 1; j < left; j++)
            arrow[k++] = '-';
        arrow[k++] = ' ';
        memcpy(arrow + k, r->label, (size_t)lab);
        k += lab;
        arrow[k++] = ' ';
        for (int j = 1; j < right; j++)
            arrow[k++] = '-';
        arrow[k++] = r->outgoing ? '>' : '-';
        arrow[k] = 0;
        fprintf(out, "%10.3f s |%s|\n", secs(c, r->t), arrow);
    }
    fflush(out);
}

void calls_free(calls *c)
{
    for (size_t i = 0; i < c->nladders; i++)
        free(c->ladders[i]);
    free(c->ladders);
    sipua_msg_free(c->scratch);
}
