// The live workshop page's board: wires the live modules together and connects once the page's
// scripts have all run (so the facilitation panel hears the first hello too).
//   live/connection.js  socket, outbox (live/outbox.js), revision order (live/revisions.js)
//   live/board-dom.js   note events patched into the board; positions from live/positions.js
//   live/gestures.js    drag (SortableJS), keyboard moves, editing
//   live/presence.js    who is online, who is moving or editing a note
//   live/markup.js      every piece of markup built in the browser
// The protocol is docs/protocol.md; the markup hooks are docs/design.md, "Board markup".

import { Gestures } from "./live/gestures.js";
import { setBadge, say } from "./live/notice.js";
import { Presence } from "./live/presence.js";
import { live } from "./live/session.js";

/** @param {import("./live/connection.js").Status} status */
function showStatus(status) {
  if (status.state === "connecting") setBadge("connecting", "Connecting…");
  else if (status.state === "online") setBadge("online", "Live");
  else if (status.state === "refused") setBadge("refused", "Not connected: this browser is not in the workshop. Reload to join.");
  else {
    const waiting = status.waiting ? ` ${status.waiting} change(s) will be sent then.` : "";
    setBadge("offline", `Offline: reconnecting in ${Math.ceil((status.retryInMs || 0) / 1000)} s.${waiting}`);
  }
}

if (live) {
  const { root, board, connection } = live;
  const presence = new Presence({ board, list: document.getElementById("presence") });
  const gestures = live.canEdit ? new Gestures({ board, connection }) : null;

  board.onFresh(() => {
    gestures?.bind();
    presence.renderNotesInUse();
  });
  connection.onStatus((status) => {
    showStatus(status);
    if (status.state === "offline" || status.state === "refused") presence.clear();
  });
  connection.onMessage((message) => {
    presence.onMessage(message);
    if (message.type === "error") {
      if (message.code === "conflict" && message.current && gestures) gestures.showConflict(message.current);
      else say(message.message || "That did not work.");
    } else if (message.type === "workshop.state" && message.phase_label) {
      const phase = root.querySelector("[data-phase]");
      if (phase) phase.textContent = message.phase_label;
    }
  });

  board.updateEmptyStates();
  gestures?.bind();
  window.addEventListener("offline", () => connection.drop());
  window.addEventListener("online", () => connection.reconnect());
  presence.start();
  document.addEventListener("DOMContentLoaded", () => connection.start(), { once: true });
}
