// The gestures on stacks (a group's notes side by side in a stage, laid out by stacks.js), the
// same on the live board and the map page (both create their drag lists here, so placement has
// one implementation):
//   drag a note onto another          touchpoint.stack (a new "Group n", or that note's group)
//   drag a grouped note out            touchpoint.ungroup, at the place it was dropped
//   drag a note between two of a stack touchpoint.stack (it joins that stack)
//   drag a stack by its head           group.move
//   double click or F2 / Enter on a head: rename in place (Enter saves, Escape cancels)
// Keys, with a note focused: G, then arrows and Enter to pick the note to stack onto; U to take
// it out of its stack. With a head focused: Alt + arrows move the stack as they move a note,
// F2 or Enter renames, U ungroups the whole stack. docs/protocol.md lists the operations.

import { stepOf } from "../keyboard.js";
import { say } from "./notice.js";
import { HEAD, NOTE, groupName, stageName, textOf } from "./stacks.js";

const NAME_MAX = 120;

/**
 * @typedef {object} Board what the gestures need of the board (live/board-dom.js BoardDom)
 * @property {HTMLElement} element
 * @property {(list: Element) => HTMLElement[]} notesIn
 * @property {(stageId: number) => HTMLElement | null} stageList
 * @property {(id: number) => HTMLElement | null} noteEl
 */
/** @typedef {(type: string, fields: Record<string, unknown>) => unknown} Operate */

// --- the gestures ----------------------------------------------------------------------------

export class Grouping {
  /**
   * @param {object} options
   * @param {Board} options.board
   * @param {Operate} options.operate sends one operation (the socket, or the map page's post)
   * @param {() => boolean} options.mayGroup whether grouping is possible now (the phase, the role)
   * @param {{pause: (paused: boolean) => void}} options.stacks
   * @param {boolean} [options.refetchesOnRefusal] the host re-fetches the board after a refusal
   */
  constructor({ board, operate, mayGroup, stacks, refetchesOnRefusal = false }) {
    this.board = board;
    this.refetchesOnRefusal = refetchesOnRefusal;
    /** @type {HTMLElement | null} the board a refusal will replace */
    this.staleBoard = null;
    this.operate = operate;
    this.mayGroup = mayGroup;
    this.stacks = stacks;
    /** @type {HTMLElement | null} the note a dragged note is over, to stack onto */
    this.target = null;
    /** @type {{note: HTMLElement, candidates: HTMLElement[], at: number} | null} G's choice */
    this.picking = null;
    /** @type {HTMLElement | null} the note or head being dragged */
    this.dragged = null;
    /** @type {{group: string, stage: number} | null} a stack moved by keys, to focus again */
    this.refocus = null;
    /** @type {{group: string, name: string} | null} a stack name being typed, or refused */
    this.draft = null;
    /** @type {{item: HTMLElement, from: HTMLElement, next: Element | null} | null} the last drag's origin */
    this.lastDrag = null;
    this.pointer = { x: 0, y: 0 };
    // Where the pointer is during a drag (native drag and drop, or Sortable's touch fallback),
    // seen before Sortable's own handlers (capture), so that onMove knows the stack target.
    for (const type of ["dragenter", "dragover", "pointermove", "touchmove"]) {
      document.addEventListener(type, (e) => this.track(/** @type {any} */ (e)), { capture: true, passive: true });
    }
    // A native drag is known from its dragstart: Sortable's onStart comes a tick later, after
    // the first dragovers (a quick drag can reach its target before it).
    document.addEventListener("dragstart", (e) => {
      const item = /** @type {HTMLElement} */ (e.target).closest?.(`${NOTE}, ${HEAD}`);
      if (item && this.board.element?.contains(item)) this.dragged = /** @type {HTMLElement} */ (item);
    }, { capture: true });
  }

  /**
   * Make each stage's notes list draggable (SortableJS, a global from its classic script).
   * `hooks.moved(li, stageId)` places a plain move (touchpoint.move, the caller's), the rest are
   * the grouping's own; `hooks.started` and `hooks.dragging` tell presence, where there is one.
   * @param {HTMLElement} boardEl
   * @param {{moved: (li: HTMLElement, stageId: number) => void, started?: (li: HTMLElement) => void,
   *   dragging?: (e: any) => void, ended?: () => void}} hooks
   */
  bindLists(boardEl, hooks) {
    const Sortable = /** @type {any} */ (window).Sortable;
    if (!Sortable) return;
    for (const list of boardEl.querySelectorAll("ol[data-stage-notes]")) {
      if (Sortable.get(list)) continue;
      Sortable.create(list, {
        group: "notes",
        draggable: `${NOTE}, ${HEAD}`,
        // Fields, buttons and the map page's Edit disclosure work as usual: no drag from them.
        filter: "textarea, button, input, select, summary, a, .slot",
        preventOnFilter: false,
        animation: 120,
        // On a touch screen a finger swipes the board: a note is dragged only after a press
        // of a third of a second (its ⋯ sheet moves it to another stage without a drag).
        delay: 300,
        delayOnTouchOnly: true,
        touchStartThreshold: 6,
        onStart: (/** @type {any} */ e) => {
          this.stacks.pause(true);
          this.dragged = e.item;
          this.lastDrag = { item: e.item, from: e.from, next: e.item.nextElementSibling };
          if (e.item.matches(HEAD)) this.runOf(e.item).forEach((li) => li.classList.add("stack-travelling"));
          else hooks.started?.(e.item);
        },
        onMove: (/** @type {any} */ e) => this.dragMoved(e, hooks),
        onEnd: (/** @type {any} */ e) => {
          this.dropped(e, hooks);
          hooks.ended?.();
        },
      });
    }
  }

  /** @param {{clientX?: number, clientY?: number, touches?: TouchList}} e */
  track(e) {
    const point = e.touches && e.touches[0] ? e.touches[0] : e;
    if (point.clientX === undefined || point.clientY === undefined) return;
    this.pointer = { x: point.clientX, y: point.clientY };
    if (this.dragged) this.setTarget(this.noteToStackOnto());
  }

  // The note under the pointer, when the pointer is in its middle half and stacking is open.
  noteToStackOnto() {
    const dragged = this.dragged;
    if (!dragged || dragged.matches(HEAD) || !this.mayGroup()) return null;
    const under = document.elementFromPoint(this.pointer.x, this.pointer.y);
    const note = /** @type {HTMLElement | null} */ (under?.closest(NOTE) || null);
    if (!note || note === dragged || !this.board.element.contains(note)) return null;
    const rect = note.getBoundingClientRect();
    const inner = rect.height / 4;
    return this.pointer.y > rect.top + inner && this.pointer.y < rect.bottom - inner ? note : null;
  }

  /** @param {HTMLElement | null} note */
  setTarget(note) {
    if (note === this.target) return;
    this.target?.classList.remove("drop-onto");
    this.target = note;
    note?.classList.add("drop-onto");
  }

  dragMoved(e, hooks) {
    // Over a note's middle: a drop onto that note, so the list stays as it is. Over its top or
    // bottom quarter: before or after it, whichever way the drag comes from.
    if (this.target) return false;
    if (e.dragged?.matches?.(NOTE)) hooks.dragging?.(e);
    const rect = e.relatedRect;
    const y = e.originalEvent?.clientY;
    if (!rect || y === undefined || !e.related?.matches?.(NOTE)) return true;
    return y < rect.top + rect.height / 2 ? -1 : 1;
  }

  dropped(e, hooks) {
    const item = /** @type {HTMLElement} */ (e.item);
    const target = this.target;
    this.setTarget(null);
    this.dragged = null;
    document.querySelectorAll(".stack-travelling").forEach((li) => li.classList.remove("stack-travelling"));
    const stageId = Number(e.to.dataset.stageNotes);
    const unmoved = e.from === e.to && e.oldIndex === e.newIndex;
    try {
      if (item.matches(HEAD)) {
        if (!unmoved) this.moveStack(item, stageId);
      } else if (target) {
        this.stackOnto(item, target);
      } else if (!unmoved) {
        this.placed(item, stageId, hooks);
      }
    } finally {
      this.stacks.pause(false);
    }
  }

  /**
   * A note dropped between others: out of its stack when it left it, into a stack when it
   * landed inside one, else a plain move.
   * @param {HTMLElement} li @param {number} stageId
   */
  placed(li, stageId, hooks) {
    const list = /** @type {HTMLElement} */ (this.board.stageList(stageId));
    const at = this.board.notesIn(list).indexOf(li);
    // The stacks it landed between: a head above it is its stack's top.
    const prev = /** @type {HTMLElement | null} */ (li.previousElementSibling);
    const next = /** @type {HTMLElement | null} */ (li.nextElementSibling);
    const above = prev ? (prev.matches(HEAD) ? prev.dataset.stackHead : prev.dataset.group) : undefined;
    const below = next && next.matches(NOTE) ? next.dataset.group : undefined;
    const own = li.dataset.group;
    if (this.mayGroup() && own && above !== own && below !== own) {
      this.operate("touchpoint.ungroup", { touchpoint: Number(li.dataset.touchpoint), stage: stageId, index: at });
      say(`Taken out of its stack, to ${stageName(this.board.element, stageId)}.`, "status");
    } else if (this.mayGroup() && above && above === below && above !== own) {
      this.stackOnto(li, /** @type {HTMLElement} */ (next));
    } else {
      hooks.moved(li, stageId);
    }
  }

  /** @param {HTMLElement} li @param {HTMLElement} onto */
  stackOnto(li, onto) {
    this.operate("touchpoint.stack", { touchpoint: Number(li.dataset.touchpoint), onto: Number(onto.dataset.touchpoint) });
    const group = onto.dataset.group ? groupName(this.board.element, onto.dataset.group) : null;
    say(group ? `Stacked into “${group}”.` : `Stacked with “${textOf(onto)}”: name the new stack with F2 on its title.`, "status");
  }

  /** @param {HTMLElement} head already where it was dropped @param {number} stageId */
  moveStack(head, stageId) {
    const group = head.dataset.stackHead || "";
    // Its index among the stage's notes outside the stack: those before the head.
    let index = 0;
    for (let el = head.previousElementSibling; el; el = el.previousElementSibling) {
      if (el.matches(NOTE) && /** @type {HTMLElement} */ (el).dataset.group !== group) index += 1;
    }
    this.operate("group.move", { group: Number(group), stage: stageId, index });
    say(`Stack moved to ${stageName(this.board.element, stageId)}.`, "status");
  }

  /** The notes of the run a head leads. @param {HTMLElement} head */
  runOf(head) {
    const run = [];
    for (let el = head.nextElementSibling; el && el.matches(NOTE); el = el.nextElementSibling) {
      if (/** @type {HTMLElement} */ (el).dataset.group !== head.dataset.stackHead) break;
      run.push(/** @type {HTMLElement} */ (el));
    }
    return run;
  }

  // --- keys ----------------------------------------------------------------------------------

  /**
   * The grouping keys (see the top of this file). True when the key was one of them.
   * @param {KeyboardEvent} e
   */
  onKey(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    if (this.picking) return this.pickKey(e);
    if (e.ctrlKey || e.metaKey) return false;
    if (target.matches?.(HEAD)) return this.headKey(e, target);
    if (!target.matches?.(NOTE) || e.altKey) return false;
    const key = e.key.toLowerCase();
    if (key === "g" && this.mayGroup()) {
      e.preventDefault();
      this.startPicking(target);
      return true;
    }
    if (key === "u" && this.mayGroup() && target.dataset.group) {
      e.preventDefault();
      this.operate("touchpoint.ungroup", { touchpoint: Number(target.dataset.touchpoint) });
      say(`“${textOf(target)}” taken out of its stack.`, "status");
      return true;
    }
    return false;
  }

  /** @param {HTMLElement} note */
  startPicking(note) {
    const candidates = /** @type {HTMLElement[]} */ ([...this.board.element.querySelectorAll(NOTE)]).filter((li) => li !== note);
    if (!candidates.length) {
      say("There is no other note to stack this one onto.");
      return;
    }
    const mine = [...this.board.element.querySelectorAll(NOTE)].indexOf(note);
    // Start on the note just above it (or the first one): the likeliest neighbour.
    this.picking = { note, candidates, at: Math.max(0, Math.min(mine - 1, candidates.length - 1)) };
    this.showPick();
  }

  showPick() {
    const picking = /** @type {NonNullable<Grouping["picking"]>} */ (this.picking);
    const onto = picking.candidates[picking.at];
    this.setTarget(onto);
    onto.scrollIntoView({ block: "nearest", inline: "nearest" });
    const stage = onto.closest("[data-stage]")?.getAttribute("data-stage") || "";
    const group = onto.dataset.group ? ` (stack “${groupName(this.board.element, onto.dataset.group)}”)` : "";
    say(`Stack onto “${textOf(onto)}”${group}, ${stageName(this.board.element, stage)}: arrows choose, Enter stacks, Escape cancels.`, "status");
  }

  /** @param {KeyboardEvent} e */
  pickKey(e) {
    const picking = /** @type {NonNullable<Grouping["picking"]>} */ (this.picking);
    const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[e.key];
    if (e.key !== "Tab") e.preventDefault(); // Tab cancels and still moves on
    if (step) {
      picking.at = (picking.at + step + picking.candidates.length) % picking.candidates.length;
      this.showPick();
    } else if (e.key === "Enter" || e.key === " ") {
      const onto = picking.candidates[picking.at];
      this.finishPicking();
      if (onto.isConnected && picking.note.isConnected) this.stackOnto(picking.note, onto);
      else say("That note is no longer on the board: not stacked.");
    } else if (e.key === "Escape" || e.key === "Tab") {
      this.finishPicking();
      say("Not stacked.", "status");
    }
    return true;
  }

  finishPicking() {
    const note = this.picking?.note;
    this.picking = null;
    this.setTarget(null);
    note?.focus();
  }

  /** @param {KeyboardEvent} e @param {HTMLElement} head */
  headKey(e, head) {
    const to = stepOf(e);
    const key = e.key.toLowerCase();
    if (to) {
      e.preventDefault();
      this.stepStack(head, to);
    } else if (e.key === "F2" || e.key === "Enter") {
      e.preventDefault();
      this.rename(head);
    } else if (key === "u" && this.mayGroup()) {
      e.preventDefault();
      const name = head.querySelector('[data-field="name"]')?.textContent || "";
      if (window.confirm(`Ungroup “${name}”? Its notes stay where they are.`)) {
        this.operate("group.delete", { group: Number(head.dataset.stackHead) });
      }
    } else {
      return false;
    }
    return true;
  }

  /**
   * Alt + arrows on a head: the stack moves one place up or down among the stage's other
   * notes, or to the neighbouring stage at the same row, as a note does.
   * @param {HTMLElement} head @param {string} to
   */
  stepStack(head, to) {
    const list = /** @type {HTMLElement} */ (head.parentElement);
    const group = head.dataset.stackHead || "";
    const others = this.board.notesIn(list).filter((li) => li.dataset.group !== group);
    let row = 0;
    for (let el = head.previousElementSibling; el; el = el.previousElementSibling) {
      if (el.matches(NOTE) && /** @type {HTMLElement} */ (el).dataset.group !== group) row += 1;
    }
    let stageId = Number(list.dataset.stageNotes);
    if (to === "up" || to === "down") {
      const index = row + (to === "up" ? -1 : 1);
      if (index < 0 || index > others.length) {
        say(`This stack is already at the ${to === "up" ? "top" : "bottom"} of its stage.`);
        return;
      }
      row = index;
    } else {
      const stages = [...this.board.element.querySelectorAll("ol[data-stage-notes]")].map((ol) => Number(/** @type {HTMLElement} */ (ol).dataset.stageNotes));
      const next = stages[stages.indexOf(stageId) + (to === "previous" ? -1 : 1)];
      if (next === undefined) {
        say(`This stack is already in the ${to === "previous" ? "first" : "last"} stage.`);
        return;
      }
      stageId = next;
    }
    this.refocus = { group, stage: stageId };
    this.operate("group.move", { group: Number(group), stage: stageId, index: row });
    say(`Stack moved to ${stageName(this.board.element, stageId)}, position ${row + 1}.`, "status");
  }

  // --- renaming in place ---------------------------------------------------------------------

  /**
   * The head's name becomes a field: Enter saves, Escape cancels, leaving it saves. Nothing
   * typed is lost: while it is open what is typed is kept (`draft`), and a field the board
   * took away (a fresh board, the stack re-laid) or a refused name opens again with it.
   * @param {HTMLElement} head
   * @param {string} [draft] the text to start from instead of the name
   */
  rename(head, draft) {
    if (head.querySelector("input")) return;
    if (!this.mayGroup()) {
      say("Stacks are renamed in the Group phase.");
      return;
    }
    const nameEl = /** @type {HTMLElement} */ (head.querySelector('[data-field="name"]'));
    const field = document.createElement("input");
    field.className = "stack-name-field";
    field.maxLength = NAME_MAX;
    field.value = draft ?? nameEl.textContent ?? "";
    field.setAttribute("aria-label", "Stack name (Enter saves, Escape cancels)");
    nameEl.hidden = true;
    nameEl.after(field);
    field.focus();
    field.select();
    const kept = { group: head.dataset.stackHead || "", name: field.value };
    this.draft = kept;
    field.addEventListener("input", () => {
      kept.name = field.value;
    });
    let finished = false;
    const finish = (/** @type {boolean} */ save) => {
      if (finished) return;
      finished = true;
      if (this.draft === kept) this.draft = null;
      const name = field.value.trim();
      field.remove();
      nameEl.hidden = false;
      head.focus();
      if (save && name && name !== nameEl.textContent) {
        // Shown when its event comes (or the map page's fresh board); a refusal reopens it.
        this.operate("group.rename", { group: Number(head.dataset.stackHead), name });
      }
    };
    field.addEventListener("keydown", (e) => {
      e.stopPropagation();
      if (e.key === "Enter") {
        e.preventDefault();
        finish(true);
      } else if (e.key === "Escape") {
        e.preventDefault();
        finish(false);
      }
    });
    field.addEventListener("blur", () => field.isConnected && finish(true));
  }

  /** A rename the board took away, or one refused, opens again with what was typed. */
  restoreDraft() {
    const draft = this.draft;
    if (!draft || this.board.element === this.staleBoard) return;
    this.staleBoard = null;
    const head = /** @type {HTMLElement | null} */ (this.board.element?.querySelector(`${HEAD}[data-stack-head="${Number(draft.group)}"]`) || null);
    if (head && !head.querySelector("input")) this.rename(head, draft.name);
  }

  /**
   * The server refused an operation this sent (the host tells). A refused name opens again
   * with what was typed; a refused drop goes back where it came from (the live page also
   * re-fetches the board; the map page keeps its board).
   * @param {string} type
   * @param {Record<string, unknown>} fields
   */
  refused(type, fields) {
    if (type === "group.rename") {
      this.draft = { group: String(fields.group), name: String(fields.name) };
      // Where a refusal brings a fresh board (the live page), the name opens on that one:
      // opened on this one, it would be swept away under the user's typing.
      this.staleBoard = this.refetchesOnRefusal ? this.board.element : null;
      this.restoreDraft();
      return;
    }
    const drag = this.lastDrag;
    this.lastDrag = null;
    if (drag && drag.item.isConnected) {
      drag.from.insertBefore(drag.item, drag.next && drag.next.parentElement === drag.from ? drag.next : null);
    }
  }

  /** After each layout of the stacks: focus and drafts that wait for a head. */
  afterLayout() {
    this.refocusMoved();
    this.restoreDraft();
  }

  /** Listen on a (freshly rendered) board: double click renames, keys group. @param {HTMLElement} boardEl */
  bindBoard(boardEl) {
    boardEl.addEventListener("dblclick", (e) => {
      const head = /** @type {HTMLElement} */ (e.target).closest?.(HEAD);
      if (head && !/** @type {HTMLElement} */ (e.target).closest("input")) this.rename(/** @type {HTMLElement} */ (head));
    });
  }

  /**
   * After a stack moved by keys, its head (a new one when it changed stage) takes the focus
   * back, once it is in the stage it went to. Called after each layout.
   */
  refocusMoved() {
    if (!this.refocus) return;
    const { group, stage } = this.refocus;
    const list = this.board.stageList(stage);
    const head = /** @type {HTMLElement | null} */ (list?.querySelector(`:scope > ${HEAD}[data-stack-head="${group}"]`) || null);
    if (!head) return;
    this.refocus = null;
    if (document.activeElement !== head) head.focus();
  }
}

/**
 * The note sheet's "Move to stack…" (phones: no drag across screens): filled for the note the
 * sheet opens on, with the board's stacks and the notes a new stack could start with.
 * @param {HTMLDialogElement} dialog #note-sheet (templates/workshops/live.html)
 * @param {Grouping} grouping
 */
export function bindSheetStacks(dialog, grouping) {
  const part = /** @type {HTMLElement | null} */ (dialog.querySelector("[data-sheet-stacks]"));
  const select = /** @type {HTMLSelectElement | null} */ (dialog.querySelector("[data-sheet-stack-onto]"));
  const out = /** @type {HTMLButtonElement | null} */ (dialog.querySelector('[data-sheet-stack="unstack"]'));
  if (!part || !select || !out) return;
  /** @type {HTMLElement | null} */
  let note = null;
  // After the sheet's own listener (registered first) has opened it on the note.
  document.addEventListener("click", (e) => {
    const li = /** @type {HTMLElement} */ (e.target).closest?.("#board [data-note-menu]")?.closest(NOTE);
    if (!li) return;
    note = /** @type {HTMLElement} */ (li);
    part.hidden = !grouping.mayGroup();
    const board = grouping.board.element;
    /** @type {HTMLOptionElement[]} */
    const options = [];
    const seen = new Set();
    for (const other of /** @type {NodeListOf<HTMLElement>} */ (board.querySelectorAll(NOTE))) {
      if (other === note) continue;
      const group = other.dataset.group;
      if (group && !seen.has(group)) {
        seen.add(group);
        if (group !== note.dataset.group) options.push(new Option(`Stack “${groupName(board, group) || ""}”`, other.dataset.touchpoint));
      } else if (!group) {
        options.push(new Option(`New stack with “${textOf(other)}”`, other.dataset.touchpoint));
      }
    }
    select.replaceChildren(...options);
    select.disabled = options.length === 0;
    out.hidden = !note.dataset.group;
  });
  dialog.querySelector('[data-sheet-stack="stack"]')?.addEventListener("click", () => {
    const onto = select.value ? grouping.board.noteEl(Number(select.value)) : null;
    if (note?.isConnected && onto) grouping.stackOnto(note, onto);
    dialog.close();
  });
  out.addEventListener("click", () => {
    if (note?.isConnected && note.dataset.group) {
      grouping.operate("touchpoint.ungroup", { touchpoint: Number(note.dataset.touchpoint) });
      say(`“${textOf(note)}” taken out of its stack.`, "status");
    }
    dialog.close();
  });
}
