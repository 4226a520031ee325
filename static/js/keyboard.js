// The keyboard's move of a note, the same on both pages: Alt + an arrow key on a focused note is
// the operation touchpoint.step (docs/protocol.md), up or down within its stage, or to the
// previous or next stage keeping its row. The map page posts it through htmx (editor.js), the
// live page sends it on its socket (live/gestures.js); the server decides where the note goes.

/** @type {Record<string, string>} */
const STEPS = { ArrowUp: "up", ArrowDown: "down", ArrowLeft: "previous", ArrowRight: "next" };

/**
 * The step (`to`) an Alt + arrow key asks for, or null for any other key.
 * @param {KeyboardEvent} event
 * @returns {string | null}
 */
export function stepOf(event) {
  return (event.altKey && STEPS[event.key]) || null;
}
