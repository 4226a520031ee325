// The live workshop page's board: wires the live modules together and connects once the page's
// scripts have all run (so the facilitation panel hears the first hello too).
//   live/connection.js  socket, outbox (live/outbox.js), revision order (live/revisions.js)
//   live/board-dom.js   note and group events patched into the board (notes filled from the
//                       server's template by live/note.js); positions from live/positions.js
//   live/gestures.js    drag (SortableJS), keyboard moves (keyboard.js), editing
//   live/stacks.js      stacks laid out under their heads (a group's notes side by side)
//   live/groups.js      the gestures on stacks: stack, take out, move, rename
//   live/sheet.js       the note sheet: edit, move to a stage, colour, delete, by touch
//   live/presence.js    who is online, who is moving or editing a note
//   live/markup.js      the little markup only the live page has (vote buttons, presence)
//   live/actions.js     the action items' forms, sent over the socket
//   live/room.js        the facilitator's progress, "I'm done", the workshop's end
// The protocol is docs/protocol.md; the markup hooks are docs/design.md, "Board markup".

import { bindActionForms } from "./live/actions.js";
import { Gestures } from "./live/gestures.js";
import { Grouping, bindSheetStacks } from "./live/groups.js";
import { keepStacks } from "./live/stacks.js";
import { setBadge, say } from "./live/notice.js";
import { Presence } from "./live/presence.js";
import { bindRoom } from "./live/room.js";
import { live } from "./live/session.js";
import { NoteSheet } from "./live/sheet.js";

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
  // Stacking gestures are the Group phase's, for everyone: in another phase a drop over a note
  // is a move, also for the facilitator (whom the server would let group then too,
  // maps/permissions.py). The panel's data-phase follows the phase live.
  const panel = document.getElementById("facilitation");
  const mayGroup = () => panel?.dataset.phase === "group";
  // The grouping's operations, remembered until answered: a refused one goes back to it.
  /** @type {Map<string, {type: string, fields: Record<string, unknown>}>} */
  const grouped = new Map();
  const operate = (type, fields) => grouped.set(connection.operate(type, fields), { type, fields });
  /** @type {Grouping | null} */
  let grouping = null;
  const stacks = keepStacks(/** @type {HTMLElement} */ (board.element.parentElement), () => grouping?.afterLayout());
  // A refused operation re-fetches the board (connection.js): a refused name opens on the new one.
  grouping = live.canEdit ? new Grouping({ board, operate, mayGroup, stacks, refetchesOnRefusal: true }) : null;
  const gestures = grouping ? new Gestures({ board, connection, grouping }) : null;
  const dialog = /** @type {HTMLDialogElement | null} */ (document.getElementById("note-sheet"));
  if (gestures && dialog) new NoteSheet({ dialog, board, connection, gestures }).bind();
  if (grouping && dialog) bindSheetStacks(dialog, grouping);

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
    const mine = (message.type === "ack" || message.type === "error") && grouped.get(message.op_id);
    if (mine) {
      grouped.delete(message.op_id);
      if (message.type === "error") grouping?.refused(mine.type, mine.fields);
    }
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
  if (panel) bindRoom({ panel, connection });
  window.addEventListener("offline", () => connection.drop());
  window.addEventListener("online", () => connection.reconnect());
  presence.start();
  document.addEventListener("DOMContentLoaded", () => connection.start(), { once: true });
}
