#!/usr/bin/env bash
# sipua user agents calling each other through Kamailio
# (tests/interop/kamailio/proxy.cfg: registrar and proxy, Digest against a
# db_text user table of alice, bob and carol written here). Over each
# switched-on transport T (UDP, TCP, TLS with the test CA, WS, WSS):
#   call        Bob is `sipua answer --aor sip:bob@127.0.0.1 ... --registrar
#               sip:127.0.0.1:PORT;transport=T --calls 1 --json`, which
#               registers (401 answered). Alice is `sipua call
#               sip:bob@127.0.0.1 --proxy sip:127.0.0.1:PORT;transport=T
#               --aor sip:alice@127.0.0.1 ... --dtmf 12 --hangup-after 1
#               --json`: Kamailio challenges her INVITE (407, answered),
#               finds Bob's binding and relays; Bob gets the call and tones
#               1 and 2, Alice hangs up; both exit 0, Bob unregistered.
#   transfer    Carol registers too; Bob answers with --refer
#               sip:carol@127.0.0.1. The REFER and its NOTIFYs go through
#               Kamailio, and so does Alice's INVITE to Carol: through her
#               outbound proxy, with its Route (plain 127.0.0.1 would be
#               port 5060, where nobody is), challenged, answered, and the
#               only way to Carol, whose one address is her binding;
#               Bob hangs up when NOTIFY says 200, Alice hangs up on Carol
#               after 1 s; all exit 0.
#   caller transfers  Alice calls Bob with --refer naming Carol at
#               Kamailio's address (sip:carol@127.0.0.1:PORT;transport=T:
#               Bob has no outbound proxy for calls, and his call for a
#               REFER goes to the address, there over his connection to
#               Kamailio); Bob (--calls 2) takes the REFER and calls Carol
#               through Kamailio, which challenges his INVITE: his UA
#               answers with the account's credentials. Alice hangs up when
#               NOTIFY says 200, Carol hangs up on Bob after 1 s; all exit 0.
# and once (WS, or the first transport):
#   refresh     Bob registers for 4 s: his registration is refreshed every
#               2 s with the cached credentials (challenged once in all)
#               over the connection he keeps, and Alice's call still
#               reaches him over it.
# and once (TCP):
#   wrong password  Alice's INVITE is challenged again after her answer:
#               failed, 407, cause Authentication Error, exit 1; Bob, who
#               got nothing, unregisters on SIGTERM and exits 0.
#   wrong password for Bob: the registration fails (Authentication
#               Error), `sipua answer` exits 1.
# Peers are stopped by PID, every wait is bounded.
# Skipped (exit 77) when Kamailio or one of its modules is missing
# (scripts/install-deps installs them) or `sipua answer` has no --aor.
# SIPUA_KAMAILIO_CALLS_TRANSPORTS overrides the transports ("udp tcp").
# Exit 0 all passed, 1 any failure, 77 skipped.

# Functions below run indirectly.
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

TRANSPORTS=(udp tcp tls ws wss)

interop_init kamailio_calls
need_program kamailio kamailio
need_program openssl openssl
need_sipua_command answer
need_sipua_command call
switched_on SIPUA_KAMAILIO_CALLS_TRANSPORTS "${TRANSPORTS[@]}"
transports=("${TRANSPORTS_ON[@]}")

modules=$(kamailio -h 2>/dev/null | sed -n 's/.*Modules search path (default: \(.*\)).*/\1/p')
for m in auth auth_db db_text registrar usrloc rr nathelper tmx maxfwd; do
    if [[ -n $modules && ! -f $modules/$m.so ]]; then
        skip "Kamailio module $m.so is missing from $modules" "run scripts/install-deps"
    fi
done
log "transports: ${transports[*]}"

SIPUA_TIMEOUT=15
export SIPUA_TIMEOUT
# no settings from the user's own ~/.config/sipua/config
export XDG_CONFIG_HOME=$SCRATCH/no-config

declare -A PW=([alice]='alice-Pw#1' [bob]='bob;Pw 2' [carol]='carol-Pw3')
db=$SCRATCH/db
kamailio_users "$db" alice "${PW[alice]}" bob "${PW[bob]}" carol "${PW[carol]}"

KAMAILIO_DEFINES=(-A "DB_URL=\"text://$db\"")
kamailio_start kam proxy.cfg || fail "Kamailio did not start"
KAM_LOG=${PEER_LOG[kam]}


# challenges WHO: how many times Kamailio has challenged WHO's requests
# (REGISTER for a user's binding, INVITE for a caller) so far.
challenges()
{
    grep -c "$1: credentials refused or absent" "$KAM_LOG"
}

# story FILE: the events of FILE's JSON lines in one line: "registered200
# 1:accepted 1:dtmf1 1:refer202 1:refer200! 1:terminated unregistered200"
# (session number: event; dtmf with its tone; refer_progress with its code,
# ! when final; registration events with their status).
story()
{
    python3 - "$1" <<'PY'
import json, sys
words = []
for line in open(sys.argv[1], errors="replace"):
    if not line.startswith("{"):
        continue
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    name, sid = ev.get("event"), ev.get("session")
    if name in ("registered", "refreshed", "unregistered", "registration_failed"):
        words.append("%s%s" % (name, ev.get("status", "")))
    elif name == "dtmf":
        words.append("%s:dtmf%s" % (sid, ev.get("tone")))
    elif name == "refer_progress":
        words.append("%s:refer%s%s" % (sid, ev.get("code"), "!" if ev.get("final") else ""))
    elif name in ("accepted", "referred", "terminated", "failed", "canceled"):
        words.append("%s:%s" % (sid, name))
print(" ".join(words))
PY
}

BAD=()
bad() { BAD+=("$*"); echo "BAD: $*"; }

# told WHO FILE REGEX: the story of FILE matches REGEX in full.
told()
{
    local got
    got=$(story "$2")
    echo "$1: $got"
    [[ $got =~ ^$3$ ]] || bad "$1's events '$got' do not match /$3/"
}

# flow DESCRIPTION FUNCTION ARGS...: runs FUNCTION in this shell (its
# peers' PIDs are recorded here, for the exit trap), its output in a file;
# it passes when it found nothing bad, else the problems and the output's
# end are printed.
flow()
{
    local what=$1 out
    shift
    out=$(mktemp "$SCRATCH/flow.XXXXXX")
    BAD=()
    if declare -F "$1" >/dev/null; then
        "$@" >"$out" 2>&1
    else
        bad "no function $1" >"$out"
    fi
    if check "$what" test "${#BAD[@]}" -eq 0; then
        [[ -n ${INTEROP_VERBOSE:-} ]] && sed 's/^/      /' "$out"
    else
        printf '      - %s\n' "${BAD[@]}"
        tail -n 60 "$out" | sed 's/^/      | /'
    fi
}

# ua_start NAME USER T [ARGS...]: `sipua answer` registering USER over T
# (--calls 1 --json), and the wait for its first registration.
ua_start()
{
    local name=$1 user=$2 t=$3
    shift 3
    peer_start "$name" "$SIPUA_BIN" answer --aor "sip:$user@127.0.0.1" --user "$user" \
        --password "${PW[$user]}" --registrar "$(kam_uri "$t")" --ca "$CA_DIR/ca.pem" \
        --calls 1 --json "$@"
    peer_wait_log "$name" '"event":"(registered|registration_failed)"' 10 ||
        { bad "$name did not register"; return 1; }
    grep -q '"event":"registered"' "${PEER_LOG[$name]}" || { bad "$name did not register"; return 1; }
}

# ua_end NAME: waits for the peer to exit by itself (10 s at most), wants
# status 0, prints its output.
ua_end()
{
    local name=$1 rc=0
    peer_wait_exit "$name" 10 || rc=$?
    case $rc in
    0) ;;
    124)
        bad "$name still running 10 s after the call"
        peer_stop "$name" 2 >/dev/null
        ;;
    *) bad "$name exited $rc, want 0" ;;
    esac
    printf -- '----- %s -----\n' "$name"
    sed 's/^/  | /' "${PEER_LOG[$name]}"
}

# alice_call NAME T PASSWORD [ARGS...]: Alice calls Bob through Kamailio.
alice_call()
{
    local name=$1 t=$2 pw=$3
    shift 3
    sipua_run "$name" call sip:bob@127.0.0.1 --proxy "$(kam_uri "$t")" --ca "$CA_DIR/ca.pem" \
        --aor sip:alice@127.0.0.1 --user alice --password "$pw" --json "$@"
}

no_passwords_in()
{
    local u
    for u in "${!PW[@]}"; do
        if grep -qF -- "${PW[$u]}" "$@"; then
            bad "$u's password appears in $*"
        fi
    done
}

basic_call()
{
    local t=$1 rc before
    ua_start "bob_$t" bob "$t" || return
    before=$(challenges "INVITE from sip:alice@127.0.0.1")
    alice_call "alice_$t" "$t" "${PW[alice]}" --dtmf 12 --hangup-after 1
    rc=$?
    ((rc == 0)) || bad "Alice exited $rc, want 0"
    ua_end "bob_$t"
    told Alice "$SCRATCH/alice_$t.out" '1:accepted 1:dtmf1 1:dtmf2 1:terminated'
    told Bob "${PEER_LOG[bob_$t]}" 'registered200 1:accepted 1:dtmf1 1:dtmf2 1:terminated unregistered200'
    grep -q '"event":"terminated".*"by":"us"' "$SCRATCH/alice_$t.out" ||
        bad "Alice did not hang up herself"
    (($(challenges "INVITE from sip:alice@127.0.0.1") == before + 1)) ||
        bad "Kamailio did not challenge Alice's INVITE once"
    no_passwords_in "$SCRATCH/alice_$t.out" "${PEER_LOG[bob_$t]}"
}

transfer()
{
    local t=$1 rc before
    ua_start "carol_x$t" carol "$t" || return
    ua_start "bob_x$t" bob "$t" --refer sip:carol@127.0.0.1 || return
    before=$(challenges "INVITE from sip:alice@127.0.0.1")
    alice_call "alice_x$t" "$t" "${PW[alice]}" --hangup-after 1
    rc=$?
    ((rc == 0)) || bad "Alice exited $rc, want 0"
    ua_end "bob_x$t"
    ua_end "carol_x$t"
    told Alice "$SCRATCH/alice_x$t.out" '1:accepted 1:referred 2:accepted 1:terminated 2:terminated'
    told Bob "${PEER_LOG[bob_x$t]}" \
        'registered200 1:accepted 1:refer202 (1:refer1[0-9][0-9] )*1:refer200! 1:terminated unregistered200'
    told Carol "${PEER_LOG[carol_x$t]}" 'registered200 1:accepted 1:terminated unregistered200'
    grep -q '"event":"incoming","detail":"from sip:alice@127.0.0.1"' "${PEER_LOG[carol_x$t]}" ||
        bad "Carol's call is not from Alice"
    (($(challenges "INVITE from sip:alice@127.0.0.1") == before + 2)) ||
        bad "Kamailio did not challenge each of Alice's two INVITEs once"
}

caller_transfers()
{
    local t=$1 rc before carol
    carol="sip:carol@127.0.0.1:$(kam_port "$t");transport=$t"
    ua_start "carol_y$t" carol "$t" --hangup-after 1 || return
    ua_start "bob_y$t" bob "$t" --calls 2 || return
    before=$(challenges "INVITE from sip:bob@127.0.0.1")
    alice_call "alice_y$t" "$t" "${PW[alice]}" --refer "$carol"
    rc=$?
    ((rc == 0)) || bad "Alice exited $rc, want 0"
    ua_end "bob_y$t"
    ua_end "carol_y$t"
    told Alice "$SCRATCH/alice_y$t.out" \
        '1:accepted 1:refer202 (1:refer1[0-9][0-9] )*1:refer200! 1:terminated'
    told Bob "${PEER_LOG[bob_y$t]}" \
        'registered200 1:accepted 1:referred 2:accepted 1:terminated 2:terminated unregistered200'
    told Carol "${PEER_LOG[carol_y$t]}" 'registered200 1:accepted 1:terminated unregistered200'
    grep -q '"event":"incoming","detail":"from sip:bob@127.0.0.1"' "${PEER_LOG[carol_y$t]}" ||
        bad "Carol's call is not from Bob"
    (($(challenges "INVITE from sip:bob@127.0.0.1") == before + 1)) ||
        bad "Kamailio did not challenge Bob's INVITE once"
}

refresh()
{
    local t=$1 rc before
    before=$(challenges "REGISTER sip:bob@127.0.0.1")
    ua_start "bob_r$t" bob "$t" --expires 4 || return
    peer_wait_log "bob_r$t" '"event":"refreshed"' 6 || bad "Bob's registration was not refreshed"
    alice_call "alice_r$t" "$t" "${PW[alice]}" --hangup-after 0.5
    rc=$?
    ((rc == 0)) || bad "Alice exited $rc, want 0"
    ua_end "bob_r$t"
    told Bob "${PEER_LOG[bob_r$t]}" \
        'registered200 (refreshed200 )+1:accepted (refreshed200 )*1:terminated( refreshed200)* unregistered200'
    grep -q '"event":"registered".*"expires":4' "${PEER_LOG[bob_r$t]}" || bad "not registered for 4 s"
    # one challenge in all: the refreshes and the unregistering carry the
    # cached credentials (Kamailio checks that each nonce count is higher)
    (($(challenges "REGISTER sip:bob@127.0.0.1") == before + 1)) ||
        bad "Kamailio challenged Bob's REGISTERs more than once"
}

wrong_password()
{
    local t=tcp rc before
    ua_start bob_wrong bob "$t" || return
    before=$(challenges "INVITE from sip:alice@127.0.0.1")
    alice_call alice_wrong "$t" not-her-password --hangup-after 1
    rc=$?
    ((rc >= 1 && rc <= 123)) || bad "Alice exited $rc, want 1 (failed)"
    told Alice "$SCRATCH/alice_wrong.out" '1:failed'
    grep -q '"event":"failed","code":407,.*"cause":"Authentication Error"' \
        "$SCRATCH/alice_wrong.out" || bad "no failed event with 407 and cause Authentication Error"
    (($(challenges "INVITE from sip:alice@127.0.0.1") == before + 2)) ||
        bad "Kamailio did not challenge Alice's INVITE twice"
    grep -q not-her-password "$SCRATCH/alice_wrong.out" && bad "the password appears in the output"
    # Bob, who got no call: SIGTERM unregisters him
    peer_stop bob_wrong 10
    rc=$?
    ((rc == 0)) || bad "Bob exited $rc after SIGTERM, want 0"
    sed 's/^/  | /' "${PEER_LOG[bob_wrong]}"
    told Bob "${PEER_LOG[bob_wrong]}" 'registered200 unregistered200'
}

bob_wrong_password()
{
    local rc out=$SCRATCH/bob_refused.out
    sipua_run bob_refused answer --aor sip:bob@127.0.0.1 --password not-his-password \
        --registrar "$(kam_uri udp)" --calls 1
    rc=$?
    ((rc == 1)) || bad "sipua answer exited $rc, want 1"
    grep -q "registration_failed 401 Unauthorized: Authentication Error" "$out" ||
        bad "no registration_failed line with 401 and Authentication Error"
    grep -q "registration failed: AUTHENTICATION_ERROR (401 Unauthorized)" "$out" ||
        bad "no 'registration failed' message"
    grep -q not-his-password "$out" && bad "the password appears in the output"
}

for t in "${transports[@]}"; do
    T=${t^^}
    flow "$T: Bob registers, Alice calls him through Kamailio (407 answered), DTMF 1 2, Alice hangs up, both exit 0" \
        basic_call "$t"
    flow "$T: Bob transfers Alice to Carol through Kamailio (REFER, NOTIFY 200, INVITE challenged), all exit 0" \
        transfer "$t"
    flow "$T: Alice transfers Bob to Carol; Bob's INVITE through Kamailio answers its 407, all exit 0" \
        caller_transfers "$t"
done
rt=${transports[0]}
[[ " ${transports[*]} " == *" ws "* ]] && rt=ws
flow "${rt^^}: Bob's registration (4 s) is refreshed every 2 s, and Alice's call still reaches him" \
    refresh "$rt"
flow "TCP: a wrong password for Alice: failed 407, Authentication Error, exit 1; Bob unregisters on SIGTERM" \
    wrong_password
flow "UDP: a wrong password for Bob: the registration fails (Authentication Error), exit 1" \
    bob_wrong_password
peer_stop kam 5 >/dev/null

finish
