// A note's li on the live board, as the server renders it: nothing here builds markup. A note
// that arrives in an event is a clone of the board's <template data-note-template>, rendered by
// maps/markup.py like every other note, and filled through the hooks of docs/design.md ("Board
// markup"):
//   [data-field="x"]    its text is the value of x
//   [data-if="x"]       kept only while x is set (a text that is not empty, true); when x is a
//                       text, that is its text too
//   [data-unless="x"]   kept only while x is not set
//   the li's data-touchpoint, data-version, data-group, data-colour and its classes critical
//   and internal; the author line's --author colour (a "#rrggbb" from the server, or none)
// The meta line ([data-field="meta"]) is made of such parts; it is re-made from the template
// whenever a note changes. User text only ever goes in through textContent.

/**
 * @typedef {object} Note a note as events carry it (docs/design.md, "Events")
 * @property {number} id
 * @property {number} stage
 * @property {string} position
 * @property {number | null} group
 * @property {number} version
 * @property {string} text
 * @property {string} channel
 * @property {string} department
 * @property {boolean} critical
 * @property {boolean} internal
 * @property {string} [colour] the note's paper: "" (yellow) or a NoteColour value
 * @property {string} [author] who added it ("" for nobody)
 * @property {string} [author_colour] their presence colour, "#rrggbb" or ""
 */
/** @typedef {Record<string, string | boolean>} Values what the hooks show, by name */

const META = '[data-field="meta"]';
const AUTHOR = '[data-if="authored"]';
const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;
const NOTE_COLOUR = /^[a-z]{1,10}$/;

/**
 * What a note's li shows, by hook name: its fields, with the channel's label and the group's
 * name (events carry neither) in place of their value and id.
 * @param {Note} note
 * @param {{channel: string, group: string}} names the group's is "" for a note in no group
 * @returns {Values}
 */
export function noteValues(note, names) {
  return {
    text: note.text,
    channel: names.channel,
    department: note.department,
    group: names.group,
    critical: note.critical,
    internal: note.internal,
    author: note.author || "",
    authored: Boolean(note.author),
  };
}

/**
 * A new note's li: the template's, filled.
 * @param {HTMLTemplateElement} template
 * @param {Note} note
 * @param {Values} values
 */
export function newNote(template, note, values) {
  const li = /** @type {HTMLElement} */ (/** @type {HTMLElement} */ (template.content.firstElementChild).cloneNode(true));
  fill(li, values);
  setAttributes(li, note);
  return li;
}

/**
 * Show a note's new fields in its li, in place: what else the li holds (its heat box, vote
 * buttons, an open editor) stays.
 * @param {HTMLElement} li
 * @param {HTMLTemplateElement} template
 * @param {Note} note
 * @param {Values} values
 */
export function refill(li, template, note, values) {
  const meta = /** @type {HTMLElement} */ (template.content.querySelector(META)).cloneNode(true);
  li.querySelector(`:scope > ${META}`)?.replaceWith(meta);
  fill(li, values);
  setAttributes(li, note);
}

/**
 * Show one part of a note's meta line (e.g. its group) with a new value, or drop it, leaving the
 * other parts as they are: for events that change one field of notes they do not carry whole.
 * @param {HTMLElement} li
 * @param {HTMLTemplateElement} template
 * @param {string} name
 * @param {string | boolean} value
 */
export function setPart(li, template, name, value) {
  const meta = li.querySelector(`:scope > ${META}`);
  const model = template.content.querySelector(META);
  const selector = `:scope > [data-if="${name}"]`;
  let part = meta && meta.querySelector(selector);
  if (!value) {
    part?.remove();
    return;
  }
  const blank = model && model.querySelector(selector);
  if (!meta || !blank) return;
  if (!part) {
    part = /** @type {Element} */ (blank.cloneNode(true));
    // In the template's order: before the first part that comes after it there.
    const later = new Set();
    for (let next = blank.nextElementSibling; next; next = next.nextElementSibling) later.add(partName(next));
    meta.insertBefore(part, [...meta.children].find((child) => later.has(partName(child))) || null);
  }
  if (typeof value === "string") part.textContent = value;
}

/** @param {Element} element */
function partName(element) {
  const data = /** @type {HTMLElement} */ (element).dataset;
  return data.if ?? data.field ?? "";
}

/**
 * Fill what is inside `root` through the hooks, for the names `values` has.
 * @param {Element} root
 * @param {Values} values
 */
export function fill(root, values) {
  for (const part of root.querySelectorAll("[data-if], [data-unless]")) {
    const data = /** @type {HTMLElement} */ (part).dataset;
    const keepIfSet = data.if !== undefined;
    const name = /** @type {string} */ (keepIfSet ? data.if : data.unless);
    if (!(name in values)) continue;
    const value = values[name];
    if (Boolean(value) !== keepIfSet) part.remove();
    else if (keepIfSet && typeof value === "string") part.textContent = value;
  }
  for (const slot of root.querySelectorAll("[data-field]")) {
    const value = values[/** @type {HTMLElement} */ (slot).dataset.field ?? ""];
    if (typeof value === "string") slot.textContent = value;
  }
}

/**
 * @param {HTMLElement} li
 * @param {Note} note
 */
function setAttributes(li, note) {
  li.dataset.touchpoint = String(note.id);
  li.dataset.version = String(note.version);
  if (note.group === null) delete li.dataset.group;
  else li.dataset.group = String(note.group);
  li.classList.toggle("critical", note.critical);
  li.classList.toggle("internal", note.internal);
  if (note.colour && NOTE_COLOUR.test(note.colour)) li.dataset.colour = note.colour;
  else delete li.dataset.colour;
  // The same attribute text as maps/markup.py writes, so both renderings are alike.
  const author = li.querySelector(`:scope > ${AUTHOR}`);
  if (author && note.author_colour && HEX_COLOUR.test(note.author_colour)) author.setAttribute("style", `--author:${note.author_colour}`);
  else if (author) author.removeAttribute("style");
}
