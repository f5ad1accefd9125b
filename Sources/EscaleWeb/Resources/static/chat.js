// Escale live chat: the widget's frame (visitor) and the agents' console. Frames are JSON over one WebSocket;
// messages carry a seq: a reconnecting client sends the last seq it has and gets the rest, once.
(function () {
  "use strict";
  var wsBase = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  function uid() { return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10); }
  function fill(s, vars) { return s.replace(/\{(\w+)\}/g, function (_, k) { return vars[k] == null ? "" : vars[k]; }); }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function api(method, path, body, token) {
    var h = { "Content-Type": "application/json" };
    if (token) h.Authorization = "Bearer " + token;
    return fetch(path, { method: method, headers: h, body: body ? JSON.stringify(body) : undefined, credentials: "same-origin" })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { if (!r.ok) { j.status = r.status; throw j; } return j; }); });
  }

  // A message's file: a picture shown (its bytes fetched by `src`), anything else a download link.
  function fileNode(a, src, onLink) {
    var box = el("span", "chat-file");
    if (a.image) {
      var img = el("img"); img.alt = a.filename; img.className = "chat-picture";
      Promise.resolve(src(a, true)).then(function (u) { img.src = u; });
      box.appendChild(img);
    }
    var link = el("a", null, a.filename + " (" + Math.max(1, Math.round(a.size / 1024)) + " KB)");
    link.href = "#"; link.setAttribute("download", a.filename);
    onLink(link, a);
    box.appendChild(link);
    return box;
  }
  function upload(path, file, token, text) {
    var q = "?filename=" + encodeURIComponent(file.name) + "&client_id=" + encodeURIComponent(uid()) + (text ? "&text=" + encodeURIComponent(text) : "");
    var h = { "Content-Type": file.type || "application/octet-stream" };
    if (token) h.Authorization = "Bearer " + token;
    return fetch(path + q, { method: "POST", headers: h, body: file, credentials: "same-origin" })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { if (!r.ok) { j.status = r.status; throw j; } return j; }); });
  }

  // A socket that reconnects (network drop, sleep) and resumes after the last seq it has.
  function Channel(url, onFrame, onState) {
    var ws = null, closed = false, delay = 500, self = this;
    this.lastSeq = {};
    this.queue = [];
    function connect() {
      ws = new WebSocket(url);
      ws.onopen = function () {
        delay = 500; onState(true);
        Object.keys(self.lastSeq).forEach(function (chat) { self.raw({ type: "resume", chat_id: chat === "_" ? undefined : chat, seq: self.lastSeq[chat] }); });
        self.queue.splice(0).forEach(function (f) { self.raw(f); });
      };
      ws.onmessage = function (e) { try { onFrame(JSON.parse(e.data)); } catch (x) {} };
      ws.onclose = function () { onState(false); if (!closed) setTimeout(connect, delay = Math.min(delay * 2, 8000)); };
    }
    this.raw = function (f) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(f)); else self.queue.push(f); };
    this.drop = function () { if (ws) ws.close(); };
    this.close = function () { closed = true; if (ws) ws.close(); };
    connect();
  }

  // ---- The visitor's frame ----
  var body = document.body;
  if (body.dataset.chat === "visitor") {
    var d = body.dataset, key = d.key, store = window.sessionStorage, tokenKey = "escale-chat:" + key;
    var $ = function (id) { return document.getElementById(id); };
    var seen = {}, pending = {}, channel = null, lastSeq = 0;
    $("chat-close").addEventListener("click", function () { parent.postMessage("escale-chat:close", "*"); });
    function status(text) { $("chat-status").textContent = text; }
    function show(m) {
      if (seen[m.seq]) return;
      seen[m.seq] = true;
      if (m.seq > lastSeq) lastSeq = m.seq;
      var p = pending[m.client_id]; if (p) { p.remove(); delete pending[m.client_id]; }
      var li;
      if (m.author === "system") {
        var text = m.event === "ended" ? d.tEnded : m.event === "escalated" ? d.tEscalated : m.event === "handed_over" ? fill(d.tHanded, { name: m.body }) : fill(d.tJoined, { name: m.body });
        li = el("li", "chat-system", text);
      } else {
        li = el("li", "chat-" + m.author); li.appendChild(el("strong", null, m.author_name || ""));
        if (m.attachment) li.appendChild(fileNode(m.attachment, visitorFile, function (link, a) {
          link.addEventListener("click", function (e) { e.preventDefault(); visitorFile(a, false).then(function (u) { var x = el("a"); x.href = u; x.download = a.filename; x.click(); }); });
        }));
        if (!m.attachment || m.body !== m.attachment.filename) li.appendChild(el("span", null, " " + m.body));
      }
      li.dataset.seq = m.seq;
      $("chat-log").appendChild(li);
      li.scrollIntoView({ block: "end" });
    }
    // The visitor's files are fetched with their chat token (never put in a URL), shown from a blob.
    function visitorFile(a, inline) {
      return fetch("/api/v1/chat/visitor/files/" + a.id + (inline ? "?inline=1" : ""), { headers: { Authorization: "Bearer " + store.getItem(tokenKey) } })
        .then(function (r) { if (!r.ok) throw r; return r.blob(); }).then(function (b) { return URL.createObjectURL(b); });
    }
    function onFrame(f) {
      if (f.type === "message") { show(f.message); if (f.message.author !== "visitor") channel.raw({ type: "read", seq: f.message.seq }); channel.lastSeq._ = lastSeq; }
      else if (f.type === "queue") status(fill(d.tWaiting, { n: f.position || (f.chat && f.chat.queue_position) || "…" }));
      else if (f.type === "assigned") status(fill(d.tJoined, { name: (f.chat && f.chat.agent_name) || "" }));
      else if (f.type === "ended") { status(d.tEnded); $("chat-send").hidden = true; }
      else if (f.type === "typing") $("chat-typing").textContent = f.typing ? d.tTyping : "";
      else if (f.type === "read") { var r = f.chat && f.chat.agent_read_seq; document.querySelectorAll("#chat-log li.chat-visitor").forEach(function (li) { if (+li.dataset.seq <= r) li.classList.add("read"); }); }
      else if (f.type === "error") { status(d.tError + (f.detail ? " (" + f.detail + ")" : "")); }
    }
    function live(token) {
      $("chat-start").hidden = true; $("chat-live").hidden = false;
      channel = new Channel(wsBase + "/api/v1/chat/socket?token=" + encodeURIComponent(token), onFrame, function (up) { if (!up) status(d.tReconnecting); });
      channel.lastSeq._ = lastSeq;
      window.escaleChat = { drop: function () { channel.drop(); }, lastSeq: function () { return lastSeq; } };
    }
    $("chat-send").addEventListener("submit", function (e) {
      e.preventDefault();
      var text = $("chat-text").value.trim(); if (!text) return;
      var id = uid(), li = el("li", "chat-visitor chat-pending", text);
      pending[id] = li; $("chat-log").appendChild(li);
      channel.raw({ type: "message", text: text, client_id: id });
      $("chat-text").value = "";
    });
    $("chat-file").addEventListener("change", function () {
      var file = this.files[0], input = this; if (!file) return;
      var li = el("li", "chat-visitor chat-pending", file.name); $("chat-log").appendChild(li);
      upload("/api/v1/chat/visitor/files", file, store.getItem(tokenKey)).then(function (m) { li.remove(); show(m); })
        .catch(function (err) { li.remove(); status(d.tError + (err.detail ? " (" + err.detail + ")" : "")); });
      input.value = "";
    });
    var typingTimer = null;
    $("chat-text").addEventListener("input", function () {
      if (!channel) return;
      if (!typingTimer) channel.raw({ type: "typing", typing: true });
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingTimer = null; channel.raw({ type: "typing", typing: false }); }, 2000);
    });
    $("chat-leave").addEventListener("click", function () {
      var t = store.getItem(tokenKey); if (!t) return;
      api("POST", "/api/v1/chat/visitor/end", {}, t).then(function () { store.removeItem(tokenKey); });
    });
    // An identity signed by the host page arrives by message from that page only (the widget answers "ready").
    window.addEventListener("message", function (e) {
      var id = e.data && e.data.escaleChatIdentity;
      if (!id || e.source !== parent || !d.pageOrigin || e.origin !== d.pageOrigin || d.signature) return;
      d.email = String(id.email || ""); d.name = String(id.name || ""); d.signature = String(id.signature || "");
      var who = $("chat-who"); if (who) who.hidden = true;
    });
    if (parent !== window) parent.postMessage("escale-chat:ready", d.pageOrigin || "*");
    var token = store.getItem(tokenKey);
    api("GET", "/api/v1/chat/widget/" + encodeURIComponent(key) + "?lang=" + d.lang).then(function (w) {
      $("chat-greeting").textContent = w.online ? w.greeting : w.offline;
      if (token) { live(token); return; }
      $("chat-start").hidden = false;
      $("chat-start-button").textContent = w.online ? $("chat-start-button").textContent : (d.lang === "fr" ? "Envoyer la demande" : "Send the request");
      $("chat-start").addEventListener("submit", function (e) {
        e.preventDefault();
        var input = { text: $("chat-first").value, page_origin: d.pageOrigin || undefined, language: d.lang };
        if (d.signature) { input.email = d.email; input.name = d.name; input.signature = d.signature; }
        else { input.name = $("chat-name").value; input.email = $("chat-email").value; }
        var path = "/api/v1/chat/widget/" + encodeURIComponent(key) + (w.online ? "/chats" : "/requests");
        api("POST", path, input).then(function (r) {
          if (!w.online) { $("chat-start").hidden = true; status(""); $("chat-greeting").textContent = fill(d.tSent, { n: r.ticket_number }); return; }
          store.setItem(tokenKey, r.token); live(r.token);
        }).catch(function (err) { var p = $("chat-start-error"); p.hidden = false; p.textContent = err.detail || d.tError; });
      });
    });
  }

  // ---- The agents' console ----
  var root = document.getElementById("chat-console");
  if (root) {
    var t = root.dataset, panels = {}, ch = null;
    var queue = document.getElementById("chat-queue"), mine = document.getElementById("chat-mine");
    function wait(since) { var s = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000)); return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2); }
    var waiting = [];
    function drawQueue() {
      queue.textContent = "";
      if (!waiting.length) { queue.appendChild(el("li", "empty", t.tNone)); return; }
      waiting.forEach(function (c) {
        var li = el("li", "chat-waiting");
        li.dataset.chat = c.id;
        li.appendChild(el("span", "chat-visitor-name", c.visitor_name + (c.verified ? "" : " (" + t.tUnverified + ")")));
        li.appendChild(el("span", "chat-wait", " — " + t.tWaitingFor + " " + wait(c.created_at) + " "));
        var b = el("button", null, t.tTake); b.type = "button"; b.setAttribute("aria-label", t.tTake + " " + c.visitor_name);
        b.addEventListener("click", function () { ch.raw({ type: "take", chat_id: c.id }); });
        li.appendChild(b); queue.appendChild(li);
      });
    }
    setInterval(function () { document.querySelectorAll(".chat-waiting").forEach(function (li) {
      var c = waiting.find(function (x) { return x.id === li.dataset.chat; }); if (c) li.querySelector(".chat-wait").textContent = " — " + t.tWaitingFor + " " + wait(c.created_at) + " ";
    }); }, 1000);
    function panel(chat) {
      var p = panels[chat.id];
      if (p) return p;
      var node = document.getElementById("chat-panel").content.firstElementChild.cloneNode(true);
      node.dataset.chat = chat.id;
      node.querySelector(".chat-who").textContent = chat.visitor_name + (chat.verified ? "" : " (" + t.tUnverified + ")");
      var a = node.querySelector(".chat-ticket"); a.textContent = chat.ticket_number; a.href = "/tickets/" + parseInt(chat.ticket_number.replace(/\D/g, ""), 10);
      var pending = {}, seen = {};
      node.querySelector(".chat-send").addEventListener("submit", function (e) {
        e.preventDefault(); var ta = node.querySelector("textarea"), text = ta.value.trim(); if (!text) return;
        var id = uid(), li = el("li", "chat-agent chat-pending", text); pending[id] = li; node.querySelector(".chat-log").appendChild(li);
        ch.raw({ type: "message", chat_id: chat.id, text: text, client_id: id }); ta.value = "";
      });
      var typingTimer = null;
      node.querySelector("textarea").addEventListener("input", function () {
        if (!typingTimer) ch.raw({ type: "typing", chat_id: chat.id, typing: true });
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingTimer = null; ch.raw({ type: "typing", chat_id: chat.id, typing: false }); }, 2000);
      });
      var fileInput = node.querySelector(".chat-file-input"); fileInput.id = "chat-file-" + chat.id; node.querySelector(".chat-file-label").htmlFor = fileInput.id;
      fileInput.addEventListener("change", function () {
        var file = fileInput.files[0]; if (!file) return;
        var li = el("li", "chat-agent chat-pending", file.name); node.querySelector(".chat-log").appendChild(li);
        upload("/api/v1/chat/chats/" + chat.id + "/files", file).then(function (m) { li.remove(); message(chat.id, m); })
          .catch(function (err) { li.remove(); var er = document.getElementById("chat-console-error"); er.hidden = false; er.textContent = err.detail || err.status; });
        fileInput.value = "";
      });

      // The console acts through its socket (the page has a session cookie, not an API token).
      node.querySelector(".chat-handover").addEventListener("submit", function (e) { e.preventDefault();
        if (e.target.agent.value) ch.raw({ type: "handover", chat_id: chat.id, text: e.target.agent.value }); });
      node.querySelector(".chat-escalate").addEventListener("submit", function (e) { e.preventDefault();
        ch.raw({ type: "escalate", chat_id: chat.id, text: e.target.reason.value }); });
      node.querySelector(".chat-end").addEventListener("submit", function (e) { e.preventDefault();
        ch.raw({ type: "end", chat_id: chat.id, text: e.target.status.value }); });
      p = panels[chat.id] = { node: node, pending: pending, seen: seen };
      mine.appendChild(node);
      return p;
    }
    function message(chatId, m) {
      var p = panels[chatId]; if (!p || p.seen[m.seq]) return;
      p.seen[m.seq] = true; ch.lastSeq[chatId] = Math.max(ch.lastSeq[chatId] || 0, m.seq);
      var q = p.pending[m.client_id]; if (q) { q.remove(); delete p.pending[m.client_id]; }
      var text = m.author === "system" ? (m.event === "ended" ? t.tEnded : m.event === "escalated" ? t.tEscalated : m.event === "handed_over" ? fill(t.tHanded, { name: m.body }) : fill(t.tJoined, { name: m.body })) : m.body;
      var li = el("li", "chat-" + m.author); li.dataset.seq = m.seq;
      if (m.author !== "system") li.appendChild(el("strong", null, (m.author_name || "") + " "));
      if (m.attachment) li.appendChild(fileNode(m.attachment, function (a, inline) { return "/attachments/" + a.id + (inline ? "?inline=1" : ""); },
        function (link, a) { link.href = "/attachments/" + a.id; }));
      if (!m.attachment || m.body !== m.attachment.filename) li.appendChild(document.createTextNode(text));
      p.node.querySelector(".chat-log").appendChild(li);
      if (m.author === "visitor") ch.raw({ type: "read", chat_id: chatId, seq: m.seq });
    }
    ch = new Channel(wsBase + "/api/v1/chat/agent/socket", function (f) {
      if (f.type === "queue" && f.waiting) { waiting = f.waiting; drawQueue(); }
      else if (f.type === "assigned") panel(f.chat);
      else if (f.type === "message") message(f.chat_id, f.message);
      else if (f.type === "typing") { var p = panels[f.chat_id]; if (p) { var n = p.node.querySelector(".chat-typing"); n.textContent = f.typing ? t.tTyping : ""; } }
      else if (f.type === "error") { var er = document.getElementById("chat-console-error"); er.hidden = false; er.textContent = f.detail || f.status; }
      else if (f.type === "ended" || f.type === "released") { var q = panels[f.chat_id]; if (q) { q.node.remove(); delete panels[f.chat_id]; delete ch.lastSeq[f.chat_id]; } }
    }, function () {});
    document.getElementById("chat-availability").addEventListener("submit", function (e) {
      e.preventDefault();
      ch.raw({ type: "availability", chat_id: "00000000-0000-0000-0000-000000000000", text: document.getElementById("chat-availability-select").value,
        seq: parseInt(document.getElementById("chat-max").value, 10) || 3 });
    });
  }
})();
