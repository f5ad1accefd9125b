"""Shared helpers for the browser tests and the screenshot script: seeding through the REST API, starting Chromium,
and finding things on a page the way a person does (a field by its label text, a button by what it says).

The UI strings come from the server's own catalogues (Sources/EscaleWeb/Resources/locales/*.json), so a copy edit
there does not break the tests, while a label that disappears, points at nothing or is left untranslated does.
"""
import json
import os
import pathlib
import uuid
import urllib.error
import urllib.request
from dataclasses import dataclass

os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download a browser or a driver

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
LOCALES = ROOT / "Sources/EscaleWeb/Resources/locales"
BASE = os.environ.get("ESCALE_URL", "http://127.0.0.1:18281").rstrip("/")
WAIT = 10  # seconds: the longest any step may take
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")

ADMIN_EMAIL = os.environ.get("ESCALE_ADMIN_EMAIL", "admin@escale.test")
ADMIN_PASSWORD = os.environ.get("ESCALE_ADMIN_PASSWORD", "admin-password-1")

_catalogues = {}


def t(lang, key, *args):
    """The UI string `key` in `lang`, as the server renders it (`{0}` placeholders filled)."""
    if lang not in _catalogues:
        _catalogues[lang] = json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
    text = _catalogues[lang][key]
    for i, a in enumerate(args):
        text = text.replace("{%d}" % i, str(a))
    return text


# --- Seeding through the REST API -----------------------------------------------------------------------------


@dataclass
class User:
    key: str
    email: str
    password: str
    name: str
    role: str
    lang: str
    groups: tuple = ()
    organization: bool = False


USERS = {
    "marie": User("marie", "marie@acme.test", "marie-password-1", "Marie Martin", "requester", "fr", organization=True),
    "john": User("john", "john@acme.test", "john-password-1", "John Smith", "requester", "en", organization=True),
    "n1": User("n1", "n1@escale.test", "agent-n1-password", "Nadia Niveau-Un", "agent", "fr", groups=("n1",)),
    "n2": User("n2", "n2@escale.test", "agent-n2-password", "Noé Niveau-Deux", "agent", "fr", groups=("n2",)),
    # The English flow is English for everyone: two English-speaking agents in the same groups.
    "n1en": User("n1en", "n1.en@escale.test", "agent-n1-en-password", "Nora First-Line", "agent", "en", groups=("n1",)),
    "n2en": User("n2en", "n2.en@escale.test", "agent-n2-en-password", "Neil Second-Line", "agent", "en", groups=("n2",)),
}
GROUPS = {"n1": ("Helpdesk N1", 1), "n2": ("Experts N2", 2)}
ORGANIZATION = "Acme"


class APIError(AssertionError):
    pass


def api(method, path, body=None, token=None, expect=(200, 201)):
    headers = {"content-type": "application/json", "accept": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + "/api/v1" + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=WAIT) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    if status not in expect:
        raise APIError(f"{method} {path} answered {status}: {raw[:500]!r}")
    return json.loads(raw) if raw else None


def token(email, password):
    return api("POST", "/auth/token", {"email": email, "password": password})["token"]


def seed():
    """Organization Acme (with a contract), groups N1/N2, two agents per group, two requesters. Idempotent: a server
    already seeded (the screenshot script after the tests) is left as it is."""
    try:
        token(USERS["marie"].email, USERS["marie"].password)
        return USERS
    except APIError:
        pass
    admin = token(ADMIN_EMAIL, ADMIN_PASSWORD)
    org = api("POST", "/organizations", {"name": ORGANIZATION, "domain": "acme.test"}, admin)["id"]
    # Office hours in Paris and an SLA policy, so that pages show service-level clocks.
    week = [{"day": d, "start": s, "end": e} for d in ("mon", "tue", "wed", "thu", "fri") for s, e in (("09:00", "12:00"), ("13:30", "18:00"))]
    calendar = api("POST", "/calendars", {"name": "Bureaux Paris", "time_zone": "Europe/Paris", "hours": week, "french_holidays": True}, admin)["id"]
    targets = [{"priority": p, "first_response_minutes": 15 if p == 1 else 60, "resolution_minutes": 240 if p == 1 else 480 * p} for p in range(1, 6)]
    policy = api("POST", "/sla-policies", {"name": "Standard", "calendar_id": calendar, "targets": targets}, admin)["id"]
    api("POST", f"/organizations/{org}/contracts", {"perimeter": "infrastructure", "valid_from": "2026-01-01",
                                                      "calendar_id": calendar, "sla_policy_id": policy}, admin)
    group_ids = {k: api("POST", "/groups", {"name": name, "tier": tier}, admin)["id"] for k, (name, tier) in GROUPS.items()}
    for u in USERS.values():
        body = {"email": u.email, "name": u.name, "role": u.role, "password": u.password, "locale": u.lang,
                "group_ids": [group_ids[g] for g in u.groups]}
        if u.organization:
            body["organization_id"] = org
        api("POST", "/users", body, admin)
    return USERS


# --- The browser ----------------------------------------------------------------------------------------------


def new_browser(lang, width=1280, height=800, mobile=False):
    """A fresh headless Chromium speaking `lang` ("fr" or "en"), its viewport exactly width × height."""
    accept = {"fr": "fr-FR,fr", "en": "en-US,en"}[lang]
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                f"--lang={accept.split(',')[0]}", f"--window-size={width},{height + 200}", "--hide-scrollbars"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": accept})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT * 2)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    # Record the page's EventSource connections, so that a test can wait until the live stream is really open
    # before making the change it expects to see (harness only: the page's own code is untouched).
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        (function () {
          var Original = window.EventSource;
          if (!Original) return;
          window.__eventSources = [];
          window.EventSource = function (url, init) {
            var es = new Original(url, init);
            window.__eventSources.push(es);
            return es;
          };
          window.EventSource.prototype = Original.prototype;
          ['CONNECTING', 'OPEN', 'CLOSED'].forEach(function (k) { window.EventSource[k] = Original[k]; });
        })();"""})
    return driver


def xpath_literal(s):
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in s.split("'")) + ")"


class UI:
    """One person at one browser: finds fields by label and buttons by text, in the person's language."""

    def __init__(self, driver, lang):
        self.d = driver
        self.lang = lang

    def t(self, key, *args):
        return t(self.lang, key, *args)

    def wait(self, timeout=WAIT):
        return WebDriverWait(self.d, timeout)

    def open(self, path):
        self.d.get(BASE + path)
        self.wait().until(lambda d: d.execute_script("return document.readyState") == "complete")

    @property
    def path(self):
        return self.d.current_url[len(BASE):] if self.d.current_url.startswith(BASE) else self.d.current_url

    # Finding things.

    def label(self, text):
        labels = self.d.find_elements(By.XPATH, f"//label[normalize-space()={xpath_literal(text)}]")
        assert len(labels) == 1, f"expected one <label> saying {text!r} on {self.path}, found {len(labels)}"
        return labels[0]

    def field(self, text):
        """The control a label points to (its `for`), as a person reading the form would find it."""
        label = self.label(text)
        target = label.get_attribute("for")
        assert target, f"the label {text!r} on {self.path} has no 'for' attribute"
        controls = self.d.find_elements(By.ID, target)
        assert len(controls) == 1, f"the label {text!r} on {self.path} points to #{target}, which exists {len(controls)} times"
        return controls[0]

    def button(self, text):
        xp = f"//button[normalize-space()={xpath_literal(text)}] | //input[@type='submit' and @value={xpath_literal(text)}]"
        found = [b for b in self.d.find_elements(By.XPATH, xp) if b.is_displayed()]
        assert len(found) == 1, f"expected one visible button {text!r} on {self.path}, found {len(found)}"
        return found[0]

    def link(self, text, contains=False):
        cond = f"contains(normalize-space(), {xpath_literal(text)})" if contains else f"normalize-space()={xpath_literal(text)}"
        found = [a for a in self.d.find_elements(By.XPATH, f"//a[{cond}]") if a.is_displayed()]
        assert found, f"no visible link {text!r} on {self.path}"
        return found[0]

    # Acting.

    def fill(self, label, value):
        el = self.field(label)
        el.clear()
        el.send_keys(value)
        return el

    def choose(self, label, option_text):
        el = self.field(label)
        Select(el).select_by_visible_text(option_text)
        return el

    def check(self, label):
        """Ticks a radio button or checkbox by clicking its label, as a person does."""
        el = self.field(label)
        self.label(label).click()
        assert el.is_selected(), f"clicking the label {label!r} on {self.path} did not select its control"
        return el

    def attach(self, label, path):
        el = self.field(label)
        assert el.get_attribute("type") == "file", f"{label!r} on {self.path} is not a file input"
        el.send_keys(str(path))
        return el

    def press(self, text):
        """Clicks a button that submits a form, and waits for the next page to be loaded."""
        self._click_and_wait(self.button(text))

    def follow(self, link):
        """Clicks a link, and waits for the page it leads to. `link` may be a function that finds it: it is found
        again if a live update replaced it meanwhile."""
        for attempt in range(3):
            try:
                return self._click_and_wait(link() if callable(link) else link)
            except StaleElementReferenceException:
                if not callable(link) or attempt == 2:
                    raise

    def _click_and_wait(self, element):
        token = uuid.uuid4().hex
        self.d.execute_script("window.__pageToken = arguments[1]; arguments[0].scrollIntoView({block: 'center'})", element, token)
        try:
            element.click()
        except StaleElementReferenceException:
            raise
        except WebDriverException as e:
            # The click started a navigation that replaced the document while chromedriver was still looking at the
            # element: the click happened.
            if "does not belong to the document" not in str(e):
                raise

        def loaded(d):
            try:
                return d.execute_script("return window.__pageToken === undefined && document.readyState === 'complete'")
            except WebDriverException:  # the old document is going away
                return False
        self.wait().until(loaded, f"no new page loaded within {WAIT} s after clicking on {self.path}")

    # Reading results.

    def text(self, css="body"):
        return " ".join(e.text for e in self.d.find_elements(By.CSS_SELECTOR, css))

    def flash(self):
        return self.text("p.flash")

    def status(self):
        """The ticket's status as its header shows it."""
        return self.d.find_element(By.CSS_SELECTOR, "#ticket-header .status").text.strip()

    def wait_for_text(self, css, text, timeout=WAIT):
        def seen(d):
            try:
                return text in " ".join(e.text for e in d.find_elements(By.CSS_SELECTOR, css))
            except (StaleElementReferenceException, WebDriverException):
                return False
        self.wait(timeout).until(seen, f"{text!r} did not appear in {css} on {self.path} within {timeout} s")

    def assert_translated(self):
        """No `⟦key⟧` marker for a missing translation, and no label, button or heading left empty (a key missing
        from the template's catalogue renders as nothing)."""
        html = self.d.page_source
        assert "⟦" not in html, f"missing translation on {self.path}: " + html[html.index("⟦"):html.index("⟦") + 80]
        empty = self.d.execute_script("""
            return Array.from(document.querySelectorAll('label, button, h1, h2, legend, th, a, option'))
              .filter(function (e) { return e.textContent.trim() === '' && !(e.tagName === 'OPTION' && e.value === '')
                                            && !(e.tagName === 'A' && e.querySelector('img, svg')); })
              .map(function (e) { return e.outerHTML.slice(0, 120); });""")
        assert not empty, f"elements without text on {self.path}: {empty}"
        assert self.d.execute_script("return document.documentElement.lang") == self.lang, \
            f"{self.path} is not in {self.lang}: <html lang={self.d.execute_script('return document.documentElement.lang')!r}>"

    def sign_in(self, user):
        """Signs in through the sign-in page, which must already speak the browser's language."""
        self.open("/login")
        assert self.d.find_element(By.TAG_NAME, "h1").text.strip() == self.t("login_title"), \
            f"the sign-in page does not follow Accept-Language ({self.lang})"
        self.fill(self.t("login_email"), user.email)
        self.fill(self.t("login_password"), user.password)
        self.press(self.t("login_submit"))
        assert not self.path.startswith("/login"), f"sign-in as {user.email} failed: {self.text('[role=alert]')}"
        assert self.d.find_element(By.TAG_NAME, "html").get_attribute("lang") == user.lang
        self.lang = user.lang
        self.assert_translated()
        return self

    def session_cookies(self):
        return {c["name"]: c["value"] for c in self.d.get_cookies()}

    def wait_live(self, timeout=WAIT):
        """Waits until the page's Server-Sent Events stream is open."""
        self.wait(timeout).until(
            lambda d: d.execute_script("return (window.__eventSources || []).some(function (e) { return e.readyState === 1; })"),
            f"the live stream of {self.path} did not open within {timeout} s")

    # The width the person sees. On a phone, content wider than the screen widens the layout viewport (and so
    # window.innerWidth) instead of being cut: compare with the visual viewport, which stays the screen's width.
    VIEWPORT_WIDTH = "Math.min(window.innerWidth, document.documentElement.clientWidth, window.visualViewport ? window.visualViewport.width : window.innerWidth)"

    def no_horizontal_scroll(self):
        sw, vw, wide = self.d.execute_script(f"""
            var vw = {self.VIEWPORT_WIDTH};
            var wide = Array.from(document.querySelectorAll('body *'))
              .filter(function (e) {{ var r = e.getBoundingClientRect(); return r.width > 0 && r.right > vw + 1; }})
              .slice(0, 5).map(function (e) {{ return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                (e.className && e.className.baseVal === undefined ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
                ' (' + Math.round(e.getBoundingClientRect().right) + ' px)'; }});
            return [document.documentElement.scrollWidth, vw, wide];""")
        assert sw <= vw + 1, f"{self.path} scrolls horizontally at {vw} px wide (content is {sw} px wide; past the edge: {wide})"

    def within_viewport(self, el, what):
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        assert el.is_displayed(), f"{what} is not visible on {self.path}"
        left, right, width, iw = self.d.execute_script(
            f"var r = arguments[0].getBoundingClientRect(); return [r.left, r.right, r.width, {self.VIEWPORT_WIDTH}];", el)
        assert width > 0 and left >= -1 and right <= iw + 1, \
            f"{what} on {self.path} spans {left:.0f}–{right:.0f} px, outside the {iw} px viewport"
