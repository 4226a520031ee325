// Who is here (the "Online" list) and who is moving or editing which note ("Ann is editing
// this"), from the server's presence, drag and focus messages (docs/protocol.md).

import { buildFace, buildInUseTag, buildNobodyOnline, buildPresenceItem } from "./markup.js";

export const PRESENCE_STALE_MS = 4000; // a drag marker with no news for this long fades
const MAX_FACES = 4; // the header shows this many people's initials, then the count

/** @typedef {import("./markup.js").Participant} Participant */
/** @typedef {{participant: Participant, connection?: string, activity: string | null, at: number, sticky?: boolean}} NoteUse */

export class Presence {
  /**
   * @param {object} options
   * @param {import("./board-dom.js").BoardDom} options.board
   * @param {HTMLElement | null} options.list the "Online" list (#presence)
   */
  constructor({ board, list }) {
    this.board = board;
    this.list = list;
    /** @type {Map<string, Participant>} connection -> participant */
    this.connections = new Map();
    /** @type {Map<string, NoteUse>} touchpoint id -> who uses it */
    this.notesInUse = new Map();
    /** @type {Participant | null} */
    this.me = null;
  }

  start() {
    setInterval(() => this.expire(), PRESENCE_STALE_MS / 2);
  }

  onMessage(message) {
    switch (message.type) {
      case "hello":
        this.me = message.participant;
        this.connections.set(message.connection, message.participant);
        this.render();
        break;
      case "presence":
        this.onPresence(message);
        break;
      case "drag":
        this.markNote(message.touchpoint, message.participant, "dragging");
        break;
      case "focus":
        this.onFocus(message);
        break;
      default:
        break;
    }
  }

  /** The socket is gone: nobody is known to be here until the next hello. */
  clear() {
    this.connections.clear();
    this.render();
  }

  onPresence(message) {
    if (message.op === "leave") {
      this.connections.delete(message.connection);
      this.forgetConnection(message.connection);
      this.renderNotesInUse();
    } else {
      this.connections.set(message.connection, message.participant);
    }
    this.render();
  }

  onFocus(message) {
    this.forgetConnection(message.connection);
    if (message.touchpoint !== null) {
      this.notesInUse.set(String(message.touchpoint), {
        participant: message.participant,
        connection: message.connection,
        activity: message.activity,
        at: Date.now(),
        sticky: message.activity === "editing",
      });
    }
    this.renderNotesInUse();
  }

  forgetConnection(connection) {
    for (const [id, use] of this.notesInUse) {
      if (use.connection === connection) this.notesInUse.delete(id);
    }
  }

  markNote(touchpoint, participant, activity) {
    const current = this.notesInUse.get(String(touchpoint));
    this.notesInUse.set(String(touchpoint), { ...(current || {}), participant, activity, at: Date.now() });
    this.renderNotesInUse();
  }

  expire() {
    const now = Date.now();
    let changed = false;
    for (const [id, use] of this.notesInUse) {
      if (!use.sticky && now - use.at > PRESENCE_STALE_MS) {
        this.notesInUse.delete(id);
        changed = true;
      }
    }
    if (changed) this.renderNotesInUse();
  }

  render() {
    if (!this.list) return;
    const people = new Map();
    for (const participant of this.connections.values()) people.set(participant.id, participant);
    const items = [...people.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((participant) => buildPresenceItem(participant, this.me !== null && participant.id === this.me.id));
    this.list.replaceChildren(...(items.length ? items : [buildNobodyOnline()]));
    // The header's summary: a few faces and how many are here.
    const dots = document.querySelector("[data-online-dots]");
    const count = document.querySelector("[data-online-count]");
    if (dots) dots.replaceChildren(...[...people.values()].slice(0, MAX_FACES).map(buildFace));
    if (count) count.textContent = String(people.size);
  }

  renderNotesInUse() {
    const board = this.board.element;
    for (const tag of board.querySelectorAll(".note-presence")) tag.remove();
    for (const li of board.querySelectorAll("li.in-use")) li.classList.remove("in-use");
    for (const [id, use] of this.notesInUse) {
      const li = this.board.noteEl(id);
      if (!li) continue;
      li.classList.add("in-use");
      li.style.setProperty("--colour", use.participant.colour);
      li.append(buildInUseTag(use.participant, use.activity));
    }
  }
}
