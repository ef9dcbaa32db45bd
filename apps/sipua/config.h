/* The sipua program's configuration: the user agent's settings from a
 * file of `key = value` lines (docs/config.md) and from command-line
 * flags, the flags winning. */
#ifndef SIPUA_APP_CONFIG_H
#define SIPUA_APP_CONFIG_H

#include "sipua/ua.h"

typedef struct app_config {
    /* NULL: not set. Strings are malloc'd. */
    char *aor, *display_name, *user, *password, *registrar, *proxy, *transport, *user_agent, *ca,
        *listen;
    long expires;      /* 0: not set */
    long keepalive;    /* seconds between RFC 5626 CRLF pings on stream connections; 0: not set */
    char *instance_id; /* RFC 5626 instance id, "urn:uuid:..." */
    int outbound;      /* RFC 5626 outbound when registering: 1 yes, -1 no, 0 not set */
    int gruu;          /* RFC 5627 GRUUs when registering: 1 yes, -1 no, 0 not set */
    /* the user agent's policies, timers and limits; 0: not set */
    int rel100;                   /* 1 + sipua_100rel_policy */
    int session_timer;            /* 1 yes, -1 no */
    long session_expires, min_se; /* seconds */
    long t1, t2, t4;              /* milliseconds */
    long max_message, max_headers, max_header_len, max_body;
} app_config;

/* The help lines of the user agent's flags, for the commands' usage. */
#define APP_UA_FLAGS_HELP                                                                          \
    "  --100rel supported|required|no  reliable provisionals (RFC 3262)\n"                         \
    "  --session-timer yes|no, --session-expires S, --min-se S  session timers\n"                  \
    "                    (RFC 4028; default yes, 1800, 90)\n"                                      \
    "  --t1 MS, --t2 MS, --t4 MS  RFC 3261's timers (default 500, 4000, 5000)\n"                   \
    "  --max-message-size N, --max-headers N, --max-header-length N,\n"                            \
    "  --max-body-size N  what received messages may be (docs/config.md)\n"

/* The policies, timers and limits set in c into ua (the rest untouched). */
void app_config_ua(const app_config *c, sipua_ua_config *ua);

/* Reads the configuration file at path into cfg: each key found replaces
 * what cfg had. A file that does not exist is no error when missing_ok.
 * Returns 0, or -1 after printing to stderr "PROG: PATH:LINE: what is
 * wrong" (an unknown key, a bad value, a line that does not parse) or why
 * the file cannot be read. Values are never printed for the password. */
int app_config_load(app_config *cfg, const char *path, int missing_ok, const char *prog);

/* Sets key (a config file key, "display_name", or its flag spelling
 * "display-name") to value. Returns 0, or -1 with *why set (unknown key,
 * bad value). */
int app_config_set(app_config *cfg, const char *key, const char *value, const char **why);

/* Every value set in over replaces the one in cfg. */
void app_config_merge(app_config *cfg, const app_config *over);

/* The default file: $XDG_CONFIG_HOME/sipua/config, else
 * $HOME/.config/sipua/config; NULL when neither variable is set. */
const char *app_config_default_path(char *buf, size_t cap);

/* Frees the strings (the password's bytes are cleared first). */
void app_config_free(app_config *cfg);

/* The literal address of a SIP URI's host (resolved when it is a name),
 * into out. Returns 0, or -1 after printing why to stderr. */
int app_resolve_host(const sipua_uri *u, char *out, size_t cap, const char *prog);

/* The account flags of sipua call and sipua answer (--config, --aor,
 * --display-name, --user, --password, --proxy, --registrar, --expires,
 * --user-agent, --instance-id, and the user agent's --100rel,
 * --session-timer, --session-expires, --min-se, --t1, --t2, --t4,
 * --max-message-size, --max-headers, --max-header-length,
 * --max-body-size): takes() says whether flag is one; flag()
 * stores its value: 1 done, 0 not an account flag, -1 after printing a
 * bad value. */
int app_account_takes(const char *flag);
int app_account_flag(app_config *flags, const char **config_path, const char *flag,
                     const char *value, const char *prog);
/* The account switches, flags without a value (--outbound, --gruu): 1
 * when flag is one (stored in flags), else 0. */
int app_account_switch(app_config *flags, const char *flag);
/* The settings of a command into out: the file (config_path, else the
 * default one when it exists), SIPUA_PASSWORD from the environment, then
 * the flags. When outbound or GRUUs are asked without an instance id, the
 * one kept in the config directory (sipua/instance-id beside the default
 * config file, made with a random UUID the first time). 0, or -1 after
 * printing why. */
int app_config_gather(app_config *out, app_config *flags, const char *config_path,
                      const char *prog);
/* `"Display" <aor>` for From into out; "" without an AOR. */
void app_config_from(const app_config *c, char *out, size_t cap);
/* The Digest username: user, else the AOR's user part (into buf); NULL
 * when neither. */
const char *app_config_auth_user(const app_config *c, char *buf, size_t cap);
/* Where a request to URI u goes: its host (resolved when a name), its
 * port, else the transport's default, and its transport (;transport=,
 * TLS for sips:, else t). 0, or -1 after printing why. */
int app_uri_hop(const sipua_uri *u, sipua_transport t, sipua_endpoint *hop, const char *prog);
/* With an outbound proxy: *hop its address (transport t unless its URI
 * says), route the Route header line for it (loose routing). 0 (route
 * empty without a proxy), or -1 after printing why. */
int app_config_proxy(const app_config *c, sipua_transport t, sipua_endpoint *hop, char *route,
                     size_t cap, const char *prog);

#endif
