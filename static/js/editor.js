// The board page's keyboard moves: Alt + arrow keys on a focused note move it up, down, or to
// the previous or next stage (keyboard.js), through the same htmx endpoint as the "Move"
// buttons. The server answers with the whole board and marks the moved note autofocus, so focus
// stays on it.
import { stepOf } from "./keyboard.js";

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
