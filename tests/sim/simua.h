/* A UA core as a node of the simulated network: the glue every simulator
 * test of UA cores needs. A test embeds a simua at the start of its own
 * peer struct (the node callbacks and the send and random callbacks find
 * it there), fills in its UA callbacks' event part, and calls simua_init.
 */
#ifndef SIPUA_TESTS_SIMUA_H
#define SIPUA_TESTS_SIMUA_H

#include "simnet.h"
#include "sipua/ua.h"

typedef struct simua {
    simnet *net;
    sim_addr addr;
    sipua_ua *ua;
    sipua_endpoint self; /* UDP 10.0.0.n:5060 */
    /* called for each datagram the UA sends, before it goes on the wire */
    void (*on_send)(struct simua *u, const sipua_endpoint *to, const char *bytes, size_t len);
    /* when set and it returns nonzero, the network loses that datagram */
    int (*lose)(struct simua *u, const char *bytes, size_t len);
} simua;

/* The sim address of a UDP endpoint "a.b.c.d":port ({0, 0} for others). */
sim_addr simua_addr_of(const sipua_endpoint *ep);

/* Creates the UA (config: a UDP identity at 10.0.0.n:5060, then `tweak`
 * may change it; NULL for none) and adds the node. `event` receives the
 * UA's events with u as user pointer (cast to the test's struct). Returns
 * 0 or a sipua error. */
int simua_init(simua *u, simnet *net, unsigned n,
               void (*event)(void *user, const sipua_ua_event *ev),
               void (*tweak)(sipua_ua_config *cfg));
void simua_free(simua *u);

#endif
