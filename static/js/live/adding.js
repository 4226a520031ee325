// Adding notes on the live board (each stage's form[data-add-note]), with nothing typed lost:
//   - a new note shows at once on its author's board, marked pending ("Not saved yet", and
//     aria-busy) while it waits for its ack, offline too (the outbox sends it on reconnect);
//     the ack's event puts the real note in its place;
//   - refused (a race with the lock or the phase), its text goes back into the stage's field,
//     with the server's sentence beside it; if the field holds new words meanwhile, the pending
//     note stays, marked failed, with "Try again" and "Discard";
//   - while adding is refused (controls.js), the form's button is disabled and Enter sends
//     nothing: the words stay in the field.
// A pending note is the server's template (note.js), without an id: nothing else on the page
// (votes, drags, keyboard moves) takes it for a note. User text goes in through textContent.

import { newNote } from "./note.js";
import { say } from "./notice.js";

const WAITING = "Not saved yet: waiting for the connection";
const SENDING = "Not saved yet";

/**
 * @typedef {object} Pending a note sent and not yet answered
 * @property {number} stage
 * @property {string} text
 * @property {HTMLElement} li
 */

export class NoteAdder {
  /**
   * @param {object} options
   * @param {import("./board-dom.js").BoardDom} options.board
   * @param {import("./connection.js").Connection} options.connection
   * @param {() => string | null} options.refusal why adding is not possible now (null: it is)
   */
  constructor({ board, connection, refusal }) {
    this.board = board;
    this.connection = connection;
    this.refusal = refusal;
    /** @type {Map<string, Pending>} op_id -> the note it adds */
    this.pending = new Map();
    this.online = false;
  }

  bind() {
    // On the document: the board (and its forms) is replaced after structural events.
    document.addEventListener("submit", (e) => {
      const form = /** @type {HTMLElement} */ (e.target);
      if (!(form instanceof HTMLFormElement) || !form.matches("#board form[data-add-note]")) return;
      e.preventDefault();
      this.submit(form);
    });
    // A form whose button is disabled is not submitted by Enter: say why nothing happens.
    document.addEventListener("keydown", (e) => {
      const field = /** @type {HTMLElement} */ (e.target);
      const reason = this.refusal();
      if (e.key === "Enter" && reason && field.matches?.("#board form[data-add-note] input[name=text]")) say(reason);
    });
    document.addEventListener("click", (e) => {
      const button = /** @type {HTMLElement} */ (e.target).closest?.("[data-pending-choice]");
      const li = button?.closest("[data-pending]");
      if (!button || !li) return;
      const opId = /** @type {HTMLElement} */ (li).dataset.pending || "";
      if (/** @type {HTMLElement} */ (button).dataset.pendingChoice === "retry") this.retry(opId);
      else this.discard(opId);
    });
    // Notes added before a reload and still unanswered (the outbox kept them): pending again.
    for (const operation of this.connection.outbox.unanswered()) {
      if (operation.type === "touchpoint.add") this.show(operation.op_id, Number(operation.stage), String(operation.text));
    }
  }

  /** @param {HTMLFormElement} form */
  submit(form) {
    const input = /** @type {HTMLInputElement} */ (form.querySelector('input[name="text"]'));
    const text = input.value.trim();
    if (!text) return;
    const reason = this.refusal();
    if (reason) {
      say(reason); // the words stay in the field
      return;
    }
    const stage = Number(form.dataset.addNote);
    const opId = this.connection.operate("touchpoint.add", { stage, text });
    if (!opId) return; // too large to send: said, and the words stay
    input.value = "";
    this.show(opId, stage, text);
  }

  /**
   * @param {string} opId
   * @param {number} stage
   * @param {string} text
   */
  show(opId, stage, text) {
    const template = this.board.template;
    const list = this.board.stageList(stage);
    if (!template || !list) return;
    const note = {
      id: 0, stage, position: "", group: null, version: 0, text, channel: "", department: "",
      critical: false, internal: false, colour: "", author: "", author_colour: "",
    };
    const values = { text, channel: "", department: "", group: "", critical: false, internal: false, author: "", authored: false };
    const li = newNote(template, note, values);
    delete li.dataset.touchpoint;
    delete li.dataset.version;
    li.removeAttribute("tabindex");
    li.querySelectorAll("[data-heat], [data-note-menu]").forEach((el) => el.remove());
    li.classList.add("pending");
    li.dataset.pending = opId;
    li.setAttribute("aria-busy", "true");
    const badge = document.createElement("p");
    badge.className = "pending-badge";
    badge.dataset.pendingState = "";
    li.append(badge);
    this.pending.set(opId, { stage, text, li });
    this.label(li);
    list.append(li);
    this.board.updateEmptyStates();
  }

  /** @param {HTMLElement} li */
  label(li) {
    const badge = li.querySelector("[data-pending-state]");
    if (badge && !li.classList.contains("failed")) badge.textContent = this.online ? SENDING : WAITING;
  }

  /** The connection's state changed: say what the pending notes wait for. */
  onStatus(/** @type {{state: string}} */ status) {
    this.online = status.state === "online";
    for (const { li } of this.pending.values()) this.label(li);
  }

  /**
   * The server answered: an ack's note takes its pending one's place; a refusal keeps the text.
   * @param {{type: string, op_id?: string | null, message?: string, event?: any}} message
   */
  answered(message) {
    const pending = message.op_id ? this.pending.get(message.op_id) : undefined;
    if (!pending || !message.op_id) return false;
    this.pending.delete(message.op_id);
    pending.li.remove();
    if (message.type === "ack") {
      this.board.updateEmptyStates();
      return false;
    }
    this.refused(message.op_id, pending, message.message || "The note was not added.");
    return true;
  }

  /**
   * @param {string} opId
   * @param {Pending} pending
   * @param {string} problem
   */
  refused(opId, pending, problem) {
    const form = this.board.element.querySelector(`form[data-add-note="${pending.stage}"]`);
    const input = /** @type {HTMLInputElement | null} */ (form?.querySelector('input[name="text"]'));
    if (input && !input.value.trim()) {
      input.value = pending.text;
      say(`${problem} Your note is back in its field: “${pending.text}”.`);
      this.board.updateEmptyStates();
      return;
    }
    // The field holds newer words: the note stays on the board, failed, with its text.
    const li = pending.li;
    li.classList.add("failed");
    li.removeAttribute("aria-busy");
    const badge = /** @type {HTMLElement} */ (li.querySelector("[data-pending-state]"));
    badge.textContent = `Not added: ${problem}`;
    badge.setAttribute("role", "alert");
    const row = document.createElement("div");
    row.className = "pending-choices";
    row.append(choice("Try again", "retry", "button small"), choice("Discard", "discard", "button secondary small"));
    li.append(row);
    this.pending.set(opId, pending);
    this.board.stageList(pending.stage)?.append(li);
    say(`Not added: ${problem}`);
  }

  /** Send a failed note again (a new operation). @param {string} opId */
  retry(opId) {
    const pending = this.pending.get(opId);
    if (!pending) return;
    const reason = this.refusal();
    if (reason) {
      say(reason);
      return;
    }
    this.pending.delete(opId);
    pending.li.remove();
    const again = this.connection.operate("touchpoint.add", { stage: pending.stage, text: pending.text });
    if (again) this.show(again, pending.stage, pending.text);
  }

  /** @param {string} opId */
  discard(opId) {
    const pending = this.pending.get(opId);
    if (!pending || !pending.li.classList.contains("failed")) return;
    this.pending.delete(opId);
    pending.li.remove();
    this.board.updateEmptyStates();
  }

  /** The board was fetched again: the pending notes go back at the end of their stages. */
  restore() {
    for (const { stage, li } of this.pending.values()) this.board.stageList(stage)?.append(li);
    this.board.updateEmptyStates();
  }
}

/**
 * @param {string} text
 * @param {string} value
 * @param {string} className
 */
function choice(text, value, className) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = className;
  button.dataset.pendingChoice = value;
  button.textContent = text;
  return button;
}
