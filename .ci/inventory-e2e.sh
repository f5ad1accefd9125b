#!/usr/bin/env bash
# Inventory end to end with the real agents (PROTOCOLS.md §1–2, run by ../shared/tools/real-clients.sh):
# fusioninventory-agent on GLPI's plugin path and on /front/inventory.php, ocsinventory-agent on /ocsinventory,
# each behind an organization's enrollment token; one machine results, with its software and history, reported again
# without a duplicate; then the inventory document in every format (PDF through Chromium). An unknown token is refused.
# Needs fusioninventory-agent, ocsinventory-agent and chromium from Debian, requests from PyPI, and `swift build` done.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-$(cd ../shared && pwd)}
CLIENTS="$SHARED/tools/real-clients.sh"
work=$(mktemp -d /tmp/escale-inventory-e2e.XXXXXX)
port=18295
export E2E_URL="http://127.0.0.1:$port" E2E_STATE="$work/state.json"
export E2E_ADMIN="admin@escale.test" E2E_PASSWORD="e2e-admin-password"
server_pid=""

cleanup() {
  rc=$?
  [ $rc -ne 0 ] && { echo "inventory e2e failed; server log:" >&2; tail -n 30 "$work/serve.log" >&2 || true; }
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  exit $rc
}
trap cleanup EXIT

ESCALE_DATA_DIR="$work/data" ESCALE_PORT=$port ESCALE_ADMIN_EMAIL=$E2E_ADMIN ESCALE_ADMIN_PASSWORD=$E2E_PASSWORD \
  ESCALE_PUBLIC_URL="$E2E_URL" ESCALE_LOG_LEVEL=info .build/debug/escale serve >>"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do curl -fs "$E2E_URL/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

read -r fusion glpi ocs < <(python3 .ci/inventory/e2e.py setup)

echo "-- fusioninventory-agent (real-clients.sh) on GLPI's plugin path, then on /front/inventory.php"
bash "$CLIENTS" fusion "$fusion"
bash "$CLIENTS" fusion "$glpi"
echo "-- ocsinventory-agent (real-clients.sh) on /ocsinventory"
bash "$CLIENTS" ocs "$ocs"
python3 .ci/inventory/e2e.py check

echo "-- an unknown token: the agent is refused and nothing is stored"
if bash "$CLIENTS" ocs "$E2E_URL/enroll/enr_unknown/ocsinventory" >/dev/null 2>&1; then
  echo "an unknown enrollment token was accepted" >&2; exit 1
fi
python3 .ci/inventory/e2e.py check

echo "-- the inventory document"
python3 .ci/inventory/e2e.py document
echo "inventory e2e: OK"
