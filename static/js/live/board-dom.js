// The board in the page: note and group events patched into the server-rendered markup
// (docs/design.md, "Board markup"), and the whole board re-fetched through htmx for the rest.
// A note's markup comes from the server's template (note.js); the order of notes from
// positions.js.

import { newNote, noteValues, refill, setPart } from "./note.js";
import { compareNotes, insertIndex } from "./positions.js";
import { say } from "./notice.js";

// Events that change the spine or the curve: re-fetch the board rather than patch it.
// (spine.rebalanced changes only the stages' keys, which the page does not hold: rare enough
// that a re-fetch is simpler than a case of its own.)
const STRUCTURAL = new Set([
  "map.updated", "persona.updated", "stage.added", "stage.updated", "stage.moved", "stage.deleted",
  "spine.rebalanced", "map.restored",
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
    /** @type {Array<(event: any) => boolean>} */
    this.patchers = [];
  }

  /**
   * Another module's patch for events this one does not know (comments.js: the conversation's
   * events). It returns true when it handled the event; otherwise the board is re-fetched.
   * @param {(event: any) => boolean} patcher
   */
  addPatch(patcher) {
    this.patchers.push(patcher);
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
        // Its action items went with it (no events of their own).
        this.element.querySelectorAll(`[data-action-touchpoint="${Number(p.id)}"]`).forEach((el) => el.remove());
        this.updateEmptyStates();
        return true;
      case "stage.rebalanced":
        return this.respace(p.stage, p.positions);
      case "group.added":
        this.nameGroup(p.group.id, p.group.name);
        return this.regroup(p.touchpoints, p.group.id, p.group.name);
      case "group.renamed":
        this.nameGroup(p.group.id, p.group.name);
        return this.regroup(this.notesInGroup(p.group.id), p.group.id, p.group.name);
      case "group.deleted":
        this.groupNameEl(p.id)?.remove();
        return this.regroup(p.touchpoints, null, "");
      case "undo":
      case "redo":
        return this.applyChanges(p);
      default:
        return this.patchers.some((patcher) => patcher(event));
    }
  }

  /**
   * An undo or redo (docs/protocol.md): the notes and groups it put back are patched in;
   * anything else (stages, actions, the map, the persona) re-fetches the board, as does a note
   * brought back while heat shows (its votes are the server's to show).
   */
  applyChanges(p) {
    const changes = p.changes || {};
    const removed = p.removed || {};
    if (p.map || p.persona || changes.stages || removed.stages || changes.actions || removed.actions) return false;
    const heat = this.template?.content.querySelector("[data-heat]");
    if (heat && (changes.touchpoints || []).some((note) => !this.noteEl(note.id))) return false;
    for (const group of changes.groups || []) this.nameGroup(group.id, group.name);
    for (const note of changes.touchpoints || []) {
      if (!this.upsertNote(note)) return false;
    }
    for (const id of removed.touchpoints || []) {
      this.noteEl(id)?.remove();
      this.element.querySelectorAll(`[data-action-touchpoint="${Number(id)}"]`).forEach((el) => el.remove());
    }
    for (const id of removed.groups || []) this.groupNameEl(id)?.remove();
    this.updateEmptyStates();
    return true;
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

  /** @returns {HTMLTemplateElement | null} the note as the server renders a new one */
  get template() {
    return this.element.querySelector("template[data-note-template]");
  }

  /** @param {import("./note.js").Note} note */
  upsertNote(note) {
    const template = this.template;
    const group = note.group === null ? "" : this.groupName(note.group);
    if (!template || group === null) return false; // not on this board: refetch
    const li = this.noteEl(note.id);
    // A note's heat box is the server's to show: one that stops being internal while heat
    // shows gets it back from a fresh board.
    if (li && li.classList.contains("internal") && !note.internal && template.content.querySelector("[data-heat]")) {
      return false;
    }
    const values = noteValues(note, { channel: this.channels[note.channel] || note.channel, group });
    if (li) refill(li, template, note, values);
    return this.placeNote(li || newNote(template, note, values), note.stage, note.position);
  }

  // The map's groups, named on the board (`[data-groups]`): a note event names its group by id.
  /** @returns {HTMLElement | null} */
  groupNameEl(id) {
    return this.element.querySelector(`[data-groups] > [data-group-name="${Number(id)}"]`);
  }

  /** @returns {string | null} null for a group this board does not know */
  groupName(id) {
    const known = this.groupNameEl(id);
    return known ? known.textContent : null;
  }

  nameGroup(id, name) {
    let known = this.groupNameEl(id);
    if (!known) {
      known = document.createElement("li");
      known.dataset.groupName = String(Number(id));
      this.element.querySelector("[data-groups]")?.append(known);
    }
    known.textContent = name;
  }

  /** @returns {number[]} */
  notesInGroup(id) {
    const notes = this.element.querySelectorAll(`li[data-touchpoint][data-group="${Number(id)}"]`);
    return [...notes].map((li) => Number(/** @type {HTMLElement} */ (li).dataset.touchpoint));
  }

  /**
   * Put notes in a group (null: in none), shown by its name. Their versions do not change.
   * @param {number[]} ids
   * @param {number | null} group
   * @param {string} name
   */
  regroup(ids, group, name) {
    const template = this.template;
    if (!template) return false;
    for (const id of ids) {
      const li = this.noteEl(id);
      if (!li) continue;
      if (group === null) delete li.dataset.group;
      else li.dataset.group = String(group);
      setPart(li, template, "group", name);
    }
    return true;
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
    if (li.parentElement !== list || li.nextElementSibling !== before) {
      const focused = document.activeElement === li; // moving it takes the focus away
      list.insertBefore(li, before);
      if (focused) li.focus();
    }
    this.updateEmptyStates();
    return true;
  }

  /**
   * A stage's notes got new keys (maps/operations/order.py), every one in the event, in
   * order: rewrite them and keep the list in key order. A note the page does not show in that
   * stage means the page is behind: false, and the caller re-fetches.
   * @param {number} stageId
   * @param {Array<[number, string]>} keys
   */
  respace(stageId, keys) {
    const list = this.stageList(stageId);
    if (!list) return false;
    const notes = keys.map(([id]) => this.noteEl(id));
    if (notes.some((li) => !li || li.parentElement !== list)) return false;
    keys.forEach(([, position], i) => { notes[i].dataset.position = position; });
    const shown = this.notesIn(list);
    const ordered = [...shown].sort((a, b) => compareNotes(
      { id: Number(a.dataset.touchpoint), position: a.dataset.position || "" },
      { id: Number(b.dataset.touchpoint), position: b.dataset.position || "" },
    ));
    if (ordered.some((li, i) => li !== shown[i])) list.append(...ordered);
    return true;
  }

  updateEmptyStates() {
    for (const list of this.element.querySelectorAll("ol[data-stage-notes]")) {
      list.classList.toggle("is-empty", !list.querySelector("li[data-touchpoint]"));
    }
  }

  /**
   * Replace the board with the server's, through htmx (the fragment `#live[data-board-url]`,
   * swapped for #board). Resolves once it is in the page, to the fresh board's revision, or to
   * null when it could not be fetched.
   * @returns {Promise<number | null>}
   */
  reload() {
    const old = this.element;
    const htmx = /** @type {any} */ (window).htmx;
    // The note focused when the fresh board goes in gets the focus back (htmx keeps it only
    // for elements with an id).
    let focusId = null;
    const beforeSwap = (/** @type {any} */ e) => {
      const focused = e.detail.target === old && document.activeElement?.closest("[data-touchpoint]");
      focusId = focused ? /** @type {HTMLElement} */ (focused).dataset.touchpoint : null;
    };
    document.addEventListener("htmx:beforeSwap", beforeSwap);
    // htmx resolves once it has swapped, and also when it did not (an error status).
    return Promise.resolve()
      .then(() => htmx.ajax("GET", this.url, { target: "#board", swap: "outerHTML" }))
      .then(() => {
        const fresh = this.element;
        if (!fresh || fresh === old) throw new Error("the board was not replaced");
        this.updateEmptyStates();
        for (const listener of this.freshListeners) listener(fresh);
        if (focusId) this.noteEl(focusId)?.focus();
        return Number(fresh.dataset.revision || 0);
      })
      .catch(() => {
        say("Could not refresh the board; it will retry on the next change.");
        return null;
      })
      .finally(() => document.removeEventListener("htmx:beforeSwap", beforeSwap));
  }
}
