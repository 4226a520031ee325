// Several personas on one board (issue 20), on the map's page and the live page: each persona's
// curve shown or hidden from its legend button, the persona filter that dims the notes not on
// that persona's journey, and a small "only for" mark on the notes that name their personas.
// A view, like board-view.js: nothing here changes the map. The server renders #board again
// after edits (htmx, or the live page's re-fetch); the view is kept per map and page and put
// back on every fresh board. Hooks (docs/design.md, "Several personas"): [data-curve-toggle],
// g[data-persona-curve], select[data-persona-filter], the JSON #persona-scopes (note id ->
// persona ids; a note not listed is everyone's), li[data-touchpoint].

/** @typedef {{hidden: number[], filter: number | null}} SegmentsView */

class SegmentsBoard {
  constructor() {
    /** @type {HTMLElement | null} */
    this.board = null;
    /** @type {SegmentsView} */
    this.view = { hidden: [], filter: null };
  }

  get key() {
    const page = document.getElementById("live") ? "live" : "map";
    return `journeymap-segments-${page}-${this.board ? this.board.dataset.map : ""}`;
  }

  load() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(this.key) || "{}");
      const hidden = Array.isArray(saved.hidden) ? saved.hidden.filter(Number.isInteger) : [];
      const filter = Number.isInteger(saved.filter) ? saved.filter : null;
      this.view = { hidden, filter };
    } catch {
      this.view = { hidden: [], filter: null };
    }
  }

  save() {
    try {
      window.sessionStorage.setItem(this.key, JSON.stringify(this.view));
    } catch {
      // Storage off: the view lasts as long as the page.
    }
  }

  start() {
    document.addEventListener("click", (e) => this.onClick(e));
    document.addEventListener("change", (e) => this.onChange(e));
    const board = document.getElementById("board");
    if (!board || !board.parentElement) return;
    new MutationObserver(() => {
      const fresh = document.getElementById("board");
      if (fresh && fresh !== this.board) this.attach(fresh);
    }).observe(board.parentElement, { childList: true });
    // Notes patched in by the live page (added, changed): mark them too.
    let pending = false;
    new MutationObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        this.markNotes();
      });
    }).observe(board.parentElement, { childList: true, subtree: true });
    this.attach(board);
  }

  /** @param {HTMLElement} board */
  attach(board) {
    this.board = board;
    this.load();
    this.apply();
  }

  /** The personas on the board, by id: their names, from the legend. */
  get personas() {
    /** @type {Map<number, string>} */
    const names = new Map();
    for (const button of this.board ? this.board.querySelectorAll("[data-curve-toggle]") : []) {
      names.set(Number(/** @type {HTMLElement} */ (button).dataset.curveToggle), (button.textContent || "").trim());
    }
    return names;
  }

  /** @returns {Record<string, number[]>} */
  get scopes() {
    const script = document.getElementById("persona-scopes");
    try {
      return script ? JSON.parse(script.textContent || "{}") : {};
    } catch {
      return {};
    }
  }

  apply() {
    const board = this.board;
    if (!board) return;
    const personas = this.personas;
    if (this.view.filter !== null && !personas.has(this.view.filter)) this.view.filter = null;
    for (const button of board.querySelectorAll("[data-curve-toggle]")) {
      const id = Number(/** @type {HTMLElement} */ (button).dataset.curveToggle);
      button.setAttribute("aria-pressed", String(!this.view.hidden.includes(id)));
    }
    for (const curve of board.querySelectorAll("[data-persona-curve]")) {
      const id = Number(/** @type {HTMLElement} */ (curve).dataset.personaCurve);
      curve.classList.toggle("curve-hidden", this.view.hidden.includes(id));
    }
    const select = /** @type {HTMLSelectElement | null} */ (board.querySelector("select[data-persona-filter]"));
    if (select) select.value = this.view.filter === null ? "" : String(this.view.filter);
    if (this.view.filter === null) delete board.dataset.personaFilter;
    else board.dataset.personaFilter = String(this.view.filter);
    this.markNotes();
  }

  /** Each note: dimmed when the filter's persona does not meet it; "only for" when scoped. */
  markNotes() {
    const board = this.board;
    if (!board || !board.isConnected) return;
    const personas = this.personas;
    if (personas.size < 2) return;
    const scopes = this.scopes;
    const filter = this.view.filter;
    const filterName = filter === null ? "" : personas.get(filter) || "";
    for (const note of board.querySelectorAll("li[data-touchpoint]")) {
      const li = /** @type {HTMLElement} */ (note);
      const scope = scopes[li.dataset.touchpoint || ""] || [];
      const off = filter !== null && scope.length > 0 && !scope.includes(filter);
      if (off) {
        li.dataset.offJourney = "";
        li.setAttribute("aria-description", `Not on ${filterName}'s journey`);
      } else if ("offJourney" in li.dataset) {
        delete li.dataset.offJourney;
        li.removeAttribute("aria-description");
      }
      this.markScope(li, scope, personas);
    }
  }

  /**
   * @param {HTMLElement} li
   * @param {number[]} scope
   * @param {Map<number, string>} personas
   */
  markScope(li, scope, personas) {
    let mark = /** @type {HTMLElement | null} */ (li.querySelector(":scope > .note-scope"));
    if (!scope.length) {
      mark?.remove();
      return;
    }
    const text = `Only for ${scope.map((id) => personas.get(id) || "").filter(Boolean).join(", ")}`;
    if (mark && mark.textContent === text) return;
    if (!mark) {
      mark = document.createElement("p");
      mark.className = "note-scope";
      const heat = li.querySelector(":scope > .heat");
      li.insertBefore(mark, heat);
    }
    mark.textContent = text; // names are user text: only ever as text
  }

  /** @param {Event} e */
  onClick(e) {
    const button = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest("[data-curve-toggle]"));
    if (!button || !this.board || !this.board.contains(button)) return;
    const id = Number(button.dataset.curveToggle);
    const hidden = new Set(this.view.hidden);
    if (hidden.has(id)) hidden.delete(id);
    else hidden.add(id);
    this.view.hidden = [...hidden];
    this.save();
    this.apply();
  }

  /** @param {Event} e */
  onChange(e) {
    const select = /** @type {HTMLSelectElement} */ (e.target);
    if (!select.matches || !select.matches("select[data-persona-filter]")) return;
    this.view.filter = select.value ? Number(select.value) : null;
    this.save();
    this.apply();
  }
}

new SegmentsBoard().start();
