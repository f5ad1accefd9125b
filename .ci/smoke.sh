#!/usr/bin/env bash
# Starts the real binary the way the README says, with no configuration but a port and a data directory,
# and drives it with curl: first start prints the admin password, which logs in and creates a ticket.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
port=18181
out=$data/serve.log
# The README's command, with a free port and a throwaway data directory. `swift run` starts the server as a
# grandchild: run it in a session of its own so that the whole process group can be stopped.
ESCALE_DATA_DIR=$data ESCALE_PORT=$port setsid swift run escale serve >"$out" 2>&1 &
pid=$!
trap 'rc=$?; [ $rc -ne 0 ] && { echo "smoke failed; server log:"; tail -n 20 "$out"; } >&2; kill -- -$pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
# Nothing else may answer on the port: the readiness answer must come from this server.
if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then echo "port $port is already in use" >&2; exit 1; fi
for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/readyz" | grep -q ready
password=$(awk '/password:/ {print $2}' "$out")
email=$(awk '/e-mail:/ {print $2}' "$out")
if [ -z "$password" ]; then
  # PostgreSQL database already initialised by an earlier run: create a fresh admin through the CLI instead.
  email="smoke-$RANDOM@escale.test"; password="smoke-password-$RANDOM"
  ESCALE_DATA_DIR=$data .build/debug/escale user add --email "$email" --name Smoke --role admin --password "$password" >/dev/null
fi
login=$(curl -s -X POST "http://127.0.0.1:$port/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}")
token=$(echo "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') || { echo "login failed: $login" >&2; exit 1; }
org=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/organizations" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d "{\"name\":\"Smoke $RANDOM\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
number=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/tickets" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d "{\"subject\":\"Réseau coupé\",\"description\":\"smoke\",\"impact\":\"high\",\"urgency\":\"high\",\"organization_id\":\"$org\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["number"])')
curl -fs "http://127.0.0.1:$port/api/v1/search?q=reseau" -H "authorization: Bearer $token" | grep -q "$number"
# Invalid configuration fails at start with one line.
if ESCALE_PORT=eighty .build/debug/escale serve >"$data/bad.log" 2>&1; then echo "bad config accepted" >&2; exit 1; fi
grep -q "ESCALE_PORT" "$data/bad.log"
[ "$(wc -l < "$data/bad.log")" -eq 1 ] || { echo "invalid configuration should fail in one line:"; cat "$data/bad.log"; exit 1; } >&2
echo "smoke: OK ($number)"
