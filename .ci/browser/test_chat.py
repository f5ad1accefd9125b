"""Live chat end to end in Chromium: a visitor on a page served from another origin (with a strict CSP that allows
only the desk's origin), agents in the console; chat both ways, the visitor's connection dropped and resumed, the page
left and reopened, a hand-over, the end; the transcript on the ticket."""
import functools
import hashlib
import hmac
import http.server
import socket
import struct
import threading
import zlib

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from escale_ui import ADMIN_EMAIL, ADMIN_PASSWORD, BASE, UI, WAIT, api, token


def png(path, width=4, height=3):
    """A real PNG (red pixels), for the browser to decode."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def host_page(tmp_path):
    """An intranet page on another origin (another port of localhost), its CSP allowing scripts and frames from the desk only."""
    port = free_port()
    origin = f"http://localhost:{port}"
    (tmp_path / "index.html").write_text(f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src {BASE}; frame-src {BASE}">
<title>Intranet Acme</title></head>
<body><h1>Intranet Acme</h1><p>Bienvenue.</p>
<script src="{BASE}/chat/widget.js" data-escale-chat="%KEY%" async></script>
</body></html>""", encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, origin
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def console(ui):
    ui.open("/chat")
    Select(ui.d.find_element(By.ID, "chat-availability-select")).select_by_value("available")
    ui.d.find_element(By.CSS_SELECTOR, "#chat-availability button[type=submit]").click()


def panel_log(ui):
    return [li.text for li in ui.d.find_elements(By.CSS_SELECTOR, ".chat-panel .chat-log li")]


def test_chat_from_another_origin(users, browser, host_page):
    directory, origin = host_page
    admin = token(ADMIN_EMAIL, ADMIN_PASSWORD)
    acme = next(o for o in api("GET", "/organizations", token=admin)["items"] if o["name"] == "Acme")
    channel = api("POST", "/chat/channels", {"name": "Intranet", "allowed_origins": [origin], "organization_id": acme["id"]}, admin)
    page = (directory / "index.html").read_text(encoding="utf-8").replace("%KEY%", channel["key"])
    (directory / "index.html").write_text(page, encoding="utf-8")
    nora = next(u for u in api("GET", "/users", token=admin)["items"] if u["email"] == "n1.en@escale.test")

    # An N1 agent opens the console and says they are available.
    agent = UI(browser("fr"), "fr").sign_in(users["n1"])
    console(agent)
    agent.assert_translated()

    # The visitor, on the intranet page of another origin, opens the widget: a labelled button, then the desk's frame.
    visitor = UI(browser("fr"), "fr")
    visitor.d.get(origin + "/")
    button = visitor.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-escale-chat-button]"))
    assert button.get_attribute("aria-label") == agent.t("chat_open_widget")
    button.click()
    frame = visitor.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "iframe[data-escale-chat-frame]"))
    assert frame.get_attribute("title")
    visitor.d.switch_to.frame(frame)
    visitor.wait().until(lambda d: d.find_element(By.ID, "chat-start").is_displayed())
    visitor.fill(visitor.t("chat_name"), "Carole Visiteuse")
    visitor.fill(visitor.t("chat_email"), "carole@acme.test")
    visitor.fill(visitor.t("chat_question"), "Mon imprimante ne répond plus")
    visitor.d.find_element(By.ID, "chat-start-button").click()
    visitor.wait().until(lambda d: d.find_element(By.ID, "chat-live").is_displayed())

    # The chat reaches the agent (routed: they are available), who answers.
    agent.wait().until(lambda d: any("Mon imprimante" in t for t in panel_log(agent)))
    chat_id = agent.d.find_element(By.CSS_SELECTOR, ".chat-panel").get_attribute("data-chat")
    box = agent.d.find_element(By.CSS_SELECTOR, ".chat-panel .chat-send textarea")
    box.send_keys("Bonjour, je regarde ça")
    agent.d.find_element(By.CSS_SELECTOR, ".chat-panel .chat-send button").click()
    visitor.wait_for_text("#chat-log", "Bonjour, je regarde ça")

    # The visitor writes back, then sends a screenshot: the agent sees the picture (decoded, not a broken image).
    visitor.d.find_element(By.ID, "chat-text").send_keys("Merci !")
    visitor.d.find_element(By.ID, "chat-send-button").click()
    agent.wait().until(lambda d: any("Merci !" in t for t in panel_log(agent)))
    visitor.d.find_element(By.ID, "chat-file").send_keys(str(png(directory / "ecran.png")))
    agent.wait().until(lambda d: d.execute_script(
        "var i = document.querySelector('.chat-panel img.chat-picture'); return !!i && i.complete && i.naturalWidth === 4"))
    visitor.wait().until(lambda d: d.execute_script(
        "var i = document.querySelector('#chat-log img.chat-picture'); return !!i && i.complete && i.naturalWidth === 4"))

    # The visitor's connection drops; the agent writes meanwhile; the widget reconnects and resumes, nothing doubled.
    visitor.d.execute_script("window.escaleChat.drop()")
    box.send_keys("Pendant la coupure")
    agent.d.find_element(By.CSS_SELECTOR, ".chat-panel .chat-send button").click()
    visitor.wait_for_text("#chat-log", "Pendant la coupure")
    logged = [li.text for li in visitor.d.find_elements(By.CSS_SELECTOR, "#chat-log li")]
    assert sum("Pendant la coupure" in t for t in logged) == 1, logged

    # The visitor leaves the page and comes back (a laptop lid, a click elsewhere): the whole transcript, once each.
    visitor.d.switch_to.default_content()
    visitor.d.get(origin + "/")
    visitor.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-escale-chat-button]")).click()
    visitor.d.switch_to.frame(visitor.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "iframe[data-escale-chat-frame]")))
    visitor.wait_for_text("#chat-log", "Pendant la coupure")
    logged = [li.text for li in visitor.d.find_elements(By.CSS_SELECTOR, "#chat-log li")]
    for text in ("Mon imprimante", "Bonjour, je regarde ça", "Merci !", "Pendant la coupure"):
        assert sum(text in t for t in logged) == 1, (text, logged)

    # Hand-over to another N1 agent, who gets the whole conversation and ends it resolved.
    other = UI(browser("en"), "en").sign_in(users["n1en"])
    other.open("/chat")
    Select(agent.d.find_element(By.CSS_SELECTOR, ".chat-panel .chat-handover select")).select_by_value(nora["id"])
    agent.d.find_element(By.CSS_SELECTOR, ".chat-panel .chat-handover button").click()
    other.wait().until(lambda d: any("Pendant la coupure" in t for t in panel_log(other)))
    agent.wait().until(lambda d: not d.find_elements(By.CSS_SELECTOR, f".chat-panel[data-chat='{chat_id}']"))
    visitor.wait_for_text("#chat-log", "Nora First-Line")
    Select(other.d.find_element(By.CSS_SELECTOR, ".chat-panel .chat-end select")).select_by_value("resolved")
    other.d.find_element(By.CSS_SELECTOR, ".chat-panel .chat-end button").click()
    visitor.wait_for_text("#chat-status", visitor.t("chat_ended"))

    # The transcript is on the ticket, which is resolved.
    nadia = token(users["n1"].email, users["n1"].password)
    transcript = api("GET", f"/chat/chats/{chat_id}/messages", token=nadia)
    ticket = api("GET", f"/tickets/{transcript['chat']['ticket_id']}", token=nadia)
    assert ticket["channel"] == "chat" and ticket["status"] == "resolved"
    agent.open(f"/tickets/{int(ticket['number'].split('-')[1])}")
    for text in ("Bonjour, je regarde ça", "Merci !", "Pendant la coupure"):
        assert text in agent.text(), text


def test_visitor_known_by_the_host_signature(users, browser, host_page):
    """A host application that knows its user signs their e-mail: the widget asks for nothing, the agent sees them verified."""
    directory, origin = host_page
    admin = token(ADMIN_EMAIL, ADMIN_PASSWORD)
    acme = next(o for o in api("GET", "/organizations", token=admin)["items"] if o["name"] == "Acme")
    channel = api("POST", "/chat/channels", {"name": "Intranet signé", "allowed_origins": [origin], "organization_id": acme["id"]}, admin)
    email = "signed.visitor@acme.test"
    signature = hmac.new(channel["secret"].encode(), email.encode(), hashlib.sha256).hexdigest()
    page = (directory / "index.html").read_text(encoding="utf-8").replace(
        'data-escale-chat="%KEY%"', f'data-escale-chat="{channel["key"]}" data-email="{email}" data-name="Sam Signé" data-signature="{signature}"')
    (directory / "index.html").write_text(page, encoding="utf-8")
    visitor = UI(browser("fr"), "fr")
    visitor.d.get(origin + "/")
    visitor.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-escale-chat-button]")).click()
    visitor.d.switch_to.frame(visitor.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "iframe[data-escale-chat-frame]")))
    visitor.wait().until(lambda d: d.find_element(By.ID, "chat-start").is_displayed())
    # The identity arrives from the host page: no name or e-mail to type.
    visitor.wait().until(lambda d: not d.find_element(By.ID, "chat-who").is_displayed())
    visitor.fill(visitor.t("chat_question"), "Accès VPN refusé")
    visitor.d.find_element(By.ID, "chat-start-button").click()
    visitor.wait().until(lambda d: d.find_element(By.ID, "chat-live").is_displayed())
    # The chat as its visitor's token reads it (an agent may already have it): verified, under the host's name.
    chat_token = visitor.d.execute_script("return sessionStorage.getItem('escale-chat:' + document.body.dataset.key)")
    chat = api("GET", "/chat/visitor", token=chat_token)["chat"]
    assert chat["verified"] is True and chat["visitor_name"] == "Sam Signé" and chat["visitor_email"] == email, chat


def test_widget_refused_on_an_origin_not_allowed(users, browser, host_page):
    directory, origin = host_page
    admin = token(ADMIN_EMAIL, ADMIN_PASSWORD)
    channel = api("POST", "/chat/channels", {"name": "Elsewhere", "allowed_origins": ["https://elsewhere.example"]}, admin)
    page = (directory / "index.html").read_text(encoding="utf-8").replace("%KEY%", channel["key"])
    (directory / "index.html").write_text(page, encoding="utf-8")
    visitor = UI(browser("en"), "en")
    visitor.d.get(origin + "/")
    visitor.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-escale-chat-button]")).click()
    frame = visitor.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "iframe[data-escale-chat-frame]"))
    visitor.d.switch_to.frame(frame)
    # The frame is refused (403 and frame-ancestors): no chat form inside.
    assert not visitor.d.find_elements(By.ID, "chat-start")
