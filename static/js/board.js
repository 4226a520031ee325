// The live workshop page's board: wires the live modules together and connects once the page's
// scripts have all run (so the facilitation panel hears the first hello too).
//   live/connection.js  socket, outbox (live/outbox.js), revision order (live/revisions.js)
//   live/board-dom.js   note and group events patched into the board (notes filled from the
//                       server's template by live/note.js); positions from live/positions.js
//   live/gestures.js    drag (SortableJS), keyboard moves (keyboard.js), editing
//   live/sheet.js       the note sheet: edit, move to a stage, colour, delete, by touch
//   live/presence.js    who is online, who is moving or editing a note
//   live/markup.js      the little markup only the live page has (vote buttons, presence)
//   live/actions.js     the action items' forms, sent over the socket
//   live/room.js        the facilitator's progress, "I'm done", the workshop's end
//   live/undo.js        Undo and Redo: the buttons and Ctrl/⌘ + Z, sent on the socket
// The protocol is docs/protocol.md; the markup hooks are docs/design.md, "Board markup".

import { bindActionForms } from "./live/actions.js";
import { Gestures } from "./live/gestures.js";
import { setBadge, say } from "./live/notice.js";
import { Presence } from "./live/presence.js";
import { bindRoom } from "./live/room.js";
import { live } from "./live/session.js";
import { NoteSheet } from "./live/sheet.js";
import { UndoControls } from "./live/undo.js";

const REFUSED = {
  removed: "Not connected: the facilitator removed you from this workshop.",
  too_many: "Not connected: you have too many tabs open on this workshop. Close one, then reload.",
};

/** @param {import("./live/connection.js").Status} status */
function showStatus(status) {
  if (status.state === "connecting") setBadge("connecting", "Connecting…");
  else if (status.state === "online") setBadge("online", "Live");
  else if (status.state === "refused") setBadge("refused", REFUSED[status.reason] || "Not connected: this browser is not in the workshop. Reload to join.");
  else if (status.state === "reload") {
    // Your role in the workshop changed (your role on the map did): the page is made again
    // for it. Unsent changes are kept and resent.
    setBadge("connecting", "Your role changed: reloading…");
    window.location.reload();
  } else {
    const waiting = status.waiting ? ` ${status.waiting} change(s) will be sent then.` : "";
    setBadge("offline", `Offline: reconnecting in ${Math.ceil((status.retryInMs || 0) / 1000)} s.${waiting}`);
  }
}

if (live) {
  const { root, board, connection } = live;
  const presence = new Presence({ board, list: document.getElementById("presence") });
  const gestures = live.canEdit ? new Gestures({ board, connection }) : null;
  const dialog = /** @type {HTMLDialogElement | null} */ (document.getElementById("note-sheet"));
  if (gestures && dialog) new NoteSheet({ dialog, board, connection, gestures }).bind();

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
    if (message.type === "ack" || message.type === "error") gestures?.answered(message);
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
  if (live.canEdit) bindActionForms(connection);
  if (live.canEdit) new UndoControls({ connection, board }).bind();
  const panel = document.getElementById("facilitation");
  if (panel) bindRoom({ panel, connection });
  window.addEventListener("offline", () => connection.drop());
  window.addEventListener("online", () => connection.reconnect());
  presence.start();
  document.addEventListener("DOMContentLoaded", () => connection.start(), { once: true });
}
