// The map page's board for its editors: the live board's drag and drop and stacks
// (live/groups.js: the same lists, the same drop rules, the same operations by name), posted
// through htmx to the board's operate endpoint instead of a socket; and the keyboard's moves:
// Alt + arrow keys on a focused note move it up, down, or to the previous or next stage
// (keyboard.js), through the same htmx endpoint as the "Move" buttons. Every post answers with
// the whole board; a moved note comes back with autofocus, so focus stays on it.
import { stepOf } from "./keyboard.js";
import { BoardDom } from "./live/board-dom.js";
import { Grouping } from "./live/groups.js";
import { keepStacks } from "./live/stacks.js";
import { inTextField, undoKeyOf } from "./undo-keys.js";

// Ctrl/⌘ + Z and Ctrl/⌘ + Shift + Z (or Ctrl + Y): the board bar's Undo and Redo buttons, which
// post through htmx. Not while typing in a field (its own undo), nor with nothing to undo.
document.addEventListener("keydown", (event) => {
  const kind = undoKeyOf(event);
  if (!kind || inTextField(event.target)) return;
  const button = document.querySelector(`#board [data-undo="${kind}"]`);
  if (!(button instanceof HTMLElement)) return;
  event.preventDefault();
  if (button.getAttribute("aria-disabled") !== "true") button.click();
  else {
    const status = document.getElementById("board-status");
    if (status) status.textContent = button.title + ".";
  }
});

const board = new BoardDom({ url: "", channels: {} });
/** @type {Grouping | null} */
let grouping = null;

/**
 * One operation, posted as the live board would send it (maps.views.board_operate).
 * @param {string} type
 * @param {Record<string, unknown>} fields
 */
function operate(type, fields) {
  const url = board.element?.dataset.operateUrl;
  const htmx = /** @type {any} */ (window).htmx;
  if (!url || !htmx) return;
  /** @type {Record<string, string>} */
  const values = { type };
  for (const [name, value] of Object.entries(fields)) values[name] = String(value);
  // A refusal (422) shows its reason in the board's status line and keeps the board: the
  // grouping puts back what it showed early (a drop) or reopens what was typed (a name).
  let status = 0;
  const answered = (/** @type {any} */ e) => {
    status = e.detail.xhr?.status || 0;
  };
  document.addEventListener("htmx:afterRequest", answered, { once: true });
  Promise.resolve(htmx.ajax("POST", url, { target: "#board", swap: "outerHTML", values })).then(() => {
    if (status >= 400) grouping?.refused(type, fields);
  });
}

const container = board.element?.parentElement;
if (container) {
  const stacks = keepStacks(container, () => grouping?.afterLayout());
  // Editors group on the map page at any time (no workshop phase here).
  grouping = new Grouping({ board, operate, mayGroup: () => true, stacks });
  const ready = grouping;
  /** @type {WeakSet<HTMLElement>} */
  const bound = new WeakSet();
  const bind = () => {
    const element = board.element;
    if (!element || bound.has(element)) return;
    bound.add(element);
    ready.bindBoard(element);
    ready.bindLists(element, {
      moved: (li, stageId) => {
        const list = /** @type {HTMLElement} */ (board.stageList(stageId));
        operate("touchpoint.move", { touchpoint: Number(li.dataset.touchpoint), stage: stageId, index: board.notesIn(list).indexOf(li) });
      },
    });
  };
  bind();
  // Every edit swaps in a fresh #board: its lists are made draggable again.
  document.addEventListener("htmx:afterSettle", bind);

  document.addEventListener("keydown", (event) => {
    if (ready.onKey(event)) return;
    const note = event.target;
    const to = stepOf(event);
    if (!to || !(note instanceof HTMLElement) || !note.matches("li[data-touchpoint]")) {
      return;
    }
    const url = board.element?.dataset.moveUrl;
    const htmx = /** @type {any} */ (window).htmx;
    if (!url || !htmx) {
      return;
    }
    event.preventDefault();
    htmx.ajax("POST", url, {
      source: note,
      target: "#board",
      swap: "outerHTML",
      values: { touchpoint: note.dataset.touchpoint, to },
    });
  });
}

// Ready for the keyboard: the keys above are bound and htmx has taken over the board. A module
// runs before DOMContentLoaded, and htmx (a deferred script before it) processes the page on
// that event, its listener added first: so mark on the same event, after htmx's. Browser tests
// wait for the mark after a page load before they type, as no person could so soon.
const markReady = () => document.body.setAttribute("data-editor-ready", "");
if (document.readyState === "complete") markReady();
else document.addEventListener("DOMContentLoaded", markReady, { once: true });
