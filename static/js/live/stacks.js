// The stacks' layout, on both board pages: a group's notes side by side in a stage show as one
// stack under a head with the group's name and count. The server renders heads and marks
// (maps/markup.py); this keeps them where the runs are as notes move live or the board is
// swapped (docs/design.md, "Stacks"). The gestures on stacks are groups.js's.

export const NOTE = "li[data-touchpoint]";
export const HEAD = "li[data-stack-head]";

/** @param {HTMLElement} board @param {number | string} id */
export function groupName(board, id) {
  const known = board.querySelector(`[data-groups] > [data-group-name="${Number(id)}"]`);
  return known ? known.textContent || "" : null;
}

/** @param {Element | null} el */
export function textOf(el) {
  return el?.querySelector('[data-field="text"]')?.textContent || "";
}

/** @param {HTMLElement} board @param {number | string} stageId */
export function stageName(board, stageId) {
  return board.querySelector(`[data-stage="${Number(stageId)}"] [data-lane="name"]`)?.textContent || "the stage";
}

// --- the stacks' layout ------------------------------------------------------------------

/**
 * Put a head before each run of one group's notes in every stage, with its name and count, and
 * mark each run's notes (data-stack: "in", "end" on its last) for the stack's frame. Heads are
 * moved, not re-made: one being renamed keeps what is typed. Idempotent: nothing changes when
 * all is in place (the observer below relies on that).
 * @param {HTMLElement} board #board
 */
export function layoutStacks(board) {
  const template = /** @type {HTMLTemplateElement | null} */ (board.querySelector("template[data-stack-template]"));
  for (const list of board.querySelectorAll("ol[data-stage-notes]")) layoutList(board, list, template);
}

/** @param {HTMLElement} board @param {Element} list @param {HTMLTemplateElement | null} template */
function layoutList(board, list, template) {
  /** @type {Map<string, HTMLElement[]>} */
  const spare = new Map();
  for (const head of /** @type {NodeListOf<HTMLElement>} */ (list.querySelectorAll(`:scope > ${HEAD}`))) {
    const id = head.dataset.stackHead || "";
    spare.set(id, [...(spare.get(id) || []), head]);
  }
  const notes = /** @type {HTMLElement[]} */ ([...list.querySelectorAll(`:scope > ${NOTE}`)]);
  for (let start = 0; start < notes.length; ) {
    const group = notes[start].dataset.group;
    let end = start + 1;
    while (group && end < notes.length && notes[end].dataset.group === group) end += 1;
    notes.slice(start, end).forEach((li, i) => mark(li, group ? (start + i === end - 1 ? "end" : "in") : null));
    if (group) {
      const head = spare.get(group)?.shift() || (template ? newHead(template, group) : null);
      if (head) {
        if (notes[start].previousElementSibling !== head) {
          const focused = document.activeElement === head; // moving it takes the focus away
          list.insertBefore(head, notes[start]);
          if (focused) head.focus();
        }
        fillHead(head, groupName(board, group), end - start);
      }
    }
    start = end;
  }
  for (const heads of spare.values()) heads.forEach((head) => head.remove());
}

/** @param {HTMLElement} li @param {string | null} value */
function mark(li, value) {
  if (value === null) {
    if (li.hasAttribute("data-stack")) delete li.dataset.stack;
  } else if (li.dataset.stack !== value) li.dataset.stack = value;
}

/** @param {HTMLTemplateElement} template @param {string} group */
function newHead(template, group) {
  const head = /** @type {HTMLElement} */ (/** @type {HTMLElement} */ (template.content.firstElementChild).cloneNode(true));
  head.dataset.stackHead = group;
  return head;
}

/** @param {HTMLElement} head @param {string | null} name null: keep the shown one @param {number} count */
function fillHead(head, name, count) {
  const nameEl = /** @type {HTMLElement} */ (head.querySelector('[data-field="name"]'));
  const countEl = /** @type {HTMLElement} */ (head.querySelector('[data-field="count"]'));
  if (name !== null && nameEl.textContent !== name) nameEl.textContent = name;
  if (countEl.textContent !== String(count)) countEl.textContent = String(count);
  const label = `${nameEl.textContent}, a stack of ${count} note${count === 1 ? "" : "s"}`;
  if (head.title !== label) head.title = label;
}

/**
 * Keep the stacks laid out whatever changes the board: events patched in, a re-fetched or
 * swapped board (observed from #board's parent, so a fresh #board is seen too).
 * @param {HTMLElement} container
 * @param {(board: HTMLElement) => void} [after] called after each layout
 * @returns {{pause: (paused: boolean) => void}}
 */
export function keepStacks(container, after) {
  let paused = false;
  const run = () => {
    const board = /** @type {HTMLElement | null} */ (container.querySelector("#board"));
    if (!board || paused) return;
    layoutStacks(board);
    after?.(board);
    observer.takeRecords(); // our own changes
  };
  // Only what can change a stack: a list's notes (added, moved, removed), a note's group, a
  // group's name (the board's [data-groups]), or a fresh board. Presence labels, meta lines and editors inside notes are left alone.
  const matters = (/** @type {MutationRecord} */ record) => {
    const target = /** @type {Element} */ (record.target);
    return record.type === "attributes" || target === container || Boolean(target.matches?.("ol[data-stage-notes]") || target.closest?.("[data-groups]"));
  };
  const observer = new MutationObserver((records) => {
    if (records.some(matters)) run();
  });
  observer.observe(container, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-group"] });
  run();
  return {
    pause(value) {
      paused = value;
      if (!paused) run();
    },
  };
}
