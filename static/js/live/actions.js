// Action items on the live page (docs/design.md, "Board markup"): each form[data-operation]
// inside #board sends its operation over the page's live connection, with the form's fields.
// The list itself is always the server's: an action event makes the board re-fetch
// (board-dom.js has no patch for it). A select whose chosen option is disabled (an owner the
// form does not offer) sends nothing, so the owner is kept.

// Fields that are ids or numbers on the wire (docs/protocol.md's table).
const NUMBERS = new Set(["touchpoint", "action", "base_version"]);

/** @param {import("./connection.js").Connection} connection */
export function bindActionForms(connection) {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("#board form[data-operation]")) return;
    event.preventDefault();
    connection.operate(form.dataset.operation || "", fieldsOf(form));
  });
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
