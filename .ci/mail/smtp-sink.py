#!/usr/bin/env python3
"""Throwaway SMTP sink for the EscaleSMTP integration tests.

Runs an aiosmtpd server on 127.0.0.1:PORT and stores every accepted message
as DIR/N.eml (raw bytes exactly as received, dot-unstuffed) plus DIR/N.json
(the envelope). Prints "READY <port>" on stdout once it accepts connections
and runs until SIGTERM/SIGINT.
"""
import argparse
import logging
import itertools
import json
import os
import signal
import ssl
import sys
import threading

# aiosmtpd 1.4 logs a warning about its own deprecated login_data attribute on every AUTH.
logging.getLogger("mail.log").setLevel(logging.ERROR)

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class SinkHandler:
    def __init__(self, directory, reject_rcpt, tempfail):
        self.directory = directory
        self.reject_rcpt = {a.lower() for a in reject_rcpt}
        self.tempfail = tempfail
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject_rcpt:
            return "550 5.1.1 <%s>: recipient rejected by test sink" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.tempfail:
            return "451 4.3.0 temporary failure requested by test sink"
        with self.lock:
            n = next(self.counter)
        raw = envelope.original_content or b""
        # Write the JSON last (via rename) so a reader that sees N.json can rely on N.eml.
        with open(os.path.join(self.directory, "%d.eml" % n), "wb") as f:
            f.write(raw)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "size": len(raw),
            # session.ssl is only set by STARTTLS; implicit TLS shows on the transport.
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
        }
        tmp = os.path.join(self.directory, ".%d.json.tmp" % n)
        with open(tmp, "w") as f:
            json.dump(meta, f)
        os.rename(tmp, os.path.join(self.directory, "%d.json" % n))
        return "250 2.0.0 Ok: queued as SINK%d" % n


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            ok = auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)
    return authenticator


class SinkController(Controller):
    def __init__(self, handler, args, **kwargs):
        self.args = args
        super().__init__(handler, **kwargs)

    def factory(self):
        from aiosmtpd.smtp import SMTP
        a = self.args
        kw = dict(enable_SMTPUTF8=True, hostname="sink.test", timeout=60)
        if a.starttls:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(a.starttls[0], a.starttls[1])
            kw.update(tls_context=ctx, require_starttls=True)
        if a.auth:
            user, _, password = a.auth.partition(":")
            kw.update(authenticator=make_authenticator(user, password), auth_required=True,
                      auth_require_tls=not a.auth_allow_plaintext)
            if a.auth_exclude:
                kw.update(auth_exclude_mechanism=a.auth_exclude)
        return SMTP(self.handler, **kw)


def main():
    # A parent that blocks signals in its threads (e.g. a Swift test runner) passes
    # that mask on; unblock so SIGTERM can stop us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True, help="where N.eml / N.json are written")
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"), help="offer and require STARTTLS")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="implicit TLS (smtps)")
    p.add_argument("--auth", metavar="USER:PASS", help="require AUTH PLAIN/LOGIN with these credentials")
    p.add_argument("--auth-exclude", action="append", default=[], metavar="MECH",
                   help="do not offer this SASL mechanism (e.g. PLAIN to force LOGIN)")
    p.add_argument("--auth-allow-plaintext", action="store_true", help="allow AUTH without TLS")
    p.add_argument("--reject-rcpt", action="append", default=[], metavar="ADDRESS",
                   help="answer 550 to RCPT TO for this address")
    p.add_argument("--tempfail", action="store_true", help="answer 451 to DATA")
    args = p.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    handler = SinkHandler(args.dir, args.reject_rcpt, args.tempfail)
    kwargs = dict(hostname=args.host, port=args.port)
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        kwargs["ssl_context"] = ctx
    controller = SinkController(handler, args, **kwargs)
    controller.start()
    print("READY %d" % args.port, flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1):
        pass
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())
