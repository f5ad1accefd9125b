// Escale: progressive enhancement only. Every flow works without this file; it adds live updates, keyboard
// shortcuts and a warning before a stale form overwrites someone else's change.
(function () {
  "use strict";
  var body = document.body;

  // --- Live updates (Server-Sent Events) -------------------------------------------------------
  // The server says which ticket changed; the page fetches itself again and swaps the regions marked
  // data-live-region (queue rows, ticket header, timeline) and the navigation counts. Forms being typed
  // into are never replaced: their version field stays stale, so the server warns before overwriting.
  var liveURL = body.getAttribute("data-live");
  var refreshing = false, again = false;

  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(location.href, { credentials: "same-origin", headers: { "X-Escale-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var changed = false;
        document.querySelectorAll("[data-live-region]").forEach(function (el) {
          var fresh = doc.querySelector('[data-live-region="' + el.getAttribute("data-live-region") + '"]');
          if (fresh && fresh.innerHTML !== el.innerHTML) { el.innerHTML = fresh.innerHTML; changed = true; }
        });
        document.querySelectorAll(".mainnav a[id]").forEach(function (a) {
          var fresh = doc.getElementById(a.id);
          if (fresh && fresh.innerHTML !== a.innerHTML) a.innerHTML = fresh.innerHTML;
        });
        var ticket = document.querySelector("[data-ticket]");
        var freshTicket = doc.querySelector("[data-ticket]");
        if (ticket && freshTicket && ticket.getAttribute("data-version") !== freshTicket.getAttribute("data-version")) {
          ticket.setAttribute("data-live-version", freshTicket.getAttribute("data-version"));
          var banner = document.querySelector("[data-live-banner]");
          if (banner && changed) banner.hidden = false;
        }
        selectRow(selected, false);
      })
      .catch(function () {})
      .then(function () { refreshing = false; if (again) { again = false; refresh(); } });
  }

  // A call the reader just answered: who calls, their open tickets, "new ticket from this call".
  function showCall(e) {
    var popup = document.querySelector("[data-call-popup]");
    var id;
    try { id = JSON.parse(e.data).call_id; } catch (err) { return; }
    if (!popup || !/^[0-9A-Fa-f-]{36}$/.test(id)) return;
    fetch("/calls/" + id + "/popup", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        popup.innerHTML = html;
        popup.hidden = false;
        var first = popup.querySelector("a, button");
        if (first) first.focus();
      })
      .catch(function () {});
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-close-call]")) {
      var popup = document.querySelector("[data-call-popup]");
      if (popup) { popup.hidden = true; popup.innerHTML = ""; }
    }
  });

  if (liveURL && window.EventSource) {
    var source = new EventSource(liveURL);
    source.addEventListener("ticket", refresh);
    source.addEventListener("call", showCall);
    body.setAttribute("data-live-connected", "true");
  }

  // --- Stale forms ------------------------------------------------------------------------------
  // When a live update shows the ticket changed, submitting a form drawn from the old version asks first.
  document.addEventListener("submit", function (e) {
    var ticket = document.querySelector("[data-ticket]");
    var form = e.target;
    if (!ticket || !form.querySelector || !form.querySelector('input[name="version"]')) return;
    var live = ticket.getAttribute("data-live-version");
    var mine = form.querySelector('input[name="version"]').value;
    // The question comes from the localisation catalogue, through the page.
    if (live && live !== mine && !window.confirm(body.getAttribute("data-stale-warning"))) {
      e.preventDefault();
    }
  });

  // --- Keyboard shortcuts -----------------------------------------------------------------------
  var selected = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-queue] [data-row]")); }
  function selectRow(i, focus) {
    var all = rows();
    all.forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-current"); });
    if (i < 0 || !all.length) return;
    selected = Math.max(0, Math.min(i, all.length - 1));
    var row = all[selected];
    row.classList.add("selected");
    row.setAttribute("aria-current", "true");
    if (focus !== false) { var link = row.querySelector("[data-ticket-link]"); if (link) link.focus(); }
  }
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function focusShortcut(key) {
    var el = document.querySelector('[data-shortcut="' + key + '"]');
    if (el) { el.focus(); el.scrollIntoView({ block: "center" }); return true; }
    return false;
  }
  var dialog = document.getElementById("shortcuts");
  function showHelp() { if (dialog && dialog.showModal && !dialog.open) dialog.showModal(); }
  document.querySelectorAll("[data-open-shortcuts]").forEach(function (a) {
    a.addEventListener("click", function (e) { if (dialog && dialog.showModal) { e.preventDefault(); showHelp(); } });
  });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e.target)) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    switch (e.key) {
      case "j": selectRow(selected + 1); e.preventDefault(); break;
      case "k": selectRow(selected < 0 ? 0 : selected - 1); e.preventDefault(); break;
      case "r": if (focusShortcut("r")) e.preventDefault(); break;
      case "n": if (focusShortcut("n")) e.preventDefault(); break;
      case "e": if (focusShortcut("e")) e.preventDefault(); break;
      case "/": if (focusShortcut("/")) e.preventDefault(); break;
      case "?": showHelp(); e.preventDefault(); break;
    }
  });
})();
