// The markup only the live page has, built in the browser: vote buttons and presence. Notes and
// heat boxes are never built here: the server renders them (maps/markup.py; a note that arrives
// in an event is filled from the board's template by note.js). User text only ever goes in
// through textContent.

/** The three tags a participant may put on a note (workshops: Vote.Tag; maps/heat.py). */
export const TAGS = [
  { tag: "pain", label: "Pain point", short: "Pain" },
  { tag: "delight", label: "Moment of delight", short: "Delight" },
  { tag: "truth", label: "Moment of truth", short: "Truth" },
];

/**
 * A note's vote buttons (one per tag), appended to the note.
 * @param {HTMLElement} li
 * @param {(tag: string, button: HTMLButtonElement) => void} onVote
 */
export function buildVoteButtons(li, onVote) {
  const group = document.createElement("div");
  group.className = "vote-buttons";
  group.setAttribute("role", "group");
  const text = li.querySelector('[data-field="text"]');
  group.setAttribute("aria-label", `Your tags for: ${text ? text.textContent : "this note"}`);
  for (const { tag, label, short } of TAGS) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "vote-button";
    button.dataset.voteTag = tag;
    button.title = label;
    button.setAttribute("aria-pressed", "false");
    button.textContent = short;
    button.addEventListener("click", () => onVote(tag, button));
    group.append(button);
  }
  li.append(group);
  return group;
}

/** @typedef {{id: number, name: string, colour: string}} Participant */

/**
 * One person in the "Online" list.
 * @param {Participant} participant
 * @param {boolean} isMe
 */
export function buildPresenceItem(participant, isMe) {
  const li = document.createElement("li");
  li.dataset.participant = String(participant.id);
  const dot = document.createElement("span");
  dot.className = "presence-dot";
  dot.style.setProperty("--colour", participant.colour);
  dot.setAttribute("aria-hidden", "true");
  li.append(dot, document.createTextNode(participant.name + (isMe ? " (you)" : "")));
  return li;
}

export function buildNobodyOnline() {
  const li = document.createElement("li");
  li.className = "muted";
  li.textContent = "Nobody else yet.";
  return li;
}

/**
 * The tag on a note someone else is moving or editing.
 * @param {Participant} participant
 * @param {string | null} activity
 */
export function buildInUseTag(participant, activity) {
  const tag = document.createElement("span");
  tag.className = "note-presence";
  tag.style.setProperty("--colour", participant.colour);
  tag.textContent = `${participant.name} is ${activity === "editing" ? "editing" : "moving"} this`;
  return tag;
}
