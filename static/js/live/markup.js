// Every piece of markup the live page builds in the browser, in one place: the same structure
// the server renders (maps/markup.py: a note's li, a heat box), and the small live-only pieces
// (vote buttons, presence). User text only ever goes in through textContent.

/** The three tags a participant may put on a note (workshops: Vote.Tag; maps/heat.py). */
export const TAGS = [
  { tag: "pain", label: "Pain point", short: "Pain" },
  { tag: "delight", label: "Moment of delight", short: "Delight" },
  { tag: "truth", label: "Moment of truth", short: "Truth" },
];

/**
 * An empty note li, as maps/markup.py note_item renders it, for fillNote to fill.
 * @param {number} id
 */
export function buildNote(id) {
  const li = document.createElement("li");
  li.tabIndex = 0;
  li.dataset.touchpoint = String(id);
  const text = document.createElement("p");
  text.className = "note-text";
  text.dataset.field = "text";
  text.id = `note-${id}-text`;
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.dataset.field = "meta";
  li.append(text, meta);
  li.setAttribute("aria-labelledby", text.id);
  return li;
}

/**
 * Write a note's fields into its li (its place is the board's business).
 * @param {HTMLElement} li
 * @param {{version: number, text: string, group: number | null, internal: boolean, critical: boolean}} note
 * @param {string} meta the line under the text (channel · department · group · marks)
 */
export function fillNote(li, note, meta) {
  li.className = "note" + (note.internal ? " internal" : "") + (note.critical ? " critical" : "");
  li.dataset.version = String(note.version);
  /** @type {HTMLElement} */ (li.querySelector('[data-field="text"]')).textContent = note.text;
  /** @type {HTMLElement} */ (li.querySelector('[data-field="meta"]')).textContent = meta;
  if (note.group !== null) li.dataset.group = String(note.group);
  else delete li.dataset.group;
}

/**
 * A note's heat box, as maps/markup.py heat_box renders it.
 * @param {{counts: Record<string, number>, levels: Record<string, number>, top: string | null, inconsistent: boolean}} entry
 * @param {number} voters
 */
export function buildHeat(entry, voters) {
  const box = document.createElement("div");
  box.className = "heat";
  box.dataset.heat = "";
  box.dataset.top = entry.top || "";
  box.dataset.level = String(entry.top ? entry.levels[entry.top] : 0);
  for (const { tag } of TAGS) box.dataset[tag] = String(entry.levels[tag]);
  if (entry.inconsistent) box.dataset.inconsistent = "";
  const list = document.createElement("ul");
  list.className = "heat-counts";
  list.setAttribute("aria-label", `Votes from ${voters} voter${voters === 1 ? "" : "s"}`);
  for (const { tag, label, short } of TAGS) {
    const item = document.createElement("li");
    item.className = "heat-count";
    item.dataset.tag = tag;
    const name = document.createElement("span");
    name.className = "heat-label";
    const visible = document.createElement("span");
    visible.setAttribute("aria-hidden", "true");
    visible.textContent = short;
    const spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.textContent = label;
    name.append(visible, spoken);
    const count = document.createElement("strong");
    count.textContent = String(entry.counts[tag]);
    const share = document.createElement("span");
    share.className = "visually-hidden";
    share.textContent = ` (${Math.round((entry.counts[tag] / voters) * 100)}%)`;
    item.append(name, " ", count, share);
    list.append(item);
  }
  box.append(list);
  if (entry.inconsistent) {
    const flag = document.createElement("p");
    flag.className = "heat-flag";
    flag.textContent = "Inconsistent: painful and delightful to many";
    box.append(flag);
  }
  return box;
}

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
