// The live workshop page's board: wires the live modules together and connects once the page's
// scripts have all run (so the facilitation panel hears the first hello too).
//   live/connection.js  socket, outbox (live/outbox.js), revision order (live/revisions.js)
//   live/board-dom.js   note and group events patched into the board (notes filled from the
//                       server's template by live/note.js); positions from live/positions.js
//   live/gestures.js    drag (SortableJS), keyboard moves (keyboard.js)
//   live/stacks.js      stacks laid out under their heads (a group's notes side by side)
//   live/groups.js      the gestures on stacks: stack, take out, move, rename
//   live/editing.js     a note's text edited in place, and conflicts (both texts shown)
//   live/adding.js      new notes, shown pending until their ack; refusals keep the text
//   live/controls.js    what the phase, lock, role and end allow: the rest disabled, with why
//   live/drafts.js      what is being typed survives a re-fetched board
//   live/sheet.js       the note sheet: edit, move to a stage, colour, delete, by touch
//   live/presence.js    who is online, who is moving or editing a note
//   live/markup.js      the little markup only the live page has (vote buttons, presence)
//   live/actions.js     the action items' forms, sent over the socket
//   live/room.js        the facilitator's progress, "I'm done", the workshop's end
//   live/undo.js        Undo and Redo: the buttons and Ctrl/⌘ + Z, sent on the socket
// The protocol is docs/protocol.md; the markup hooks are docs/design.md, "Board markup".

import { bindActionForms } from "./live/actions.js";
import { NoteAdder } from "./live/adding.js";
import { keepDrafts } from "./live/drafts.js";
import { NoteEditor } from "./live/editing.js";
import { Gestures } from "./live/gestures.js";
import { Grouping, bindSheetStacks } from "./live/groups.js";
import { keepStacks } from "./live/stacks.js";
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
  const { root, board, connection, controls } = live;
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
  const refusal = () => controls.refusal("edit");
  const editor = live.canEdit ? new NoteEditor({ board, connection, refusal }) : null;
  const adder = live.canEdit ? new NoteAdder({ board, connection, refusal }) : null;
  // A refused operation re-fetches the board (connection.js): a refused name opens on the new one.
  grouping = editor ? new Grouping({ board, operate, mayGroup, stacks, refetchesOnRefusal: true }) : null;
  const gestures = editor && grouping ? new Gestures({ board, connection, editor, grouping }) : null;
  const dialog = /** @type {HTMLDialogElement | null} */ (document.getElementById("note-sheet"));
  if (editor && dialog) {
    const sheet = new NoteSheet({ dialog, board, connection, editor, refusal });
    sheet.bind();
    controls.onChange(() => sheet.refresh());
  }
  if (grouping && dialog) bindSheetStacks(dialog, grouping);

  keepDrafts(board);
  board.onFresh(() => {
    gestures?.bind();
    adder?.restore();
    editor?.restore();
    controls.render(); // after gestures: it turns off the fresh lists' dragging when refused
    presence.renderNotesInUse();
  });
  connection.onStatus((status) => {
    showStatus(status);
    adder?.onStatus(status);
    if (status.state === "offline" || status.state === "refused") presence.clear();
  });
  connection.onMessage((message) => {
    presence.onMessage(message);
    let told = false; // an answer the editor or the adder already explained
    if (message.type === "ack" || message.type === "error") {
      gestures?.answered(message);
      told = Boolean(editor?.answered(message)) || Boolean(adder?.answered(message));
    }
    const mine = (message.type === "ack" || message.type === "error") && grouped.get(message.op_id);
    if (mine) {
      grouped.delete(message.op_id);
      if (message.type === "error") grouping?.refused(mine.type, mine.fields);
    }
    if (message.type === "error" && !told) say(message.message || "That did not work.");
    else if (message.type === "workshop.state" && message.phase_label) {
      const phase = root.querySelector("[data-phase]");
      if (phase) phase.textContent = message.phase_label;
    }
  });
  // Keys that would change a note while that is refused: say why instead of asking the server.
  document.addEventListener("keydown", (e) => {
    const reason = refusal();
    const note = /** @type {HTMLElement} */ (e.target).closest?.("#board li[data-touchpoint]");
    if (!reason || !note || e.target !== note) return;
    if (e.key === "Enter" || e.key === "Delete" || (e.altKey && e.key.startsWith("Arrow"))) {
      e.preventDefault();
      e.stopPropagation();
      say(reason);
    }
  }, true);

  board.updateEmptyStates();
  gestures?.bind();
  adder?.bind();
  controls.render();
  if (live.canEdit) bindActionForms(connection, () => controls.refusal("act"), board);
  if (live.canEdit) new UndoControls({ connection, board }).bind();
  if (panel) bindRoom({ panel, connection, board });
  window.addEventListener("offline", () => connection.drop());
  window.addEventListener("online", () => connection.reconnect());
  presence.start();
  document.addEventListener("DOMContentLoaded", () => connection.start(), { once: true });
}
