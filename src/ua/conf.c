/* The configuration text reader: see sipua_conf_next() in
 * include/sipua/register.h. Every byte of the text is looked at once, and
 * only within it: a text of any content gives entries or errors, never a
 * read past its end. */
#include <string.h>

#include "sipua/register.h"

#define LINE_MAX_BYTES 4096

void sipua_conf_init(sipua_conf_reader *r, sipua_str text)
{
    if (!r)
        return;
    memset(r, 0, sizeof *r);
    r->text = text.p ? text : (sipua_str){"", 0};
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

static int key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

static sipua_str trim(const char *p, const char *e)
{
    while (p < e && blank(*p))
        p++;
    while (e > p && blank(e[-1]))
        e--;
    return (sipua_str){p, (size_t)(e - p)};
}

/* One line [p, e) (without its LF and CR): 1 entry, 0 nothing, or the
 * error's text. */
static int parse_line(const char *p, const char *e, sipua_str *key, sipua_str *value,
                      const char **why)
{
    if ((size_t)(e - p) > LINE_MAX_BYTES) {
        *why = "line longer than 4096 bytes";
        return -1;
    }
    for (const char *c = p; c < e; c++) {
        unsigned char u = (unsigned char)*c;
        if ((u < 0x20 && u != '\t') || u == 0x7f) {
            *why = u == 0 ? "NUL byte" : "control character";
            return -1;
        }
    }
    sipua_str line = trim(p, e);
    if (line.len == 0 || line.p[0] == '#' || line.p[0] == ';')
        return 0;
    const char *eq = memchr(line.p, '=', line.len);
    if (!eq) {
        *why = "expected 'key = value'";
        return -1;
    }
    *key = trim(line.p, eq);
    if (key->len == 0) {
        *why = "empty key";
        return -1;
    }
    for (size_t i = 0; i < key->len; i++) {
        if (!key_char(key->p[i])) {
            *why = "bad character in key (letters, digits, '_', '-', '.')";
            return -1;
        }
    }
    *value = trim(eq + 1, line.p + line.len);
    if (value->len && value->p[0] == '"') {
        if (value->len < 2 || value->p[value->len - 1] != '"') {
            *why = "unterminated quoted value";
            return -1;
        }
        value->p++;
        value->len -= 2;
    }
    return 1;
}

int sipua_conf_next(sipua_conf_reader *r, sipua_str *key, sipua_str *value)
{
    if (!r || !key || !value || !r->text.p)
        return SIPUA_EINVAL;
    r->error = NULL;
    while (r->pos < r->text.len) {
        const char *p = r->text.p + r->pos;
        size_t rest = r->text.len - r->pos;
        const char *nl = memchr(p, '\n', rest);
        const char *e = nl ? nl : p + rest;
        r->pos += (size_t)(e - p) + (nl ? 1 : 0);
        r->line++;
        if (e > p && e[-1] == '\r')
            e--;
        const char *why = NULL;
        int got = parse_line(p, e, key, value, &why);
        if (got < 0) {
            r->error = why;
            return SIPUA_EPARSE;
        }
        if (got)
            return 1;
    }
    return 0;
}
