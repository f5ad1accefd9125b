"""Remote control end to end in Chromium: the real escale-agent enrolled on this machine, a desktop served by x11vnc
under Xvfb; from a ticket naming the machine, an N2 agent opens a terminal (xterm.js) and runs a command in it, then
takes control of the desktop (noVNC) and a screenshot is kept; both sessions end up in the run history with their
duration. Needs Debian's xvfb, x11vnc, node-xterm and novnc, and the agent binary (ESCALE_AGENT_BIN, default
.build/debug/escale-agent)."""
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from escale_ui import ADMIN_EMAIL, ADMIN_PASSWORD, BASE, UI, WAIT, api, token

AGENT = os.environ.get("ESCALE_AGENT_BIN", ".build/debug/escale-agent")
DISPLAY = ":87"


@pytest.fixture(scope="module")
def desktop():
    """Xvfb with x11vnc on localhost:5900 (the agent's default VNC port)."""
    for tool in ("Xvfb", "x11vnc"):
        assert shutil.which(tool), f"missing {tool} (apt-get install xvfb x11vnc)"
    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "800x600x24", "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    vnc = subprocess.Popen(["x11vnc", "-display", DISPLAY, "-rfbport", "5900", "-localhost", "-forever", "-shared", "-nopw", "-quiet"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    assert vnc.poll() is None, "x11vnc did not start (is port 5900 taken?)"
    yield
    vnc.terminate()
    xvfb.terminate()


@pytest.fixture(scope="module")
def machine(users, desktop):
    """This machine, enrolled by the real agent in Acme, and a ticket of Marie's naming it."""
    assert os.access(AGENT, os.X_OK), f"no agent binary at {AGENT} (swift build)"
    admin = token(ADMIN_EMAIL, ADMIN_PASSWORD)
    org = next(o for o in api("GET", "/organizations", token=admin)["items"] if o["name"] == "Acme")
    enrollment = api("POST", f"/organizations/{org['id']}/enrollment-tokens", {"name": "remote control test"}, admin)
    state = tempfile.mkdtemp(prefix="escale-agent-")
    subprocess.run([AGENT, "enroll", "--server", BASE, "--token", enrollment["token"], "--state-dir", state], check=True, capture_output=True)
    log = open(os.path.join(state, "agent.log"), "w")
    agent = subprocess.Popen([AGENT, "run", "--state-dir", state, "--heartbeat", "5"], stdout=log, stderr=log)
    assets = api("GET", f"/assets?organization_id={org['id']}", token=admin)["items"]
    asset = next(a for a in assets if a["source"] == "escale-agent")
    marie = token(users["marie"].email, users["marie"].password)
    ticket = api("POST", "/tickets", {"subject": "Mon poste ne répond plus", "description": "Tout est figé depuis ce matin",
                                      "impact": "medium", "urgency": "medium"}, marie)
    api("POST", f"/tickets/{ticket['id']}/assets", {"asset_id": asset["id"]}, admin)
    yield {"asset": asset, "ticket": ticket, "admin": admin, "state": state}
    agent.terminate()
    agent.wait(5)
    log.close()


def open_session(ui, ticket, button):
    seq = int(ticket["number"].split("-")[-1])
    ui.open(f"/tickets/{seq}")
    ui.button(ui.t(button)).click()
    ui.wait().until(lambda d: "/remote/" in d.current_url)
    ui.wait(20).until(lambda d: d.find_element(By.ID, "remote-state").text == ui.t("remote_open"))


def test_terminal_and_desktop(browser, users, machine, tmp_path):
    ui = UI(browser("fr"), "fr").sign_in(users["n2"])
    # A terminal: the command typed runs on the machine, its output comes back.
    open_session(ui, machine["ticket"], "remote_open_terminal")
    ui.assert_translated()
    screen = ui.d.find_element(By.CSS_SELECTOR, "#remote-terminal .xterm-helper-textarea")
    time.sleep(1)  # the shell's prompt
    screen.send_keys("echo escale-$((6*7))\n")
    ui.wait(15).until(lambda d: "escale-42" in d.find_element(By.ID, "remote-transcript").get_attribute("textContent"))
    artifacts = pathlib.Path(os.environ.get("ARTIFACTS_DIR", "/tmp/escale-browser-artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    ui.d.save_screenshot(str(artifacts / "remote-terminal.png"))
    # The desktop, through x11vnc: noVNC draws it on a canvas.
    open_session(ui, machine["ticket"], "remote_open_desktop")
    ui.wait(15).until(lambda d: d.find_element(By.ID, "remote-desktop").get_attribute("data-connected") == "true")
    canvas = ui.d.find_element(By.CSS_SELECTOR, "#remote-desktop canvas")
    assert canvas.size["width"] > 100 and canvas.size["height"] > 50, canvas.size
    shot = artifacts / "remote-desktop.png"
    ui.d.save_screenshot(str(shot))
    assert shot.stat().st_size > 1000
    # Leaving the page ends the session: both are recorded with how long they lasted.
    ui.open("/")
    admin = machine["admin"]

    def ended():
        runs = api("GET", f"/remote-runs?ticket_id={machine['ticket']['id']}", token=admin)["items"]
        kinds = {r["kind"]: r for r in runs if r["status"] == "succeeded" and r.get("detail", "").split(" ")[0].isdigit()}
        return kinds if {"terminal", "desktop"} <= set(kinds) else None
    deadline = time.time() + 20
    while not ended() and time.time() < deadline:
        time.sleep(0.5)
    assert ended(), api("GET", f"/remote-runs?ticket_id={machine['ticket']['id']}", token=admin)["items"]
