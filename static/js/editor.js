// The board page's keyboard moves: Alt + arrow keys on a focused note move it up, down, or to
// the previous or next stage (keyboard.js), through the same htmx endpoint as the "Move"
// buttons. The server answers with the whole board and marks the moved note autofocus, so focus
// stays on it.
import { stepOf } from "./keyboard.js";
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

document.addEventListener("keydown", (event) => {
  const note = event.target;
  const to = stepOf(event);
  if (!to || !(note instanceof HTMLElement) || !note.matches("li[data-touchpoint]")) {
    return;
  }
  const url = document.getElementById("board")?.dataset.moveUrl;
  if (!url || !window.htmx) {
    return;
  }
  event.preventDefault();
  window.htmx.ajax("POST", url, {
    source: note,
    target: "#board",
    swap: "outerHTML",
    values: { touchpoint: note.dataset.touchpoint, to },
  });
});
