#!/usr/bin/env bash
# escale-agent end to end, the real binary against the real server on loopback: enroll with an organization's token
# (its inventory makes a machine), a failing TCP check opens a ticket naming the machine and its recovery resolves it,
# remote actions with their output on the ticket's timeline, a hung script killed at its timeout with everything it
# started, a command tampered with in the database and a replayed one refused by the agent (its nonces survive a
# restart). Needs `swift build` done and requests from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/escale-agent-e2e.XXXXXX)
port=18297
export E2E_URL="http://127.0.0.1:$port" E2E_STATE="$work/state.json" E2E_DB="$work/data/escale.sqlite"
export E2E_ADMIN="admin@escale.test" E2E_PASSWORD="e2e-admin-password"
export E2E_CHECK_PORT=18298
server_pid="" agent_pid="" listener_pid=""
agent_state="$work/agent"

cleanup() {
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "agent e2e failed; server log:" >&2; tail -n 30 "$work/serve.log" >&2 || true
    echo "agent log:" >&2; tail -n 30 "$work/agent.log" >&2 || true
  fi
  for p in "$agent_pid" "$listener_pid" "$server_pid"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  exit $rc
}
trap cleanup EXIT

ESCALE_DATA_DIR="$work/data" ESCALE_PORT=$port ESCALE_ADMIN_EMAIL=$E2E_ADMIN ESCALE_ADMIN_PASSWORD=$E2E_PASSWORD \
  ESCALE_PUBLIC_URL="$E2E_URL" ESCALE_AGENT_HEARTBEAT_SECONDS=5 ESCALE_LOG_LEVEL=info .build/debug/escale serve >>"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do curl -fs "$E2E_URL/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

token=$(python3 .ci/agent/e2e.py setup)

start_agent() {
  .build/debug/escale-agent run --state-dir "$agent_state" --heartbeat 5 >>"$work/agent.log" 2>&1 &
  agent_pid=$!
}

echo "-- escale-agent enroll: the machine appears with its own inventory"
.build/debug/escale-agent enroll --server "$E2E_URL" --token "$token" --state-dir "$agent_state"
[ "$(stat -c %a "$agent_state/agent.json")" = "600" ] || { echo "the agent's credential is readable by others" >&2; exit 1; }
python3 .ci/agent/e2e.py machine
if .build/debug/escale-agent enroll --server "$E2E_URL" --token enr_unknown --state-dir "$work/other" 2>/dev/null; then
  echo "an unknown enrollment token was accepted" >&2; exit 1
fi
start_agent

echo "-- a failing check (nothing listens on :$E2E_CHECK_PORT) opens a ticket; its recovery resolves it"
python3 .ci/agent/e2e.py check-failing
python3 -m http.server "$E2E_CHECK_PORT" --bind 127.0.0.1 >/dev/null 2>&1 &
listener_pid=$!
python3 .ci/agent/e2e.py check-recovered

echo "-- remote actions: a script and a library action from a ticket, their output on its timeline; a hung script killed"
python3 .ci/agent/e2e.py actions

echo "-- a command tampered with in the database, then a replayed one: refused by the agent (restarted in between)"
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=""
python3 .ci/agent/e2e.py tamper
start_agent
python3 .ci/agent/e2e.py tamper-refused
python3 .ci/agent/e2e.py replay
echo "agent e2e: OK"
