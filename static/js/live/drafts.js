// Words being typed survive the board being fetched again. The live page re-renders #board
// from the server after structural events, a refusal and action events (board-dom.js); a
// fresh board has fresh, empty fields. Just before htmx swaps it in, every field of the old
// board that holds something else than the server rendered (an add-note field, an action's
// text, a chosen owner) is read by its id; once the fresh board is in, the same ids get their
// values back, and the field that had the focus gets it back with its caret.

/**
 * @typedef {object} Draft
 * @property {string} value
 * @property {number | null} start the caret (text fields)
 * @property {number | null} end
 */

/**
 * The fields of `root` whose value differs from the page's, by id.
 * @param {ParentNode} root
 * @returns {Map<string, Draft>}
 */
export function readDrafts(root) {
  /** @type {Map<string, Draft>} */
  const drafts = new Map();
  for (const field of root.querySelectorAll("input[id], textarea[id], select[id]")) {
    const el = /** @type {HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} */ (field);
    if (el instanceof HTMLInputElement && (el.type === "hidden" || el.type === "checkbox" || el.type === "radio")) continue;
    if (!changed(el)) continue;
    const text = el instanceof HTMLSelectElement ? null : el;
    drafts.set(el.id, { value: el.value, start: text?.selectionStart ?? null, end: text?.selectionEnd ?? null });
  }
  return drafts;
}

/** @param {HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} el */
function changed(el) {
  if (el instanceof HTMLSelectElement) return [...el.options].some((o) => o.selected !== o.defaultSelected);
  return el.value !== el.defaultValue;
}

/**
 * Put drafts back into `root`'s fields of the same ids (a field that no longer exists: its
 * draft is dropped, e.g. the form of an action deleted meanwhile).
 * @param {ParentNode} root
 * @param {Map<string, Draft>} drafts
 */
export function writeDrafts(root, drafts) {
  for (const [id, draft] of drafts) {
    const el = /** @type {HTMLInputElement | HTMLSelectElement | null} */ (root.querySelector(`#${CSS.escape(id)}`));
    if (!el) continue;
    // A select keeps the server's choice when the draft's is no longer offered.
    if (el instanceof HTMLSelectElement && ![...el.options].some((o) => o.value === draft.value)) continue;
    el.value = draft.value;
    // A draft in a closed disclosure (an action's "Edit") is shown, not hidden away.
    const details = el.closest("details");
    if (details) details.open = true;
  }
}

/**
 * Keep drafts across the board's re-fetches.
 * @param {import("./board-dom.js").BoardDom} board
 */
export function keepDrafts(board) {
  /** @type {Map<string, Draft>} */
  let saved = new Map();
  /** @type {string | null} */
  let focusedId = null;
  document.addEventListener("htmx:beforeSwap", (e) => {
    const detail = /** @type {CustomEvent} */ (e).detail;
    if (!detail || detail.target !== board.element) return;
    saved = readDrafts(board.element);
    const active = document.activeElement;
    focusedId = active && active.id && board.element.contains(active) && saved.has(active.id) ? active.id : null;
  });
  board.onFresh((fresh) => {
    writeDrafts(fresh, saved);
    if (focusedId) {
      const el = /** @type {HTMLInputElement | null} */ (fresh.querySelector(`#${CSS.escape(focusedId)}`));
      const draft = saved.get(focusedId);
      if (el && draft) {
        el.focus();
        if (draft.start !== null && "setSelectionRange" in el) {
          try {
            el.setSelectionRange(draft.start, draft.end ?? draft.start);
          } catch {
            /* a field without a caret (date) */
          }
        }
      }
    }
    saved = new Map();
    focusedId = null;
  });
}
