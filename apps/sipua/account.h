/* What the commands of the sipua program that register (sipua register,
 * sipua answer) share: the library's registration settings from the
 * account, and the registration events printed as a line of the timeline
 * or a JSON object. */
#ifndef SIPUA_APP_ACCOUNT_H
#define SIPUA_APP_ACCOUNT_H

#include "config.h"
#include "sipua/register.h"
#include "sipua/ua.h"

/* rc for registering address-of-record aor (which must outlive rc) with
 * the account's display name, registrar, proxy, credentials and expiry. */
void account_register_config(const app_config *a, const char *aor, sipua_register_config *rc);

/* What is wrong with registering over transport t with these settings
 * (outbound over UDP), or NULL. */
const char *account_check(const app_config *a, sipua_transport t);

/* Prints ev (REGISTERED, UNREGISTERED or REGISTRATION_FAILED) on stdout
 * as `what` ("registered", "refreshed"...), for address-of-record aor, at
 * `secs` seconds into the program; now is the UA's time (for retry_at).
 * Text: "[  0.012] registered 200 OK, expires 600 s, 1 contact" and a line
 * per contact, the outbound flow and the GRUUs; JSON: time, event, aor,
 * status, reason, expires, contacts, outbound and flow_timer (when
 * outbound was asked), pub_gruu and temp_gruu (when granted), cause (the
 * sipua_cause's name) and error on failure, retry_in. */
void reg_event_print(const sipua_ua_event *ev, const char *what, const char *aor, double secs,
                     sipua_time now, int json);

/* The name of a sipua_cause, "AUTHENTICATION_ERROR". */
const char *reg_cause_name(int cause);

#endif
