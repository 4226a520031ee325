// "Pain for whom?" on the live board (issue 20, docs/voting.md): while the workshop votes per
// persona (the facilitator's `votes.per_persona`), a voter chooses whom their votes are for,
// and each `vote.set` carries that `persona`. Hooks: label[data-vote-persona-chooser] with
// select[data-vote-persona] (templates/workshops/_vote_persona.html), the facilitator's
// input[data-votes-per-persona]. facilitation.js asks `votePersonaFields()` when it votes and
// `sameVoter(vote)` when it shows which of its votes are on; it re-renders the vote buttons on
// the document's "segments:voting-for" event.

import { live } from "./session.js";

/** @returns {HTMLSelectElement | null} the chooser's select, when it is shown */
function chooser() {
  const label = /** @type {HTMLElement | null} */ (document.querySelector("[data-vote-persona-chooser]"));
  if (!label || label.hidden) return null;
  return label.querySelector("select[data-vote-persona]");
}

/** Whom the voter's votes are for now: a persona id, or null for everyone. */
export function votingFor() {
  const select = chooser();
  return select && select.value ? Number(select.value) : null;
}

/** The fields a `vote.set` adds: `{persona}` when voting for one persona, else none. */
export function votePersonaFields() {
  const persona = votingFor();
  return persona === null ? {} : { persona };
}

/** Whether one of the voter's votes (`votes.mine`) is for whom they vote now. */
export function sameVoter(vote) {
  return (vote.persona ?? null) === votingFor();
}

function changed() {
  document.dispatchEvent(new CustomEvent("segments:voting-for"));
}

/** The workshop's state: show the chooser while it votes per persona, in the vote phase. */
function show(state) {
  if (!state) return;
  const label = /** @type {HTMLElement | null} */ (document.querySelector("[data-vote-persona-chooser]"));
  if (label) label.hidden = !(state.votes_per_persona && state.phase === "vote");
  const box = /** @type {HTMLInputElement | null} */ (document.querySelector("input[data-votes-per-persona]"));
  if (box && document.activeElement !== box) box.checked = Boolean(state.votes_per_persona);
  changed();
}

if (live) {
  live.connection.onMessage((message) => {
    if (message.type === "hello" && message.facilitation) show(message.facilitation.workshop);
    else if (message.type === "workshop.state") show(message);
    else if (message.type === "ack" && message.workshop && message.workshop.type === "workshop.state") show(message.workshop);
  });
  document.addEventListener("change", (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target.matches("select[data-vote-persona]")) changed();
    else if (target.matches("input[data-votes-per-persona]")) {
      live.connection.operate("votes.per_persona", { on: /** @type {HTMLInputElement} */ (target).checked });
    }
  });
}
