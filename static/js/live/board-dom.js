// The board in the page: note events patched into the server-rendered markup
// (docs/design.md, "Board markup"), and the whole board re-fetched when an event is not a
// note's. Markup itself is built in markup.js; the order of notes comes from positions.js.

import { buildNote, fillNote } from "./markup.js";
import { insertIndex } from "./positions.js";
import { say } from "./notice.js";

// Events that change the spine, groups or the curve: re-fetch the board rather than patch it.
const STRUCTURAL = new Set([
  "map.updated", "persona.updated", "stage.added", "stage.updated", "stage.moved",
  "stage.deleted", "group.added", "group.renamed", "group.deleted",
]);

export class BoardDom {
  /**
   * @param {object} options
   * @param {string} options.url the board fragment (`#live[data-board-url]`)
   * @param {Record<string, string>} options.channels channel value -> label
   */
  constructor({ url, channels }) {
    this.url = url;
    this.channels = channels;
    /** @type {Array<(board: HTMLElement) => void>} */
    this.freshListeners = [];
  }

  /** @returns {HTMLElement} */
  get element() {
    return /** @type {HTMLElement} */ (document.getElementById("board"));
  }

  /** The revision the board shows. */
  get revision() {
    return Number(this.element.dataset.revision || 0);
  }

  /** Called with the new board element after every re-fetch (bind it again). */
  onFresh(listener) {
    this.freshListeners.push(listener);
  }

  /**
   * Patch the board with one event. False when it cannot (a structural or unknown event, a
   * group it cannot name): the caller re-fetches the board, which is always right.
   */
  apply(event) {
    if (STRUCTURAL.has(event.event) || !this.patch(event)) return false;
    this.element.dataset.revision = String(event.revision);
    return true;
  }

  patch(event) {
    const p = event.payload;
    switch (event.event) {
      case "touchpoint.added":
      case "touchpoint.updated":
        return this.upsertNote(p.touchpoint);
      case "touchpoint.moved":
        return this.placeNote(this.noteEl(p.id), p.stage, p.position);
      case "touchpoint.deleted":
        this.noteEl(p.id)?.remove();
        this.updateEmptyStates();
        return true;
      default:
        return false;
    }
  }

  /** @returns {HTMLElement | null} */
  noteEl(id) {
    return this.element.querySelector(`li[data-touchpoint="${Number(id)}"]`);
  }

  /** @returns {HTMLElement | null} */
  stageList(stageId) {
    return this.element.querySelector(`ol[data-stage-notes="${Number(stageId)}"]`);
  }

  /** The notes of a stage's list, in the page's order. */
  notesIn(list) {
    return /** @type {HTMLElement[]} */ ([...list.querySelectorAll(":scope > li[data-touchpoint]")]);
  }

  upsertNote(note) {
    if (note.group !== null && !this.groupName(note.group)) return false; // name unknown: refetch
    const li = this.noteEl(note.id) || buildNote(note.id);
    fillNote(li, note, this.metaText(note));
    return this.placeNote(li, note.stage, note.position);
  }

  metaText(note) {
    const parts = [this.channels[note.channel] || note.channel];
    if (note.department) parts.push(note.department);
    if (note.group !== null) parts.push(this.groupName(note.group));
    if (note.critical) parts.push("critical");
    if (note.internal) parts.push("internal");
    return parts.join(" · ");
  }

  // Group names are not in the note markup: a note event naming a group we cannot name makes
  // the caller refetch the board (groups change rarely; notes move often).
  groupName(id) {
    const known = this.element.querySelector(`[data-group-name="${Number(id)}"]`);
    return known ? /** @type {HTMLElement} */ (known).dataset.name || known.textContent : null;
  }

  /**
   * Put a note in its stage's list at the place its position key says (the server's order).
   * @param {HTMLElement | null} li
   * @param {number} stageId
   * @param {string} position
   */
  placeNote(li, stageId, position) {
    const list = this.stageList(stageId);
    if (!li || !list) return false;
    li.dataset.position = position;
    const others = this.notesIn(list).filter((other) => other !== li);
    const keys = others.map((other) => ({ id: Number(other.dataset.touchpoint), position: other.dataset.position || "" }));
    const before = others[insertIndex(keys, { id: Number(li.dataset.touchpoint), position })] || null;
    if (li.parentElement !== list || li.nextElementSibling !== before) list.insertBefore(li, before);
    this.updateEmptyStates();
    return true;
  }

  updateEmptyStates() {
    for (const list of this.element.querySelectorAll("ol[data-stage-notes]")) {
      list.classList.toggle("is-empty", !list.querySelector("li[data-touchpoint]"));
    }
  }

  /**
   * Replace the board with the server's (the fragment an htmx request gets). Resolves to the
   * fresh board's revision, or null when it could not be fetched.
   * @returns {Promise<number | null>}
   */
  reload() {
    return fetch(this.url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        if (!fresh) return null;
        const focused = document.activeElement && document.activeElement.closest("[data-touchpoint]");
        const focusId = focused ? /** @type {HTMLElement} */ (focused).dataset.touchpoint : null;
        this.element.replaceWith(document.adoptNode(fresh));
        this.updateEmptyStates();
        for (const listener of this.freshListeners) listener(fresh);
        if (focusId) this.noteEl(focusId)?.focus();
        return Number(fresh.dataset.revision || 0);
      })
      .catch(() => {
        say("Could not refresh the board; it will retry on the next change.");
        return null;
      });
  }
}
