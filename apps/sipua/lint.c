/* sipua lint: checks raw SIP messages, one per file, and says where each
 * fault is. Exit 0 when all are valid, 1 when any is invalid, 2 for a usage
 * error or an unreadable file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sipua/msg.h"

static void lint_usage(FILE *out)
{
    fputs("usage: sipua lint [--json] FILE...\n"
          "\n"
          "Reads each FILE as one raw SIP message ('-' reads standard input) and prints\n"
          "'FILE: ok' or 'FILE: invalid: <where>: <fault>'.\n"
          "\n"
          "  --json   one JSON object per file: start line, key headers, body length\n"
          "\n"
          "exit status: 0 all valid, 1 some invalid, 2 usage error or unreadable file\n",
          out);
}

/* The line holding the fault, with a caret under its column. */
static void show_context(const char *buf, size_t len, const sipua_msg_error *e)
{
    if (e->offset > len)
        return;
    const char *at = buf + e->offset;
    const char *ls = at, *le = at;
    while (ls > buf && ls[-1] != '\n')
        ls--;
    while (le < buf + len && *le != '\n' && *le != '\r')
        le++;
    if (le - ls > 200)
        return;
    fputs("    ", stdout);
    for (const char *p = ls; p < le; p++)
        fputc((*p >= 0x20 && *p < 0x7f) || *p == '\t' ? *p : '?', stdout);
    fputs("\n    ", stdout);
    for (const char *p = ls; p < at; p++)
        fputc(*p == '\t' ? '\t' : ' ', stdout);
    fputs("^\n", stdout);
}

static void json_field(const char *name, sipua_str v, int *first)
{
    if (!v.p)
        return;
    printf("%s\"%s\":", *first ? "" : ",", name);
    json_str(stdout, v.p, v.len);
    *first = 0;
}

static void json_header(const sipua_msg *m, const char *key, sipua_hdr_id id, int *first)
{
    const sipua_hdr *h = sipua_msg_find(m, id, NULL);
    if (h)
        json_field(key, h->value, first);
}

static void print_json(const char *file, const sipua_msg *m, int valid, size_t len)
{
    const sipua_msg_error *e = sipua_msg_get_error(m);
    fputs("{\"file\":", stdout);
    json_str(stdout, file, strlen(file));
    printf(",\"valid\":%s", valid ? "true" : "false");
    if (!valid) {
        printf(",\"error\":{\"code\":\"%s\",\"reason\":", sipua_err_name(e->code));
        json_str(stdout, e->reason, strlen(e->reason));
        if (e->header.p) {
            fputs(",\"header\":", stdout);
            json_str(stdout, e->header.p, e->header.len);
        }
        printf(",\"line\":%u,\"column\":%u,\"offset\":%zu}", e->line, e->column, e->offset);
    }
    sipua_str sl = sipua_msg_start_line(m);
    if (sl.p) {
        fputs(",\"start_line\":", stdout);
        json_str(stdout, sl.p, sl.len);
        if (sipua_msg_is_request(m)) {
            sipua_str meth = sipua_msg_method_str(m);
            fputs(",\"type\":\"request\",\"method\":", stdout);
            json_str(stdout, meth.p, meth.len);
            const sipua_uri *u = sipua_msg_request_uri(m);
            if (u) {
                fputs(",\"request_uri\":", stdout);
                json_str(stdout, u->whole.p, u->whole.len);
            }
        } else if (sipua_msg_status(m)) {
            sipua_str r = sipua_msg_reason(m);
            printf(",\"type\":\"response\",\"status\":%d,\"reason\":", sipua_msg_status(m));
            json_str(stdout, r.p, r.len);
        }
    }
    fputs(",\"headers\":{", stdout);
    int first = 1;
    json_header(m, "via", SIPUA_HDR_VIA, &first);
    json_header(m, "from", SIPUA_HDR_FROM, &first);
    json_header(m, "to", SIPUA_HDR_TO, &first);
    json_header(m, "call_id", SIPUA_HDR_CALL_ID, &first);
    json_header(m, "cseq", SIPUA_HDR_CSEQ, &first);
    json_header(m, "max_forwards", SIPUA_HDR_MAX_FORWARDS, &first);
    json_header(m, "contact", SIPUA_HDR_CONTACT, &first);
    json_header(m, "content_type", SIPUA_HDR_CONTENT_TYPE, &first);
    fputc('}', stdout);
    printf(",\"header_count\":%zu", sipua_msg_header_count(m));
    if (valid) {
        sipua_str raw = sipua_msg_raw(m);
        printf(",\"body_length\":%zu", sipua_msg_body(m).len);
        if (raw.len < len)
            printf(",\"ignored_trailing_bytes\":%zu", len - raw.len);
    }
    fputs("}\n", stdout);
}

int cmd_lint(int argc, char **argv)
{
    int json = 0, nfiles = 0, status = EXIT_OK, stdin_used = 0;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--json") == 0)
            json = 1;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            lint_usage(stdout);
            return EXIT_OK;
        } else if (a[0] == '-' && a[1] != 0) {
            fprintf(stderr, "sipua lint: unknown option '%s'\n", a);
            lint_usage(stderr);
            return EXIT_USAGE;
        } else
            break;
    }
    int first_file = i;
    nfiles = argc - first_file;
    if (nfiles <= 0) {
        fputs("sipua lint: no FILE given\n", stderr);
        lint_usage(stderr);
        return EXIT_USAGE;
    }
    for (int k = first_file; k < argc; k++) {
        if (strcmp(argv[k], "-") == 0 && stdin_used++) {
            fputs("sipua lint: '-' (standard input) given more than once\n", stderr);
            return EXIT_USAGE;
        }
    }
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    if (!m) {
        fputs("sipua lint: out of memory\n", stderr);
        return EXIT_USAGE;
    }
    for (int k = first_file; k < argc; k++) {
        const char *file = argv[k];
        const char *shown = strcmp(file, "-") == 0 ? "<stdin>" : file;
        char *buf = NULL;
        size_t len = 0;
        int err = read_file(file, &buf, &len);
        if (err) {
            fprintf(stderr, "sipua lint: %s: cannot read: %s\n", shown, strerror(err));
            status = EXIT_USAGE;
            continue;
        }
        int r = sipua_msg_parse(m, buf, len, SIPUA_PARSE_DATAGRAM);
        if (r > 0)
            r = sipua_msg_parse_all(m);
        int valid = r >= 0;
        if (json) {
            print_json(shown, m, valid, len);
        } else if (valid) {
            printf("%s: ok\n", shown);
        } else {
            const sipua_msg_error *e = sipua_msg_get_error(m);
            printf("%s: invalid: line %u, column %u: ", shown, e->line, e->column);
            if (e->header.p)
                printf("%.*s: ", (int)e->header.len, e->header.p);
            printf("%s\n", e->reason ? e->reason : sipua_strerror(r));
            show_context(buf, len, e);
        }
        if (!valid && status == EXIT_OK)
            status = EXIT_FAIL;
        free(buf);
    }
    sipua_msg_free(m);
    return status;
}
