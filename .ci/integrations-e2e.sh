#!/usr/bin/env bash
# Monitoring and phone end to end with real senders: Kamailio routes calls placed with SIPp and posts their CTI
# events (PROTOCOLS.md has no capture for this: the generic CTI push API), the documented CTI payloads are replayed,
# a real Prometheus Alertmanager fires, groups, retries while the server restarts and resolves (PROTOCOLS.md §3), and
# an Events v2 sender triggers and resolves. Needs kamailio, kamailio-utils-modules, sip-tester and
# prometheus-alertmanager from Debian, requests from PyPI, and `swift build` done.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-$(cd ../shared && pwd)}
CLIENTS="$SHARED/tools/real-clients.sh"
work=$(mktemp -d /tmp/escale-integrations-e2e.XXXXXX)
port=18290 am_port=19093
export E2E_URL="http://127.0.0.1:$port" E2E_STATE="$work/state.json"
export E2E_ADMIN="admin@escale.test" E2E_PASSWORD="e2e-admin-password"
server_pid="" am_pid=""

cleanup() {
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "integrations e2e failed; server log:" >&2; tail -n 30 "$work/serve.log" >&2 || true
    [ -f "$work/am.log" ] && { echo "alertmanager log:" >&2; grep -E "Notify|error" "$work/am.log" | tail -n 15 >&2; }
  fi
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$am_pid" ] && kill "$am_pid" 2>/dev/null || true
  exit $rc
}
trap cleanup EXIT

start_server() {
  ESCALE_DATA_DIR="$work/data" ESCALE_PORT=$port ESCALE_ADMIN_EMAIL=$E2E_ADMIN ESCALE_ADMIN_PASSWORD=$E2E_PASSWORD \
    ESCALE_PUBLIC_URL="$E2E_URL" ESCALE_LOG_LEVEL=info .build/debug/escale serve >>"$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do curl -fs "$E2E_URL/readyz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "server did not start" >&2; return 1
}

stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

echo "-- escale serve on $port"
start_server
urls=$(python3 .ci/integrations/e2e.py setup)
cti=$(echo "$urls" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cti"])')
am=$(echo "$urls" | python3 -c 'import json,sys; print(json.load(sys.stdin)["am"])')

echo "-- phone: two real SIP calls through Kamailio (SIPp), reported to the CTI endpoint"
bash .ci/phone/calls.sh "$cti"
python3 .ci/integrations/e2e.py check-calls
python3 .ci/integrations/e2e.py cti-replays

echo "-- Alertmanager (real-clients.sh): one alert fired, then resolved"
bash "$CLIENTS" alertmanager "$am"
python3 .ci/integrations/e2e.py check-am-basic

echo "-- Alertmanager: a group of three hosts sent while the server restarts, retried, then resolved"
cat > "$work/am.yml" <<YML
route: {receiver: hd, group_by: [alertname], group_wait: 1s, group_interval: 2s, repeat_interval: 1h}
receivers:
- name: hd
  webhook_configs:
  - url: '$am'
    send_resolved: true
YML
prometheus-alertmanager --config.file="$work/am.yml" --storage.path="$work/am-data" --web.listen-address=127.0.0.1:$am_port \
  --cluster.listen-address= --log.level=debug > "$work/am.log" 2>&1 &
am_pid=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$am_port/-/ready" >/dev/null && break; sleep 0.2; done
alerts() {  # endsAt
  local now; now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
  local out="[" sep=""
  for h in db01 db02 db03; do
    out="$out$sep{\"labels\":{\"alertname\":\"DiskFull\",\"instance\":\"$h:9100\",\"severity\":\"warning\"},\"annotations\":{\"summary\":\"Disque presque plein sur $h\"},\"startsAt\":\"$start\",\"endsAt\":\"$1\"}"
    sep=","
  done
  echo "$out]"
}
start=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
stop_server
curl -fs -XPOST -H 'Content-Type: application/json' --data "$(alerts "$(date -u -d '+10 min' +%Y-%m-%dT%H:%M:%S.000Z)")" "http://127.0.0.1:$am_port/api/v2/alerts"
# Alertmanager's first flush (after group_wait) finds nobody listening, and retries.
for _ in $(seq 1 40); do grep -qE "Notify attempt failed|Notify for alerts failed" "$work/am.log" && break; sleep 0.25; done
grep -qE "Notify attempt failed|Notify for alerts failed" "$work/am.log" || { echo "Alertmanager never tried while the server was down" >&2; exit 1; }
start_server
python3 .ci/integrations/e2e.py wait-group 3 firing
# Prometheus re-sends firing alerts every evaluation: Alertmanager deduplicates, the desk opens nothing new.
curl -fs -XPOST -H 'Content-Type: application/json' --data "$(alerts "$(date -u -d '+10 min' +%Y-%m-%dT%H:%M:%S.000Z)")" "http://127.0.0.1:$am_port/api/v2/alerts"
sleep 3
curl -fs -XPOST -H 'Content-Type: application/json' --data "$(alerts "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)")" "http://127.0.0.1:$am_port/api/v2/alerts"
python3 .ci/integrations/e2e.py wait-group 3 resolved
grep -q "Notify success" "$work/am.log" || { echo "Alertmanager never succeeded" >&2; exit 1; }

echo "-- Events v2: triggers, dedup and resolve"
python3 .ci/integrations/e2e.py events-v2
echo "integrations e2e: OK"
