#!/usr/bin/env python3
"""Steps of the monitoring and phone end-to-end run (.ci/integrations-e2e.sh): each sub-command talks to the running
server's API and exits non-zero with a clear message when what it checks is not so. State lives in E2E_STATE (JSON).
"""
import json
import os
import sys

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import e2e_steps  # noqa: E402
from e2e_steps import BASE, api, fail, load, save  # noqa: E402,F401

e2e_steps.NAME = "integrations e2e"


def wait_for(what, check, seconds=40):
    return e2e_steps.wait_for(what, check, seconds=seconds, every=0.5)


def setup():
    r = requests.post(BASE + "/api/v1/auth/token", json={"email": os.environ["E2E_ADMIN"], "password": os.environ["E2E_PASSWORD"]}, timeout=30)
    if r.status_code != 201:
        fail("login: %s %s" % (r.status_code, r.text))
    admin = r.json()["token"]
    org = api("POST", "/api/v1/organizations", admin, json={"name": "Client SA", "phone": "+33 1 40 00 00 00"})
    api("POST", "/api/v1/organizations/%s/contracts" % org["id"], admin, json={"perimeter": "infrastructure", "valid_from": "2026-01-01"})
    api("POST", "/api/v1/groups", admin, json={"name": "Helpdesk", "tier": 1})
    caller = api("POST", "/api/v1/users", admin, json={"email": "claire@client.example.test", "name": "Claire Martin", "role": "requester",
                                                         "password": "e2e-password-123", "organization_id": org["id"], "phone": "01 23 45 67 89"})
    agent = api("POST", "/api/v1/users", admin, json={"email": "hugo@helpdesk.example.test", "name": "Hugo Hotline", "role": "agent",
                                                        "password": "e2e-password-123", "phone": "201"})
    cti = api("POST", "/api/v1/integrations", admin, json={"type": "cti", "name": "Kamailio"})
    am = api("POST", "/api/v1/integrations", admin, json={"type": "alertmanager", "name": "Prometheus", "organization_id": org["id"]})
    ev = api("POST", "/api/v1/integrations", admin, json={"type": "events_v2", "name": "Grafana", "organization_id": org["id"]})
    save({"admin": admin, "org": org["id"], "caller": caller["id"], "agent": agent["id"], "cti": cti["url"], "am": am["url"], "am_id": am["id"],
          "ev": ev["url"], "ev_key": ev["routing_key"]})
    print(json.dumps({"cti": cti["url"], "am": am["url"]}))


def calls(s, query=""):
    return api("GET", "/api/v1/calls" + query, s["admin"])["items"]


def check_calls():
    """What Kamailio reported: an answered call from a known caller, picked up at 201; a call cancelled while ringing."""
    s = load()
    items = wait_for("two calls in the log", lambda: (lambda c: c if len(c) >= 2 else None)(calls(s)))
    answered = [c for c in items if c["status"] == "ended"]
    missed = [c for c in items if c["status"] == "missed"]
    if len(answered) != 1 or len(missed) != 1:
        fail("expected one ended and one missed call: %s" % json.dumps(items))
    a = answered[0]
    if a["user_id"] != s["caller"] or a["organization_id"] != s["org"]:
        fail("the caller 0123456789 is Claire (01 23 45 67 89): %s" % json.dumps(a))
    if a["answered_by"] != s["agent"]:
        fail("extension 201 is Hugo: %s" % json.dumps(a))
    if not (1 <= (a.get("duration_seconds") or 0) <= 6) or a["queue"] != "3000":
        fail("a 2-second call on queue 3000: %s" % json.dumps(a))
    if missed[0]["cause"] != "cancel" or missed[0].get("answered_by") is not None:
        fail("the cancelled call: %s" % json.dumps(missed[0]))
    pending = calls(s, "?callback=pending")
    if [c["id"] for c in pending] != [missed[0]["id"]]:
        fail("the missed call waits for a call back: %s" % json.dumps(pending))
    print("phone: the answered call (Claire, picked up by Hugo, %ss) and the missed one are in the log" % a["duration_seconds"])


def cti_replays():
    """The documented payloads, JSON and form-encoded, as an existing PBX script sends them (outbound this time)."""
    s = load()
    url = s["cti"]
    events = [
        ("json", {"event": "newCall", "from": "201", "to": "+33140000000", "direction": "out", "callId": "replay-1", "user": ["Hugo Hotline"]}),
        ("json", {"event": "answer", "from": "201", "to": "+33140000000", "direction": "out", "callId": "replay-1", "answeringNumber": "+33140000000"}),
        ("form", "event=hangup&from=201&to=%2B33140000000&direction=out&callId=replay-1&cause=normalClearing"),
    ]
    for kind, body in events:
        r = requests.post(url, json=body, timeout=10) if kind == "json" else \
            requests.post(url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
        if r.status_code != 200 or r.json() != {}:
            fail("replay %s: %s %s" % (body, r.status_code, r.text))
    c = [c for c in calls(s) if c["call_id"] == "replay-1"]
    if len(c) != 1 or c[0]["status"] != "ended" or c[0]["direction"] != "out" or c[0]["organization_id"] != s["org"]:
        fail("the outbound call to the client's switchboard: %s" % json.dumps(c))
    bad = requests.post(url.rsplit("/", 1)[0] + "/not-the-token", data="event=newCall&from=1&to=2&direction=in&callId=x", timeout=10)
    garbage = requests.post(url, data="event=ring&from=1", headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    if bad.status_code != 404 or garbage.status_code != 400:
        fail("a wrong token is 404 (%s), a bad event 400 (%s %s)" % (bad.status_code, garbage.status_code, garbage.text))
    print("phone: the documented JSON and form payloads replayed, bad ones refused")


def monitoring_tickets(s):
    return api("GET", "/api/v1/tickets?channel=monitoring&limit=200", s["admin"])["items"]


def check_am_basic():
    """real-clients.sh alertmanager: one alert fired, then resolved."""
    s = load()
    t = wait_for("the CITest ticket, resolved", lambda: [t for t in monitoring_tickets(s)
                                                        if (t.get("alert") or {}).get("labels", {}).get("alertname") == "CITest"
                                                        and t["status"] == "resolved"])
    if len(t) != 1 or t[0]["priority"] != 1 or t[0]["alert"]["host"] != "ci":
        fail("one critical CITest ticket for host ci: %s" % json.dumps(t))
    print("alertmanager: the firing alert opened %s (P1), its resolution resolved it" % t[0]["number"])


def wait_group(expected, state):
    s = load()
    def group():
        g = [t for t in monitoring_tickets(s) if (t.get("alert") or {}).get("labels", {}).get("alertname") == "DiskFull"]
        return g if len(g) >= expected and all(t["alert"]["state"] == state for t in g) else None
    g = wait_for("%d DiskFull tickets %s" % (expected, state), group, seconds=60)
    if len(g) != expected:
        fail("exactly %d DiskFull tickets, got %d: %s" % (expected, len(g), [t["subject"] for t in g]))
    if state == "resolved" and not all(t["status"] == "resolved" for t in g):
        fail("resolved alerts resolve their tickets: %s" % [t["status"] for t in g])
    log = api("GET", "/api/v1/integrations/%s/deliveries" % s["am_id"], s["admin"])["items"]
    print("alertmanager: %d DiskFull tickets %s, nothing doubled (%d deliveries logged)" % (len(g), state, len(log)))


def events_v2():
    s = load()
    url, key = s["ev"], s["ev_key"]
    trig = {"routing_key": key, "event_action": "trigger", "dedup_key": "e2e-1",
            "payload": {"summary": "Sauvegarde échouée sur nas01", "source": "nas01", "severity": "error"}}
    for _ in range(3):
        r = requests.post(url, json=trig, timeout=10)
        if r.status_code != 202 or r.json().get("dedup_key") != "e2e-1":
            fail("events v2 trigger: %s %s" % (r.status_code, r.text))
    t = [t for t in monitoring_tickets(s) if (t.get("alert") or {}).get("key") == "e2e-1"]
    if len(t) != 1 or t[0]["alert"]["count"] != 3:
        fail("three triggers, one ticket counted three times: %s" % json.dumps(t))
    r = requests.post(url, json={"routing_key": key, "event_action": "resolve", "dedup_key": "e2e-1"}, timeout=10)
    t = [t for t in monitoring_tickets(s) if (t.get("alert") or {}).get("key") == "e2e-1"]
    if r.status_code != 202 or t[0]["status"] != "resolved":
        fail("events v2 resolve: %s %s" % (r.status_code, json.dumps(t)))
    print("events v2: three triggers on one ticket, resolved")


if __name__ == "__main__":
    cmd = sys.argv[1]
    {"setup": setup, "check-calls": check_calls, "cti-replays": cti_replays, "check-am-basic": check_am_basic,
     "events-v2": events_v2,
     "wait-group": lambda: wait_group(int(sys.argv[2]), sys.argv[3])}[cmd]()
