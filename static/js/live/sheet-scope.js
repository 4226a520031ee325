// The note sheet's "whose journey is it on?" (issue 20): which personas of the map a note is
// for, sent as `touchpoint.scope`. A module of its own beside sheet.js: it follows the same
// ⋯ button to know the note, fills fieldset[data-sheet-scope] from the board's
// template[data-scope-template] (the server's markup, one checkbox per persona) and ticks the
// note's personas from the board's #persona-scopes. Shown only on a map of several personas.

import { say } from "./notice.js";
import { live } from "./session.js";

const dialog = document.getElementById("note-sheet");
const fieldset = /** @type {HTMLElement | null} */ (dialog && dialog.querySelector("[data-sheet-scope]"));
/** @type {number | null} the note the sheet was opened on */
let noteId = null;

/** @returns {number[]} the personas the note names (none: everyone's) */
function scopeOf(id) {
  const script = document.getElementById("persona-scopes");
  try {
    const scopes = script ? JSON.parse(script.textContent || "{}") : {};
    return Array.isArray(scopes[String(id)]) ? scopes[String(id)] : [];
  } catch {
    return [];
  }
}

/** @param {HTMLElement} li */
function fill(li) {
  if (!fieldset) return;
  const template = /** @type {HTMLTemplateElement | null} */ (document.querySelector("#board template[data-scope-template]"));
  fieldset.hidden = !template;
  if (!template) return;
  noteId = Number(li.dataset.touchpoint);
  const choices = /** @type {HTMLElement} */ (fieldset.querySelector("[data-scope-choices]"));
  choices.replaceChildren(template.content.cloneNode(true));
  const named = scopeOf(noteId);
  for (const box of choices.querySelectorAll("input[type=checkbox]")) {
    /** @type {HTMLInputElement} */ (box).checked = named.includes(Number(/** @type {HTMLInputElement} */ (box).value));
  }
}

function send() {
  if (!fieldset || noteId === null || !live) return;
  const personas = [...fieldset.querySelectorAll("input[type=checkbox]:checked")].map((box) => Number(/** @type {HTMLInputElement} */ (box).value));
  live.connection.operate("touchpoint.scope", { touchpoint: noteId, personas });
  say(personas.length ? "Saved: whose journey the note is on." : "Saved: the note is everyone's.", "status");
}

if (fieldset && live) {
  document.addEventListener("click", (e) => {
    const button = /** @type {HTMLElement} */ (e.target).closest?.("#board [data-note-menu]");
    const li = button && button.closest("li[data-touchpoint]");
    if (li) fill(/** @type {HTMLElement} */ (li));
  });
  fieldset.querySelector("[data-sheet-scope-set]")?.addEventListener("click", send);
}
