"""End-to-end tests of the web UI, in a real Chromium against the real server (ESCALE_URL).

They act as people do: a field is found by its label, a button by what it says, a link by its text, in French and
in English. CSS classes are used only to read results (the flash message, the timeline, the status badge).
Run by .ci/browser.sh, which starts the server and seeds nothing: the `users` fixture seeds through the REST API.
"""
import datetime
import json
import pathlib
import re
import urllib.parse
import urllib.request
import uuid
import zoneinfo

import pytest
import requests
from selenium.webdriver.common.by import By

from escale_ui import BASE, UI, WAIT, t, xpath_literal

FLOW = {"fr": ("marie", "n1", "n2"), "en": ("john", "n1en", "n2en")}

WORDS = {
    "fr": {
        "subject": "Imprimante du 2e étage hors ligne",
        "description": "Depuis ce matin, l'imprimante du 2e étage n'apparaît plus.\nMessage : « Périphérique hors ligne ».",
        "category": "Réseau",
        "reply": "Bonjour, nous regardons cela tout de suite.",
        "note": "Note interne : le switch du 2e étage redémarre en boucle",
        "reason": "Le switch doit être remplacé : réseau N2",
    },
    "en": {
        "subject": "Second-floor printer offline",
        "description": "Since this morning the second-floor printer is gone.\nMessage: \"Device offline\".",
        "category": "Network",
        "reply": "Hello, we are looking into it right now.",
        "note": "Internal note: the second-floor switch keeps rebooting",
        "reason": "The switch needs replacing: N2 network team",
    },
}


def unique(text):
    return f"{text} {uuid.uuid4().hex[:6]}"


def ticket_seq(ui):
    m = re.fullmatch(r"/tickets/(\d+)(\?.*)?", ui.path)
    assert m, f"expected to be on a ticket page, got {ui.path}"
    return int(m.group(1))


def row_link(ui, subject):
    """In a queue or a request list, the ticket link of the row that shows `subject`."""
    rows = ui.d.find_elements(By.XPATH, f"//*[@data-row][contains(normalize-space(), {xpath_literal(subject)})]")
    assert len(rows) == 1, f"expected one row for {subject!r} on {ui.path}, found {len(rows)}"
    links = rows[0].find_elements(By.XPATH, ".//a[starts-with(@href, '/tickets/')]")
    assert links, f"the row for {subject!r} on {ui.path} has no link to its ticket"
    return links[0]


def fact(ui, label):
    """A value of the ticket header's facts list, by its term."""
    dd = ui.d.find_elements(By.XPATH, f"//*[@id='ticket-header']//div[dt[normalize-space()={xpath_literal(label)}]]/dd")
    assert len(dd) == 1, f"no fact {label!r} in the header of {ui.path}"
    return dd[0].text.strip()


def set_datetime_local(ui, label, value):
    """Fills a datetime-local field found by its label. Typed keys land in segments whose order follows the
    operating system's locale, not the browser's language, so the value is set as a date picker would set it."""
    el = ui.field(label)
    assert el.get_attribute("type") == "datetime-local", f"{label!r} is not a date and time field"
    ui.d.execute_script("arguments[0].value = arguments[1];"
                        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
                        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", el, value)
    assert el.get_attribute("value") == value, f"{label!r} refused {value!r}"


def cookies_session(ui):
    s = requests.Session()
    for name, value in ui.session_cookies().items():
        s.cookies.set(name, value)
    return s


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_request_lifecycle(lang, users, browser, tmp_path):
    """Scenarios 1–6: submit with an attachment, live queue, reply + internal note + escalation, resolution by N2,
    the requester sees the reply but not the note and confirms. Once in French (Marie), once in English (John)."""
    requester, n1, n2 = (users[k] for k in FLOW[lang])
    w = WORDS[lang]
    subject, reply, note, reason = unique(w["subject"]), unique(w["reply"]), unique(w["note"]), unique(w["reason"])

    # 2 (first half). The N1 agent has the unassigned N1 queue open before the request exists.
    agent = UI(browser(lang), lang).sign_in(n1)
    agent.follow(agent.link(t(lang, "queue_n1"), contains=True))
    assert agent.path == "/queues/n1"
    assert agent.d.find_element(By.TAG_NAME, "h1").text.strip() == t(lang, "queue_n1")
    agent.assert_translated()
    assert subject not in agent.text("main")
    agent.wait_live()
    agent.d.execute_script("window.__marker = 1")

    # 1. The requester signs in and submits a request with an attachment.
    person = UI(browser(lang), lang).sign_in(requester)
    assert person.path == "/requests", f"a requester lands on {person.path}"
    person.follow(person.link(t(lang, "nav_new_request")))
    assert person.path == "/requests/new"
    person.assert_translated()
    attachment = tmp_path / "printer-status.txt"
    attachment.write_bytes(f"status: offline\n{subject}\n".encode())
    person.fill(t(lang, "request_subject"), subject)
    person.fill(t(lang, "request_description"), w["description"])
    person.choose(t(lang, "field_category"), w["category"])
    person.check(t(lang, "impact_plain_medium"))
    person.check(t(lang, "urgency_plain_high"))
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    occurred = (datetime.datetime.now(paris) - datetime.timedelta(days=1)).replace(hour=8, minute=15, second=0, microsecond=0)
    set_datetime_local(person, t(lang, "request_occurred_at"), occurred.strftime("%Y-%m-%dT%H:%M"))
    person.attach(t(lang, "request_attachments"), attachment)
    person.press(t(lang, "request_submit"))
    seq = ticket_seq(person)
    assert person.flash() == t(lang, "flash_request_created", "ESC-%06d" % seq), f"no confirmation naming the number: {person.text('main')[:300]}"
    assert person.d.find_element(By.TAG_NAME, "h1").text.strip() == subject
    assert person.status() == t(lang, "status_new")
    occurred_utc = occurred.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M")
    times = [e.get_attribute("datetime") for e in person.d.find_elements(By.CSS_SELECTOR, "#ticket-header time")]
    assert any(x and x.startswith(occurred_utc) for x in times), f"'when did it happen' was not kept: {times}, expected {occurred_utc}"
    links = person.d.find_elements(By.XPATH, f"//*[@id='timeline']//a[normalize-space()={xpath_literal(attachment.name)}]")
    assert len(links) == 1, f"the attachment {attachment.name} is not listed on the request page"
    download = cookies_session(person).get(links[0].get_attribute("href"), timeout=WAIT)
    assert download.status_code == 200 and download.content == attachment.read_bytes(), \
        f"downloading the attachment gave {download.status_code} and {len(download.content)} bytes"

    # 2 (second half). The new ticket appears in the agent's open queue without a reload.
    agent.wait_for_text("#queue", subject, timeout=5)
    assert agent.d.execute_script("return window.__marker") == 1, "the queue page was reloaded instead of updated live"

    # 3. The agent opens it, replies publicly, adds an internal note and escalates to N2 with a reason.
    agent.follow(lambda: row_link(agent, subject))
    assert ticket_seq(agent) == seq
    agent.assert_translated()
    assert fact(agent, t(lang, "field_tier")) == "N1"

    agent.fill(t(lang, "ticket_reply_label"), reply)
    agent.press(t(lang, "ticket_send_reply"))
    assert agent.flash() == t(lang, "flash_reply"), agent.text("[role=alert]")
    public = agent.text("#timeline li.entry:not(.internal)")
    assert reply in public, "the public reply is not in the timeline"

    agent.fill(t(lang, "ticket_note_label"), note)
    agent.press(t(lang, "ticket_add_note"))
    assert agent.flash() == t(lang, "flash_note"), agent.text("[role=alert]")
    assert note in agent.text("#timeline li.entry.internal"), "the note is not shown as an internal entry"
    assert note not in agent.text("#timeline li.entry:not(.internal)"), "the note is shown as a public entry"
    assert reply not in agent.text("#timeline li.entry.internal"), "the public reply is shown as internal"

    agent.choose(t(lang, "ticket_escalate_to"), "N2")
    agent.choose(t(lang, "ticket_escalate_group"), "Experts N2 (N2)")
    agent.fill(t(lang, "ticket_reason"), reason)
    agent.press(t(lang, "ticket_escalate_submit"))
    assert agent.flash() == t(lang, "flash_escalated"), agent.text("[role=alert]")
    assert fact(agent, t(lang, "field_tier")) == "N2"
    assert fact(agent, t(lang, "field_group")) == "Experts N2"
    timeline = agent.text("#timeline")
    assert t(lang, "event_escalated", "N1", "N2") in timeline and reason in timeline, "the escalation and its reason are not in the timeline"
    agent.open("/queues/n1")
    assert subject not in agent.text("#queue"), "an escalated ticket is still in the N1 unassigned queue"

    # 4. An N2 agent finds it in the unassigned N2 queue, opens it and resolves it.
    expert = UI(browser(lang), lang).sign_in(n2)
    expert.follow(expert.link(t(lang, "queue_n2"), contains=True))
    assert expert.path == "/queues/n2"
    expert.follow(lambda: row_link(expert, subject))
    assert ticket_seq(expert) == seq
    assert note in expert.text("#timeline li.entry.internal"), "the N2 agent does not see the internal note"
    expert.choose(t(lang, "field_status"), t(lang, "status_resolved"))
    expert.press(t(lang, "action_save"))
    assert expert.flash() == t(lang, "flash_saved"), expert.text("[role=alert]")
    assert expert.status() == t(lang, "status_resolved")

    # 5. The requester sees the reply, not the internal note, and confirms the resolution.
    person.follow(person.link(t(lang, "nav_my_requests")))
    person.follow(lambda: row_link(person, subject))
    assert ticket_seq(person) == seq
    person.assert_translated()
    assert person.status() == t(lang, "status_resolved")
    assert reply in person.text("#timeline"), "the requester does not see the public reply"
    assert note not in person.d.page_source, "the requester's page contains the internal note"
    assert not person.d.find_elements(By.CSS_SELECTOR, "li.entry.internal"), "the requester's timeline has internal entries"
    person.button(t(lang, "request_reopen"))  # offered next to the confirmation
    person.press(t(lang, "request_confirm"))
    assert person.flash() == t(lang, "flash_confirmed"), person.text("[role=alert]")
    assert person.status() == t(lang, "status_closed")
    assert not person.d.find_elements(By.XPATH, f"//button[normalize-space()={xpath_literal(t(lang, 'request_confirm'))}]"), \
        "a closed request still offers to confirm the resolution"


def test_form_without_csrf_token_is_refused(users, browser):
    """7. A signed-in session's cookies alone cannot post a form: without `_csrf` the server answers 403 and
    nothing is created. The same post with the page's token goes through (so the 403 was the token's doing)."""
    marie = users["marie"]
    person = UI(browser("fr"), "fr").sign_in(marie)
    subject = unique("Écran noir au démarrage")
    person.follow(person.link(t("fr", "nav_new_request")))
    person.fill(t("fr", "request_subject"), subject)
    person.fill(t("fr", "request_description"), "L'écran reste noir.")
    person.check(t("fr", "impact_plain_low"))
    person.press(t("fr", "request_submit"))
    seq = ticket_seq(person)
    entries_before = len(person.d.find_elements(By.CSS_SELECTOR, "#timeline li.entry"))
    reply_form = person.d.find_element(By.ID, "reply-form")
    token = reply_form.find_element(By.NAME, "_csrf").get_attribute("value")
    assert token, "the reply form carries no CSRF token"

    http = cookies_session(person)
    forged = unique("forged comment")
    for label, extra in (("no token", {}), ("a wrong token", {"_csrf": "0" * len(token)})):
        r = http.post(f"{BASE}/tickets/{seq}/comments", data={"body": forged, "visibility": "public", **extra},
                      allow_redirects=False, timeout=WAIT)
        assert r.status_code == 403, f"a comment with {label} answered {r.status_code}, expected 403"
        assert t("fr", "error_csrf_title") in r.text, f"the 403 page for {label} does not explain the expired form"
    forged_subject = unique("forged request")
    r = http.post(f"{BASE}/requests", data={"subject": forged_subject, "description": "x", "impact": "low", "urgency": "low"},
                  allow_redirects=False, timeout=WAIT)
    assert r.status_code == 403, f"a new request without a token answered {r.status_code}, expected 403"

    person.open(f"/tickets/{seq}")
    assert len(person.d.find_elements(By.CSS_SELECTOR, "#timeline li.entry")) == entries_before, "the timeline changed"
    assert forged not in person.d.page_source
    person.follow(person.link(t("fr", "nav_my_requests")))
    assert subject in person.text("main") and forged_subject not in person.text("main"), "a request was created without a token"

    # Control: the same cookies with the page's token are accepted.
    r = http.post(f"{BASE}/tickets/{seq}/comments", data={"body": forged, "visibility": "public", "_csrf": token},
                  allow_redirects=False, timeout=WAIT)
    assert r.status_code in (302, 303), f"the same post with the page's token answered {r.status_code}"
    person.open(f"/tickets/{seq}")
    assert forged in person.text("#timeline")


def test_phone_width_portal(users, browser, tmp_path):
    """8. At 375×812 the sign-in page and the new-request form fit the screen (no horizontal scroll), every field
    and the submit button are visible inside the viewport, and submitting works."""
    john = users["john"]
    person = UI(browser("en", width=375, height=812, mobile=True), "en")
    person.open("/login")
    assert person.d.execute_script("return window.innerWidth") == 375, "the sign-in page does not set a device-width viewport"
    person.no_horizontal_scroll()
    person.sign_in(john)
    person.no_horizontal_scroll()
    person.follow(person.link(t("en", "nav_new_request")))
    assert person.path == "/requests/new"
    person.no_horizontal_scroll()

    labels = [t("en", k) for k in ("request_subject", "request_description", "field_category", "request_occurred_at", "request_attachments")]
    for label in labels:
        person.within_viewport(person.label(label), f"the label {label!r}")
        person.within_viewport(person.field(label), f"the field {label!r}")
    for key in ("impact_plain_high", "impact_plain_medium", "impact_plain_low", "urgency_plain_high", "urgency_plain_medium", "urgency_plain_low"):
        person.within_viewport(person.label(t("en", key)), f"the choice {t('en', key)!r}")
    person.within_viewport(person.button(t("en", "request_submit")), "the submit button")

    subject = unique("Phone cannot sync mail")
    person.fill(t("en", "request_subject"), subject)
    person.fill(t("en", "request_description"), "Mail stopped syncing on my phone.")
    person.check(t("en", "impact_plain_low"))
    person.check(t("en", "urgency_plain_low"))
    shot = tmp_path / "screen.png"
    shot.write_bytes(b"\x89PNG fake screenshot")
    person.attach(t("en", "request_attachments"), shot)
    person.press(t("en", "request_submit"))
    ticket_seq(person)
    assert person.flash() == t("en", "flash_request_created", "ESC-%06d" % ticket_seq(person))
    assert person.d.find_element(By.TAG_NAME, "h1").text.strip() == subject
    person.no_horizontal_scroll()
    person.within_viewport(person.button(t("en", "request_send")), "the reply button of the request page")


def test_on_call_page_and_acknowledgement(users, browser):
    """9. On-call: a client on 24/7 on-call whose support hours are closed right now. Its priority-1 ticket pages the
    agent on call (the real scheduler, inside the real server): the contract pages requesters' P1s before N1 triage. The agent sees who is on call and the calendar
    feed on the on-call page, sees the ticket being paged, and takes it with "Prendre en compte"."""
    from escale_ui import ADMIN_EMAIL, ADMIN_PASSWORD, api, token

    admin = token(ADMIN_EMAIL, ADMIN_PASSWORD)
    noe = users["n2"]
    staff = {u["email"]: u["id"] for u in api("GET", "/users", token=admin)["items"]}
    org = api("POST", "/organizations", {"name": unique("Usine de nuit")}, admin)["id"]
    # Support hours of one minute a week (Saturday 00:00–00:01): on-call hours are now, whenever the tests run.
    closed = api("POST", "/calendars", {"name": unique("Une minute par semaine"), "time_zone": "Europe/Paris",
                                         "hours": [{"day": d, "start": "00:00", "end": "00:01"} for d in ("sat",)],
                                         "holidays": []}, admin)["id"]
    schedule = api("POST", "/oncall/schedules", {"name": unique("Astreinte usine"), "time_zone": "Europe/Paris",
                                                  "layers": [{"rotation": "weekly", "handoff": "2026-11-30T09:00",
                                                              "participants": [staff[noe.email]]}]}, admin)
    policy = api("POST", "/oncall/policies", {"name": unique("Nuits"), "steps": [
        {"targets": [{"schedule_id": schedule["id"]}], "delay_minutes": 10}]}, admin)["id"]
    api("POST", f"/organizations/{org}/contracts", {"perimeter": "infrastructure", "valid_from": "2026-01-01", "calendar_id": closed,
                                                     "on_call": True, "on_call_policy_id": policy, "page_before_triage": True}, admin)
    worker = {"email": f"{uuid.uuid4().hex[:8]}@usine.test", "password": "usine-password-1"}
    api("POST", "/users", {**worker, "name": "Opérateur", "role": "requester", "organization_id": org}, admin)
    subject = unique("Ligne de production arrêtée")
    ticket = api("POST", "/tickets", {"subject": subject, "description": "Tout est arrêté.", "impact": "high", "urgency": "high"},
                 token(worker["email"], worker["password"]))
    assert ticket["priority"] == 1
    seq = int(re.sub(r"\D", "", ticket["number"]))

    agent = UI(browser("fr"), "fr").sign_in(noe)
    agent.follow(agent.link(t("fr", "nav_oncall")))
    assert schedule["name"] in agent.text("main") and noe.name in agent.text("main"), "the on-call page does not say who is on call"
    feed = agent.d.find_element(By.XPATH, f"//input[@aria-label={xpath_literal(t('fr', 'oncall_feed'))}]").get_attribute("value")
    r = requests.get(feed, timeout=WAIT)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar") and r.text.startswith("BEGIN:VCALENDAR\r\n")
    assert f"SUMMARY:On call: {noe.name}" in r.text.replace("\r\n ", "")
    # A calendar library reads it as calendar applications do: events with start, end and who is on call.
    import icalendar
    events = [e for e in icalendar.Calendar.from_ical(r.content).walk("VEVENT")]
    assert events and all(e.decoded("DTEND") > e.decoded("DTSTART") for e in events)
    assert any(str(e.get("SUMMARY")) == f"On call: {noe.name}" for e in events)
    agent.assert_translated()

    agent.open(f"/tickets/{seq}")
    assert t("fr", "oncall_paging") in agent.text("main"), "the ticket page does not show the paging"
    # The scheduler pages Noé within a moment; the page learns of it live.
    agent.wait_for_text("#timeline", t("fr", "event_paged", noe.name))
    agent.press(t("fr", "action_acknowledge"))
    assert agent.flash() == t("fr", "flash_acknowledged")
    assert fact(agent, t("fr", "field_assignee")) == noe.name
    assert t("fr", "oncall_paging") not in agent.text("main")
    assert t("fr", "event_acknowledged") in agent.text("#timeline")

    # A second outage: this time the agent simply takes the ticket ("M'assigner"), which ends the paging too.
    second = api("POST", "/tickets", {"subject": unique("Compresseur en panne"), "description": "Alarme.", "impact": "high", "urgency": "high"},
                 token(worker["email"], worker["password"]))
    second_path = "/tickets/%d" % int(re.sub(r"\D", "", second["number"]))
    # The page may be drawn before its live connection is up and the page sent: read it again until it shows.
    import time
    deadline = time.monotonic() + 20
    agent.open(second_path)
    while t("fr", "event_paged", noe.name) not in agent.text("#timeline"):
        assert time.monotonic() < deadline, "the second ticket was never paged"
        time.sleep(0.5)
        agent.open(second_path)
    agent.press(t("fr", "ticket_assign_me"))
    assert agent.flash() == t("fr", "flash_assigned")
    assert t("fr", "oncall_paging") not in agent.text("main")
    assert t("fr", "event_paging_ended_assignment") in agent.text("#timeline")


def test_agent_opens_ticket_for_caller(users, browser):
    """10. A phone call: the agent opens "New ticket", is told every problem of an empty form at once, finds the
    caller by name, and opens the ticket, which is theirs at once."""
    nadia, marie = users["n1"], users["marie"]
    agent = UI(browser("fr"), "fr").sign_in(nadia)
    agent.follow(agent.link(t("fr", "nav_new_ticket")))
    agent.assert_translated()
    agent.press(t("fr", "new_ticket_submit"))
    problems = agent.text("#form-problems")
    for key in ("field_name", "field_email", "request_subject", "request_impact", "request_urgency"):
        assert t("fr", key) in problems, f"the empty form does not name {key}: {problems!r}"
    agent.fill(t("fr", "new_ticket_find_caller"), marie.name.split()[0])
    agent.press(t("fr", "new_ticket_find"))
    agent.follow(agent.link(marie.name))
    assert marie.email in agent.text("#chosen-requester")
    agent.choose(t("fr", "field_channel"), t("fr", "channel_phone"))
    subject = unique("Appel : messagerie bloquée")
    agent.fill(t("fr", "request_subject"), subject)
    agent.fill(t("fr", "request_description"), "Appel de Marie : plus aucun message ne part.")
    agent.check(t("fr", "impact_plain_high"))
    agent.check(t("fr", "urgency_plain_medium"))
    agent.press(t("fr", "new_ticket_submit"))
    seq = ticket_seq(agent)
    assert agent.flash() == t("fr", "flash_ticket_created", "ESC-%06d" % seq)
    assert fact(agent, t("fr", "field_assignee")) == nadia.name
    assert fact(agent, t("fr", "field_channel")) == t("fr", "channel_phone")
    assert fact(agent, t("fr", "field_requester")) == marie.name
    # French as it is written: impact is masculine, urgency feminine.
    assert "(Élevé × Moyenne)" in agent.text("#ticket-header")


def test_stale_form_keeps_what_was_typed(users, browser):
    """11. Two people on one ticket: a field both changed is a conflict that names it, keeps every choice typed and
    leaves the address bar on a page, not on the POST; a reply typed on an old page goes through."""
    from selenium.webdriver.support.ui import Select
    from escale_ui import api, token

    marie, nadia, noe = users["marie"], users["n1"], users["n2"]
    subject = unique("Écran qui clignote")
    ticket = api("POST", "/tickets", {"subject": subject, "description": "Depuis la mise à jour.", "impact": "medium", "urgency": "medium"},
                 token(marie.email, marie.password))
    seq = int(re.sub(r"\D", "", ticket["number"]))
    other = token(noe.email, noe.password)

    def colleague_sets(field, value):
        current = api("GET", f"/tickets/{ticket['id']}", token=other)
        req = urllib.request.Request(f"{BASE}/api/v1/tickets/{ticket['id']}", data=json.dumps({field: value}).encode(), method="PATCH",
                                     headers={"content-type": "application/json", "authorization": "Bearer " + other,
                                              "if-match": f'"v{current["version"]}"'})
        assert urllib.request.urlopen(req, timeout=WAIT).status == 200

    agent = UI(browser("fr"), "fr").sign_in(nadia)
    agent.open(f"/tickets/{seq}")
    colleague_sets("urgency", "low")
    # The live update may already have told the page; the agent chooses to send anyway.
    agent.d.execute_script("window.confirm = function () { return true; };")
    agent.choose(t("fr", "field_urgency"), t("fr", "urgency_level_high"))
    agent.choose(t("fr", "field_category"), "Réseau")
    agent.press(t("fr", "action_save"))
    assert re.fullmatch(rf"/tickets/{seq}\?draft=[0-9A-Fa-f-]+", agent.path), f"not redirected after the conflict: {agent.path}"
    assert t("fr", "conflict_fields", t("fr", "field_urgency")) in agent.text("main")
    assert Select(agent.field(t("fr", "field_urgency"))).first_selected_option.text == t("fr", "urgency_level_high")
    assert Select(agent.field(t("fr", "field_category"))).first_selected_option.text == "Réseau"
    # Saved again from there, it goes through.
    agent.d.execute_script("window.confirm = function () { return true; };")
    agent.press(t("fr", "action_save"))
    assert agent.flash() == t("fr", "flash_saved")
    after = api("GET", f"/tickets/{ticket['id']}", token=other)
    assert after["urgency"] == "high" and after["category"] == "network"
    # A reply typed while a colleague puts the ticket on hold is not refused for that.
    colleague_sets("status", "pending")
    agent.fill(t("fr", "ticket_reply_label"), "Nous regardons.")
    agent.press(t("fr", "ticket_send_reply"))
    assert agent.flash() == t("fr", "flash_reply")


def test_administrator_first_day(users, browser):
    """12. The first administrator, whose browser speaks English, reads English (nobody chose a language for them),
    and sets the installation up through the pages: the default language of new users and the default N1 group."""
    from escale_ui import ADMIN_EMAIL, ADMIN_PASSWORD, User, api, token

    admin = UI(browser("en"), "en").sign_in(User("admin", ADMIN_EMAIL, ADMIN_PASSWORD, "Administrator", "admin", "en"))
    admin.follow(admin.link(t("en", "nav_admin")))
    admin.follow(admin.link(t("en", "admin_settings")))
    admin.assert_translated()
    admin.choose(t("en", "settings_default_language"), "Français")
    admin.choose(t("en", "settings_default_group", "N1"), "Helpdesk N1")
    admin.press(t("en", "action_save"))
    assert admin.flash() == t("en", "flash_saved")
    settings = api("GET", "/settings", token=token(ADMIN_EMAIL, ADMIN_PASSWORD))
    assert settings["default_locale"] == "fr" and settings.get("default_groups", {}).get("n1")
    # Back to "follow the browser", as the other scenarios expect.
    admin.choose(t("en", "settings_default_language"), t("en", "settings_language_browser"))
    admin.press(t("en", "action_save"))
    assert "default_locale" not in api("GET", "/settings", token=token(ADMIN_EMAIL, ADMIN_PASSWORD))


def test_requester_email_shows_live_with_history_folded(users, browser):
    """Scenario: the agent has the ticket open; the requester answers a notification from her mail client; her reply
    appears on the agent's page without a reload, by e-mail, with what she quoted folded away (but kept)."""
    from escale_ui import ADMIN_EMAIL, ADMIN_PASSWORD, api, token
    lang = "fr"
    marie, n1 = users["marie"], users["n1"]
    admin = token(ADMIN_EMAIL, ADMIN_PASSWORD)
    box = api("POST", "/mailboxes", {"address": f"support-{uuid.uuid4().hex[:6]}@acme.test"}, admin)
    ticket = api("POST", "/tickets", {"subject": unique("VPN coupé"), "description": "Plus de VPN depuis ce matin.",
                                                "impact": "medium", "urgency": "medium"}, token(marie.email, marie.password))

    agent = UI(browser(lang), lang).sign_in(n1)
    agent.open(f"/tickets/{int(ticket['number'][4:])}")
    agent.wait_live()
    agent.d.execute_script("window.__marker = 1")

    answer = unique("Toujours coupé ce matin, même après redémarrage")
    quoted = "Bonjour, pouvez-vous redémarrer le poste ?"
    raw = (f"From: {marie.name} <{marie.email}>\r\nTo: {box['address']}\r\nSubject: RE: [{ticket['number']}] {ticket['subject']}\r\n"
           f"Message-ID: <{uuid.uuid4()}@acme.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           f"Content-Transfer-Encoding: 8bit\r\n\r\n{answer}\r\n\r\nLe lun. 30 nov. 2026 à 10:12, Support <{box['address']}> a écrit :\r\n"
           f"> {quoted}\r\n> <script>alert(1)</script>\r\n").encode()
    r = requests.post(BASE + "/api/v1/inbound/email", data=raw, timeout=WAIT,
                      headers={"authorization": "Bearer " + box["token"], "content-type": "message/rfc822"})
    assert r.status_code == 200 and r.json()["status"] == "replied", r.text

    agent.wait_for_text("#timeline", answer, timeout=10)
    assert agent.d.execute_script("return window.__marker") == 1, "the ticket page was reloaded instead of updated live"
    entry = agent.d.find_element(By.XPATH, f"//*[@id='timeline']//li[contains(normalize-space(), {xpath_literal(answer)})]")
    folds = entry.find_elements(By.CSS_SELECTOR, "details.quoted")
    assert len(folds) == 1, "the quoted history is not folded under the reply"
    assert folds[0].get_attribute("open") is None, "the quoted history is shown unfolded"
    assert quoted not in entry.text, "the quoted history shows while folded"
    folds[0].find_element(By.TAG_NAME, "summary").click()
    agent.wait(5).until(lambda d: quoted in entry.text, "unfolding does not show the quoted history")
    assert "<script>alert(1)</script>" in entry.text, "the quoted HTML is not shown as text"
    assert not agent.d.execute_script("return window.__alerted === true")


def test_answered_call_pops_up_and_becomes_a_ticket(users, browser):
    """12. The phone: Marie calls, Nadia answers at her desk; whatever console page she has open shows who calls and
    her open requests; "new ticket from this call" opens a phone ticket with Marie as requester, taken by Nadia."""
    from escale_ui import ADMIN_EMAIL, ADMIN_PASSWORD, api, token
    nadia, marie = users["n1"], users["marie"]
    admin = token(ADMIN_EMAIL, ADMIN_PASSWORD)
    cti = api("POST", "/integrations", {"type": "cti", "name": unique("PBX")}, admin)
    # Marie's number, on her organization's switchboard: found whatever the PBX's notation.
    org = api("GET", "/organizations", None, admin)["items"][0]
    api("PATCH", f"/organizations/{org['id']}", {"phone": "01 45 00 00 00"}, admin)
    agent = UI(browser("fr"), "fr").sign_in(nadia)
    agent.follow(agent.link(t("fr", "nav_calls")))
    agent.assert_translated()
    agent.wait_live()
    call_id = uuid.uuid4().hex
    for event in ({"event": "newCall", "from": "+33145000000", "to": "3000", "direction": "in", "callId": call_id},
                  {"event": "answer", "from": "+33145000000", "to": "3000", "direction": "in", "callId": call_id,
                   "answeringNumber": nadia.email}):
        r = requests.post(BASE + urllib.parse.urlparse(cti["url"]).path, json=event, timeout=WAIT)
        assert r.status_code == 200 and r.json() == {}, r.text
    popup = agent.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-call-popup]:not([hidden])"),
                               "the answering agent sees no pop-up")
    assert t("fr", "call_popup_title") in popup.text and org["name"] in popup.text, popup.text
    agent.follow(popup.find_element(By.XPATH, f".//a[normalize-space()={xpath_literal(t('fr', 'call_new_ticket'))}]"))
    subject = unique("Appel : imprimante bloquée")
    agent.fill(t("fr", "field_subject"), subject)
    agent.press(t("fr", "call_create_ticket"))
    ticket_seq(agent)  # on the new ticket's page
    assert fact(agent, t("fr", "field_channel")) == t("fr", "channel_phone")
    assert fact(agent, t("fr", "field_assignee")) == nadia.name
    assert t("fr", "event_call_in") in agent.text("[data-live-region=timeline]")
