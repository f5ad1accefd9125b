#!/usr/bin/env bash
# End-to-end browser tests: starts the real server binary on a free port with a throwaway SQLite data directory,
# then drives the web UI in headless Chromium (Selenium + chromedriver) with .ci/browser/test_ui.py.
#   bash .ci/browser.sh                  # the tests
#   SCREENSHOTS=1 bash .ci/browser.sh    # the tests, then docs/screenshots/*.png from a second, fresh server
# ESCALE_BIN (default .build/debug/escale), ESCALE_BROWSER_PORT (default 18281, or any free port if taken),
# CHROMIUM_BIN / CHROMEDRIVER_BIN (default /usr/bin/chromium, /usr/bin/chromedriver), ARTIFACTS_DIR (a screenshot
# and the HTML of each browser of a failed test; default /tmp/escale-browser-artifacts).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bin=${ESCALE_BIN:-.build/debug/escale}
[ -x "$bin" ] || { echo "no server binary at $bin: build it (swift build) or set ESCALE_BIN" >&2; exit 1; }
for tool in "${CHROMIUM_BIN:-/usr/bin/chromium}" "${CHROMEDRIVER_BIN:-/usr/bin/chromedriver}"; do
  [ -x "$tool" ] || { echo "missing $tool (apt-get install chromium chromium-driver)" >&2; exit 1; }
done
python3 -c 'import selenium, pytest, requests, icalendar' 2>/dev/null || python3 -m pip install --quiet selenium pytest requests icalendar

port=${ESCALE_BROWSER_PORT:-$(python3 - <<'EOF'
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", 18281))
except OSError:
    s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
)}
export ESCALE_ADMIN_EMAIL=admin@escale.test ESCALE_ADMIN_PASSWORD=admin-password-1 ESCALE_URL=http://127.0.0.1:$port
pid= data= log=
# A fresh server: its own throwaway data directory, migrated on start, fast password hashing.
start_server() {
  data=$(mktemp -d)
  log=$data/server.log
  # A private copy of the binary: a rebuild during the run can neither change the server under test nor be
  # blocked by it ("text file busy").
  cp "$bin" "$data/escale"
  ESCALE_DATA_DIR=$data ESCALE_PORT=$port ESCALE_HOST=127.0.0.1 ESCALE_BCRYPT_COST=4 "$data/escale" serve >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || { echo "the server exited at start" >&2; return 1; }
    curl -fs "$ESCALE_URL/readyz" 2>/dev/null | grep -q ready && return 0
    sleep 0.2
  done
  echo "the server was not ready after 30 s" >&2
  return 1
}
stop_server() {
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
  pid=
}
# What the server said, when something failed: where a crash report starts, then the end of the log.
server_log() {
  [ -n "$log" ] && [ -f "$log" ] || return 0
  {
    echo "--- $1; server log tail:"
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      status=0; wait "$pid" 2>/dev/null || status=$?
      echo "(the server process is gone: it exited with status $status during the run$([ "$status" -gt 128 ] && echo ", signal $((status - 128))"))"
      pid=
    fi
    crash=$(grep -n -m1 -E "Fatal error|Program crashed|Illegal instruction|Segmentation fault" "$log" | cut -d: -f1 || true)
    if [ -n "$crash" ]; then sed -n "$((crash > 5 ? crash - 5 : 1)),$((crash + 30))p" "$log"; echo "[...]"; fi
    tail -n 40 "$log"
  } >&2
}
cleanup() {
  rc=$?
  [ "$rc" -eq 0 ] || server_log "failed ($rc)"
  stop_server
  exit "$rc"
}
trap cleanup EXIT

export PYTHONDONTWRITEBYTECODE=1 SE_OFFLINE=true
start_server
tests=0
python3 -m pytest -q -p no:cacheprovider ${BROWSER_TESTS:-.ci/browser/test_ui.py .ci/browser/test_chat.py .ci/browser/test_remote.py} || { tests=$?; server_log "browser tests failed ($tests)"; }
stop_server
if [ "${SCREENSHOTS:-0}" = 1 ]; then
  # On a server of their own, so that the pages show the screenshot data, not the tests' tickets. Taken even when
  # a test failed: they show what is wrong.
  echo "screenshots:"
  start_server
  python3 .ci/browser/screenshots.py
  stop_server
fi
[ "$tests" -eq 0 ] || exit "$tests"
echo "browser tests: OK in $((SECONDS - started)) s"
