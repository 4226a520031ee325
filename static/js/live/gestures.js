// What the user does to notes: add (the stage's form), drag (SortableJS, vendored, a global
// from its classic script; the lists are made by groups.js, which also stacks notes), move with
// Alt + arrow keys, edit the text (Enter: editing.js), delete (Delete); the grouping keys are groups.js's.
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
   * @param {{start(li: HTMLElement): void}} options.editor edits a note's text (editing.js)
   * @param {import("./groups.js").Grouping} options.grouping
   */
  constructor({ board, connection, editor, grouping }) {
    this.board = board;
    this.connection = connection;
    this.editor = editor;
    this.grouping = grouping;
    this.lastDragSent = 0;
    /** @type {Set<string>} op_ids of keyboard steps not yet answered */
    this.steps = new Set();
  }

  /** Listen on a (freshly rendered) board. */
  bind() {
    const board = this.board.element;
    // The add forms are adding.js's (pending notes, refusals keeping the text).
    board.addEventListener("keydown", (e) => this.onKey(e));
    // A double click edits in place, as on the whiteboards people know.
    board.addEventListener("dblclick", (e) => {
      const target = /** @type {HTMLElement} */ (e.target);
      const li = target.closest && target.closest("li[data-touchpoint]");
      if (li && !target.closest("button, textarea, input, a")) this.editor.start(/** @type {HTMLElement} */ (li));
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
      this.editor.start(li);
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
  // Editing a note's text, and its conflicts: editing.js.
}
