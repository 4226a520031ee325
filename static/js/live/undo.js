// Undo and Redo on the live page (docs/design.md, "Undo, history and versions"): the board
// bar's buttons (templates/maps/_undo.html) and the keys (undo-keys.js) send `undo` / `redo`
// on the socket, as any operation (the outbox resends them with the same op_id). The stack is
// the server's: the hello and the ack of each undo or redo say what Undo and Redo would do
// next; a change of one's own makes Undo possible and clears Redo at once. A re-fetched board
// renders the buttons again from the server's stack.

import { inTextField, undoKeyOf } from "../undo-keys.js";
import { say } from "./notice.js";

const NOTHING = { undo: "Nothing of yours to undo", redo: "Nothing to redo" };
const KEYS = { undo: "Ctrl+Z", redo: "Ctrl+Shift+Z" };

/** @typedef {{undo: string | null, redo: string | null}} Stack */

export class UndoControls {
  /**
   * @param {object} options
   * @param {import("./connection.js").Connection} options.connection
   * @param {import("./board-dom.js").BoardDom} options.board
   */
  constructor({ connection, board }) {
    this.connection = connection;
    this.board = board;
    /** @type {Stack | null} null until the server has said (the page's buttons say it) */
    this.stack = null;
  }

  bind() {
    document.addEventListener("click", (e) => {
      const target = /** @type {Element | null} */ (e.target instanceof Element ? e.target : null);
      const button = /** @type {HTMLElement | null} */ (target?.closest("#board [data-undo]") || null);
      if (!button) return;
      e.preventDefault();
      this.ask(/** @type {"undo" | "redo"} */ (button.dataset.undo));
    });
    document.addEventListener("keydown", (e) => {
      const kind = undoKeyOf(e);
      // A text being typed keeps its own undo; so does any open dialog (the note sheet).
      if (!kind || inTextField(e.target) || document.querySelector("dialog[open]")) return;
      e.preventDefault();
      this.ask(kind);
    });
    this.connection.onMessage((message) => this.onMessage(message));
    this.board.onFresh(() => this.render());
    this.bindNoteHistory();
  }

  /** The note sheet's "History of this note": the history partial for the open note. */
  bindNoteHistory() {
    const details = document.querySelector("#note-sheet [data-sheet-history]");
    const url = document.getElementById("live")?.dataset.historyUrl;
    if (!(details instanceof HTMLDetailsElement) || !url) return;
    details.addEventListener("toggle", () => {
      const note = /** @type {HTMLElement | null} */ (details.closest("dialog"))?.dataset.touchpoint;
      const htmx = /** @type {any} */ (window).htmx;
      if (!details.open || !note || !htmx) return;
      const query = new URLSearchParams({ note, compact: "1" });
      htmx.ajax("GET", `${url}?${query}`, { target: "#note-sheet [data-sheet-history-body]", swap: "innerHTML" });
    });
    // A note opened later shows its own history: close the last one's.
    document.getElementById("note-sheet")?.addEventListener("close", () => { details.open = false; });
  }

  /** @param {"undo" | "redo"} kind */
  ask(kind) {
    const button = this.button(kind);
    if (!button || button.getAttribute("aria-disabled") === "true") {
      say(`${NOTHING[kind]}.`);
      return;
    }
    this.connection.operate(kind, {});
  }

  onMessage(message) {
    if (message.type === "hello" && message.stack) this.stack = message.stack;
    else if (message.type === "ack" && message.stack) this.stack = message.stack;
    else if (message.type === "ack" && message.event && !message.duplicate) {
      this.stack = { undo: "your last change", redo: null };
    } else if (message.type === "error" && /^nothing_to_(undo|redo)$/.test(message.code || "")) {
      const kind = message.code.slice("nothing_to_".length);
      this.stack = { ...(this.stack || { undo: null, redo: null }), [kind]: null };
    } else return;
    this.render();
  }

  /** @param {"undo" | "redo"} kind @returns {HTMLElement | null} */
  button(kind) {
    return document.querySelector(`#board [data-undo="${kind}"]`);
  }

  render() {
    if (!this.stack) return;
    for (const kind of /** @type {const} */ (["undo", "redo"])) {
      const button = this.button(kind);
      if (!button) continue;
      const what = this.stack[kind];
      if (what) {
        button.removeAttribute("aria-disabled");
        button.title = `${kind === "undo" ? "Undo" : "Redo"}: ${what} (${KEYS[kind]})`;
      } else {
        button.setAttribute("aria-disabled", "true");
        button.title = NOTHING[kind];
      }
    }
  }
}
