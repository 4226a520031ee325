// Editing a note's text in place on the live board (Enter or a double click opens it, the note
// sheet saves through it too), and what happens when the server refuses the save.
//   A conflict (someone saved first): the editor reopens with both texts visible, theirs above
//   ("Alex saved: …") and the user's own words in the field, and nothing is sent again until
//   the user chooses: "Save mine" (or Enter) overwrites theirs, "Keep theirs" (or Escape) drops
//   the draft. Leaving the field does not save then: docs/protocol.md promises no silent
//   overwrite, and a blur is not a decision.
//   Any other refusal (locked, wrong phase, closed): the editor reopens with the words kept and
//   the server's sentence shown.
// An open editor survives a re-fetched board (the server's fresh note gets it back, draft and
// all). User text only ever goes in through textContent and a textarea's value.

import { say } from "./notice.js";

export const NOTE_MAX = 500; // maps.models.NOTE_MAX
const LABEL = "Note text (Enter saves, Escape cancels)";
const CONFLICT_LABEL = "Your words (Save mine overwrites theirs)";

/**
 * @typedef {object} Open an editor open on a note
 * @property {number} id the note
 * @property {number} base the version the edit is based on
 * @property {HTMLTextAreaElement} area
 * @property {{text: string, by: string} | null} theirs the text that won a conflict
 * @property {string} problem a refusal's sentence, shown in the editor ("" for none)
 * @property {() => void} close take the editor away (nothing is sent)
 */

// The user's last click, tap or Tab: a blur soon after one outside the editor (or a Tab out of
// it) is the user leaving the field; a blur without (the note re-placed by someone else's
// move) is not.
/** @type {{at: number, target: EventTarget | null, tab: boolean}} */
let lastGesture = { at: 0, target: null, tab: false };
document.addEventListener("pointerdown", (e) => { lastGesture = { at: Date.now(), target: e.target, tab: false }; }, true);
document.addEventListener("keydown", (e) => {
  if (e.key === "Tab") lastGesture = { at: Date.now(), target: e.target, tab: true };
}, true);
/**
 * @param {HTMLElement} box the editor
 * @param {number} since when it opened (the click that opened it is not leaving it)
 */
const userLeft = (box, since) => lastGesture.at >= since && Date.now() - lastGesture.at < 1000
  && (lastGesture.tab || !box.contains(/** @type {Node} */ (lastGesture.target)));

export class NoteEditor {
  /**
   * @param {object} options
   * @param {import("./board-dom.js").BoardDom} options.board
   * @param {import("./connection.js").Connection} options.connection
   * @param {() => string | null} options.refusal why editing is not possible now (null: it is)
   */
  constructor({ board, connection, refusal }) {
    this.board = board;
    this.connection = connection;
    this.refusal = refusal;
    /** @type {Map<number, Open>} note id -> its open editor */
    this.open = new Map();
    /** @type {Map<string, {id: number, text: string}>} op_id -> the text that update sent */
    this.sent = new Map();
    // Saves kept in the outbox across a reload are resent on connecting: their refusal
    // (a conflict meanwhile) reopens the editor with their words like any other.
    for (const operation of connection.outbox.unanswered()) {
      if (operation.type === "touchpoint.update" && typeof operation.text === "string") {
        this.sent.set(operation.op_id, { id: Number(operation.touchpoint), text: operation.text });
      }
    }
  }

  /**
   * Open the editor on a note (nothing happens while editing is refused: the reason is said).
   * @param {HTMLElement} li
   */
  start(li) {
    const reason = this.refusal();
    if (reason) {
      say(reason);
      return;
    }
    this.show(li, { draft: null, base: Number(li.dataset.version), theirs: null, problem: "" });
  }

  /**
   * Send a note's new text, based on `base` (default: the version the page shows): a
   * conflicting edit comes back as a conflict, never as a silent overwrite.
   * @param {HTMLElement} li
   * @param {string} text
   * @param {number} [base]
   */
  save(li, text, base) {
    const id = Number(li.dataset.touchpoint);
    const opId = this.connection.operate("touchpoint.update", {
      touchpoint: id,
      text,
      base_version: base ?? Number(li.dataset.version),
    });
    if (opId) this.sent.set(opId, { id, text });
  }

  /**
   * The server answered an operation: a refused save of ours reopens its editor, words kept.
   * @param {{type: string, op_id?: string | null, code?: string, message?: string, current?: any, by?: string}} message
   * @returns {boolean} whether it was one of our saves' refusals (the caller says nothing more)
   */
  answered(message) {
    const sent = message.op_id ? this.sent.get(message.op_id) : undefined;
    if (!sent || !message.op_id) return false;
    this.sent.delete(message.op_id);
    if (message.type !== "error") return false;
    const li = this.board.noteEl(sent.id);
    if (!li) {
      say(`That note was deleted meanwhile; your text was: “${sent.text}”.`);
      return true;
    }
    // An editor opened again meanwhile holds the newest words: they are the draft.
    const reopened = this.open.get(sent.id);
    const draft = reopened ? reopened.area.value : sent.text;
    reopened?.close();
    if (message.code === "conflict" && message.current) {
      const current = message.current;
      // The note as it is now (its event may still be on its way): the editor is based on it.
      li.dataset.version = String(current.version);
      const textEl = li.querySelector('[data-field="text"]');
      if (textEl) textEl.textContent = current.text;
      const theirs = { text: String(current.text), by: String(message.by || "") };
      this.show(li, { draft, base: Number(current.version), theirs, problem: "" });
      say(`${theirs.by || "Someone"} saved this note while you were editing it. Your words are kept: choose which to keep.`);
    } else {
      const problem = message.message || "That was not saved.";
      this.show(li, { draft, base: Number(li.dataset.version), theirs: null, problem });
      say(`${problem} Your text is kept in the note's editor.`);
    }
    return true;
  }

  /** The board was fetched again: the open editors go on the fresh notes, drafts and all. */
  restore() {
    for (const [id, open] of [...this.open]) {
      const li = this.board.noteEl(id);
      if (!li || li.contains(open.area)) continue;
      const draft = open.area.value;
      // A detached field has lost the focus: the user was in it if nothing else has it now.
      const focused = document.activeElement === open.area || document.activeElement === document.body;
      this.open.delete(id);
      this.show(li, { draft, base: open.base, theirs: open.theirs, problem: open.problem }, focused);
    }
  }

  /** @param {number} id */
  close(id) {
    this.open.get(id)?.close();
  }

  /** Whether an editor is open on the note. @param {number} id */
  isOpen(id) {
    return this.open.has(id);
  }

  /**
   * @param {HTMLElement} li
   * @param {{draft: string | null, base: number, theirs: {text: string, by: string} | null, problem: string}} state
   * @param {boolean} [focus] put the focus in the field (not when restoring one the user left)
   */
  show(li, { draft, base, theirs, problem }, focus = true) {
    const id = Number(li.dataset.touchpoint);
    if (this.open.has(id)) {
      this.open.get(id)?.area.focus();
      return;
    }
    const textEl = /** @type {HTMLElement} */ (li.querySelector('[data-field="text"]'));
    const box = document.createElement("div");
    box.className = "note-editor";
    box.dataset.noteEditor = theirs ? "conflict" : "edit";
    if (theirs) box.append(theirsLine(id, theirs));
    if (problem) box.append(line("edit-problem", problem));
    const area = document.createElement("textarea");
    area.maxLength = NOTE_MAX;
    area.rows = 3;
    area.value = draft ?? textEl.textContent ?? "";
    area.setAttribute("aria-label", theirs ? CONFLICT_LABEL : LABEL);
    if (theirs) {
      const yours = document.createElement("p");
      yours.className = "edit-yours";
      yours.setAttribute("aria-hidden", "true"); // the field's own label says it
      yours.textContent = "Your words:";
      box.append(yours);
    }
    box.append(area);
    if (theirs) box.append(this.choices(id));
    // The field stands in for the text; after a conflict their text shows above the user's own.
    textEl.hidden = true;
    textEl.after(box);
    if (focus) area.focus();
    this.connection.send({ type: "focus", touchpoint: id, activity: "editing" });

    const openedAt = Date.now();
    // Enter removes the field, and removing a focused field fires its blur: finish once.
    let finished = false;
    const finish = (/** @type {boolean} */ keep) => {
      if (finished) return;
      finished = true;
      this.open.delete(id);
      const text = area.value.trim();
      const note = this.board.noteEl(id); // the note now (a fresh board may have replaced it)
      const shown = note?.querySelector('[data-field="text"]');
      box.remove();
      if (shown) /** @type {HTMLElement} */ (shown).hidden = false;
      this.connection.send({ type: "focus", touchpoint: null, activity: null });
      if (note && keep && text && text !== shown?.textContent) this.save(note, text, base);
      if (note && note.isConnected) note.focus();
    };
    /** @type {Open} */
    const open = { id, base, area, theirs, problem, close: () => finish(false) };
    this.open.set(id, open);
    // The choices' buttons act through `open` (a restored editor has new ones).
    box.addEventListener("click", (e) => {
      const choice = /** @type {HTMLElement} */ (e.target).closest?.("[data-edit-choice]");
      if (choice) finish(/** @type {HTMLElement} */ (choice).dataset.editChoice === "mine");
    });
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        if (this.refusal()) say(/** @type {string} */ (this.refusal()));
        else finish(true);
      } else if (e.key === "Escape") {
        e.preventDefault();
        finish(false);
      }
    });
    // Leaving the field saves an ordinary edit (as on the whiteboards people know), never a
    // conflict's draft (a decision), nor while saving would be refused (the words stay).
    area.addEventListener("blur", () => {
      if (!area.isConnected || theirs || this.refusal()) return;
      setTimeout(() => {
        if (!area.isConnected || box.contains(document.activeElement)) return; // its own buttons
        // Someone else's move of this note re-placed it in the list, which takes the focus
        // away: not the user leaving, so the typing goes on where it was.
        if (!userLeft(box, openedAt)) {
          area.focus();
          return;
        }
        finish(true);
      }, 0);
    });
  }

  /** "Save mine" / "Keep theirs": the conflict's two ways out, both deliberate. */
  choices(/** @type {number} */ id) {
    const row = document.createElement("div");
    row.className = "edit-choices";
    const mine = button("Save mine", "mine", "button");
    const theirs = button("Keep theirs", "theirs", "button secondary");
    mine.setAttribute("aria-describedby", `edit-theirs-${id}`);
    row.append(mine, theirs);
    return row;
  }
}

/**
 * @param {number} id the note
 * @param {{text: string, by: string}} theirs
 */
function theirsLine(id, theirs) {
  const p = document.createElement("p");
  p.className = "edit-theirs";
  p.id = `edit-theirs-${id}`;
  const who = document.createElement("strong");
  who.textContent = `${theirs.by || "Someone"} saved:`;
  const text = document.createElement("span");
  text.dataset.theirsText = "";
  text.textContent = theirs.text;
  p.append(who, " ", text);
  return p;
}

/**
 * @param {string} className
 * @param {string} text
 */
function line(className, text) {
  const p = document.createElement("p");
  p.className = className;
  p.setAttribute("role", "alert");
  p.textContent = text;
  return p;
}

/**
 * @param {string} text
 * @param {string} choice
 * @param {string} className
 */
function button(text, choice, className) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `${className} small`;
  b.dataset.editChoice = choice;
  b.textContent = text;
  return b;
}
