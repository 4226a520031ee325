// No DOM: the board's zoom steps, "fit to screen" and which stage a phone's swipe shows.
// static/js/board-view.js applies them; tests/js/zoom.test.mjs checks them under Node.

/** The zoom levels the − and + buttons (and Ctrl + − / +) step through. */
export const ZOOM_STEPS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2];
export const MIN_ZOOM = ZOOM_STEPS[0];
export const MAX_ZOOM = ZOOM_STEPS[ZOOM_STEPS.length - 1];
/** Fit never blows a small board up past this: notes stay note-sized on a projector. */
export const MAX_FIT = 1.6;

/** @param {number} zoom */
export function clampZoom(zoom) {
  if (!Number.isFinite(zoom)) return 1;
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

/** The next step above `zoom` (the largest at the top). @param {number} zoom */
export function zoomIn(zoom) {
  return ZOOM_STEPS.find((step) => step > zoom + 0.001) ?? MAX_ZOOM;
}

/** The next step below `zoom` (the smallest at the bottom). @param {number} zoom */
export function zoomOut(zoom) {
  return [...ZOOM_STEPS].reverse().find((step) => step < zoom - 0.001) ?? MIN_ZOOM;
}

/**
 * The zoom at which a board of `board` size (measured at zoom 1, stages at their narrowest)
 * fits the `room` it scrolls in, both ways: every stage and every note in view.
 * @param {{width: number, height: number}} board
 * @param {{width: number, height: number}} room
 */
export function fitZoom(board, room) {
  if (board.width <= 0 || board.height <= 0) return 1;
  const zoom = Math.min(room.width / board.width, room.height / board.height, MAX_FIT);
  return Math.max(MIN_ZOOM, Math.floor(zoom * 100) / 100);
}

/** "80%" for 0.8. @param {number} zoom */
export function zoomLabel(zoom) {
  return `${Math.round(zoom * 100)}%`;
}

/**
 * The stage a swipe shows: the one whose centre is nearest the middle of the view.
 * @param {number[]} centres each stage's centre, from the scroller's left edge
 * @param {number} middle the view's centre, from the same edge
 * @returns {number} its index (0 with no stages)
 */
export function nearestStage(centres, middle) {
  let best = 0;
  centres.forEach((centre, i) => {
    if (Math.abs(centre - middle) < Math.abs(centres[best] - middle)) best = i;
  });
  return best;
}

/**
 * What Ctrl / Cmd with a key asks of the board's zoom ("in", "out", "reset"), or null.
 * @param {{key: string, ctrlKey: boolean, metaKey: boolean, altKey: boolean}} event
 */
export function zoomKey(event) {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return null;
  if (event.key === "+" || event.key === "=") return "in";
  if (event.key === "-" || event.key === "_") return "out";
  if (event.key === "0") return "reset";
  return null;
}
