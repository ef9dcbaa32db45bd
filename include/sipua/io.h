/* sipua — running a user agent on real sockets (libuv, OpenSSL).
 *
 * sipua_io binds the sans-IO core (sipua/ua.h) to an event loop: it owns a
 * libuv loop, the sockets, TLS, the clock and the random source, and the
 * sipua_ua it feeds. Transports: UDP (received with recvmmsg where libuv
 * has it), TCP, TLS, and WebSocket over TCP or TLS, whose framing is the
 * core's. Certificates are verified by default (trust: the system store, or
 * the CA file given).
 *
 *   sipua_io_config cfg;  sipua_io_config_init(&cfg);
 *   sipua_io *io;         sipua_io_new(&cfg, on_event, app, &io);
 *   sipua_io_listen(io, "udp:127.0.0.1:5060", NULL);
 *   sipua_ua *ua = sipua_io_ua(io);   ... requests ...
 *   sipua_io_run(io);     returns after sipua_io_stop()
 *   sipua_io_free(io);
 *
 * Everything happens on the thread that calls sipua_io_run().
 */
#ifndef SIPUA_IO_H
#define SIPUA_IO_H

#include "ua.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sipua_io sipua_io;

typedef struct sipua_io_config {
    uint32_t version;      /* SIPUA_IO_CONFIG_VERSION, set by _init */
    const char *ca_file;   /* PEM file of CAs to trust for TLS; NULL: the system's */
    int verify_peer;       /* 1 (default): TLS servers' certificates must verify */
    const char *cert_file; /* PEM certificate (chain) for TLS and WSS listeners */
    const char *key_file;  /* its private key */
    const char *ws_path;   /* the path of WebSocket upgrades we send; default "/" */
    size_t socket_buffer;  /* UDP receive/send buffer, bytes; default 4 MiB */
    sipua_ua_config ua;    /* the core's configuration; listen endpoints are added by
                              sipua_io_listen() */
    /* optional: every SIP message sent or received (see sipua_ua_callbacks'
     * trace), with the user pointer given to sipua_io_new() */
    void (*trace)(void *user, int outgoing, const sipua_endpoint *peer, const char *msg,
                  size_t len);
    /* optional: a stream connection was accepted on a listener; `remote`
     * carries its transport, address and the UA's number for it (conn), so
     * that requests can be sent back over it (a WebSocket client such as
     * SIP.js is reachable no other way, RFC 7118 5) */
    void (*accepted)(void *user, const sipua_endpoint *remote);
} sipua_io_config;

#define SIPUA_IO_CONFIG_VERSION 1u

SIPUA_EXTERN void sipua_io_config_init(sipua_io_config *cfg);

/* Creates the loop and the UA. `event` (may be NULL) hears the UA's events.
 * Returns 0 with *out set, SIPUA_EINVAL, SIPUA_ENOMEM, or SIPUA_EIO when the
 * TLS context cannot be set up (unreadable CA, certificate or key file). */
SIPUA_EXTERN int sipua_io_new(const sipua_io_config *cfg,
                              void (*event)(void *user, const sipua_ua_event *ev), void *user,
                              sipua_io **out);
SIPUA_EXTERN void sipua_io_free(sipua_io *io);

/* Parses a listen spec, "TRANSPORT:HOST:PORT" (transport udp, tcp, tls,
 * ws, wss; an IPv6 host in brackets: "tls:[::1]:5061"; port 0 picks a free
 * one). Returns 0 or SIPUA_EINVAL. */
SIPUA_EXTERN int sipua_listen_spec_parse(const char *spec, sipua_endpoint *out);

/* Opens a listening socket (spec as above) and tells the UA it is reached
 * there. The bound endpoint (with the port picked) goes to *bound when not
 * NULL. Before any request is sent. Returns 0, SIPUA_EINVAL (bad spec, a
 * second listener for a transport, TLS without a certificate), or SIPUA_EIO
 * with the system's error in sipua_io_last_error(). */
SIPUA_EXTERN int sipua_io_listen(sipua_io *io, const char *spec, sipua_endpoint *bound);

/* For a client without listeners: the UA's identity toward `host` (a
 * literal IP) on `transport`, from the local address the system would use
 * to reach it. A UDP socket is opened for UDP. Returns 0 or SIPUA_EIO. */
SIPUA_EXTERN int sipua_io_prepare_client(sipua_io *io, sipua_transport transport, const char *host);

/* The UA, to make requests with; valid until sipua_io_free(). */
SIPUA_EXTERN sipua_ua *sipua_io_ua(sipua_io *io);
/* The current time as the core counts it. */
SIPUA_EXTERN sipua_time sipua_io_now(sipua_io *io);

/* Runs the loop until sipua_io_stop(). Returns 0 or SIPUA_EIO. */
SIPUA_EXTERN int sipua_io_run(sipua_io *io);
/* Makes sipua_io_run() return: from an event callback, a timer, or a
 * signal watcher of the loop (sipua_io_on_signal). */
SIPUA_EXTERN void sipua_io_stop(sipua_io *io);
/* Calls fn once the loop runs, after ms milliseconds (0: at once). Returns
 * 0 or SIPUA_ENOMEM. */
SIPUA_EXTERN int sipua_io_after(sipua_io *io, uint64_t ms, void (*fn)(sipua_io *io, void *arg),
                                void *arg);
/* Calls fn when the process receives signal signum (SIGINT, SIGTERM), from
 * the loop. Returns 0 or SIPUA_EIO. */
SIPUA_EXTERN int sipua_io_on_signal(sipua_io *io, int signum, void (*fn)(sipua_io *io, int signum));

/* Calls fn from the loop whenever fd (a terminal, a pipe or a socket: not
 * a regular file, which is always readable) has something to read, or
 * was closed; fn reads it. One descriptor per loop; fn NULL stops
 * watching. The UA's clock moves to now first, and what fn starts is
 * scheduled after it. Returns 0, SIPUA_EINVAL, SIPUA_ESTATE (another
 * descriptor is watched), SIPUA_ENOMEM, or SIPUA_EIO (the descriptor
 * cannot be watched: sipua_io_last_error() says why). */
SIPUA_EXTERN int sipua_io_watch_fd(sipua_io *io, int fd,
                                   void (*fn)(sipua_io *io, int fd, void *arg), void *arg);

/* The last system error text of a failed call ("address already in use"). */
SIPUA_EXTERN const char *sipua_io_last_error(const sipua_io *io);

#ifdef __cplusplus
}
#endif

#endif
