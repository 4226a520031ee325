// The board page's keyboard moves: Alt + arrow keys on a focused note move it up, down, or to
// the previous or next stage, through the same htmx endpoint as the "Move" buttons. The server
// answers with the whole board and marks the moved note autofocus, so focus stays on it.
const MOVES = { ArrowUp: "up", ArrowDown: "down", ArrowLeft: "previous", ArrowRight: "next" };

document.addEventListener("keydown", (event) => {
  const note = event.target;
  if (!event.altKey || !(note instanceof HTMLElement) || !note.matches("li[data-touchpoint]")) {
    return;
  }
  const to = MOVES[event.key];
  const url = document.getElementById("board")?.dataset.moveUrl;
  if (!to || !url || !window.htmx) {
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
