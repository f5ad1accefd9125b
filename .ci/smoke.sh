#!/usr/bin/env bash
# Starts the real binary the way the README says, with no configuration but a port and a data directory,
# and drives it with curl: first start prints the admin password, which logs in and creates a ticket.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
port=18181
out=$data/serve.log
ESCALE_DATA_DIR=$data ESCALE_PORT=$port .build/debug/escale serve >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/readyz" | grep -q ready
password=$(awk '/password:/ {print $2}' "$out")
email=$(awk '/e-mail:/ {print $2}' "$out")
if [ -z "$password" ]; then
  # PostgreSQL database already initialised by an earlier run: create a fresh admin through the CLI instead.
  email="smoke-$RANDOM@escale.test"; password="smoke-password-$RANDOM"
  ESCALE_DATA_DIR=$data .build/debug/escale user add --email "$email" --name Smoke --role admin --password "$password" >/dev/null
fi
token=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
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
