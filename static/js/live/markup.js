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

/** @typedef {{id: number, name: string, colour: string, role?: string, guest?: boolean}} Participant */

/**
 * What a person is, from the server (never from their name): "facilitator", "guest",
 * "guest observer"… Empty for a participant with an account.
 * @param {Participant} participant
 */
export function roleLabel(participant) {
  const role = participant.role === "participant" ? "" : participant.role || "";
  if (role === "facilitator") return role;
  return [participant.guest ? "guest" : "", role].filter(Boolean).join(" ");
}

/**
 * The badge after a name, saying what the person is (empty: none).
 * @param {Participant} participant
 */
export function buildRoleBadge(participant) {
  const label = roleLabel(participant);
  const badge = document.createElement("span");
  badge.className = "role-badge";
  badge.dataset.role = participant.role || "";
  badge.textContent = label;
  badge.hidden = !label;
  return badge;
}

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
  li.append(dot, document.createTextNode(participant.name + (isMe ? " (you)" : "")), buildRoleBadge(participant));
  return li;
}

/**
 * One person in the facilitator's list, with a Remove button (not for the facilitator).
 * The same markup as templates/workshops/_facilitation.html renders for those already in.
 * @param {Participant} participant
 */
export function buildPersonItem(participant) {
  const li = document.createElement("li");
  li.dataset.person = String(participant.id);
  li.dataset.role = participant.role || "";
  const dot = document.createElement("span");
  dot.className = "presence-dot";
  dot.style.setProperty("--colour", participant.colour);
  dot.setAttribute("aria-hidden", "true");
  const name = document.createElement("span");
  name.className = "person-name";
  name.textContent = participant.name;
  li.append(dot, name, buildRoleBadge(participant));
  if (participant.role !== "facilitator") {
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button secondary small";
    remove.dataset.remove = String(participant.id);
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove ${participant.name} from the workshop`);
    li.append(remove);
  }
  return li;
}

/**
 * A person's initials in their colour, for the header's "who is online".
 * @param {Participant} participant
 */
export function buildFace(participant) {
  const face = document.createElement("span");
  face.style.setProperty("--colour", participant.colour);
  face.textContent = initials(participant.name);
  face.title = participant.name;
  return face;
}

/** "Alex (Marketing)" -> "AM"; one word: its first letter. @param {string} name */
export function initials(name) {
  const words = name.replace(/[^\p{L}\p{N}\s]/gu, " ").split(/\s+/).filter(Boolean);
  return words.slice(0, 2).map((word) => [...word][0].toUpperCase()).join("") || "?";
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
