/* Parses one SIP message from a file and prints what a user agent reads
 * first: the start line, the transaction keys and the dialog identifiers.
 *
 *   cc parse.c $(pkg-config --cflags --libs sipua) -o parse
 *   ./parse message.sip
 */
#include <stdio.h>
#include <stdlib.h>

#include <sipua/msg.h>

static void show(const char *label, sipua_str s)
{
    printf("%-10s %.*s\n", label, (int)s.len, s.p ? s.p : "");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    static char buf[65536];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);

    sipua_msg *m = sipua_msg_new(NULL, NULL);
    if (!m)
        return 2;
    int r = sipua_msg_parse(m, buf, len, SIPUA_PARSE_DATAGRAM);
    if (r < 0) {
        const sipua_msg_error *e = sipua_msg_get_error(m);
        printf("%s: %s at line %u, column %u\n", sipua_err_name(r), e->reason, e->line, e->column);
        sipua_msg_free(m);
        return 1;
    }
    show("start", sipua_msg_start_line(m));
    const sipua_via *via = sipua_msg_top_via(m);
    show("branch", via->branch);
    show("sent-by", via->host);
    show("call-id", sipua_msg_call_id(m));
    const sipua_cseq *cseq = sipua_msg_cseq(m);
    printf("%-10s %u %.*s\n", "cseq", cseq->number, (int)cseq->method_str.len, cseq->method_str.p);
    const sipua_nameaddr *from = sipua_msg_from(m), *to = sipua_msg_to(m);
    if (from) {
        show("from", from->uri.whole);
        show("from-tag", from->tag);
    }
    if (to) {
        show("to", to->uri.whole);
        show("to-tag", to->tag);
    }
    /* a lazy header: parsed now, on first access */
    sipua_media_type ct;
    if (sipua_msg_content_type(m, &ct) == 0)
        printf("%-10s %.*s/%.*s, %zu bytes\n", "body", (int)ct.type.len, ct.type.p,
               (int)ct.subtype.len, ct.subtype.p, sipua_msg_body(m).len);
    /* everything else, checked against its grammar */
    r = sipua_msg_parse_all(m);
    printf("%-10s %s\n", "check", r == 0 ? "well formed" : sipua_msg_get_error(m)->reason);
    sipua_msg_free(m);
    return r == 0 ? 0 : 1;
}
