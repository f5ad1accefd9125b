#!/usr/bin/env python3
"""Steps of the mail end-to-end run (.ci/mail-e2e.sh): each sub-command talks to the running server's API, the SMTP
sink's directory or Dovecot, and exits non-zero with a clear message when what it checks is not so.

State between steps lives in STATE (JSON): the admin token, the mailbox token, ticket numbers.
"""
import email
import email.policy
import imaplib
import json
import os
import sys
import time
import uuid

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import e2e_steps  # noqa: E402
from e2e_steps import BASE, api, fail, load, save  # noqa: E402,F401

e2e_steps.NAME = "mail e2e"
SINK = os.environ.get("E2E_SINK", "")


def wait_for(what, check, seconds=30):
    return e2e_steps.wait_for(what, check, seconds=seconds, every=0.3)


def setup():
    s = load()
    r = requests.post(BASE + "/api/v1/auth/token", json={"email": os.environ["E2E_ADMIN"], "password": os.environ["E2E_PASSWORD"]}, timeout=30)
    if r.status_code != 201:
        fail("login: %s %s" % (r.status_code, r.text))
    admin = r.json()["token"]
    org = api("POST", "/api/v1/organizations", admin, json={"name": "Client SA", "domains": ["client.example.test"]})
    api("POST", "/api/v1/organizations/%s/contracts" % org["id"], admin, json={"perimeter": "infrastructure", "valid_from": "2026-01-01"})
    api("POST", "/api/v1/groups", admin, json={"name": "Helpdesk N1", "tier": 1})
    box = api("POST", "/api/v1/mailboxes", admin, json={"address": "helpdesk@helpdesk.example.test", "name": "Helpdesk"})
    imap = api("POST", "/api/v1/mailboxes", admin, json={
        "address": "imap-desk@helpdesk.example.test", "name": "IMAP",
        "imap": {"host": "127.0.0.1", "port": int(os.environ["E2E_IMAP_PORT"]), "security": "starttls", "username": "desk",
                 "password": "secret", "poll_seconds": 10}})
    s.update(admin=admin, token=box["token"], org=org["id"], imap_mailbox=imap["id"])
    save(s)
    print(box["token"])


def tickets(s):
    return api("GET", "/api/v1/inbound/messages?limit=500", s["admin"])["items"]


def received(subject_part):
    s = load()
    def check():
        return [m for m in tickets(s) if subject_part in m["subject"] and m.get("ticket_id")]
    found = wait_for("a ticket for '%s'" % subject_part, check)
    return found[0]


def check_request():
    s = load()
    m = received("Imprimante du 2e")
    if m["status"] != "created":
        fail("first message: %s" % m)
    t = api("GET", "/api/v1/tickets/%s" % m["ticket_id"], s["admin"])
    if t["subject"] != "Imprimante du 2e étage en panne" or t["channel"] != "email":
        fail("ticket: %s" % t)
    s["ticket"] = t["id"]
    s["number"] = t["number"]
    save(s)
    print("request: %s %s" % (t["number"], t["subject"]))


def sink_messages():
    out = []
    if not SINK or not os.path.isdir(SINK):
        return out
    for name in sorted(os.listdir(SINK), key=lambda n: int(n.split(".")[0]) if n[0].isdigit() else 0):
        if name.endswith(".json") and name[0].isdigit():
            meta = json.load(open(os.path.join(SINK, name)))
            raw = open(os.path.join(SINK, name[:-5] + ".eml"), "rb").read()
            out.append((meta, email.message_from_bytes(raw, policy=email.policy.default), raw))
    return out


def check_notification():
    """The requester got an acknowledgment with the ticket's number, threaded and marked automatic."""
    s = load()
    def check():
        return [x for x in sink_messages() if "marie.dupont@client.example.test" in [r.lower() for r in x[0]["rcpt_tos"]]
                and s["number"] in str(x[1]["Subject"])]
    meta, msg, raw = wait_for("the acknowledgment to the requester", check, 60)[0]
    problems = []
    if msg["Auto-Submitted"] != "auto-generated":
        problems.append("Auto-Submitted is %r" % msg["Auto-Submitted"])
    if not msg["Message-ID"] or s["number"] not in msg["Message-ID"]:
        problems.append("Message-ID %r" % msg["Message-ID"])
    if "CAF=first-request-0001@mail.client.example.test" not in str(msg["In-Reply-To"] or "") + str(msg["References"] or ""):
        problems.append("not threaded to the request: In-Reply-To %r References %r" % (msg["In-Reply-To"], msg["References"]))
    if not msg["Reply-To"] or "helpdesk@helpdesk.example.test" not in str(msg["Reply-To"]):
        problems.append("Reply-To %r" % msg["Reply-To"])
    if msg.get_content_type() != "multipart/alternative" and not any(p.get_content_type() == "multipart/alternative" for p in msg.walk()):
        problems.append("not multipart/alternative: %s" % msg.get_content_type())
    if msg["List-Unsubscribe"]:
        problems.append("List-Unsubscribe present")
    if problems:
        fail("acknowledgment headers: " + "; ".join(problems))
    s["notification_id"] = msg["Message-ID"].strip()
    s["sink_count"] = len(sink_messages())
    save(s)
    print("notification: %s (%s)" % (msg["Subject"], msg["Message-ID"]))


def write_reply(path):
    """Marie answers the notification from her mail client: only In-Reply-To links it to the ticket."""
    s = load()
    mid = s["notification_id"]
    body = ("Merci, c'est toujours en panne ce matin.\n\nLe lun. 30 nov. 2026 à 10:12, Escale <helpdesk@helpdesk.example.test> a écrit :\n"
            "> Nous avons bien reçu votre demande.\n")
    raw = ("From: Marie Dupont <marie.dupont@client.example.test>\nTo: helpdesk@helpdesk.example.test\n"
           "Subject: Re: accusé de réception\nMessage-ID: <%s@mail.client.example.test>\nIn-Reply-To: %s\nReferences: %s\n"
           "Date: Mon, 30 Nov 2026 10:20:00 +0000\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
           "Content-Transfer-Encoding: 8bit\n\n%s") % (uuid.uuid4(), mid, mid, body)
    open(path, "wb").write(raw.encode())


def check_reply():
    s = load()
    def check():
        events = api("GET", "/api/v1/tickets/%s/timeline" % s["ticket"], s["admin"])["items"]
        return [e for e in events if e["kind"] == "reply" and "toujours en panne" in (e.get("body") or "")]
    e = wait_for("the reply on the ticket", check)[0]
    if "a écrit" in e["body"] or not e.get("quoted"):
        fail("quoted history not folded apart: %s" % e)
    print("reply threaded back by In-Reply-To")


def check_no_answer():
    """The out-of-office and the bounce are recorded; nothing was sent back to anyone because of them."""
    s = load()
    # The out-of-office answers a notification of another desk (RT's Message-IDs): kept without a ticket; the DSN is a bounce.
    quiet = wait_for("the out-of-office and the bounce", lambda: [m for m in tickets(s) if m["status"] in ("automatic", "bounce", "held")
                                                                   and (m.get("from") or "").lower() in ("marie.dupont@client.example.test", "mailer-daemon@helpdesk.example.test")])
    if len(quiet) < 2 or any(m["status"] == "created" for m in quiet):
        fail("out-of-office and bounce: %s" % quiet)
    time.sleep(3)  # time for a (wrong) answer to be sent
    after = sink_messages()[s["sink_count"]:]
    answers = [str(m["Subject"]) for meta, m, raw in after
               if any(r.lower() in ("marie.dupont@client.example.test", "mailer-daemon@helpdesk.example.test") for r in meta["rcpt_tos"])
               and m["Auto-Submitted"] == "auto-generated" and "reçu" in str(m["Subject"]).lower()]
    if answers:
        fail("an automatic message was answered: %s" % answers)
    print("out-of-office and bounce: recorded, not answered")


def check_subject(part):
    received(part)
    print("received after the restart: %s" % part)


def imap():
    """A message appended to the Dovecot mailbox is fetched (IDLE), becomes a ticket, and is moved out of INBOX."""
    s = load()
    c = imaplib.IMAP4("127.0.0.1", int(os.environ["E2E_IMAP_PORT"]))
    c.starttls()
    c.login("desk", "secret")
    subject = "Imprimante IMAP %s" % uuid.uuid4().hex[:6]
    raw = ("From: Marie Dupont <marie.dupont@client.example.test>\r\nTo: imap-desk@helpdesk.example.test\r\nSubject: %s\r\n"
           "Message-ID: <%s@client.example.test>\r\n\r\nVia IMAP.\r\n") % (subject, uuid.uuid4())
    c.append("INBOX", None, None, raw.encode())
    received(subject)
    def moved():
        c.select("INBOX")
        typ, data = c.search(None, "ALL")
        return typ == "OK" and not data[0].split()
    wait_for("the message to leave INBOX", moved, 30)
    c.select("Escale/Processed")
    typ, data = c.search(None, "ALL")
    if not data[0].split():
        fail("nothing in Escale/Processed")
    c.logout()
    print("imap: fetched, ticket opened, moved to Escale/Processed")


if __name__ == "__main__":
    cmd = sys.argv[1]
    args = sys.argv[2:]
    {"setup": setup, "check-request": check_request, "check-notification": check_notification, "write-reply": write_reply,
     "check-reply": check_reply, "check-no-answer": check_no_answer, "check-subject": check_subject, "imap": imap}[cmd](*args)
