// Which of the live page's controls work now, and why the others do not: controls the server
// would refuse are disabled, with the reason beside them, and change as soon as the phase, the
// lock or the workshop's end changes. The rules are the server's: every workshop.state carries
// `gates` (maps.permissions.workshop_gates: for each activity and role, the sentence saying why
// it is refused now, or null), and this only reads the line for the page's role. Text fields
// stay editable while their button is disabled: what someone is typing is never taken away.

/** @typedef {"edit" | "vote" | "act"} Activity notes (add, edit, move, group); votes; action items */
/** @typedef {Record<Activity, string | null>} ControlStates why each is refused (null: it is not) */
/** @typedef {Record<string, Record<string, string | null>>} Gates workshop.state's `gates` */

export const ACTIVITIES = /** @type {Activity[]} */ (["edit", "vote", "act"]);
const UNKNOWN_ROLE = "Your role in this workshop does not allow that.";

/**
 * Why each activity is refused now for a member in `role` (null: it is not). Without gates
 * (an older server) nothing is disabled here: the server still refuses, and the page says why.
 * @param {Gates | null | undefined} gates
 * @param {string} role the role the page was made for (#facilitation[data-role])
 * @returns {ControlStates}
 */
export function controlStates(gates, role) {
  const states = /** @type {ControlStates} */ ({ edit: null, vote: null, act: null });
  if (!gates) return states;
  for (const activity of ACTIVITIES) {
    const byRole = gates[activity];
    if (!byRole) continue;
    states[activity] = role in byRole ? byRole[role] ?? null : UNKNOWN_ROLE;
  }
  return states;
}

/** Whether two states disable the same things for the same reasons. */
export function sameStates(/** @type {ControlStates} */ a, /** @type {ControlStates} */ b) {
  return ACTIVITIES.every((activity) => a[activity] === b[activity]);
}

export class Controls {
  /**
   * @param {object} options
   * @param {string} options.role
   * @param {Gates | null} options.gates the state the page was rendered with
   */
  constructor({ role, gates }) {
    this.role = role;
    this.states = controlStates(gates, role);
    /** @type {Array<(states: ControlStates) => void>} */
    this.listeners = [];
  }

  /** @param {Activity} activity @returns {string | null} */
  refusal(activity) {
    return this.states[activity];
  }

  /** @param {(states: ControlStates) => void} listener called after every change */
  onChange(listener) {
    this.listeners.push(listener);
  }

  /** A workshop.state (from a hello, a broadcast or an ack). */
  update(/** @type {{gates?: Gates} | null | undefined} */ state) {
    if (!state || !state.gates) return;
    const next = controlStates(state.gates, this.role);
    if (sameStates(next, this.states)) return;
    this.states = next;
    this.render();
    for (const listener of this.listeners) listener(next);
  }

  /** Show the states on the board (again after every re-fetch: it is new markup). */
  render() {
    const board = document.getElementById("board");
    if (!board) return;
    const { edit, act } = this.states;
    board.toggleAttribute("data-edit-refused", Boolean(edit));
    for (const form of board.querySelectorAll("form[data-add-note]")) {
      refuseForm(/** @type {HTMLFormElement} */ (form), edit);
    }
    for (const button of board.querySelectorAll("[data-note-menu]")) {
      const menu = /** @type {HTMLButtonElement} */ (button);
      menu.disabled = Boolean(edit);
      if (edit) menu.title = edit;
      else menu.removeAttribute("title");
    }
    // SortableJS, on every stage's list (gestures.js made them): no drag while refused.
    const Sortable = /** @type {any} */ (window).Sortable;
    for (const list of board.querySelectorAll("ol[data-stage-notes]")) {
      Sortable?.get?.(list)?.option("disabled", Boolean(edit));
    }
    const actions = board.querySelector("[data-actions]");
    if (actions) {
      for (const form of actions.querySelectorAll("form[data-operation]")) {
        refuseForm(/** @type {HTMLFormElement} */ (form), act, false);
      }
      // Without forms (an observer's, a closed workshop's) there is nothing to explain.
      const forms = actions.querySelector("form[data-operation]");
      showReason(/** @type {HTMLElement} */ (actions), forms ? act : null, "why-not-actions");
    }
  }
}

/**
 * Disable a form's buttons, selects and date fields (choosing is not typing), keeping its text
 * fields as they are.
 * @param {HTMLFormElement} form
 * @param {string | null} reason
 * @param {boolean} [reasonInside] show the reason in the form itself
 */
function refuseForm(form, reason, reasonInside = true) {
  form.toggleAttribute("data-refused", Boolean(reason));
  for (const field of form.querySelectorAll("button, select, input[type=date]")) {
    /** @type {HTMLButtonElement} */ (field).disabled = Boolean(reason);
  }
  if (reasonInside) showReason(form, reason, `why-not-add-${form.dataset.addNote || ""}`);
}

/**
 * The reason line of a form or a section: made when first needed, emptied and hidden when
 * nothing is refused. Screen readers hear it with the field it describes.
 * @param {HTMLElement} where
 * @param {string | null} reason
 * @param {string} id the line's id
 */
function showReason(where, reason, id) {
  let line = /** @type {HTMLElement | null} */ (where.querySelector(":scope > [data-why-not]"));
  if (!line && !reason) return;
  if (!line) {
    line = document.createElement("p");
    line.className = "why-not";
    line.dataset.whyNot = "";
    line.id = id;
    // Under the section's heading (or its summary row, when it folds), else at the form's end.
    const heading = where.querySelector(":scope > summary, :scope > h2");
    if (heading) heading.after(line);
    else where.append(line);
    for (const input of where.querySelectorAll("input:not([type=hidden]), textarea")) {
      input.setAttribute("aria-describedby", line.id);
    }
  }
  line.textContent = reason || "";
  line.hidden = !reason;
}
