// What the user does to notes: add (the stage's form), drag (SortableJS, vendored, a global
// from its classic script), move with Alt + arrow keys, edit the text (Enter), delete (Delete).
// A moved note is already where the user put it; the server decides its key, and the event
// (or, on refusal, a re-fetch) settles it everywhere.

import { say } from "./notice.js";

const DRAG_INTERVAL_MS = 100; // at most ~10 drag positions a second

export class Gestures {
  /**
   * @param {object} options
   * @param {import("./board-dom.js").BoardDom} options.board
   * @param {import("./connection.js").Connection} options.connection
   */
  constructor({ board, connection }) {
    this.board = board;
    this.connection = connection;
    this.lastDragSent = 0;
    /** @type {string | null} the text of the last edit sent, reopened on a conflict */
    this.lastDraft = null;
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
    const Sortable = /** @type {any} */ (window).Sortable;
    if (!Sortable) return;
    for (const list of board.querySelectorAll("ol[data-stage-notes]")) {
      Sortable.create(list, {
        group: "notes",
        draggable: "li[data-touchpoint]",
        filter: "textarea, button, input",
        preventOnFilter: false,
        animation: 120,
        onStart: (e) => this.connection.send({ type: "focus", touchpoint: Number(e.item.dataset.touchpoint), activity: "dragging" }),
        onMove: (e) => this.dragMoved(e),
        onEnd: (e) => this.dropped(e),
      });
    }
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

  dropped(e) {
    this.connection.send({ type: "focus", touchpoint: null, activity: null });
    if (e.from === e.to && e.oldIndex === e.newIndex) return;
    this.requestMove(e.item, Number(e.to.dataset.stageNotes));
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
    const target = /** @type {HTMLElement} */ (e.target);
    const li = target.closest && target.closest("li[data-touchpoint]");
    if (!li || target !== li) return;
    if (e.altKey && e.key.startsWith("Arrow")) {
      e.preventDefault();
      this.keyboardMove(li, e.key);
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
   * Up/down within the stage, left/right to the end of the previous/next stage.
   * @param {HTMLElement} li
   * @param {string} key
   */
  keyboardMove(li, key) {
    const list = /** @type {HTMLElement} */ (li.parentElement);
    const lists = [...this.board.element.querySelectorAll("ol[data-stage-notes]")];
    const at = lists.indexOf(list);
    let target = list;
    const previous = li.previousElementSibling;
    const next = li.nextElementSibling;
    if (key === "ArrowUp" && previous) list.insertBefore(li, previous);
    else if (key === "ArrowDown" && next) list.insertBefore(next, li);
    else if (key === "ArrowLeft" && at > 0) target = /** @type {HTMLElement} */ (lists[at - 1]);
    else if (key === "ArrowRight" && at < lists.length - 1) target = /** @type {HTMLElement} */ (lists[at + 1]);
    else return;
    if (target !== list) target.append(li);
    li.focus();
    const stageId = Number(target.dataset.stageNotes);
    this.requestMove(li, stageId);
    const stageName = this.board.element.querySelector(`[data-stage="${stageId}"] [data-lane="name"]`);
    const position = this.board.notesIn(target).indexOf(li) + 1;
    say(`Moved to ${stageName ? stageName.textContent : "the stage"}, position ${position}.`, "status");
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
      if (save && text && text !== textEl.textContent) {
        this.lastDraft = text;
        this.connection.operate("touchpoint.update", { touchpoint: id, text, base_version: baseVersion });
      }
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
