"""escale-agent end to end, the steps .ci/agent-e2e.sh calls around the real agent: setup (an organization, its
contract, an enrollment token — printed — and the checks), machine, check-failing, check-recovered, actions, tamper,
tamper-refused, replay."""
import base64
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import e2e_steps as e  # noqa: E402

e.NAME = "agent e2e"
PORT = os.environ["E2E_CHECK_PORT"]


def admin():
    return e.requests.post(e.BASE + "/api/v1/auth/token", json={"email": os.environ["E2E_ADMIN"], "password": os.environ["E2E_PASSWORD"]},
                           timeout=30).json()["token"]


def setup():
    t = admin()
    org = e.api("POST", "/api/v1/organizations", t, json={"name": "Parc Agents", "domain": "parc-agents.example"})
    e.api("POST", "/api/v1/organizations/%s/contracts" % org["id"], t, json={"perimeter": "infrastructure", "valid_from": "2026-01-01"})
    tok = e.api("POST", "/api/v1/organizations/%s/enrollment-tokens" % org["id"], t, json={"name": "escale-agent"})
    tcp = e.api("POST", "/api/v1/agent-checks", t, json={"organization_id": org["id"], "name": "Service on :" + PORT, "kind": "tcp",
                                                        "target": "127.0.0.1:" + PORT, "threshold": 2, "interval_seconds": 5, "severity": "critical"})
    disk = e.api("POST", "/api/v1/agent-checks", t, json={"organization_id": org["id"], "name": "Disk /", "kind": "disk", "target": "/",
                                                         "threshold": 100, "interval_seconds": 5})
    e.save({"org": org["id"], "token": tok["token"], "tcp": tcp["id"], "disk": disk["id"]})
    print(tok["token"])


def asset():
    s = e.load()
    items = e.api("GET", "/api/v1/assets?organization_id=%s" % s["org"], admin())["items"]
    return items[0] if len(items) == 1 else None


def machine():
    m = asset()
    if not m:
        e.fail("no machine after enrollment")
    if m["source"] != "escale-agent" or not m["device_id"].startswith("escale-agent-") or not m["os"]:
        e.fail("the machine is not the agent's: %s" % m)
    detail = e.api("GET", "/api/v1/assets/%s" % m["id"], admin())
    if not detail["hardware"]["cpus"] or not detail["hardware"].get("memory_mb"):
        e.fail("the agent's inventory lacks CPU or memory: %s" % json.dumps(detail["hardware"])[:500])
    if m["software_count"] < 10:
        e.fail("the agent's inventory has %d packages" % m["software_count"])
    s = e.load()
    s["asset"] = m["id"]
    e.save(s)
    print("agent e2e: %s (%s), %d packages, %d CPU(s)" % (m["name"], m["os"], m["software_count"], len(detail["hardware"]["cpus"])))


def tickets():
    s = e.load()
    return e.api("GET", "/api/v1/assets/%s" % s["asset"], admin())["ticket_ids"]


def check_failing():
    ids = e.wait_for("a ticket for the failing TCP check", tickets, seconds=60, every=1)
    t = e.api("GET", "/api/v1/tickets/%s" % ids[0], admin())
    if ":" + PORT not in t["subject"] or t["status"] in ("resolved", "closed"):
        e.fail("unexpected ticket for the failing check: %s" % t["subject"])
    agent = e.api("GET", "/api/v1/assets/%s/agent" % e.load()["asset"], admin())
    states = {c["name"]: c["status"] for c in agent["checks"]}
    if states.get("Service on :" + PORT) != "failing" or states.get("Disk /") != "ok":
        e.fail("unexpected check states: %s" % states)
    s = e.load()
    s["ticket"] = ids[0]
    e.save(s)
    print("agent e2e: %s opened %s" % (t["number"], t["subject"]))


def check_recovered():
    s = e.load()

    def resolved():
        t = e.api("GET", "/api/v1/tickets/%s" % s["ticket"], admin())
        return t if t["status"] == "resolved" else None
    t = e.wait_for("the ticket resolved once the port answers", resolved, seconds=60, every=1)
    if len(tickets()) != 1:
        e.fail("a repeat of the failure opened another ticket: %s" % tickets())
    print("agent e2e: %s resolved on recovery" % t["number"])


def run(t, action, ticket=None, parameter=None):
    body = {"action": action, "asset_ids": [e.load()["asset"]]}
    if ticket:
        body["ticket_id"] = ticket
    if parameter:
        body["parameter"] = parameter
    return e.api("POST", "/api/v1/remote-runs", t, json=body)["items"][0]


def finished(t, run_id, seconds=60):
    def done():
        r = e.api("GET", "/api/v1/remote-runs/%s" % run_id, t)
        return r if r["status"] not in ("queued", "sent", "running") else None
    return e.wait_for("run %s to finish" % run_id, done, seconds=seconds, every=0.5)


def actions():
    t = admin()
    s = e.load()
    ticket = e.api("POST", "/api/v1/tickets", t, json={"subject": "Poste lent", "description": "Le poste rame depuis ce matin",
                                                        "organization_id": s["org"], "impact": "medium", "urgency": "medium"})
    script = e.api("POST", "/api/v1/remote-actions", t, json={"name": "Diagnostic", "script": "echo hello-from-agent; uname -s; echo 'é à ü'; exit 3",
                                                             "timeout_seconds": 30})
    r = finished(t, run(t, script["id"], ticket["id"])["id"])
    if r["status"] != "failed" or r["exit_code"] != 3 or "hello-from-agent" not in r["output"] or "Linux" not in r["output"] or "é à ü" not in r["output"]:
        e.fail("the script's run: %s" % r)
    lib = finished(t, run(t, "clear-temp", ticket["id"])["id"])
    if lib["status"] != "succeeded" or "/tmp:" not in lib["output"]:
        e.fail("clear-temp: %s" % lib)
    timeline = e.requests.get(e.BASE + "/api/v1/tickets/%s/timeline" % ticket["id"], headers={"Authorization": "Bearer " + t}, timeout=30).text
    for needle in ('"remote_action"', '"queued"', '"failed"', '"succeeded"', "hello-from-agent"):
        if needle not in timeline:
            e.fail("the ticket's timeline lacks %s" % needle)
    hung = e.api("POST", "/api/v1/remote-actions", t, json={"name": "Hung", "script": "echo started; sleep 612; echo never", "timeout_seconds": 3})
    h = finished(t, run(t, hung["id"], ticket["id"])["id"], seconds=30)
    if h["status"] != "timed_out" or "started" not in h["output"] or "never" in h["output"]:
        e.fail("the hung script: %s" % h)
    left = subprocess.run(["pgrep", "-f", "sleep 612"], capture_output=True, text=True).stdout.strip()
    if left:
        e.fail("the hung script's child survived its timeout: pid %s" % left)
    s["replay"] = lib["id"]
    e.save(s)
    print("agent e2e: script exit 3 with its output, clear-temp succeeded, the hung script %s" % h["detail"])


def db():
    c = sqlite3.connect(os.environ["E2E_DB"], timeout=30)
    c.execute("PRAGMA busy_timeout = 30000")
    return c


def tamper():
    t = admin()
    s = e.load()
    script = e.api("POST", "/api/v1/remote-actions", t, json={"name": "Harmless", "script": "echo original", "timeout_seconds": 10})
    r = run(t, script["id"])
    c = db()
    (command,) = c.execute("SELECT command FROM remote_runs WHERE id = ? OR id = ?", (r["id"], r["id"].upper())).fetchone()
    signed = json.loads(command)
    payload = base64.b64decode(signed["payload"]).replace(b"echo original", b"echo tampered")
    signed["payload"] = base64.b64encode(payload).decode()
    n = c.execute("UPDATE remote_runs SET command = ? WHERE id = ? OR id = ?", (json.dumps(signed), r["id"], r["id"].upper())).rowcount
    c.commit()
    if n != 1:
        e.fail("the run's row was not found to tamper with")
    s["tampered"] = r["id"]
    e.save(s)


def tamper_refused():
    t = admin()
    r = finished(t, e.load()["tampered"])
    if r["status"] != "refused" or "signature" not in (r["detail"] or "") or r["output"]:
        e.fail("the tampered command: %s" % r)
    print("agent e2e: tampered command refused (%s)" % r["detail"])


def replay():
    t = admin()
    s = e.load()
    c = db()
    n = c.execute("UPDATE remote_runs SET status = 'queued' WHERE id = ? OR id = ?", (s["replay"], s["replay"].upper())).rowcount
    c.commit()
    if n != 1:
        e.fail("the run to replay was not found")
    r = finished(t, s["replay"])
    if r["status"] != "refused" or "replay" not in (r["detail"] or ""):
        e.fail("the replayed command: %s" % r)
    print("agent e2e: replayed command refused after a restart (%s)" % r["detail"])


if __name__ == "__main__":
    step = sys.argv[1]
    {"setup": setup, "machine": machine, "check-failing": check_failing, "check-recovered": check_recovered, "actions": actions,
     "tamper": tamper, "tamper-refused": tamper_refused, "replay": replay}[step]()
