/* The user agent on libuv and OpenSSL: see include/sipua/io.h. This is the
 * only code that touches sockets, the clock and the random source. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <uv.h>

#include "sipua/io.h"

#define UDP_BUF  (64 * 1024)
#define UDP_MMSG 16

typedef struct conn conn;

typedef struct listener {
    sipua_io *io;
    sipua_endpoint ep;
    union {
        uv_udp_t udp;
        uv_tcp_t tcp;
    } h;
    int open;
} listener;

/* A write waiting for the connection (or its TLS handshake). */
typedef struct pending_write {
    struct pending_write *next;
    size_t len;
    char data[];
} pending_write;

struct conn {
    sipua_io *io;
    conn *next, *prev;
    uint64_t id;
    uv_tcp_t tcp;
    uv_connect_t connect_req;
    sipua_endpoint remote; /* transport, peer address, id */
    int tls;               /* TLS or WSS */
    int ready;             /* connected (and handshake done for TLS) */
    int closing;
    SSL *ssl;
    BIO *rbio, *wbio; /* network side of the TLS engine */
    pending_write *queue, *queue_tail;
};

typedef struct write_req {
    uv_write_t req;
    uv_buf_t buf;
    char data[];
} write_req;

typedef struct after_cb {
    uv_timer_t timer;
    sipua_io *io;
    void (*fn)(sipua_io *io, void *arg);
    void *arg;
} after_cb;

typedef struct signal_cb {
    uv_signal_t sig;
    sipua_io *io;
    void (*fn)(sipua_io *io, int signum);
} signal_cb;

struct sipua_io {
    uv_loop_t loop;
    uv_timer_t deadline;
    sipua_io_config cfg;
    char ca_file[512], ws_path[256];
    void (*event)(void *user, const sipua_ua_event *ev);
    void *user;
    sipua_ua *ua;
    listener listeners[SIPUA_UA_MAX_LISTEN];
    size_t nlisteners;
    uv_udp_t client_udp; /* the UDP socket of a client without listeners */
    int have_client_udp;
    sipua_endpoint client_ep[SIPUA_UA_MAX_LISTEN];
    size_t nclient_ep;
    conn *conns;
    SSL_CTX *tls_client, *tls_server;
    struct timespec mono0;
    sipua_time real0;
    char last_error[256];
    char *udp_buf;
    int stopping;
    signal_cb *signals[4];
    size_t nsignals;
    /* getrandom() output not yet handed out: tags and branches take a few
     * bytes each, and a system call per tag cost about a microsecond */
    uint8_t rnd[256];
    size_t rnd_left;
    struct fd_watch *watch; /* sipua_io_watch_fd() */
};

typedef struct fd_watch {
    uv_poll_t poll;
    sipua_io *io;
    int fd;
    void (*fn)(sipua_io *io, int fd, void *arg);
    void *arg;
} fd_watch;

/* ------------------------------------------------------------------ */
/* Small things                                                        */

static void set_error(sipua_io *io, const char *what, int uverr)
{
    snprintf(io->last_error, sizeof io->last_error, "%s: %s", what,
             uverr ? uv_strerror(uverr) : "failed");
}

const char *sipua_io_last_error(const sipua_io *io)
{
    return io ? io->last_error : "";
}

sipua_time sipua_io_now(sipua_io *io)
{
    /* the wall clock at start, advanced by the monotonic clock: timers do
     * not jump when the system time is set */
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return io->real0 + (sipua_time)(t.tv_sec - io->mono0.tv_sec) * 1000000 +
           (t.tv_nsec - io->mono0.tv_nsec) / 1000;
}

static void fill_random(uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            abort(); /* no randomness: tags and branches cannot be made safely */
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* Bytes from the pool, refilled from getrandom() when it runs dry; each
 * byte is handed out once. */
static void ua_random(void *user, uint8_t *buf, size_t len)
{
    sipua_io *io = user;
    if (len > sizeof io->rnd) {
        fill_random(buf, len);
        return;
    }
    if (io->rnd_left < len) {
        fill_random(io->rnd, sizeof io->rnd);
        io->rnd_left = sizeof io->rnd;
    }
    uint8_t *p = io->rnd + sizeof io->rnd - io->rnd_left;
    memcpy(buf, p, len);
    memset(p, 0, len);
    io->rnd_left -= len;
}

static void reschedule(sipua_io *io);

static int addr_of(const sipua_endpoint *ep, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (strchr(ep->host, ':'))
        return uv_ip6_addr(ep->host, ep->port, (struct sockaddr_in6 *)ss);
    return uv_ip4_addr(ep->host, ep->port, (struct sockaddr_in *)ss);
}

static void endpoint_of(const struct sockaddr *sa, sipua_transport t, uint64_t conn_id,
                        sipua_endpoint *ep)
{
    memset(ep, 0, sizeof *ep);
    ep->transport = t;
    ep->conn = conn_id;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        uv_ip6_name(s6, ep->host, sizeof ep->host);
        ep->port = ntohs(s6->sin6_port);
    } else {
        /* written here: uv_ip4_name goes through snprintf, a good part of
         * what a received datagram costs */
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        const unsigned char *b = (const unsigned char *)&s4->sin_addr.s_addr;
        char *o = ep->host;
        for (int i = 0; i < 4; i++) {
            unsigned v = b[i];
            if (v >= 100)
                *o++ = (char)('0' + v / 100);
            if (v >= 10)
                *o++ = (char)('0' + v / 10 % 10);
            *o++ = (char)('0' + v % 10);
            *o++ = i < 3 ? '.' : '\0';
        }
        ep->port = ntohs(s4->sin_port);
    }
}

static int is_stream(sipua_transport t)
{
    return t != SIPUA_TRANSPORT_UDP;
}

static int is_tls(sipua_transport t)
{
    return t == SIPUA_TRANSPORT_TLS || t == SIPUA_TRANSPORT_WSS;
}

/* ------------------------------------------------------------------ */
/* Configuration and life                                              */

void sipua_io_config_init(sipua_io_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->version = SIPUA_IO_CONFIG_VERSION;
    cfg->verify_peer = 1;
    cfg->socket_buffer = 4u << 20;
    sipua_ua_config_init(&cfg->ua);
}

int sipua_listen_spec_parse(const char *spec, sipua_endpoint *out)
{
    if (!spec || !out)
        return SIPUA_EINVAL;
    const char *colon = strchr(spec, ':');
    if (!colon)
        return SIPUA_EINVAL;
    sipua_transport t;
    if (sipua_transport_from_name((sipua_str){spec, (size_t)(colon - spec)}, &t) != 0)
        return SIPUA_EINVAL;
    const char *h = colon + 1, *he, *pp;
    if (*h == '[') {
        he = strchr(h, ']');
        if (!he || he[1] != ':')
            return SIPUA_EINVAL;
        pp = he + 2;
        h++;
    } else {
        he = strrchr(h, ':');
        if (!he)
            return SIPUA_EINVAL;
        pp = he + 1;
    }
    char host[SIPUA_HOST_MAX];
    size_t hl = (size_t)(he - h);
    if (hl == 0 || hl >= sizeof host)
        return SIPUA_EINVAL;
    memcpy(host, h, hl);
    host[hl] = 0;
    unsigned char probe[16];
    if (inet_pton(strchr(host, ':') ? AF_INET6 : AF_INET, host, probe) != 1)
        return SIPUA_EINVAL;
    char *end;
    errno = 0;
    unsigned long port = strtoul(pp, &end, 10);
    if (!*pp || *end || errno || port > 65535)
        return SIPUA_EINVAL;
    return sipua_endpoint_set(out, t, host, (uint16_t)port, 0);
}

static int tls_setup(sipua_io *io)
{
    io->tls_client = SSL_CTX_new(TLS_client_method());
    if (!io->tls_client)
        return SIPUA_ENOMEM;
    SSL_CTX_set_min_proto_version(io->tls_client, TLS1_2_VERSION);
    if (io->cfg.verify_peer) {
        SSL_CTX_set_verify(io->tls_client, SSL_VERIFY_PEER, NULL);
        int ok = io->cfg.ca_file
                     ? SSL_CTX_load_verify_locations(io->tls_client, io->cfg.ca_file, NULL)
                     : SSL_CTX_set_default_verify_paths(io->tls_client);
        if (!ok) {
            snprintf(io->last_error, sizeof io->last_error, "cannot load CA file %s",
                     io->cfg.ca_file ? io->cfg.ca_file : "(system)");
            return SIPUA_EIO;
        }
    }
    if (io->cfg.cert_file) {
        io->tls_server = SSL_CTX_new(TLS_server_method());
        if (!io->tls_server)
            return SIPUA_ENOMEM;
        SSL_CTX_set_min_proto_version(io->tls_server, TLS1_2_VERSION);
        if (SSL_CTX_use_certificate_chain_file(io->tls_server, io->cfg.cert_file) != 1 ||
            SSL_CTX_use_PrivateKey_file(io->tls_server,
                                        io->cfg.key_file ? io->cfg.key_file : io->cfg.cert_file,
                                        SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(io->tls_server) != 1) {
            snprintf(io->last_error, sizeof io->last_error, "cannot load certificate %s or key %s",
                     io->cfg.cert_file, io->cfg.key_file ? io->cfg.key_file : "");
            return SIPUA_EIO;
        }
    }
    return 0;
}

int sipua_io_new(const sipua_io_config *cfg, void (*event)(void *user, const sipua_ua_event *ev),
                 void *user, sipua_io **out)
{
    if (!out)
        return SIPUA_EINVAL;
    *out = NULL;
    sipua_io_config defaults;
    if (!cfg) {
        sipua_io_config_init(&defaults);
        cfg = &defaults;
    }
    if (cfg->version != SIPUA_IO_CONFIG_VERSION)
        return SIPUA_EINVAL;
    sipua_io *io = calloc(1, sizeof *io);
    if (!io)
        return SIPUA_ENOMEM;
    io->cfg = *cfg;
    if (cfg->ca_file) {
        snprintf(io->ca_file, sizeof io->ca_file, "%s", cfg->ca_file);
        io->cfg.ca_file = io->ca_file;
    }
    snprintf(io->ws_path, sizeof io->ws_path, "%s", cfg->ws_path ? cfg->ws_path : "/");
    io->cfg.ws_path = io->ws_path;
    io->cfg.ua.ws_path = io->ws_path;
    io->event = event;
    io->user = user;
    clock_gettime(CLOCK_MONOTONIC, &io->mono0);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    io->real0 = (sipua_time)rt.tv_sec * 1000000 + rt.tv_nsec / 1000;
    io->udp_buf = malloc(UDP_BUF * UDP_MMSG);
    if (!io->udp_buf || uv_loop_init(&io->loop) != 0) {
        free(io->udp_buf);
        free(io);
        return SIPUA_ENOMEM;
    }
    uv_timer_init(&io->loop, &io->deadline);
    io->deadline.data = io;
    int r = tls_setup(io);
    if (r) {
        char keep[sizeof io->last_error];
        memcpy(keep, io->last_error, sizeof keep);
        sipua_io_free(io);
        fprintf(stderr, "%s\n", keep); /* the caller has no io to ask */
        return r;
    }
    *out = io;
    return 0;
}

static void walk_close(uv_handle_t *h, void *arg)
{
    sipua_io *io = arg;
    if (uv_is_closing(h))
        return;
    /* the other timers are sipua_io_after()'s that never fired: their
     * after_cb begins with the timer */
    if (h->type == UV_TIMER && h != (uv_handle_t *)&io->deadline)
        uv_close(h, (uv_close_cb)free);
    else
        uv_close(h, NULL);
}

static void conn_free(conn *c);

void sipua_io_free(sipua_io *io)
{
    if (!io)
        return;
    sipua_ua_free(io->ua);
    io->ua = NULL;
    while (io->conns) {
        conn *c = io->conns;
        io->conns = c->next;
        conn_free(c);
    }
    uv_walk(&io->loop, walk_close, io);
    uv_run(&io->loop, UV_RUN_DEFAULT);
    uv_loop_close(&io->loop);
    for (size_t i = 0; i < io->nsignals; i++)
        free(io->signals[i]);
    free(io->watch);
    SSL_CTX_free(io->tls_client);
    SSL_CTX_free(io->tls_server);
    free(io->udp_buf);
    free(io);
}

/* ------------------------------------------------------------------ */
/* The core's clock                                                    */

static void on_deadline(uv_timer_t *t)
{
    sipua_io *io = t->data;
    if (io->ua)
        sipua_ua_advance(io->ua, sipua_io_now(io));
    reschedule(io);
}

static void reschedule(sipua_io *io)
{
    sipua_time next = io->ua ? sipua_ua_next_deadline(io->ua) : 0;
    if (!next) {
        uv_timer_stop(&io->deadline);
        return;
    }
    sipua_time now = sipua_io_now(io);
    uint64_t ms = next > now ? (uint64_t)((next - now + 999) / 1000) : 0;
    uv_timer_start(&io->deadline, on_deadline, ms, 0);
}

/* ------------------------------------------------------------------ */
/* Streams                                                             */

static void conn_unlink(sipua_io *io, conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else if (io->conns == c)
        io->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->next = c->prev = NULL;
}

/* The connection's memory goes once libuv is done with its handle. */
static void conn_closed(uv_handle_t *h)
{
    free(h->data);
}

static void conn_free(conn *c)
{
    while (c->queue) {
        pending_write *w = c->queue;
        c->queue = w->next;
        free(w);
    }
    if (c->ssl)
        SSL_free(c->ssl); /* frees the BIOs */
    c->ssl = NULL;
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static conn *conn_find_id(sipua_io *io, uint64_t id)
{
    for (conn *c = io->conns; c; c = c->next)
        if (c->id == id)
            return c;
    return NULL;
}

static void conn_close(conn *c, int tell_ua)
{
    sipua_io *io = c->io;
    if (c->closing)
        return;
    c->closing = 1;
    conn_unlink(io, c);
    if (tell_ua && io->ua) {
        sipua_time now = sipua_io_now(io);
        if (!c->ready) {
            /* never established: what was sent to it fails now */
            sipua_ua_transport_failed(io->ua, &c->remote, SIPUA_EIO, now);
        } else {
            sipua_ua_connection_closed(io->ua, c->id, now);
        }
        /* what the UA did about it (a retry, a failed request) may be due
         * sooner than the deadline the loop was waiting for */
        reschedule(io);
    }
    conn_free(c);
}

static void on_written(uv_write_t *req, int status)
{
    (void)status; /* a failed write shows as a read error or EOF */
    free(req);
}

/* Raw bytes on the TCP connection. */
static int tcp_write(conn *c, const char *data, size_t len)
{
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
    int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (n == (int)len)
        return 0;
    if (n < 0 && n != UV_EAGAIN)
        return SIPUA_EIO;
    size_t done = n > 0 ? (size_t)n : 0;
    write_req *w = malloc(sizeof *w + (len - done));
    if (!w)
        return SIPUA_ENOMEM;
    memcpy(w->data, data + done, len - done);
    w->buf = uv_buf_init(w->data, (unsigned)(len - done));
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &w->buf, 1, on_written) != 0) {
        free(w);
        return SIPUA_EIO;
    }
    return 0;
}

/* Whatever the TLS engine has for the network. */
static int tls_flush(conn *c)
{
    char buf[16384];
    int n;
    while ((n = BIO_read(c->wbio, buf, sizeof buf)) > 0) {
        int r = tcp_write(c, buf, (size_t)n);
        if (r)
            return r;
    }
    return 0;
}

/* Application bytes to the connection, through TLS when it has it. */
static int conn_write(conn *c, const char *data, size_t len)
{
    if (!c->ready) {
        pending_write *w = malloc(sizeof *w + len);
        if (!w)
            return SIPUA_ENOMEM;
        w->next = NULL;
        w->len = len;
        memcpy(w->data, data, len);
        if (c->queue_tail)
            c->queue_tail->next = w;
        else
            c->queue = w;
        c->queue_tail = w;
        return 0;
    }
    if (!c->ssl)
        return tcp_write(c, data, len);
    while (len) {
        int n = SSL_write(c->ssl, data, (int)len);
        if (n <= 0)
            return SIPUA_EIO;
        data += n;
        len -= (size_t)n;
    }
    return tls_flush(c);
}

static void conn_ready(conn *c)
{
    c->ready = 1;
    pending_write *w = c->queue;
    c->queue = c->queue_tail = NULL;
    while (w) {
        pending_write *next = w->next;
        conn_write(c, w->data, w->len);
        free(w);
        w = next;
    }
}

static void alloc_stream(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    conn *c = h->data;
    buf->base = c->io->udp_buf; /* the loop is single-threaded: one buffer serves all reads */
    buf->len = UDP_BUF;
}

static void deliver_stream(conn *c, const char *data, size_t len)
{
    sipua_io *io = c->io;
    if (io->ua && len)
        sipua_ua_recv(io->ua, &c->remote, data, len, sipua_io_now(io));
}

static void tls_progress(conn *c)
{
    if (!c->ready) {
        int r = SSL_do_handshake(c->ssl);
        tls_flush(c);
        if (r != 1) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                return;
            unsigned long err = ERR_get_error();
            char why[160];
            ERR_error_string_n(err, why, sizeof why);
            long vr = SSL_get_verify_result(c->ssl);
            snprintf(c->io->last_error, sizeof c->io->last_error,
                     "TLS handshake with %s:%u: %s%s%s", c->remote.host, (unsigned)c->remote.port,
                     why, vr != X509_V_OK ? ": " : "",
                     vr != X509_V_OK ? X509_verify_cert_error_string(vr) : "");
            conn_close(c, 1);
            return;
        }
        conn_ready(c);
    }
    char buf[16384];
    for (;;) {
        int n = SSL_read(c->ssl, buf, sizeof buf);
        if (n > 0) {
            deliver_stream(c, buf, (size_t)n);
            if (c->closing)
                return;
            continue;
        }
        int e = SSL_get_error(c->ssl, n);
        tls_flush(c);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return;
        conn_close(c, 1);
        return;
    }
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    conn *c = s->data;
    if (n < 0) {
        conn_close(c, 1);
        reschedule(c->io);
        return;
    }
    if (n == 0)
        return;
    sipua_io *io = c->io;
    if (c->ssl) {
        BIO_write(c->rbio, buf->base, (int)n);
        tls_progress(c);
    } else {
        deliver_stream(c, buf->base, (size_t)n);
    }
    reschedule(io);
}

static conn *conn_new(sipua_io *io, sipua_transport t)
{
    conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->io = io;
    c->tls = is_tls(t);
    uv_tcp_init(&io->loop, &c->tcp);
    uv_tcp_nodelay(&c->tcp, 1);
    c->tcp.data = c;
    c->next = io->conns;
    if (io->conns)
        io->conns->prev = c;
    io->conns = c;
    return c;
}

static int conn_tls(conn *c, SSL_CTX *ctx, int client)
{
    c->ssl = SSL_new(ctx);
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (!c->ssl || !c->rbio || !c->wbio)
        return SIPUA_ENOMEM;
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    if (client) {
        SSL_set_connect_state(c->ssl);
        /* the server is checked against the address we dialled */
        X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
        unsigned char probe[16];
        if (inet_pton(strchr(c->remote.host, ':') ? AF_INET6 : AF_INET, c->remote.host, probe) == 1)
            X509_VERIFY_PARAM_set1_ip_asc(vp, c->remote.host);
        else
            X509_VERIFY_PARAM_set1_host(vp, c->remote.host, 0);
    } else {
        SSL_set_accept_state(c->ssl);
    }
    return 0;
}

static void on_connected(uv_connect_t *req, int status)
{
    conn *c = req->data;
    if (status < 0) {
        set_error(c->io, "connect", status);
        conn_close(c, 1);
        return;
    }
    uv_read_start((uv_stream_t *)&c->tcp, alloc_stream, on_read);
    if (c->ssl)
        tls_progress(c);
    else
        conn_ready(c);
}

static conn *conn_dial(sipua_io *io, const sipua_endpoint *to)
{
    struct sockaddr_storage ss;
    if (addr_of(to, &ss) != 0)
        return NULL;
    conn *c = conn_new(io, to->transport);
    if (!c)
        return NULL;
    c->id = to->conn; /* the UA named it */
    c->remote = *to;
    if (c->tls && conn_tls(c, io->tls_client, 1) != 0) {
        conn_close(c, 0);
        return NULL;
    }
    c->connect_req.data = c;
    int r = uv_tcp_connect(&c->connect_req, &c->tcp, (const struct sockaddr *)&ss, on_connected);
    if (r) {
        set_error(io, "connect", r);
        conn_close(c, 0);
        return NULL;
    }
    return c;
}

static void on_connection(uv_stream_t *server, int status)
{
    listener *l = server->data;
    sipua_io *io = l->io;
    if (status < 0)
        return;
    conn *c = conn_new(io, l->ep.transport);
    if (!c)
        return;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c, 0);
        return;
    }
    struct sockaddr_storage ss;
    int len = sizeof ss;
    uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len);
    endpoint_of((struct sockaddr *)&ss, l->ep.transport, 0, &c->remote);
    if (!io->ua || sipua_ua_conn_open(io->ua, &c->remote, sipua_io_now(io), &c->id) != 0) {
        conn_close(c, 0);
        return;
    }
    c->remote.conn = c->id;
    if (c->tls && conn_tls(c, io->tls_server, 0) != 0) {
        conn_close(c, 0);
        return;
    }
    if (!c->tls)
        c->ready = 1;
    uv_read_start((uv_stream_t *)&c->tcp, alloc_stream, on_read);
    if (io->cfg.accepted)
        io->cfg.accepted(io->user, &c->remote);
}

/* ------------------------------------------------------------------ */
/* Datagrams                                                           */

static void alloc_udp(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    sipua_io *io = ((listener *)h->data)->io;
    buf->base = io->udp_buf;
    buf->len = UDP_BUF * UDP_MMSG;
}

static void on_udp(uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *addr,
                   unsigned flags)
{
    listener *l = h->data;
    sipua_io *io = l->io;
    if (n <= 0 || !addr || (flags & UV_UDP_PARTIAL))
        return; /* nothing, an error, or a datagram cut short: dropped */
    sipua_endpoint from;
    endpoint_of(addr, SIPUA_TRANSPORT_UDP, 0, &from);
    if (io->ua)
        sipua_ua_recv(io->ua, &from, buf->base, (size_t)n, sipua_io_now(io));
    reschedule(io);
}

static void size_buffers(sipua_io *io, uv_handle_t *h)
{
    uv_os_fd_t fd;
    if (!io->cfg.socket_buffer || uv_fileno(h, &fd) != 0)
        return;
    int v = (int)io->cfg.socket_buffer;
    /* beyond net.core.rmem_max when the process may (CAP_NET_ADMIN) */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof v) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
}

static int udp_open(sipua_io *io, listener *l, const struct sockaddr *sa)
{
    l->io = io;
    int r = uv_udp_init_ex(&io->loop, &l->h.udp, (unsigned)sa->sa_family | UV_UDP_RECVMMSG);
    if (r) {
        set_error(io, "udp", r);
        return SIPUA_EIO;
    }
    l->h.udp.data = l;
    l->open = 1;
    if ((r = uv_udp_bind(&l->h.udp, sa, 0)) != 0 ||
        (r = uv_udp_recv_start(&l->h.udp, alloc_udp, on_udp)) != 0) {
        set_error(io, "bind", r);
        return SIPUA_EIO;
    }
    size_buffers(io, (uv_handle_t *)&l->h.udp);
    return 0;
}

static uv_udp_t *udp_socket_for(sipua_io *io, const sipua_endpoint *to)
{
    int v6 = strchr(to->host, ':') != NULL;
    for (size_t i = 0; i < io->nlisteners; i++) {
        listener *l = &io->listeners[i];
        if (l->ep.transport == SIPUA_TRANSPORT_UDP && (strchr(l->ep.host, ':') != NULL) == v6)
            return &l->h.udp;
    }
    for (size_t i = 0; i < io->nlisteners; i++)
        if (io->listeners[i].ep.transport == SIPUA_TRANSPORT_UDP)
            return &io->listeners[i].h.udp;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The core's callbacks                                                */

typedef struct udp_req {
    uv_udp_send_t req;
    char data[];
} udp_req;

static void on_udp_sent(uv_udp_send_t *req, int status)
{
    (void)status;
    free(req); /* the request is the first member */
}

static int ua_send(void *user, const sipua_endpoint *to, const char *bytes, size_t len)
{
    sipua_io *io = user;
    if (!is_stream(to->transport)) {
        uv_udp_t *u = udp_socket_for(io, to);
        struct sockaddr_storage ss;
        if (!u || addr_of(to, &ss) != 0)
            return SIPUA_EIO;
        uv_buf_t b = uv_buf_init((char *)bytes, (unsigned)len);
        int r = uv_udp_try_send(u, &b, 1, (const struct sockaddr *)&ss);
        if (r == (int)len)
            return 0;
        if (r == UV_EAGAIN) {
            /* the socket buffer is full: queue a copy */
            udp_req *w = malloc(sizeof *w + len);
            if (!w)
                return SIPUA_ENOMEM;
            memcpy(w->data, bytes, len);
            b = uv_buf_init(w->data, (unsigned)len);
            if (uv_udp_send(&w->req, u, &b, 1, (const struct sockaddr *)&ss, on_udp_sent) == 0)
                return 0;
            free(w);
        }
        return SIPUA_EIO;
    }
    /* the UA names every connection: a number not seen yet is one to open */
    conn *c = conn_find_id(io, to->conn);
    if (!c && to->conn)
        c = conn_dial(io, to);
    if (!c)
        return SIPUA_EIO;
    return conn_write(c, bytes, len);
}

static void ua_event(void *user, const sipua_ua_event *ev)
{
    sipua_io *io = user;
    if (ev->type == SIPUA_UA_EV_CLOSE_CONNECTION) {
        conn *c = conn_find_id(io, ev->conn);
        if (c)
            conn_close(c, 0);
    }
    if (io->event)
        io->event(io->user, ev);
}

static void ua_trace(void *user, int outgoing, const sipua_endpoint *peer, const char *msg,
                     size_t len)
{
    sipua_io *io = user;
    if (io->cfg.trace)
        io->cfg.trace(io->user, outgoing, peer, msg, len);
}

static int ensure_ua(sipua_io *io)
{
    if (io->ua)
        return 0;
    sipua_ua_config cfg = io->cfg.ua;
    cfg.nlisten = 0;
    for (size_t i = 0; i < io->nlisteners; i++)
        sipua_ua_config_listen(&cfg, &io->listeners[i].ep);
    for (size_t i = 0; i < io->nclient_ep; i++)
        sipua_ua_config_listen(&cfg, &io->client_ep[i]);
    static const sipua_ua_callbacks cb = {SIPUA_UA_CALLBACKS_VERSION, ua_send, ua_random, ua_event,
                                          ua_trace};
    return sipua_ua_new(&cfg, &cb, io, NULL, &io->ua);
}

sipua_ua *sipua_io_ua(sipua_io *io)
{
    if (!io || ensure_ua(io) != 0)
        return NULL;
    return io->ua;
}

/* ------------------------------------------------------------------ */
/* Listening                                                           */

int sipua_io_listen(sipua_io *io, const char *spec, sipua_endpoint *bound)
{
    sipua_endpoint ep;
    if (!io || io->ua || sipua_listen_spec_parse(spec, &ep) != 0 ||
        io->nlisteners >= SIPUA_UA_MAX_LISTEN)
        return SIPUA_EINVAL;
    for (size_t i = 0; i < io->nlisteners; i++)
        if (io->listeners[i].ep.transport == ep.transport)
            return SIPUA_EINVAL;
    if (is_tls(ep.transport) && !io->tls_server) {
        snprintf(io->last_error, sizeof io->last_error,
                 "%s needs a certificate and a key (--cert, --key)", spec);
        return SIPUA_EINVAL;
    }
    struct sockaddr_storage ss;
    if (addr_of(&ep, &ss) != 0)
        return SIPUA_EINVAL;
    listener *l = &io->listeners[io->nlisteners];
    memset(l, 0, sizeof *l);
    l->io = io;
    int r;
    if (ep.transport == SIPUA_TRANSPORT_UDP) {
        if (udp_open(io, l, (struct sockaddr *)&ss) != 0)
            return SIPUA_EIO;
    } else {
        uv_tcp_init(&io->loop, &l->h.tcp);
        l->h.tcp.data = l;
        l->open = 1;
        if ((r = uv_tcp_bind(&l->h.tcp, (struct sockaddr *)&ss, 0)) != 0 ||
            (r = uv_listen((uv_stream_t *)&l->h.tcp, 511, on_connection)) != 0) {
            set_error(io, "listen", r);
            uv_close((uv_handle_t *)&l->h.tcp, NULL);
            return SIPUA_EIO;
        }
    }
    /* the port picked when 0 was asked */
    struct sockaddr_storage got;
    int len = sizeof got;
    if (ep.transport == SIPUA_TRANSPORT_UDP)
        uv_udp_getsockname(&l->h.udp, (struct sockaddr *)&got, &len);
    else
        uv_tcp_getsockname(&l->h.tcp, (struct sockaddr *)&got, &len);
    endpoint_of((struct sockaddr *)&got, ep.transport, 0, &l->ep);
    io->nlisteners++;
    if (bound)
        *bound = l->ep;
    return 0;
}

int sipua_io_prepare_client(sipua_io *io, sipua_transport transport, const char *host)
{
    if (!io || io->ua || !host)
        return SIPUA_EINVAL;
    sipua_endpoint target;
    if (sipua_endpoint_set(&target, transport, host, 9, 0) != 0)
        return SIPUA_EINVAL;
    struct sockaddr_storage ss;
    if (addr_of(&target, &ss) != 0)
        return SIPUA_EINVAL;
    /* which local address reaches host: a connected datagram socket says,
     * without sending anything */
    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    struct sockaddr_storage me;
    socklen_t ml = sizeof me;
    if (fd < 0 ||
        connect(fd, (struct sockaddr *)&ss,
                ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                         : sizeof(struct sockaddr_in)) != 0 ||
        getsockname(fd, (struct sockaddr *)&me, &ml) != 0) {
        snprintf(io->last_error, sizeof io->last_error, "no route to %s: %s", host,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return SIPUA_EIO;
    }
    close(fd);
    sipua_endpoint local;
    endpoint_of((struct sockaddr *)&me, transport, 0, &local);
    if (transport == SIPUA_TRANSPORT_UDP) {
        char spec[96];
        snprintf(spec, sizeof spec, strchr(local.host, ':') ? "udp:[%s]:0" : "udp:%s:0",
                 local.host);
        for (size_t i = 0; i < io->nlisteners; i++)
            if (io->listeners[i].ep.transport == SIPUA_TRANSPORT_UDP)
                return 0;
        return sipua_io_listen(io, spec, NULL);
    }
    /* a stream client is reached over its own connection: the identity has
     * our address and no port */
    local.port = 0;
    for (size_t i = 0; i < io->nclient_ep; i++)
        if (io->client_ep[i].transport == transport)
            return 0;
    if (io->nclient_ep >= SIPUA_UA_MAX_LISTEN)
        return SIPUA_EINVAL;
    io->client_ep[io->nclient_ep++] = local;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Running                                                             */

int sipua_io_run(sipua_io *io)
{
    if (!io || ensure_ua(io) != 0)
        return SIPUA_EINVAL;
    io->stopping = 0;
    reschedule(io);
    uv_run(&io->loop, UV_RUN_DEFAULT);
    return 0;
}

void sipua_io_stop(sipua_io *io)
{
    if (!io)
        return;
    io->stopping = 1;
    uv_stop(&io->loop);
}

static void on_after(uv_timer_t *t)
{
    after_cb *a = t->data;
    /* the core's clock first: what the callback starts is timed from now */
    if (a->io->ua)
        sipua_ua_advance(a->io->ua, sipua_io_now(a->io));
    a->fn(a->io, a->arg);
    uv_close((uv_handle_t *)&a->timer, (uv_close_cb)free);
    if (a->io->ua)
        reschedule(a->io);
}

int sipua_io_after(sipua_io *io, uint64_t ms, void (*fn)(sipua_io *io, void *arg), void *arg)
{
    if (!io || !fn)
        return SIPUA_EINVAL;
    after_cb *a = calloc(1, sizeof *a);
    if (!a)
        return SIPUA_ENOMEM;
    a->io = io;
    a->fn = fn;
    a->arg = arg;
    uv_timer_init(&io->loop, &a->timer);
    a->timer.data = a;
    uv_timer_start(&a->timer, on_after, ms, 0);
    return 0;
}

static void on_signal(uv_signal_t *s, int signum)
{
    signal_cb *c = s->data;
    c->fn(c->io, signum);
}

static void on_fd(uv_poll_t *p, int status, int events)
{
    fd_watch *w = p->data;
    (void)events;
    (void)status; /* an error (a closed fd) is for the reader to find */
    if (w->io->ua)
        sipua_ua_advance(w->io->ua, sipua_io_now(w->io));
    w->fn(w->io, w->fd, w->arg);
    if (w->io->ua)
        reschedule(w->io);
}

int sipua_io_watch_fd(sipua_io *io, int fd, void (*fn)(sipua_io *io, int fd, void *arg), void *arg)
{
    if (!io || fd < 0)
        return SIPUA_EINVAL;
    if (io->watch) {
        uv_poll_stop(&io->watch->poll);
        if (!fn)
            return 0;
        if (io->watch->fd != fd)
            return SIPUA_ESTATE; /* one descriptor per loop */
    } else {
        if (!fn)
            return 0;
        fd_watch *w = calloc(1, sizeof *w);
        if (!w)
            return SIPUA_ENOMEM;
        int e = uv_poll_init(&io->loop, &w->poll, fd);
        if (e) {
            set_error(io, "cannot watch the descriptor", e);
            free(w);
            return SIPUA_EIO;
        }
        w->poll.data = w;
        w->io = io;
        w->fd = fd;
        io->watch = w;
    }
    io->watch->fn = fn;
    io->watch->arg = arg;
    int e = uv_poll_start(&io->watch->poll, UV_READABLE | UV_DISCONNECT, on_fd);
    if (e) {
        set_error(io, "cannot watch the descriptor", e);
        return SIPUA_EIO;
    }
    return 0;
}

int sipua_io_on_signal(sipua_io *io, int signum, void (*fn)(sipua_io *io, int signum))
{
    if (!io || !fn || io->nsignals >= sizeof io->signals / sizeof io->signals[0])
        return SIPUA_EINVAL;
    signal_cb *c = calloc(1, sizeof *c);
    if (!c)
        return SIPUA_ENOMEM;
    c->io = io;
    c->fn = fn;
    uv_signal_init(&io->loop, &c->sig);
    c->sig.data = c;
    if (uv_signal_start(&c->sig, on_signal, signum) != 0) {
        free(c);
        return SIPUA_EIO;
    }
    uv_unref((uv_handle_t *)&c->sig); /* a signal watcher alone keeps no loop alive */
    io->signals[io->nsignals++] = c;
    return 0;
}
