"""Screenshots of the main pages for the docs (docs/screenshots/*.png, 1280×800, one at phone width 375×812).

Run by `SCREENSHOTS=1 .ci/browser.sh` against the server the tests just used (ESCALE_URL); seeds the same users if
the tests did not, then adds a few tickets through the REST API so that the pages have something to show.
"""
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from escale_ui import ADMIN_EMAIL, ADMIN_PASSWORD, ROOT, UI, User, api, new_browser, seed, token  # noqa: E402

OUT = pathlib.Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "docs/screenshots"))

TICKETS = [  # requester, subject, description, impact, urgency, category
    ("john", "Outlook asks for my password every hour", "Since Monday Outlook keeps prompting for my password.", "medium", "medium", "email"),
    ("marie", "Nouveau poste pour l'arrivée de Julie (lundi)", "Merci de préparer un poste standard avec la suite bureautique.", "low", "low", "workstation"),
    ("marie", "Serveur de fichiers très lent", "Ouvrir un dossier sur le partage S: prend plus d'une minute, pour tout le service.", "high", "medium", "storage"),
    ("john", "Badge no longer opens the 3rd floor", "My badge worked until yesterday.", "low", "medium", "security"),
]


def seq(ticket):
    return int(ticket["number"].rsplit("-", 1)[1])


def prepare(users):
    tokens = {k: token(u.email, u.password) for k, u in users.items() if k in ("marie", "john", "n1")}
    for who, subject, description, impact, urgency, category in TICKETS:
        api("POST", "/tickets", {"subject": subject, "description": description, "impact": impact, "urgency": urgency,
                                  "category": category}, tokens[who])
    showcase = api("POST", "/tickets", {
        "subject": "VPN inaccessible depuis ce matin",
        "description": "Depuis 8 h, la connexion VPN échoue avec le message **« Erreur 809 »**.\n\n"
                       "- Testé depuis le Wi-Fi de la maison et en 4G\n- Redémarrage du PC : sans effet",
        "impact": "high", "urgency": "high", "category": "network"}, tokens["marie"])
    n1 = tokens["n1"]
    api("POST", f"/tickets/{showcase['id']}/comments",
        {"body": "Bonjour Marie, nous regardons cela tout de suite. Pouvez-vous nous dire si vos collègues ont le même souci ?",
         "public": True}, n1)
    api("POST", f"/tickets/{showcase['id']}/comments",
        {"body": "Le concentrateur VPN refuse les connexions depuis la mise à jour de cette nuit (journal : IKE timeout).",
         "public": False}, n1)
    api("POST", f"/tickets/{showcase['id']}/escalate",
        {"tier": 2, "reason": "Panne du concentrateur VPN : l'équipe réseau N2 doit intervenir."}, n1)
    return seq(showcase)


def shoot(ui, path, name, scroll_to=None):
    ui.open(path)
    ui.d.execute_script("if (document.activeElement) document.activeElement.blur(); return document.fonts && document.fonts.ready")
    if scroll_to:
        ui.d.execute_script("var e = document.querySelector(arguments[0]); if (e) e.scrollIntoView({block: 'start'})", scroll_to)
    OUT.mkdir(parents=True, exist_ok=True)
    ui.d.save_screenshot(str(OUT / name))
    print(f"  {OUT / name}")


def main():
    users = seed()
    showcase = prepare(users)
    me = api("GET", "/me", token=token(ADMIN_EMAIL, ADMIN_PASSWORD))
    admin = User("admin", ADMIN_EMAIL, ADMIN_PASSWORD, me["name"], "admin", me.get("locale", "en"))
    drivers = []
    try:
        def person(lang, user=None, **kw):
            d = new_browser(lang, **kw)
            drivers.append(d)
            ui = UI(d, lang)
            return ui.sign_in(user) if user else ui

        shoot(person("fr"), "/login", "login.png")
        agent = person("fr", users["n1"])
        shoot(agent, "/queues/open", "queue.png")
        shoot(agent, f"/tickets/{showcase}", "ticket.png", scroll_to=".ticket-layout")
        admin_token = token(ADMIN_EMAIL, ADMIN_PASSWORD)
        if not api("GET", "/oncall/schedules", token=admin_token)["items"]:
            staff = {u["email"]: u["id"] for u in api("GET", "/users", token=admin_token)["items"]}
            rota = api("POST", "/oncall/schedules", {"name": "Astreinte N2", "time_zone": "Europe/Paris", "layers": [
                {"rotation": "weekly", "handoff": "2026-11-30T09:00", "participants": [staff[users["n2"].email], staff[users["n2en"].email]]}]},
                admin_token)
            api("POST", "/oncall/policies", {"name": "Nuits et week-ends", "repeat": 1, "steps": [
                {"targets": [{"schedule_id": rota["id"]}], "delay_minutes": 10},
                {"targets": [{"user_id": staff[users["n1"].email]}], "delay_minutes": 15}]}, admin_token)
        shoot(agent, "/oncall", "oncall.png")
        marie = person("fr", users["marie"])
        shoot(marie, "/requests/new", "portal-new-request.png")
        shoot(marie, f"/tickets/{showcase}", "portal-request.png")
        shoot(person(admin.lang, admin), "/admin/organizations", "admin.png")
        phone = person("fr", users["marie"], width=375, height=812, mobile=True)
        shoot(phone, "/requests/new", "phone-portal.png")
    finally:
        for d in drivers:
            d.quit()


if __name__ == "__main__":
    main()
