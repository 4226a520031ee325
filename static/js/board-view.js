// How the board is viewed, on the map's page and the live page (issue 16): zoom (buttons and
// Ctrl / Cmd + − 0), fit to screen, which lanes show, the stage tabs of a phone, and the board's
// scroll position. The server re-renders #board after edits (htmx on the map's page, a
// re-fetch on the live page): the view is kept here, per map and page, and put back on every
// fresh board before it is painted. Nothing here changes the map. The arithmetic is
// view/zoom.js (unit-tested under Node).

import { clampZoom, fitZoom, nearestStage, zoomIn, zoomKey, zoomLabel, zoomOut } from "./view/zoom.js";

const PHONE = "(max-width: 799px)";
const LANES = new Set(["hidden", "compact", "full"]);

/** @typedef {{zoom: number, lanes: string | null, allLanes: boolean, actions: boolean | null}} View */

class BoardView {
  constructor() {
    /** @type {HTMLElement | null} the #board the view was last put on */
    this.board = null;
    this.scroll = { left: 0, top: 0 };
    this.view = this.load();
  }

  get key() {
    const board = document.getElementById("board");
    const page = document.getElementById("live") ? "live" : "map";
    return `journeymap-view-${page}-${board ? board.dataset.map : ""}`;
  }

  /** @returns {View} */
  load() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(this.key) || "{}");
      const actions = typeof saved.actions === "boolean" ? saved.actions : null;
      return { zoom: clampZoom(Number(saved.zoom || 1)), lanes: LANES.has(saved.lanes) ? saved.lanes : null, allLanes: saved.allLanes === true, actions };
    } catch {
      return { zoom: 1, lanes: null, allLanes: false, actions: null };
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
    document.addEventListener("keydown", (e) => this.onKey(e));
    // The action panel's fold is the person's choice, kept across re-renders (toggle does not bubble).
    document.addEventListener("toggle", (e) => this.onToggle(e), true);
    const board = document.getElementById("board");
    if (!board || !board.parentElement) return;
    // A fresh #board replaces the old one in the same parent: put the view back on it.
    new MutationObserver(() => {
      const fresh = document.getElementById("board");
      if (fresh && fresh !== this.board) this.attach(fresh, true);
    }).observe(board.parentElement, { childList: true });
    this.attach(board, false);
  }

  /**
   * @param {HTMLElement} board
   * @param {boolean} restore scroll back to where the old board was
   */
  attach(board, restore) {
    this.board = board;
    this.apply();
    const scroller = this.scroller;
    if (!scroller) return;
    if (restore) {
      scroller.scrollLeft = this.scroll.left;
      scroller.scrollTop = this.scroll.top;
    }
    let pending = false;
    scroller.addEventListener("scroll", () => {
      this.scroll = { left: scroller.scrollLeft, top: scroller.scrollTop };
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        this.markTab();
      });
    }, { passive: true });
    this.markTab();
  }

  /** @returns {HTMLElement | null} */
  get scroller() {
    return this.board && this.board.querySelector("[data-board-scroll]");
  }

  /** Lanes default to the page's own (the map's page: full; live: compact), hidden on phones. */
  get lanes() {
    if (this.view.lanes) return this.view.lanes;
    if (window.matchMedia(PHONE).matches) return "hidden";
    return (this.board && this.board.dataset.lanesDefault) || "full";
  }

  apply() {
    const board = this.board;
    if (!board) return;
    board.dataset.lanes = this.lanes;
    if (this.view.allLanes) board.dataset.allLanes = "";
    else delete board.dataset.allLanes;
    board.style.setProperty("--board-zoom", String(this.view.zoom));
    const label = board.querySelector("[data-zoom-label]");
    if (label) label.textContent = zoomLabel(this.view.zoom);
    for (const radio of board.querySelectorAll("input[data-lanes-view]")) {
      /** @type {HTMLInputElement} */ (radio).checked = /** @type {HTMLInputElement} */ (radio).value === this.lanes;
    }
    const all = /** @type {HTMLInputElement | null} */ (board.querySelector("input[data-all-lanes]"));
    if (all) all.checked = this.view.allLanes;
    const actions = /** @type {HTMLDetailsElement | null} */ (board.querySelector("details[data-actions]"));
    // Unless the person chose, the page's default, folded on a phone: the notes keep the screen.
    if (actions && this.view.actions !== null) actions.open = this.view.actions;
    else if (actions && window.matchMedia(PHONE).matches) actions.open = false;
  }

  /** @param {Event} event */
  onToggle(event) {
    const target = /** @type {HTMLElement} */ (event.target);
    if (!(target instanceof HTMLDetailsElement) || !target.matches("[data-actions]") || target.closest("#board") !== this.board) return;
    if (this.view.actions === target.open) return;
    this.view.actions = target.open;
    this.save();
  }

  /** @param {number} zoom */
  setZoom(zoom) {
    const scroller = this.scroller;
    const before = this.view.zoom;
    this.view.zoom = clampZoom(zoom);
    this.apply();
    this.save();
    // Keep what was in the middle of the view in the middle.
    if (scroller && before !== this.view.zoom) {
      const ratio = this.view.zoom / before;
      const w = scroller.clientWidth / 2;
      const h = scroller.clientHeight / 2;
      scroller.scrollLeft = (scroller.scrollLeft + w) * ratio - w;
      scroller.scrollTop = (scroller.scrollTop + h) * ratio - h;
    }
  }

  /** Every stage and note in view: measured at zoom 1 with the stages at their narrowest. */
  fit() {
    const scroller = this.scroller;
    const grid = scroller && /** @type {HTMLElement | null} */ (scroller.querySelector(".stages"));
    if (!scroller || !grid || !this.board) return;
    this.board.style.setProperty("--board-zoom", "1");
    grid.classList.add("measuring");
    const size = grid.getBoundingClientRect();
    grid.classList.remove("measuring");
    const room = { width: scroller.clientWidth, height: scroller.clientHeight };
    this.view.zoom = fitZoom({ width: size.width, height: size.height }, room);
    this.apply();
    this.save();
    scroller.scrollTo(0, 0);
  }

  /** @param {Event} e */
  onClick(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    const zoom = target.closest && /** @type {HTMLElement | null} */ (target.closest("#board [data-zoom]"));
    if (zoom) {
      const how = zoom.dataset.zoom;
      if (how === "in") this.setZoom(zoomIn(this.view.zoom));
      else if (how === "out") this.setZoom(zoomOut(this.view.zoom));
      else if (how === "reset") this.setZoom(1);
      else if (how === "fit") this.fit();
      return;
    }
    const tab = target.closest && /** @type {HTMLAnchorElement | null} */ (target.closest("#board [data-stage-tab]"));
    if (tab) {
      e.preventDefault();
      this.showStage(tab.dataset.stageTab || "");
    }
  }

  /** @param {Event} e */
  onChange(e) {
    const input = /** @type {HTMLInputElement} */ (e.target);
    if (input.matches("#board input[data-lanes-view]")) this.view.lanes = input.value;
    else if (input.matches("#board input[data-all-lanes]")) this.view.allLanes = input.checked;
    else return;
    this.apply();
    this.save();
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    const how = zoomKey(e);
    if (!how || !this.board || !this.scroller) return;
    // The board's zoom instead of the browser's: the page around it stays readable.
    e.preventDefault();
    if (how === "in") this.setZoom(zoomIn(this.view.zoom));
    else if (how === "out") this.setZoom(zoomOut(this.view.zoom));
    else this.setZoom(1);
  }

  /** Scroll a stage into the middle of the board (a phone's tab). @param {string} id */
  showStage(id) {
    const scroller = this.scroller;
    const stage = scroller && scroller.querySelector(`[data-stage="${Number(id)}"]`);
    if (!scroller || !stage) return;
    const view = scroller.getBoundingClientRect();
    const box = stage.getBoundingClientRect();
    const left = scroller.scrollLeft + box.left - view.left - (view.width - box.width) / 2;
    scroller.scrollTo({ left, behavior: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
    this.markTab(Number(id));
  }

  /** The tab of the stage in view (or `id`), marked current and scrolled into the tab bar. */
  markTab(id = null) {
    const board = this.board;
    const scroller = this.scroller;
    const tabs = board ? [...board.querySelectorAll("[data-stage-tab]")] : [];
    if (!scroller || !tabs.length) return;
    let current = id;
    if (current === null) {
      const view = scroller.getBoundingClientRect();
      const stages = [...scroller.querySelectorAll("[data-stage]")];
      const centres = stages.map((s) => {
        const box = s.getBoundingClientRect();
        return box.left - view.left + box.width / 2;
      });
      const shown = stages[nearestStage(centres, view.width / 2)];
      current = shown ? Number(/** @type {HTMLElement} */ (shown).dataset.stage) : null;
    }
    for (const tab of tabs) {
      const on = Number(/** @type {HTMLElement} */ (tab).dataset.stageTab) === current;
      if (on) tab.setAttribute("aria-current", "true");
      else tab.removeAttribute("aria-current");
      if (on && window.matchMedia(PHONE).matches) tab.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }
}

new BoardView().start();
