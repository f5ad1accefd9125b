#!/usr/bin/env bash
# The e-mail channel end to end with real parts (PROTOCOLS.md §4): Postfix pipes mail into `escale mailgate`, the
# server answers through SMTP to a real SMTP server (aiosmtpd, which keeps what it receives), a reply to that
# notification threads back, an out-of-office and a real DSN get no answer, mail sent while the server is down is
# deferred by Postfix and delivered once it is back, and a Dovecot mailbox is fetched over IMAP (STARTTLS, IDLE).
# Needs root, postfix and dovecot-imapd from Debian, aiosmtpd and requests from PyPI, and `swift build` done.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-$(cd ../shared && pwd)}
CLIENTS="$SHARED/tools/real-clients.sh"
FIX="$SHARED/fixtures/email"
work=$(mktemp -d /tmp/escale-mail-e2e.XXXXXX)
chmod 755 "$work"
port=18190 smtp_port=18125 imap_port=18143
export E2E_URL="http://127.0.0.1:$port" E2E_STATE="$work/state.json" E2E_SINK="$work/sink" E2E_IMAP_PORT=$imap_port
export E2E_ADMIN="admin@escale.test" E2E_PASSWORD="e2e-admin-password"
server_pid=""
sink_pid=""

cleanup() {
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "mail e2e failed; server log:" >&2; tail -n 30 "$work/serve.log" >&2 || true
    echo "postfix log:" >&2; tail -n 15 /var/log/postfix.log >&2 || true
  fi
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null || true
  bash .ci/mail/dovecot-test.sh stop "$work/dovecot" || true
  bash "$CLIENTS" mail-stop >/dev/null 2>&1 || true
  exit $rc
}
trap cleanup EXIT

start_server() {
  # The gateway runs as nobody: the binary must be somewhere nobody can read (not under /root or a private /work).
  ESCALE_DATA_DIR="$work/data" ESCALE_PORT=$port ESCALE_ADMIN_EMAIL=$E2E_ADMIN ESCALE_ADMIN_PASSWORD=$E2E_PASSWORD \
    ESCALE_PUBLIC_URL="$E2E_URL" ESCALE_SMTP_URL="smtp://127.0.0.1:$smtp_port" \
    ESCALE_MAIL_FROM="Escale <helpdesk@helpdesk.example.test>" ESCALE_LOG_LEVEL=info \
    /usr/local/bin/escale serve >>"$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do curl -fs "$E2E_URL/readyz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "server did not start" >&2; return 1
}

install -m 755 .build/debug/escale /usr/local/bin/escale

echo "-- SMTP server (aiosmtpd) on $smtp_port, Dovecot on $imap_port"
python3 .ci/mail/smtp-sink.py --port $smtp_port --dir "$E2E_SINK" >"$work/sink.log" 2>&1 &
sink_pid=$!
for _ in $(seq 1 100); do grep -q READY "$work/sink.log" && break; sleep 0.1; done
bash .ci/mail/dovecot-test.sh start "$work/dovecot" $imap_port
export ESCALE_IMAP_TRUST_ROOTS="$work/dovecot/cert.pem"

echo "-- escale serve on $port"
start_server
token=$(python3 .ci/mail/e2e.py setup)

echo "-- Postfix: helpdesk@helpdesk.example.test pipes into escale mailgate"
bash "$CLIENTS" mail-setup "/usr/local/bin/escale mailgate --url $E2E_URL --token $token --action correspond"

echo "-- a new request, and the acknowledgment it gets"
CI_MAIL_FROM=marie.dupont@client.example.test bash "$CLIENTS" mail-send "$FIX/sent/01-plain-utf8-qp.eml"
python3 .ci/mail/e2e.py check-request
python3 .ci/mail/e2e.py check-notification

echo "-- a reply to that notification threads back"
python3 .ci/mail/e2e.py write-reply "$work/reply.eml"
CI_MAIL_FROM=marie.dupont@client.example.test bash "$CLIENTS" mail-send "$work/reply.eml"
python3 .ci/mail/e2e.py check-reply

echo "-- an out-of-office and a bounce get no answer"
CI_MAIL_FROM=marie.dupont@client.example.test bash "$CLIENTS" mail-send "$FIX/sent/11-auto-reply-out-of-office.eml"
CI_MAIL_FROM="<>" bash "$CLIENTS" mail-send "$FIX/received/12-bounce-dsn.eml"
python3 .ci/mail/e2e.py check-no-answer

echo "-- the server stopped: Postfix defers, then delivers once it is back"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
if CI_MAIL_FROM=renee.levesque@client.example.test bash "$CLIENTS" mail-send "$FIX/sent/02-plain-latin1-qp.eml"; then
  echo "delivered although the server was down" >&2; exit 1
fi
grep -q 'status=deferred' "${CI_CLIENTS_WORK:-/tmp/ci-clients}/mail-status.log"
start_server
postqueue -f
for _ in $(seq 1 100); do mailq | grep -q 'Mail queue is empty' && break; sleep 0.2; done
mailq | grep -q 'Mail queue is empty' || { echo "still queued:"; mailq; exit 1; } >&2
python3 .ci/mail/e2e.py check-subject "Accès refusé"

echo "-- IMAP: Dovecot over STARTTLS, fetched on arrival, moved once stored"
python3 .ci/mail/e2e.py imap

echo "mail e2e: OK"
