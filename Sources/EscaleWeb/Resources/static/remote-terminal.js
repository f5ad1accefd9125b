// A terminal on a managed machine: xterm.js (Debian's node-xterm, served by the desk as /vendor/xterm.js) over the
// session's WebSocket, relayed by the desk to the machine's escale-agent. What arrives is also kept, as plain text,
// in a polite live region for screen readers.
(function () {
  "use strict";
  var box = document.getElementById("remote-terminal");
  var state = document.getElementById("remote-state");
  var transcript = document.getElementById("remote-transcript");
  if (!box || !window.EscaleTerminal) return;
  var term = new window.EscaleTerminal({ cursorBlink: true, rows: 30, cols: 100 });
  term.open(box);
  term.focus();
  var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + box.dataset.socket;
  var ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  var decoder = new TextDecoder("utf-8");
  var encoder = new TextEncoder();
  state.textContent = state.dataset.connecting;
  ws.onopen = function () { state.textContent = state.dataset.open; };
  ws.onmessage = function (e) {
    var text = typeof e.data === "string" ? e.data : decoder.decode(new Uint8Array(e.data), { stream: true });
    term.write(text);
    // Escape sequences out, the last 20,000 characters kept.
    var plain = text.replace(/\u001b\[[0-9;?]*[ -\/]*[@-~]/g, "").replace(/\u001b\][^\u0007]*\u0007/g, "").replace(/\r/g, "");
    transcript.textContent = (transcript.textContent + plain).slice(-20000);
  };
  ws.onclose = function () { state.textContent = state.dataset.closed; term.blur(); };
  term.on("data", function (d) { if (ws.readyState === 1) ws.send(encoder.encode(d)); });
})();
