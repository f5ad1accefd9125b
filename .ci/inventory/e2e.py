"""Inventory end to end, the steps the shell script calls between real agents' runs:
setup (an organization and its enrollment token; prints the agents' URLs), check (the machines the agents made),
document (the inventory document in every format)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import e2e_steps as e  # noqa: E402

e.NAME = "inventory e2e"


def admin():
    return e.requests.post(e.BASE + "/api/v1/auth/token", json={"email": os.environ["E2E_ADMIN"], "password": os.environ["E2E_PASSWORD"]},
                           timeout=30).json()["token"]


def setup():
    t = admin()
    org = e.api("POST", "/api/v1/organizations", t, json={"name": "Parc Acme", "domain": "parc-acme.example"})
    e.api("POST", "/api/v1/organizations/%s/contracts" % org["id"], t,
          json={"perimeter": "hardware", "valid_from": "2026-01-01", "calendar_id": None})
    tok = e.api("POST", "/api/v1/organizations/%s/enrollment-tokens" % org["id"], t, json={"name": "Postes Linux"})
    e.save({"org": org["id"], "token": tok["token"]})
    print(" ".join([tok["urls"]["fusioninventory"], tok["urls"]["glpi"], tok["urls"]["ocsinventory"]]))


def machines():
    s = e.load()
    return e.api("GET", "/api/v1/assets?organization_id=%s" % s["org"], admin())["items"]


def check(expected_devices):
    items = machines()
    if not items:
        e.fail("no machine after the agents' runs")
    # FusionInventory and OCS on one machine: one machine (found by MAC and name), whichever agent reported last.
    if len(items) != 1:
        e.fail("expected one machine for one host, got %d: %s" % (len(items), [(i["name"], i["device_id"]) for i in items]))
    m = items[0]
    if m["software_count"] < 10 or not m["os"] or m["last_seen_at"] is None:
        e.fail("the machine lacks its inventory: %s" % m)
    detail = e.api("GET", "/api/v1/assets/%s" % m["id"], admin())
    if not detail["software"] or not detail["hardware"]["networks"]:
        e.fail("the machine's detail lacks software or networks")
    history = e.api("GET", "/api/v1/assets/%s/history" % m["id"], admin())["items"]
    if not history or history[-1]["kind"] != "created":
        e.fail("the machine's history does not start with its creation: %s" % history)
    print("inventory e2e: %s (%s), %d software, %d history entries, agent id %s"
          % (m["name"], m["os"], m["software_count"], len(history), m["device_id"]))


def document():
    s = e.load()
    t = admin()
    base = e.BASE + "/api/v1/organizations/%s/inventory-document" % s["org"]
    h = {"Authorization": "Bearer " + t}
    for fmt, marker in (("json", b'"machines"'), ("csv", b"Machines"), ("html", b"<table"), ("pdf", b"%PDF")):
        r = e.requests.get(base + "?format=%s&lang=fr" % fmt, headers=h, timeout=90)
        if r.status_code != 200 or marker not in r.content[:200000]:
            e.fail("inventory document as %s: %s %s" % (fmt, r.status_code, r.content[:200]))
    print("inventory e2e: the document in JSON, CSV, HTML and PDF")


if __name__ == "__main__":
    step = sys.argv[1]
    {"setup": setup, "check": lambda: check(sys.argv[2:]), "document": document}[step]()
