/* The WebSocket opening handshake (RFC 6455 4) for the "sip" subprotocol
 * (RFC 7118 4): the client's upgrade request and its check of the 101, the
 * server's incremental read of the request and its answer. The HTTP head is
 * read only as far as the handshake needs: a start line, field lines, no
 * folding, no body. */
#include <string.h>

#include "base/base64.h"
#include "transport/ws_internal.h"

#define MAX_FIELDS 64

typedef struct field {
    sipua_str name, value;
} field;

typedef struct http_head {
    sipua_str start[3]; /* method, target, version; or version, status, reason */
    field f[MAX_FIELDS];
    size_t n;
} http_head;

static int is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
        return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int ieq(sipua_str a, const char *b)
{
    return sipua_str_caseeq(a, b);
}

static sipua_str trim_ows(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    sipua_str s = {p, (size_t)(e - p)};
    return s;
}

/* Splits the start line at its first two spaces; the third part keeps any
 * further spaces (a reason phrase). */
static const char *parse_start(const char *p, const char *e, http_head *h)
{
    const char *sp1 = memchr(p, ' ', (size_t)(e - p));
    if (!sp1 || sp1 == p)
        return "malformed start line";
    const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1));
    if (!sp2)
        sp2 = e; /* "HTTP/1.1 101" without a reason phrase */
    if (sp2 == sp1 + 1)
        return "malformed start line";
    h->start[0] = (sipua_str){p, (size_t)(sp1 - p)};
    h->start[1] = (sipua_str){sp1 + 1, (size_t)(sp2 - sp1 - 1)};
    h->start[2] = sp2 < e ? (sipua_str){sp2 + 1, (size_t)(e - sp2 - 1)} : (sipua_str){e, 0};
    for (const char *q = p; q < e; q++)
        if ((unsigned char)*q < 0x20 && *q != '\t')
            return "control character in the start line";
    return NULL;
}

/* Parses a head that ends with its blank line. Returns NULL, or what is
 * wrong with it. */
static const char *parse_head(const char *p, size_t len, http_head *h)
{
    const char *e = p + len;
    memset(h, 0, sizeof *h);
    const char *eol = NULL;
    for (const char *q = p; q + 1 < e; q++)
        if (q[0] == '\r' && q[1] == '\n') {
            eol = q;
            break;
        }
    const char *why = parse_start(p, eol, h);
    if (why)
        return why;
    const char *line = eol + 2;
    for (;;) {
        eol = NULL;
        for (const char *q = line; q + 1 < e; q++)
            if (q[0] == '\r' && q[1] == '\n') {
                eol = q;
                break;
            }
        if (eol == line)
            return NULL; /* the blank line */
        if (*line == ' ' || *line == '\t')
            return "folded header line";
        if (h->n == MAX_FIELDS)
            return "too many header fields";
        const char *c = line;
        while (c < eol && is_tchar((unsigned char)*c))
            c++;
        if (c == line || c == eol || *c != ':')
            return "malformed header field";
        for (const char *q = c + 1; q < eol; q++) {
            unsigned char ch = (unsigned char)*q;
            if ((ch < 0x20 && ch != '\t') || ch == 0x7F)
                return "control character in a header field";
        }
        h->f[h->n].name = (sipua_str){line, (size_t)(c - line)};
        h->f[h->n].value = trim_ows(c + 1, eol);
        h->n++;
        line = eol + 2;
    }
}

/* How many fields have this name; *first gets the first one's value. */
static size_t count_fields(const http_head *h, const char *name, sipua_str *first)
{
    size_t n = 0;
    for (size_t i = h->n; i-- > 0;)
        if (ieq(h->f[i].name, name)) {
            n++;
            if (first)
                *first = h->f[i].value;
        }
    return n;
}

/* 1 when some field of this name lists the token (comma-separated, RFC 9110
 * 5.6.1), compared ignoring case when icase is set. */
static int has_token(const http_head *h, const char *name, const char *token, int icase)
{
    size_t tl = strlen(token);
    for (size_t i = 0; i < h->n; i++) {
        if (!ieq(h->f[i].name, name))
            continue;
        const char *p = h->f[i].value.p, *e = p + h->f[i].value.len;
        while (p <= e) {
            const char *comma = memchr(p, ',', (size_t)(e - p));
            const char *end = comma ? comma : e;
            sipua_str t = trim_ows(p, end);
            if (t.len == tl && (icase ? ieq(t, token) : memcmp(t.p, token, tl) == 0))
                return 1;
            p = end + 1;
        }
    }
    return 0;
}

/* Finds the blank line ending the head in buf[from..len). Returns the index
 * just past it, or 0. */
static size_t head_end(const char *buf, size_t from, size_t len)
{
    for (size_t i = from; i + 3 < len; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
            return i + 4;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Writing heads                                                       */

typedef struct out_buf {
    char *p;
    size_t len, cap;
} out_buf;

static void put(out_buf *o, const char *s, size_t n)
{
    if (o->len + n <= o->cap)
        memcpy(o->p + o->len, s, n);
    o->len += n; /* past cap: the caller sized the buffer wrong, and sees it */
}

static void puts_(out_buf *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_uint(out_buf *o, size_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof tmp - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(o, tmp + sizeof tmp - n, n);
}

/* ------------------------------------------------------------------ */
/* Server                                                              */

/* RFC 6455 4.2.1 and RFC 7118 4. Returns NULL, or the fault with the
 * status to answer in *status. */
static const char *check_request(const http_head *h, int *status, sipua_str *key)
{
    *status = 400;
    if (!sipua_str_eq(h->start[0], "GET"))
        return "the method is not GET";
    if (!h->start[1].len || h->start[1].p[0] != '/')
        return "the request target is not a path";
    if (!sipua_str_eq(h->start[2], "HTTP/1.1"))
        return "the HTTP version is not 1.1";
    if (count_fields(h, "Host", NULL) != 1)
        return "no Host header field, or several";
    if (!has_token(h, "Upgrade", "websocket", 1)) {
        *status = 426;
        return "not a WebSocket upgrade";
    }
    if (!has_token(h, "Connection", "upgrade", 1))
        return "Connection does not list Upgrade";
    sipua_str v = {NULL, 0};
    if (count_fields(h, "Sec-WebSocket-Version", &v) != 1 || !sipua_str_eq(v, "13")) {
        *status = 426;
        return "Sec-WebSocket-Version is not 13";
    }
    uint8_t raw[18];
    if (count_fields(h, "Sec-WebSocket-Key", key) != 1 ||
        sipua__base64_decode(key->p, key->len, raw, sizeof raw) != 16)
        return "Sec-WebSocket-Key is not 16 bytes in base64";
    if (!has_token(h, "Sec-WebSocket-Protocol", "sip", 0))
        return "Sec-WebSocket-Protocol does not offer sip";
    return NULL;
}

static void send_refusal(sipua__ws *ws, int status, const char *why)
{
    char buf[512];
    out_buf o = {buf, 0, sizeof buf};
    size_t n = strlen(why);
    puts_(&o, status == 426 ? "HTTP/1.1 426 Upgrade Required\r\n"
                              "Upgrade: websocket\r\n"
                              "Sec-WebSocket-Version: 13\r\n"
                            : "HTTP/1.1 400 Bad Request\r\n");
    puts_(&o, "Connection: close\r\n"
              "Content-Type: text/plain\r\n"
              "Content-Length: ");
    put_uint(&o, n + 2);
    puts_(&o, "\r\n\r\n");
    put(&o, why, n);
    puts_(&o, "\r\n");
    if (o.len <= o.cap)
        sipua__ws_out(ws, buf, o.len);
}

static void server_head(sipua__ws *ws)
{
    http_head h;
    sipua_str key = {NULL, 0};
    int status = 400;
    const char *why = parse_head(ws->head, ws->head_len, &h);
    if (!why)
        why = check_request(&h, &status, &key);
    if (why) {
        send_refusal(ws, status, why);
        sipua__ws_finish(ws, SIPUA__WS_CLOSE_ABNORMAL, (sipua_str){why, strlen(why)}, 0, status);
        return;
    }
    char accept[28], buf[256];
    sipua__ws_accept_key(key, accept);
    out_buf o = {buf, 0, sizeof buf};
    puts_(&o, "HTTP/1.1 101 Switching Protocols\r\n"
              "Upgrade: websocket\r\n"
              "Connection: Upgrade\r\n"
              "Sec-WebSocket-Accept: ");
    put(&o, accept, sizeof accept);
    puts_(&o, "\r\n"
              "Sec-WebSocket-Protocol: sip\r\n"
              "\r\n");
    sipua__ws_out(ws, buf, o.len);
    ws->state = WS_OPEN;
    sipua__ws_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SIPUA__WS_EV_OPEN;
    ev.path = h.start[1];
    count_fields(&h, "Host", &ev.host);
    count_fields(&h, "Origin", &ev.origin);
    sipua__ws_emit(ws, &ev);
    if (ws->head) { /* CLOSED in the callback frees it already */
        ws->alloc.free(ws->head, ws->alloc.user);
        ws->head = NULL;
        ws->head_len = 0;
    }
}

/* ------------------------------------------------------------------ */
/* Client                                                              */

/* RFC 6455 4.1, the client's checks of the server's answer (steps 1 to 6
 * after "the client MUST validate"), and RFC 7118 4: "sip" echoed. */
static const char *check_response(const sipua__ws *ws, const http_head *h, int *status)
{
    sipua_str s = h->start[1];
    *status = 0;
    if (!sipua_str_eq(h->start[0], "HTTP/1.1") || s.len != 3)
        return "malformed status line";
    int code = 0;
    for (size_t i = 0; i < 3; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return "malformed status line";
        code = code * 10 + (s.p[i] - '0');
    }
    *status = code;
    if (code != 101)
        return "the server refused the upgrade";
    if (!has_token(h, "Upgrade", "websocket", 1))
        return "Upgrade is not websocket";
    if (!has_token(h, "Connection", "upgrade", 1))
        return "Connection does not list Upgrade";
    sipua_str v = {NULL, 0};
    if (count_fields(h, "Sec-WebSocket-Accept", &v) != 1 || v.len != sizeof ws->accept ||
        memcmp(v.p, ws->accept, sizeof ws->accept) != 0)
        return "Sec-WebSocket-Accept does not match the key";
    if (count_fields(h, "Sec-WebSocket-Extensions", NULL) != 0)
        return "the server chose an extension that was not offered";
    if (count_fields(h, "Sec-WebSocket-Protocol", &v) != 1 || !sipua_str_eq(v, "sip"))
        return "the server did not choose the sip subprotocol";
    return NULL;
}

static void client_head(sipua__ws *ws)
{
    http_head h;
    int status = 0;
    const char *why = parse_head(ws->head, ws->head_len, &h);
    if (!why)
        why = check_response(ws, &h, &status);
    if (why) {
        sipua__ws_finish(ws, SIPUA__WS_CLOSE_ABNORMAL, (sipua_str){why, strlen(why)}, 0, status);
        return;
    }
    ws->alloc.free(ws->head, ws->alloc.user);
    ws->head = NULL;
    ws->head_len = 0;
    ws->state = WS_OPEN;
    sipua__ws_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SIPUA__WS_EV_OPEN;
    sipua__ws_emit(ws, &ev);
}

static int clean_text(sipua_str s, int allow_space)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c < 0x20 || c == 0x7F || (c == ' ' && !allow_space))
            return 0;
    }
    return 1;
}

int sipua__ws_handshake_start(sipua__ws *ws, sipua_str host, sipua_str path, sipua_str origin)
{
    if (!host.p || !host.len || !clean_text(host, 0) || !path.p || !path.len || path.p[0] != '/' ||
        !clean_text(path, 0) || (origin.p && !clean_text(origin, 1)) || (!origin.p && origin.len))
        return SIPUA_EINVAL;
    uint8_t nonce[16];
    char key[SIPUA__BASE64_LEN(16)];
    ws->in_callback++;
    ws->cb.random(ws->user, nonce, sizeof nonce);
    ws->in_callback--;
    sipua__base64_encode(nonce, sizeof nonce, key);
    sipua_str key_span = {key, sizeof key};
    sipua__ws_accept_key(key_span, ws->accept);

    static const char *const parts[] = {
        "GET ",
        " HTTP/1.1\r\nHost: ",
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ",
        "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n",
        "Origin: ",
        "\r\n",
    };
    size_t cap = path.len + host.len + sizeof key + origin.len;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        cap += strlen(parts[i]);
    cap += 2;
    char *buf = ws->alloc.alloc(cap, ws->alloc.user);
    if (!buf)
        return SIPUA_ENOMEM;
    out_buf o = {buf, 0, cap};
    puts_(&o, parts[0]);
    put(&o, path.p, path.len);
    puts_(&o, parts[1]);
    put(&o, host.p, host.len);
    puts_(&o, parts[2]);
    put(&o, key, sizeof key);
    puts_(&o, parts[3]);
    if (origin.p) {
        puts_(&o, parts[4]);
        put(&o, origin.p, origin.len);
        puts_(&o, parts[5]);
    }
    puts_(&o, "\r\n");
    ws->state = WS_HANDSHAKE;
    sipua__ws_out(ws, buf, o.len);
    ws->alloc.free(buf, ws->alloc.user);
    return SIPUA_OK;
}

/* ------------------------------------------------------------------ */
/* Both                                                                */

size_t sipua__ws_handshake_feed(sipua__ws *ws, const uint8_t *data, size_t len)
{
    size_t max = ws->opts.max_handshake;
    if (!ws->head) {
        ws->head = ws->alloc.alloc(max, ws->alloc.user);
        if (!ws->head) {
            sipua__ws_finish(ws, SIPUA__WS_CLOSE_ABNORMAL, SIPUA_STR("out of memory"), 0, 0);
            return len;
        }
    }
    size_t old = ws->head_len, take = max - old < len ? max - old : len;
    memcpy(ws->head + old, data, take);
    ws->head_len += take;
    size_t end = head_end(ws->head, old > 3 ? old - 3 : 0, ws->head_len);
    if (!end) {
        if (ws->head_len == max) {
            static const char why[] = "the HTTP head is too large";
            if (ws->role == SIPUA__WS_SERVER)
                send_refusal(ws, 400, why);
            sipua__ws_finish(ws, SIPUA__WS_CLOSE_ABNORMAL, SIPUA_STR(why), 0,
                             ws->role == SIPUA__WS_SERVER ? 400 : 0);
        }
        return take;
    }
    ws->head_len = end;
    if (ws->role == SIPUA__WS_SERVER)
        server_head(ws);
    else
        client_head(ws);
    return end - old;
}
