// The room on the live page (docs/voting.md): the facilitator's progress ("3 of 5 have voted",
// who has votes left, who is done: room.progress), everyone else's "I'm done" button (the
// ready check), and the end of the workshop. The markup is the server's
// (workshops/_facilitation.html, _progress_person.html); this fills its hooks with textContent
// and sends ready.set / ready.reset. A workshop that closes while the page is open becomes the
// final board at once, without a reload (a reload would lose what is on the screen): the
// banner with the links to the PDF and the analysis shows, every control of the running room
// goes (the facilitator's, "I'm done", the votes left), and the board is fetched again, as the
// server renders it once closed: read-only, no forms.

/**
 * @param {object} options
 * @param {HTMLElement} options.panel #facilitation
 * @param {import("./connection.js").Connection} options.connection
 */
export function bindRoom({ panel, connection }) {
  const readyButton = panel.querySelector('[data-control="ready"]');
  const closedBanner = /** @type {HTMLElement | null} */ (panel.querySelector("[data-closed]"));
  let shownClosed = closedBanner ? !closedBanner.hidden : false;
  let phase = panel.dataset.phase || "";

  const setReady = (/** @type {boolean} */ ready) => readyButton?.setAttribute("aria-pressed", String(ready));

  readyButton?.addEventListener("click", () => {
    const ready = readyButton.getAttribute("aria-pressed") !== "true";
    setReady(ready);
    connection.operate("ready.set", { ready });
  });
  panel.querySelector('[data-control="ready-reset"]')?.addEventListener("click", () => connection.operate("ready.reset"));

  const onState = (state) => {
    if (!state) return;
    if (state.closed && !shownClosed) {
      shownClosed = true;
      showClosed(panel, state.closed);
      connection.reloadBoard();
    }
    if (state.phase !== phase) setReady(false); // each phase asks afresh
    phase = state.phase;
  };

  connection.onMessage((message) => {
    switch (message.type) {
      case "hello":
        onState(message.facilitation?.workshop);
        if (message.facilitation?.my_votes) setReady(Boolean(message.facilitation.my_votes.ready));
        if (message.facilitation?.progress) renderProgress(panel, message.facilitation.progress);
        break;
      case "workshop.state":
        onState(message);
        break;
      case "votes.mine":
        setReady(Boolean(message.ready));
        break;
      case "ready.cleared":
        setReady(false);
        break;
      case "room.progress":
        renderProgress(panel, message);
        break;
      case "ack":
        if (message.progress) renderProgress(panel, message.progress);
        if (message.workshop?.type === "workshop.state") onState(message.workshop);
        break;
      default:
        break;
    }
  });
}

// What only a running room has: gone once it is closed.
const RUNNING = ".facilitator-controls, .facilitator-tools, [data-votes-left], .ready-check, [popover], dialog[data-phase-confirm]";

/**
 * The workshop has ended: the banner and its links (the server's, from workshop.state's
 * `closed`: same-site paths only), and none of the running room's controls.
 * @param {HTMLElement} panel
 * @param {{pdf?: string, analysis?: string}} closed
 */
function showClosed(panel, closed) {
  const banner = /** @type {HTMLElement | null} */ (panel.querySelector("[data-closed]"));
  if (banner) {
    for (const name of /** @type {const} */ (["pdf", "analysis"])) {
      const link = banner.querySelector(`a[data-result="${name}"]`);
      const href = closed[name];
      if (link && typeof href === "string" && href.startsWith("/") && !href.startsWith("//")) link.setAttribute("href", href);
    }
    banner.hidden = false;
  }
  for (const el of panel.querySelectorAll(RUNNING)) el.remove();
  for (const popover of document.querySelectorAll("#invite-panel")) popover.remove();
  document.querySelector(".invite-button")?.remove();
}

/** The facilitator's view of the room, from a room.progress message. */
function renderProgress(panel, progress) {
  const section = panel.querySelector("[data-progress]");
  const list = section?.querySelector("[data-progress-people]");
  const template = /** @type {HTMLTemplateElement | null} */ (section?.querySelector("template[data-progress-template]"));
  if (!section || !list || !template) return;
  // The counts show in the section and on the People chip of the phase bar.
  for (const name of ["voted", "total", "ready"]) {
    for (const el of panel.querySelectorAll(`[data-progress-${name}]`)) el.textContent = String(progress[name]);
  }
  const items = progress.people.map((person) => {
    const li = /** @type {HTMLElement} */ (template.content.firstElementChild.cloneNode(true));
    li.dataset.progressPerson = String(person.participant);
    li.dataset.voted = String(person.voted);
    li.dataset.ready = String(person.ready);
    li.querySelector('[data-field="name"]').textContent = person.name;
    li.querySelector('[data-field="left"]').textContent = votesLeft(person.remaining);
    li.querySelector('[data-if="voted"]').hidden = !person.voted;
    li.querySelector('[data-if="ready"]').hidden = !person.ready;
    return li;
  });
  list.replaceChildren(...items);
}

/** "1 vote left", "3 votes left" (as _progress_person.html says it). @param {number} n */
export function votesLeft(n) {
  return `${n} vote${n === 1 ? "" : "s"} left`;
}
