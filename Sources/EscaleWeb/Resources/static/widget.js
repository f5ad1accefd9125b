// Escale live chat: <script src="https://desk/chat/widget.js" data-escale-chat="KEY" async></script>
// Adds a labelled button and, when opened, the desk's own frame (isolated from the page); talks to it only to open/close
// and to hand over the visitor's identity signed by the host application (data-email, data-name, data-signature).
(function () {
  var tag = document.currentScript || document.querySelector("script[data-escale-chat]");
  if (!tag || window.__escaleChat) return;
  window.__escaleChat = true;
  var src = new URL(tag.src, location.href), desk = src.origin, key = tag.getAttribute("data-escale-chat") || "";
  var lang = (tag.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "en").slice(0, 2) === "fr" ? "fr" : "en";
  var label = lang === "fr" ? "Discuter avec le support" : "Chat with support";
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-label", label);
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("data-escale-chat-button", "");
  var s = button.style;
  s.position = "fixed"; s.right = "20px"; s.bottom = "20px"; s.zIndex = "2147483646"; s.padding = "12px 16px";
  s.border = "0"; s.borderRadius = "24px"; s.background = "#1d4ed8"; s.color = "#fff"; s.font = "600 15px system-ui, sans-serif"; s.cursor = "pointer";
  var frame = null;
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.title = label;
      frame.setAttribute("data-escale-chat-frame", "");
      frame.src = desk + "/chat/frame?key=" + encodeURIComponent(key) + "&lang=" + lang + "&origin=" + encodeURIComponent(location.origin);
      var f = frame.style;
      f.position = "fixed"; f.right = "20px"; f.bottom = "76px"; f.width = "360px"; f.height = "520px"; f.maxHeight = "80vh"; f.maxWidth = "92vw";
      f.border = "1px solid #ccc"; f.borderRadius = "12px"; f.background = "#fff"; f.zIndex = "2147483647"; f.boxShadow = "0 8px 24px rgba(0,0,0,.2)";
      document.body.appendChild(frame);
    }
    frame.style.display = "block";
    button.setAttribute("aria-expanded", "true");
  }
  function close() {
    if (frame) frame.style.display = "none";
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  button.addEventListener("click", function () { button.getAttribute("aria-expanded") === "true" ? close() : open(); });
  window.addEventListener("message", function (e) {
    if (e.origin !== desk || !frame || e.source !== frame.contentWindow) return;
    if (e.data === "escale-chat:close") close();
    // The host application's signed identity (data-email, data-name, data-signature) goes to the frame by message,
    // never in its URL; the frame takes it only from the page that embeds it.
    if (e.data === "escale-chat:ready" && tag.getAttribute("data-signature")) {
      frame.contentWindow.postMessage({ escaleChatIdentity: { email: tag.getAttribute("data-email") || "", name: tag.getAttribute("data-name") || "",
        signature: tag.getAttribute("data-signature") } }, desk);
    }
  });
  function mount() { document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
