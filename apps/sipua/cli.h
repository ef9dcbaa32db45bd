/* The sipua command-line program: shared declarations. */
#ifndef SIPUA_APP_CLI_H
#define SIPUA_APP_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "sipua/base.h"
#include "sipua/ua.h"

/* Exit codes shared by the commands. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

int cmd_lint(int argc, char **argv);
int cmd_options(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_answer(int argc, char **argv);
int cmd_register(int argc, char **argv);
/* sipua with no command: the interactive softphone (shell.c). */
int cmd_shell(int argc, char **argv);

/* Reads a whole file ("-" for standard input) into a malloc'd buffer.
 * Returns 0, or an errno value. */
int read_file(const char *path, char **data, size_t *len);

/* Writes s as a JSON string literal (quotes included). Bytes that are not
 * valid UTF-8 become U+FFFD. */
void json_str(FILE *out, const char *s, size_t len);

/* The line that says where a listener is, on stdout (flushed), as scripts
 * read it: "listening on udp:127.0.0.1:5060" ([] around an IPv6 host), or
 * with json {"event":"listening","transport":"udp","host":...,"port":...}. */
void print_listening(const sipua_endpoint *bound, int json);

#endif
