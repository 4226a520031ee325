// The page's one live connection, shared by the live board (static/js/board.js) and the
// facilitation panel (static/js/facilitation.js). Each page script imports it, and an ES module
// is evaluated once per page, so both hold the same socket, outbox and board.

import { BoardDom } from "./board-dom.js";
import { Connection } from "./connection.js";
import { Controls } from "./controls.js";

/**
 * @typedef {object} LiveSession
 * @property {HTMLElement} root #live
 * @property {boolean} canEdit
 * @property {BoardDom} board
 * @property {Connection} connection
 * @property {Controls} controls which controls work now, and why the others do not
 */

function readJson(id) {
  const element = document.getElementById(id);
  if (!element) return null;
  try {
    return JSON.parse(element.textContent || "");
  } catch {
    return null;
  }
}

// sessionStorage can be missing or throw when touched (storage disabled): the outbox then
// lives in memory only.
function sessionStore() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** @param {HTMLElement} root */
function open(root) {
  const board = new BoardDom({ url: root.dataset.boardUrl || "", channels: readJson("channel-labels") || {} });
  const connection = new Connection({
    url: root.dataset.wsUrl || "",
    revision: board.revision,
    apply: (event) => board.apply(event),
    loadBoard: () => board.reload(),
    createSocket: (url) => new WebSocket(url),
    storage: sessionStore(),
  });
  const state = readJson("facilitation-state");
  const role = document.getElementById("facilitation")?.dataset.role || "observer";
  const controls = new Controls({ role, gates: state?.workshop?.gates || null });
  // Every workshop.state says which controls work: the hello's, a broadcast's, an ack's.
  connection.onMessage((message) => {
    if (message.type === "hello") controls.update(message.facilitation?.workshop);
    else if (message.type === "workshop.state") controls.update(message);
    else if (message.type === "ack" && message.workshop?.type === "workshop.state") controls.update(message.workshop);
  });
  return { root, canEdit: root.dataset.canEdit === "true", board, connection, controls };
}

const root = document.getElementById("live");

/** @type {LiveSession | null} null on pages without a live board */
export const live = root ? open(root) : null;
