/* sipua: the command-line SIP user agent. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("usage: sipua [OPTIONS]              the interactive softphone ('sipua shell --help')\n"
          "       sipua COMMAND [ARGS...]\n"
          "\n"
          "commands:\n"
          "  lint [--json] FILE...   check raw SIP messages ('-' reads standard input)\n"
          "  options URI             send OPTIONS, print the answer and the round-trip time\n"
          "  serve --listen SPEC...  answer requests until SIGINT or SIGTERM\n"
          "  call TARGET             place a call and print its events\n"
          "  answer [--listen SPEC]  answer incoming calls and print their events\n"
          "  register [--aor URI]    register with a registrar and stay registered\n"
          "  shell [OPTIONS]         the interactive softphone, as with no command\n"
          "  version                 print the version\n"
          "  help                    print this help\n"
          "\n"
          "Run 'sipua COMMAND --help' for a command's options.\n",
          out);
}

int main(int argc, char **argv)
{
    /* no command, or options only: the interactive softphone */
    if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "--help") && strcmp(argv[1], "-h") &&
                     strcmp(argv[1], "--version")))
        return cmd_shell(argc, argv);
    const char *cmd = argv[1];
    if (strcmp(cmd, "shell") == 0)
        return cmd_shell(argc - 1, argv + 1);
    if (strcmp(cmd, "lint") == 0)
        return cmd_lint(argc - 1, argv + 1);
    if (strcmp(cmd, "options") == 0)
        return cmd_options(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "call") == 0)
        return cmd_call(argc - 1, argv + 1);
    if (strcmp(cmd, "answer") == 0)
        return cmd_answer(argc - 1, argv + 1);
    if (strcmp(cmd, "register") == 0)
        return cmd_register(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("sipua %s\n", sipua_version());
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    fprintf(stderr, "sipua: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
