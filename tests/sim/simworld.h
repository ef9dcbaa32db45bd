/* The world the session tests on the simulator share: two UA cores, A
 * (10.0.0.1) and B (10.0.0.2), and a hand-driven SIP peer R (10.0.0.3)
 * that sends what a test writes and records what it receives, on a
 * perfect network with a fixed one-way delay of 20 ms (every time is
 * exact). Each UA's sent messages and each session's events are logged
 * with their times. The helpers fail the running cmocka test when
 * something they need is missing. */
#ifndef SIPUA_TESTS_SIMWORLD_H
#define SIPUA_TESTS_SIMWORLD_H

#include "simnet.h"
#include "simua.h"
#include "sipua/session.h"

#define MS      1000
#define DELAY   (20 * MS)
#define MAX_LOG 256
#define MAX_EVS 64
#define SDP_R                                                                                      \
    "v=0\r\no=r 1 1 IN IP4 10.0.0.3\r\ns=-\r\nc=IN IP4 10.0.0.3\r\nt=0 0\r\n"                      \
    "m=audio 30000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
#define SDP_R2                                                                                     \
    "v=0\r\no=r 1 2 IN IP4 10.0.0.3\r\ns=-\r\nc=IN IP4 10.0.0.3\r\nt=0 0\r\n"                      \
    "m=audio 30002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

typedef struct logged {
    sipua_time at;
    size_t len;
    char bytes[4096];
} logged;

typedef struct evrec {
    sipua_session_event_kind kind;
    int code;
    sipua_cause cause;
    char tone;
    int duration_ms;
    int received;
    sipua_time at;
    int held_local, held_remote;
} evrec;

typedef struct side {
    evrec ev[MAX_EVS];
    int n;
} side;

typedef enum b_mode { B_NOTHING, B_ACCEPT, B_PREACCEPT, B_PREACCEPT_ACCEPT } b_mode;

typedef struct world world;

typedef struct peer {
    simua u; /* first: the simua callbacks find it there */
    world *w;
    logged sent[MAX_LOG]; /* what this UA put on the wire */
    int nsent;
} peer;

struct world {
    simnet *net;
    peer a, b;
    sim_addr r_addr;
    logged r_rx[MAX_LOG]; /* what R received */
    int r_n;
    sipua_msg *scratch;
    b_mode mode;
    sipua_session *sa, *sb;
    side ea, eb;
};

/* A session callback that logs events into w->ea (user is the world). */
void on_a_session(sipua_session *s, const sipua_session_event *ev, void *user);
/* A new world; B answers incoming calls as `mode` says. world_free()
 * ends what is still up, lets every timer run out and checks that nothing
 * is left in the cores. */
world *world_new(b_mode mode);
/* The same with both UAs' configuration changed by tweak (NULL: none). */
world *world_new_with(b_mode mode, void (*tweak)(sipua_ua_config *cfg));
void world_free(world *w);
sipua_time now_of(world *w);
void run_until(world *w, sipua_time t);
/* Logged messages: parsed into w->scratch (valid until the next call);
 * is() a response `status` to `method` or (status 0) a request; nth() the
 * index of the k-th such in a log (-1), with their count; a header's
 * value; the body. */
const sipua_msg *parsed(world *w, const logged *l);
int is(world *w, const logged *l, int status, sipua_method method);
int nth(world *w, const logged *l, int n, int status, sipua_method method, int k, int *count);
int count_of(world *w, const logged *l, int n, int status, sipua_method method);
sipua_str header(world *w, const logged *l, const char *name);
sipua_str body_of(world *w, const logged *l);
int str_is(sipua_str s, const char *c);
/* R: a message to node `to`; a response to the request it logged at i
 * (to A); its INVITE to B (Call-ID rcall@10.0.0.3, CSeq 10, SDP_R); a
 * request in its dialog with B (To tag `tag`). to_tag: the To tag of a
 * logged response. */
void r_send(world *w, unsigned to, const char *fmt, ...);
void r_respond(world *w, int i, int code, const char *reason, const char *extra, const char *body);
/* The same with To tag `tag` (r_respond's is "rtag"): a fork's answer. */
void r_respond_tag(world *w, int i, int code, const char *reason, const char *tag,
                   const char *extra, const char *body);
void r_invite(world *w, const char *extra);
void to_tag(world *w, const logged *l, char *tag, size_t cap);
void r_in_dialog(world *w, const char *tag, const char *method, unsigned cseq, const char *extra,
                 const char *type, const char *body);
/* How many events of a kind (and code, unless 0) a side saw. */
int has_kind(const side *sd, sipua_session_event_kind k, int code);
/* A calls R (sip:r@10.0.0.3, default options) and 100 ms pass: R has the
 * INVITE, to answer with r_respond(). */
void a_calls_r(world *w);
/* A calls B and both sides are established 200 ms later. */
void a_calls_b(world *w);

#endif
