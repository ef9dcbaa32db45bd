/* What `sipua call` and `sipua answer` share: the timeline of session
 * events and the ladder diagrams. */
#ifndef SIPUA_APP_CALLS_H
#define SIPUA_APP_CALLS_H

#include "cli.h"
#include "sipua/session.h"

typedef struct calls_ladder calls_ladder;

typedef struct calls {
    sipua_time t0; /* times are printed from here */
    int json;      /* one JSON object per line */
    int ladder;    /* record messages and print a ladder per call */
    int quiet;     /* print no events */
    calls_ladder **ladders;
    size_t nladders, capladders;
    sipua_msg *scratch;
} calls;

void calls_init(calls *c, sipua_time t0, int json, int ladder);
void calls_free(calls *c);
/* A session event on the timeline. */
void calls_event(calls *c, sipua_session *s, const sipua_session_event *ev, sipua_time now);
/* Something else about a call ("invite", "cancel"...), with a detail. */
void calls_note(calls *c, sipua_session *s, sipua_time now, const char *what, const char *detail);
/* A message sent or received (the io trace callback). */
void calls_trace(calls *c, int outgoing, const sipua_endpoint *peer, const char *msg, size_t len,
                 sipua_time now);
/* The note for a hang-up after a transfer's last refer_progress code:
 * "transferred" (2xx), "transfer outcome not known" (a 1xx: the peer
 * stopped reporting early), NULL (it failed). */
const char *calls_transfer_outcome(int code);
/* The ladder of a call's messages (stdout; stderr with --json). */
void calls_print_ladder(calls *c, sipua_session *s);

#endif
