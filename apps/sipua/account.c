/* The registration settings and events of the sipua program: see
 * account.h. */
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "cli.h"
#include "sipua/session.h"

void account_register_config(const app_config *a, const char *aor, sipua_register_config *rc)
{
    sipua_register_config_init(rc);
    rc->aor = aor;
    rc->display_name = a->display_name;
    rc->registrar = a->registrar;
    rc->outbound_proxy = a->proxy;
    rc->auth_user = a->user;
    rc->password = a->password;
    if (a->expires)
        rc->expires = (uint32_t)a->expires;
    rc->instance_id = a->instance_id;
    rc->reg_id = a->outbound > 0 ? 1 : 0; /* RFC 5626: one flow, reg-id 1 */
    rc->gruu = a->gruu > 0;
}

const char *account_check(const app_config *a, sipua_transport t)
{
    if (a->outbound > 0 && t == SIPUA_TRANSPORT_UDP)
        return "--outbound needs a stream transport (tcp, tls, ws or wss): a UDP flow is "
               "kept up by STUN, which sipua does not send";
    return NULL;
}

const char *reg_cause_name(int cause)
{
    static const char *const names[] = {
#define REG_CAUSE_NAME_(name, text) #name,
        SIPUA_CAUSE_MAP(REG_CAUSE_NAME_)
#undef REG_CAUSE_NAME_
    };
    if (cause < 0 || (size_t)cause >= sizeof names / sizeof names[0])
        return "INTERNAL_ERROR";
    return names[cause];
}

static void print_json(const sipua_ua_event *ev, const char *what, const char *aor, double secs,
                       int failed, double retry_in)
{
    printf("{\"time\":%.6f,\"event\":\"%s\",\"aor\":", secs, what);
    json_str(stdout, aor, strlen(aor));
    if (ev->status) {
        printf(",\"status\":%d,\"reason\":", ev->status);
        json_str(stdout, ev->reason.p, ev->reason.len);
    }
    if (ev->type == SIPUA_UA_EV_REGISTERED) {
        printf(",\"expires\":%u,\"contacts\":[", (unsigned)ev->expires);
        for (size_t i = 0; i < ev->ncontacts; i++) {
            if (i)
                putchar(',');
            json_str(stdout, ev->contacts[i].p, ev->contacts[i].len);
        }
        putchar(']');
        if (ev->outbound || ev->flow_timer)
            printf(",\"outbound\":%s", ev->outbound ? "true" : "false");
        if (ev->flow_timer)
            printf(",\"flow_timer\":%u", (unsigned)ev->flow_timer);
        if (ev->pub_gruu.len) {
            printf(",\"pub_gruu\":");
            json_str(stdout, ev->pub_gruu.p, ev->pub_gruu.len);
        }
        if (ev->temp_gruu.len) {
            printf(",\"temp_gruu\":");
            json_str(stdout, ev->temp_gruu.p, ev->temp_gruu.len);
        }
    }
    if (failed) {
        printf(",\"cause\":\"%s\"", reg_cause_name(ev->cause));
        if (ev->error)
            printf(",\"error\":\"%s\"", sipua_err_name(ev->error));
    }
    if (ev->retry_at)
        printf(",\"retry_in\":%.3f", retry_in);
    printf("}\n");
}

void reg_event_print(const sipua_ua_event *ev, const char *what, const char *aor, double secs,
                     sipua_time now, int json)
{
    int failed = ev->type == SIPUA_UA_EV_REGISTRATION_FAILED ||
                 (ev->type == SIPUA_UA_EV_UNREGISTERED && ev->status / 100 != 2);
    double retry_in = ev->retry_at ? (double)(ev->retry_at - now) / 1e6 : 0;
    if (json) {
        print_json(ev, what, aor, secs, failed, retry_in);
        fflush(stdout);
        return;
    }
    printf("[%9.3f] %s", secs, what);
    if (ev->status)
        printf(" %d %.*s", ev->status, (int)ev->reason.len, ev->reason.p);
    if (ev->type == SIPUA_UA_EV_REGISTERED)
        printf(", expires %u s, %zu contact%s", (unsigned)ev->expires, ev->ncontacts,
               ev->ncontacts == 1 ? "" : "s");
    if (failed) {
        printf(": %s", sipua_cause_str((sipua_cause)ev->cause));
        if (ev->error)
            printf(" (%s)", sipua_strerror(ev->error));
    }
    if (ev->retry_at)
        printf(", retrying in %.1f s", retry_in);
    putchar('\n');
    for (size_t i = 0; ev->type == SIPUA_UA_EV_REGISTERED && i < ev->ncontacts; i++)
        printf("            contact %.*s\n", (int)ev->contacts[i].len, ev->contacts[i].p);
    if (ev->type == SIPUA_UA_EV_REGISTERED && ev->outbound)
        printf("            outbound flow, keep-alives within %u s%s\n",
               ev->flow_timer ? (unsigned)ev->flow_timer : 120u,
               ev->flow_timer ? " (Flow-Timer)" : "");
    if (ev->pub_gruu.len)
        printf("            public GRUU %.*s\n", (int)ev->pub_gruu.len, ev->pub_gruu.p);
    if (ev->temp_gruu.len)
        printf("            temporary GRUU %.*s\n", (int)ev->temp_gruu.len, ev->temp_gruu.p);
    fflush(stdout);
}
