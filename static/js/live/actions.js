// Action items on the live page (docs/design.md, "Board markup"): each form[data-operation]
// inside #board sends its operation over the page's live connection, with the form's fields.
// The list itself is always the server's: an action event makes the board re-fetch
// (board-dom.js has no patch for it). A select whose chosen option is disabled (an owner the
// form does not offer) sends nothing, so the owner is kept.
// Nothing typed is lost: outside Discuss (or locked) the forms' buttons are disabled with the
// reason (controls.js) and a submit sends nothing; a form is emptied only once its operation is
// acknowledged, and a refusal leaves the words where they were (drafts.js carries them over
// the re-fetched board).

import { say } from "./notice.js";

// Fields that are ids or numbers on the wire (docs/protocol.md's table).
const NUMBERS = new Set(["touchpoint", "action", "base_version"]);

/**
 * @param {import("./connection.js").Connection} connection
 * @param {() => string | null} refusal why action items cannot be changed now (null: they can)
 * @param {import("./board-dom.js").BoardDom} board
 */
export function bindActionForms(connection, refusal, board) {
  /** @type {Map<string, string>} op_id -> the selector of the form that sent it */
  const sent = new Map();
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("#board form[data-operation]")) return;
    event.preventDefault();
    const reason = refusal();
    if (reason) {
      say(reason);
      return;
    }
    const operation = form.dataset.operation || "";
    const fields = fieldsOf(form);
    const opId = connection.operate(operation, fields);
    if (opId) sent.set(opId, formSelector(operation, fields.action));
  });
  connection.onMessage((message) => {
    const selector = message.op_id ? sent.get(message.op_id) : undefined;
    if (!selector || (message.type !== "ack" && message.type !== "error")) return;
    sent.delete(message.op_id);
    // Done: the form starts afresh (before the re-fetch its event causes, which would
    // otherwise carry the sent words over as a draft).
    if (message.type === "ack") /** @type {HTMLFormElement | null} */ (board.element.querySelector(selector))?.reset();
  });
}

/**
 * @param {string} operation
 * @param {string | number | undefined} action
 */
function formSelector(operation, action) {
  const form = `form[data-operation="${CSS.escape(operation)}"]`;
  return action === undefined ? form : `${form}:has(input[name="action"][value="${Number(action)}"])`;
}

/** @param {HTMLFormElement} form */
function fieldsOf(form) {
  /** @type {Record<string, string | number>} */
  const fields = {};
  for (const [name, value] of new FormData(form)) {
    fields[name] = NUMBERS.has(name) ? Number(value) : String(value);
  }
  return fields;
}

