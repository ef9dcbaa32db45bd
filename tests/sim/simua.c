/* A UA core as a node of the simulated network: see simua.h. */
#include "simua.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sim_addr simua_addr_of(const sipua_endpoint *ep)
{
    unsigned a, b, c, d;
    if (ep->transport != SIPUA_TRANSPORT_UDP ||
        sscanf(ep->host, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
        return (sim_addr){0, 0};
    return (sim_addr){(a << 24) | (b << 16) | (c << 8) | d, ep->port};
}

static void host_of(sim_addr a, char *host)
{
    sim_addr_str((sim_addr){a.ip, 0}, host);
    *strchr(host, ':') = 0;
}

static int ua_send(void *user, const sipua_endpoint *to, const char *bytes, size_t len)
{
    simua *u = user;
    if (u->on_send)
        u->on_send(u, to, bytes, len);
    if (u->lose && u->lose(u, bytes, len))
        return 0;
    return simnet_send(u->net, u->addr, simua_addr_of(to), bytes, len);
}

static void ua_random(void *user, uint8_t *buf, size_t len)
{
    simua *u = user;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)simnet_rand(u->net);
}

static void node_deliver(void *user, sim_addr from, sim_addr to, const char *bytes, size_t len,
                         sipua_time now)
{
    simua *u = user;
    (void)to;
    char host[22];
    host_of(from, host);
    sipua_endpoint src;
    sipua_endpoint_set(&src, SIPUA_TRANSPORT_UDP, host, from.port, 0);
    if (sipua_ua_recv(u->ua, &src, bytes, len, now) != 0) {
        fprintf(stderr, "simua: sipua_ua_recv refused a datagram\n");
        abort();
    }
}

static sipua_time node_deadline(void *user)
{
    return sipua_ua_next_deadline(((simua *)user)->ua);
}

static void node_advance(void *user, sipua_time now)
{
    if (sipua_ua_advance(((simua *)user)->ua, now) != 0) {
        fprintf(stderr, "simua: sipua_ua_advance failed\n");
        abort();
    }
}

static const simnet_node_ops node_ops = {node_deliver, node_deadline, node_advance};

int simua_init(simua *u, simnet *net, unsigned n,
               void (*event)(void *user, const sipua_ua_event *ev),
               void (*tweak)(sipua_ua_config *cfg))
{
    u->net = net;
    u->addr = sim_addr_make(n, 5060);
    char host[22];
    host_of(u->addr, host);
    sipua_endpoint_set(&u->self, SIPUA_TRANSPORT_UDP, host, 5060, 0);
    sipua_ua_config cfg;
    sipua_ua_config_init(&cfg);
    sipua_ua_config_listen(&cfg, &u->self);
    if (tweak)
        tweak(&cfg);
    sipua_ua_callbacks cb = {.version = SIPUA_UA_CALLBACKS_VERSION,
                             .send = ua_send,
                             .random = ua_random,
                             .event = event};
    int r = sipua_ua_new(&cfg, &cb, u, NULL, &u->ua);
    if (r)
        return r;
    return simnet_add_node(net, u->addr, &node_ops, u);
}

void simua_free(simua *u)
{
    sipua_ua_free(u->ua);
    u->ua = NULL;
}
