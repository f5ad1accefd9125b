// A machine's desktop: noVNC (Debian's novnc, served by the desk under /vendor/novnc/) over the session's WebSocket,
// which the desk relays to the machine's escale-agent, connected to the machine's own VNC server.
import RFB from "/vendor/novnc/core/rfb.js";

const box = document.getElementById("remote-desktop");
const state = document.getElementById("remote-state");
if (box) {
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + box.dataset.socket;
  state.textContent = state.dataset.connecting;
  const rfb = new RFB(box, url, { wsProtocols: [] });
  rfb.scaleViewport = true;
  rfb.resizeSession = false;
  rfb.addEventListener("connect", () => { state.textContent = state.dataset.open; box.dataset.connected = "true"; });
  rfb.addEventListener("disconnect", () => { state.textContent = state.dataset.closed; box.dataset.connected = "false"; });
  rfb.addEventListener("credentialsrequired", () => {
    const password = window.prompt("VNC password");
    if (password !== null) rfb.sendCredentials({ password });
  });
}
