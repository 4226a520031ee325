// The note sheet: every gesture on a note by touch, and by mouse through the note's ⋯ button
// (issue 16): edit its text, move it to another stage ("Move to stage…" instead of a drag across
// a phone's screens), give it a colour, delete it. The dialog is the server's
// (templates/workshops/live.html, outside #board so a re-fetched board leaves it open); this
// fills it for the note it is opened on and sends the operations. The stage names of its
// "Move to" list are read from the board, as text.

import { say } from "./notice.js";

export class NoteSheet {
  /**
   * @param {object} options
   * @param {HTMLDialogElement} options.dialog #note-sheet
   * @param {import("./board-dom.js").BoardDom} options.board
   * @param {import("./connection.js").Connection} options.connection
   * @param {import("./editing.js").NoteEditor} options.editor saves the text (conflicts and all)
   * @param {() => string | null} options.refusal why changing notes is not possible now
   */
  constructor({ dialog, board, connection, editor, refusal }) {
    this.dialog = dialog;
    this.board = board;
    this.connection = connection;
    this.editor = editor;
    this.refusal = refusal;
    /** @type {number | null} the note the sheet is open on */
    this.noteId = null;
    this.text = /** @type {HTMLTextAreaElement} */ (dialog.querySelector("[data-sheet-text]"));
    this.stage = /** @type {HTMLSelectElement} */ (dialog.querySelector("[data-sheet-stage]"));
  }

  bind() {
    // On the document: the board is replaced after structural events, its buttons with it.
    document.addEventListener("click", (e) => {
      const button = /** @type {HTMLElement} */ (e.target).closest?.("#board [data-note-menu]");
      const li = button && button.closest("li[data-touchpoint]");
      if (li) {
        e.preventDefault();
        this.open(/** @type {HTMLElement} */ (li));
      }
    });
    const act = (name, fn) => this.dialog.querySelector(`[data-sheet-action="${name}"]`)?.addEventListener("click", fn);
    act("save", () => this.save());
    act("move", () => this.move());
    act("delete", () => this.remove());
    for (const radio of this.dialog.querySelectorAll("input[data-sheet-colour]")) {
      radio.addEventListener("change", () => this.colour(/** @type {HTMLInputElement} */ (radio).value));
    }
    this.dialog.addEventListener("close", () => {
      const li = this.note();
      this.noteId = null;
      if (li) li.focus();
    });
  }

  /**
   * The room changed what is allowed while the sheet is open: its buttons follow (the words
   * in its text field stay), with the reason in the sheet.
   */
  refresh() {
    const reason = this.refusal();
    for (const control of this.dialog.querySelectorAll("[data-sheet-action], input[data-sheet-colour], [data-sheet-stage]")) {
      /** @type {HTMLButtonElement} */ (control).disabled = Boolean(reason);
    }
    let line = /** @type {HTMLElement | null} */ (this.dialog.querySelector("[data-why-not]"));
    if (!line && reason) {
      line = document.createElement("p");
      line.className = "why-not";
      line.dataset.whyNot = "";
      line.setAttribute("role", "status");
      this.dialog.querySelector(".sheet-head")?.after(line);
    }
    if (line) {
      line.textContent = reason || "";
      line.hidden = !reason;
    }
    if (!reason && this.noteId !== null) {
      // Back on: a stage list with one choice only keeps Move off, as open() decided.
      const none = this.stage.options.length === 0; // no other stage to move to
      this.stage.disabled = none;
      const move = /** @type {HTMLButtonElement | null} */ (this.dialog.querySelector('[data-sheet-action="move"]'));
      if (move) move.disabled = none;
    }
  }

  /** @returns {HTMLElement | null} the note's li, if it is still on the board */
  note() {
    return this.noteId === null ? null : this.board.noteEl(this.noteId);
  }

  /** @param {HTMLElement} li */
  open(li) {
    const reason = this.refusal();
    if (reason) {
      say(reason);
      return;
    }
    this.noteId = Number(li.dataset.touchpoint);
    this.dialog.dataset.touchpoint = String(this.noteId); // for the note's history (live/undo.js)
    this.text.value = li.querySelector('[data-field="text"]')?.textContent || "";
    const here = Number(li.closest("[data-stage-notes]")?.getAttribute("data-stage-notes"));
    const others = [...this.board.element.querySelectorAll("[data-stage]")]
      .map((stage) => ({ id: Number(/** @type {HTMLElement} */ (stage).dataset.stage), name: stage.querySelector('[data-lane="name"]')?.textContent || "" }))
      .filter((stage) => stage.id !== here);
    this.stage.replaceChildren(...others.map((stage) => new Option(stage.name, String(stage.id))));
    this.stage.disabled = others.length === 0;
    const move = /** @type {HTMLButtonElement | null} */ (this.dialog.querySelector('[data-sheet-action="move"]'));
    if (move) move.disabled = others.length === 0;
    const colour = li.dataset.colour || "";
    for (const radio of this.dialog.querySelectorAll("input[data-sheet-colour]")) {
      /** @type {HTMLInputElement} */ (radio).checked = /** @type {HTMLInputElement} */ (radio).value === colour;
    }
    this.dialog.showModal();
    this.refresh();
  }

  /** The note, or null after saying it is gone (someone deleted it while the sheet was open). */
  current() {
    const li = this.note();
    if (!li) {
      say("That note is no longer on the board.");
      this.dialog.close();
    }
    return li;
  }

  save() {
    const li = this.current();
    if (!li) return;
    const text = this.text.value.trim();
    if (!text) {
      say("A note needs some text: delete it instead?");
      return;
    }
    if (text !== li.querySelector('[data-field="text"]')?.textContent) this.editor.save(li, text);
    this.dialog.close();
  }

  move() {
    const li = this.current();
    const stage = Number(this.stage.value);
    const list = this.board.stageList(stage);
    if (!li || !list) return;
    const name = this.stage.selectedOptions[0]?.textContent || "the stage";
    // At the end of the stage it goes to, as a drop below its last note would.
    const index = this.board.notesIn(list).length;
    this.connection.operate("touchpoint.move", { touchpoint: Number(li.dataset.touchpoint), stage, index });
    this.dialog.close();
    say(`Moved to ${name}.`, "status");
  }

  /** @param {string} colour */
  colour(colour) {
    const li = this.current();
    if (li) this.connection.operate("touchpoint.update", { touchpoint: Number(li.dataset.touchpoint), colour });
  }

  remove() {
    const li = this.current();
    if (!li) return;
    const text = li.querySelector('[data-field="text"]')?.textContent || "";
    if (!window.confirm(`Delete the note “${text}”?`)) return;
    this.connection.operate("touchpoint.delete", { touchpoint: Number(li.dataset.touchpoint) });
    this.noteId = null;
    this.dialog.close();
  }
}
