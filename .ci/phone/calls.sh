#!/usr/bin/env bash
# Real phone calls reported to Escale's CTI endpoint (the generic CTI push API): Kamailio routes two calls placed
# with SIPp and posts their events. Called by .ci/integrations-e2e.sh, which checks what the desk made of them.
#
# Packages (Debian 12), installed beforehand, this script installs nothing:
#   apt-get install -y kamailio kamailio-utils-modules sip-tester iproute2
#   (kamailio-utils-modules ships http_client.so; sip-tester is SIPp)
#
# Usage: calls.sh CTI_URL        e.g. http://127.0.0.1:8080/api/v1/cti/TOKEN
#   env AGENT_NAME=...  also send user[]=AGENT_NAME with "answer"
#   env KEEP_LOGS=1     keep the log dir (kamailio.log, SIPp traces) on success
#
# SIP over UDP on loopback: Kamailio 127.0.0.1:15060, agent 201 (SIPp UAS)
# :15070, caller (SIPp UAC) :15061 / :15062. Two calls from 0123456789 to 3000:
#   1. answered by 201, 2 s talk, caller BYE -> newCall, answer, hangup(normalClearing)
#   2. caller CANCELs while ringing          -> newCall, hangup(cancel)
# Fails (exit 1) if a SIPp call fails or Kamailio logged a failed CTI POST.
# Takes ~5 s (2 s of talk + 1 s of ringing + start-up). Logs in a mktemp dir, kept (and printed) on failure.
set -u
CTI_URL=${1:?usage: $0 CTI_URL   (http://host:port/api/v1/cti/TOKEN)}
HERE=$(cd "$(dirname "$0")" && pwd)
SIP_PORT=15060 UAS_PORT=15070 UAC_PORT1=15061 UAC_PORT2=15062
EXPECTED_EVENTS=5

for tool in kamailio sipp ss; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see header for apt-get install)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/phone-e2e.XXXXXX)
mkdir -p "$WORK/run"
KAM_PID="" UAS_PID="" RC=1
agent_def=(); [ -n "${AGENT_NAME:-}" ] && agent_def=(-A "AGENT_NAME=\"$AGENT_NAME\"")

cleanup() {
  [ -n "$UAS_PID" ] && kill "$UAS_PID" 2>/dev/null
  if [ -n "$KAM_PID" ] && kill -0 "$KAM_PID" 2>/dev/null; then
    kill "$KAM_PID"                         # main process stops its children
    for _ in $(seq 50); do kill -0 "$KAM_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  if [ "$RC" -eq 0 ] && [ -z "${KEEP_LOGS:-}" ]; then rm -rf "$WORK"; else echo "logs kept in $WORK" >&2; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*" >&2; RC=1; exit 1; }

# --- Kamailio, foreground mode in the background, own pid file / runtime dir
kamailio -f "$HERE/kamailio.cfg" -DD -E -w "$WORK" -Y "$WORK/run" -P "$WORK/kamailio.pid" \
  -A "CTI_URL=\"$CTI_URL\"" -A "SIP_LISTEN=udp:127.0.0.1:$SIP_PORT" \
  -A 'SUPPORT_NUMBER="3000"' -A "AGENT_URI=\"sip:201@127.0.0.1:$UAS_PORT\"" "${agent_def[@]}" \
  >"$WORK/kamailio.log" 2>&1 &
KAM_PID=$!
for _ in $(seq 50); do
  ss -Hlun "sport = :$SIP_PORT" | grep -q . && break
  kill -0 "$KAM_PID" 2>/dev/null || { tail -20 "$WORK/kamailio.log" >&2; fail "kamailio did not start"; }
  sleep 0.1
done
ss -Hlun "sport = :$SIP_PORT" | grep -q . || fail "kamailio not listening on $SIP_PORT"

# --- agent phone 201: SIPp UAS, serves the two calls then exits
sipp_common=(-i 127.0.0.1 -nostdin -trace_err -trace_msg -timeout 30s -timeout_error)
(cd "$WORK" && exec sipp -sf "$HERE/sipp/uas-agent.xml" -p "$UAS_PORT" -m 2 "${sipp_common[@]}" \
  >"$WORK/uas.out" 2>&1) &
UAS_PID=$!
for _ in $(seq 50); do ss -Hlun "sport = :$UAS_PORT" | grep -q . && break; sleep 0.1; done

# --- caller: one call each, sequential
run_uac() {  # scenario port
  (cd "$WORK" && sipp -sf "$HERE/sipp/$1" -s 3000 -p "$2" -m 1 "${sipp_common[@]}" \
    "127.0.0.1:$SIP_PORT" >"$WORK/${1%.xml}.out" 2>&1)
}
run_uac uac-answered.xml "$UAC_PORT1"; rc1=$?
run_uac uac-cancel.xml "$UAC_PORT2"; rc2=$?
wait "$UAS_PID"; rc_uas=$?; UAS_PID=""
echo "sipp exit codes: answered=$rc1 cancel=$rc2 agent=$rc_uas"

# --- results
grep -h -E 'CTI-(OK|FAIL)' "$WORK/kamailio.log" | sed 's/^.*CTI-/CTI-/'
[ "$rc1" -eq 0 ] || fail "answered call failed in SIPp (see $WORK/uac-answered*)"
[ "$rc2" -eq 0 ] || fail "cancelled call failed in SIPp (see $WORK/uac-cancel*)"
[ "$rc_uas" -eq 0 ] || fail "agent UAS failed (see $WORK/uas-agent*)"
grep -q 'CTI-FAIL' "$WORK/kamailio.log" && fail "Kamailio could not post a CTI event"
grep -q -E 'ERROR|CRITICAL' "$WORK/kamailio.log" && { grep -E 'ERROR|CRITICAL' "$WORK/kamailio.log" >&2; fail "errors in kamailio log"; }
n=$(grep -c 'CTI-OK' "$WORK/kamailio.log")
[ "$n" -eq "$EXPECTED_EVENTS" ] || fail "expected $EXPECTED_EVENTS CTI events, Kamailio posted $n"
RC=0
echo "PASS: 2 calls, $n CTI events accepted by $CTI_URL"
