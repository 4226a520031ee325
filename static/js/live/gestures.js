// What the user does to notes: add (the stage's form), drag (SortableJS, vendored, a global
// from its classic script; the lists are made by groups.js, which also stacks notes), move with
// Alt + arrow keys, edit the text (Enter), delete (Delete); the grouping keys are groups.js's.
// A dragged note is already where the user put it; the server decides its key, and the event
// (or, on refusal, a re-fetch) settles it everywhere. A keyboard move is a step the server
// decides (keyboard.js, as on the map page): its event moves the note, focus and all.

import { stepOf } from "../keyboard.js";
import { say } from "./notice.js";

const DRAG_INTERVAL_MS = 100; // at most ~10 drag positions a second

export class Gestures {
  /**
   * @param {object} options
   * @param {import("./board-dom.js").BoardDom} options.board
   * @param {import("./connection.js").Connection} options.connection
   * @param {import("./groups.js").Grouping} options.grouping
   */
  constructor({ board, connection, grouping }) {
    this.board = board;
    this.connection = connection;
    this.grouping = grouping;
    this.lastDragSent = 0;
    /** @type {string | null} the text of the last edit sent, reopened on a conflict */
    this.lastDraft = null;
    /** @type {Set<string>} op_ids of keyboard steps not yet answered */
    this.steps = new Set();
  }

  /** Listen on a (freshly rendered) board. */
  bind() {
    const board = this.board.element;
    for (const form of board.querySelectorAll("form[data-add-note]")) {
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const input = /** @type {HTMLInputElement} */ (form.querySelector('input[name="text"]'));
        const text = input.value.trim();
        if (!text) return;
        this.connection.operate("touchpoint.add", { stage: Number(/** @type {HTMLElement} */ (form).dataset.addNote), text });
        input.value = "";
      });
    }
    board.addEventListener("keydown", (e) => this.onKey(e));
    // A double click edits in place, as on the whiteboards people know.
    board.addEventListener("dblclick", (e) => {
      const target = /** @type {HTMLElement} */ (e.target);
      const li = target.closest && target.closest("li[data-touchpoint]");
      if (li && !target.closest("button, textarea, input, a")) this.startEditing(/** @type {HTMLElement} */ (li));
    });
    this.grouping.bindBoard(board);
    this.grouping.bindLists(board, {
      moved: (li, stageId) => this.requestMove(li, stageId),
      started: (li) => this.connection.send({ type: "focus", touchpoint: Number(li.dataset.touchpoint), activity: "dragging" }),
      dragging: (e) => this.dragMoved(e),
      ended: () => this.connection.send({ type: "focus", touchpoint: null, activity: null }),
    });
  }

  dragMoved(e) {
    const now = Date.now();
    if (now - this.lastDragSent < DRAG_INTERVAL_MS) return true;
    this.lastDragSent = now;
    const list = e.to;
    const notes = this.board.notesIn(list).filter((li) => li !== e.dragged);
    const index = e.related && e.related.dataset.touchpoint ? Math.max(0, notes.indexOf(e.related)) : notes.length;
    this.connection.send({ type: "drag", touchpoint: Number(e.dragged.dataset.touchpoint), stage: Number(list.dataset.stageNotes), index });
    return true;
  }

  /**
   * @param {HTMLElement} li already in its new place
   * @param {number} stageId
   */
  requestMove(li, stageId) {
    const list = /** @type {HTMLElement} */ (this.board.stageList(stageId));
    const index = this.board.notesIn(list).indexOf(li);
    this.connection.operate("touchpoint.move", { touchpoint: Number(li.dataset.touchpoint), stage: stageId, index });
    this.board.updateEmptyStates();
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    if (this.grouping.onKey(e)) return;
    const target = /** @type {HTMLElement} */ (e.target);
    const li = target.closest && target.closest("li[data-touchpoint]");
    if (!li || target !== li) return;
    const to = stepOf(e);
    if (to) {
      e.preventDefault();
      this.steps.add(this.connection.operate("touchpoint.step", { touchpoint: Number(li.dataset.touchpoint), to }));
    } else if (e.key === "Enter") {
      e.preventDefault();
      this.startEditing(li);
    } else if (e.key === "Delete") {
      e.preventDefault();
      const text = /** @type {HTMLElement} */ (li.querySelector('[data-field="text"]')).textContent;
      if (window.confirm(`Delete the note “${text}”?`)) {
        this.connection.operate("touchpoint.delete", { touchpoint: Number(li.dataset.touchpoint) });
      }
    }
  }

  /**
   * The server's answer to an operation: once a keyboard step is acknowledged, say where the
   * note went (a refusal says why itself).
   * @param {{type: string, op_id?: string, event?: {payload: {id: number, stage: number}}}} message
   */
  answered(message) {
    if (!message.op_id || !this.steps.delete(message.op_id) || message.type !== "ack" || !message.event) return;
    const { id, stage } = message.event.payload;
    const name = this.board.element.querySelector(`[data-stage="${Number(stage)}"] [data-lane="name"]`);
    const li = this.board.noteEl(id);
    const list = this.board.stageList(stage);
    // Its event is applied by now, unless it waits behind earlier revisions.
    const row = li && list && li.parentElement === list ? `, position ${this.board.notesIn(list).indexOf(li) + 1}` : "";
    say(`Moved to ${name ? name.textContent : "the stage"}${row}.`, "status");
  }

  /**
   * Edit a note's text in place: Enter saves, Escape cancels, leaving the field saves.
   * @param {HTMLElement} li
   * @param {string} [draft] text to start from instead of the note's
   */
  startEditing(li, draft) {
    if (li.querySelector("textarea")) return;
    const textEl = /** @type {HTMLElement} */ (li.querySelector('[data-field="text"]'));
    const id = Number(li.dataset.touchpoint);
    const baseVersion = Number(li.dataset.version);
    const area = document.createElement("textarea");
    area.maxLength = 500;
    area.rows = 3;
    area.value = draft ?? textEl.textContent ?? "";
    area.setAttribute("aria-label", "Note text (Enter saves, Escape cancels)");
    textEl.hidden = true;
    textEl.after(area);
    area.focus();
    this.connection.send({ type: "focus", touchpoint: id, activity: "editing" });
    // Enter removes the field, and removing a focused field fires its blur, which saves too:
    // finish once.
    let finished = false;
    const finish = (save) => {
      if (finished) return;
      finished = true;
      const text = area.value.trim();
      area.remove();
      textEl.hidden = false;
      this.connection.send({ type: "focus", touchpoint: null, activity: null });
      li.focus();
      if (save && text && text !== textEl.textContent) this.saveText(li, text, baseVersion);
    };
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        finish(true);
      } else if (e.key === "Escape") {
        e.preventDefault();
        finish(false);
      }
    });
    area.addEventListener("blur", () => area.isConnected && finish(true));
  }

  /**
   * Send a note's new text, based on the version the page shows (or `baseVersion`, the one the
   * edit started from): a conflicting edit comes back as a conflict (showConflict), never as a
   * silent overwrite.
   * @param {HTMLElement} li
   * @param {string} text
   * @param {number} [baseVersion]
   */
  saveText(li, text, baseVersion) {
    const current = /** @type {HTMLElement} */ (li.querySelector('[data-field="text"]')).textContent;
    if (text === current) return;
    this.lastDraft = text;
    const base = baseVersion ?? Number(li.dataset.version);
    this.connection.operate("touchpoint.update", { touchpoint: Number(li.dataset.touchpoint), text, base_version: base });
  }

  // Two people edited the same note: show the text that won, and reopen ours on top of it so
  // saving again is a deliberate overwrite, never a silent one.
  showConflict(current) {
    const li = this.board.noteEl(current.id);
    const mine = this.lastDraft;
    say(`Someone else changed this note while you were editing it. It now reads: “${current.text}”.`);
    if (li) {
      li.dataset.version = String(current.version);
      /** @type {HTMLElement} */ (li.querySelector('[data-field="text"]')).textContent = current.text;
      if (mine) this.startEditing(li, mine);
    }
  }
}
