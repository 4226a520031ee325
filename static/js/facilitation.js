// Facilitation on the live board: the phase banner, the shared countdown, dot votes with the
// remaining budget, the facilitator's controls, and the heat map once the votes are revealed.
// It rides on board.js's websocket: messages arrive as "journeymap:message" events on
// document, and operations go out through window.journeymapLive.operate(type, fields) (kept in
// its outbox and resent after a reconnect; every message here is safe to resend).
// The protocol is docs/protocol.md; user text only ever goes in through textContent.

const panel = document.getElementById("facilitation");

const TAGS = [
  { tag: "pain", label: "Pain point", short: "Pain" },
  { tag: "delight", label: "Moment of delight", short: "Delight" },
  { tag: "truth", label: "Moment of truth", short: "Truth" },
];
const TICK_MS = 250;

class Facilitation {
  constructor(root) {
    this.root = root;
    const initial = readJson("facilitation-state") || {};
    this.workshop = initial.workshop || null;
    this.heat = initial.heat || null;
    this.mine = initial.my_votes || null;
    this.role = root.dataset.role;
    this.clockOffset = 0; // server clock minus this browser's, in ms
    this.timeUpShown = false;
    this.pendingVotes = new Set();
  }

  start() {
    document.addEventListener("journeymap:message", (e) => this.onMessage(e.detail));
    this.bindControls();
    // The board is re-rendered from the server after structural changes: decorate it again.
    const container = document.getElementById("board-container") || document.body;
    let scheduled = false;
    new MutationObserver(() => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        this.decorateNotes();
      });
    }).observe(container, { childList: true, subtree: true });
    if (this.workshop) this.setClock(this.workshop.timer);
    this.render();
    setInterval(() => this.tick(), TICK_MS);
  }

  live() {
    return window.journeymapLive;
  }

  send(type, fields = {}) {
    const board = this.live();
    if (!board) return;
    board.operate(type, fields);
  }

  say(text, role = "alert") {
    const board = this.live();
    if (board && board.say) board.say(text, role);
  }

  // --- incoming ------------------------------------------------------------------------------

  onMessage(message) {
    switch (message.type) {
      case "hello":
        if (message.facilitation) {
          this.workshop = message.facilitation.workshop;
          this.mine = message.facilitation.my_votes;
          this.heat = message.facilitation.heat;
          this.setClock(this.workshop.timer);
          this.render();
        }
        break;
      case "workshop.state":
        this.onState(message);
        break;
      case "votes.mine":
        this.mine = message;
        this.pendingVotes.clear();
        this.renderVotes();
        break;
      case "heat.revealed":
        this.heat = message;
        this.renderHeat();
        break;
      case "heat.hidden":
        this.heat = null;
        this.renderHeat();
        break;
      case "ack":
        if (message.workshop && message.workshop.type === "workshop.state") this.onState(message.workshop);
        break;
      case "error":
        this.pendingVotes.clear();
        this.renderVotes();
        break;
      default:
        break;
    }
  }

  onState(state) {
    const before = this.workshop;
    this.workshop = state;
    this.setClock(state.timer);
    if (this.mine) {
      this.mine.budget = state.vote_budget;
      this.mine.remaining = Math.max(0, state.vote_budget - this.mine.used);
    }
    if (before && before.phase !== state.phase) this.say(`Phase: ${state.phase_label}. ${state.phase_hint}`, "status");
    this.render();
  }

  setClock(timer) {
    if (timer && timer.now) this.clockOffset = Date.parse(timer.now) - Date.now();
    if (timer && timer.state === "running") this.timeUpShown = false;
  }

  // --- rendering -----------------------------------------------------------------------------

  render() {
    if (!this.workshop) return;
    const w = this.workshop;
    this.root.dataset.phase = w.phase;
    this.text("[data-phase-label]", w.phase_label);
    this.text("[data-phase-hint]", w.phase_hint);
    document.querySelectorAll("#live [data-phase]").forEach((el) => (el.textContent = w.phase_label));
    this.root.querySelector("[data-lock-state]").hidden = !w.locked;
    const select = this.root.querySelector('[data-control="phase"]');
    if (select && document.activeElement !== select) select.value = w.phase;
    const lock = this.root.querySelector('[data-control="lock"]');
    if (lock) {
      lock.setAttribute("aria-pressed", String(w.locked));
      lock.textContent = w.locked ? "Unlock board" : "Lock board";
    }
    const reveal = this.root.querySelector('[data-control="reveal"]');
    if (reveal) reveal.disabled = w.revealed;
    const budget = this.root.querySelector('[data-control="budget"]');
    if (budget && document.activeElement !== budget) budget.value = String(w.vote_budget);
    this.tick();
    this.renderVotes();
    this.renderHeat();
  }

  text(selector, value) {
    const el = this.root.querySelector(selector);
    if (el) el.textContent = value;
  }

  remainingSeconds() {
    const timer = this.workshop && this.workshop.timer;
    if (!timer) return null;
    if (timer.state === "paused") return timer.remaining;
    if (!timer.ends_at) return null;
    const now = Date.now() + this.clockOffset;
    return Math.max(0, Math.ceil((Date.parse(timer.ends_at) - now) / 1000));
  }

  // Every screen counts down to the same server end time, so time is up everywhere at once.
  tick() {
    const display = this.root.querySelector("[data-timer-display]");
    const up = this.root.querySelector("[data-time-up]");
    const timer = this.workshop && this.workshop.timer;
    const seconds = this.remainingSeconds();
    const box = this.root.querySelector(".timer-box");
    if (!timer || timer.state === "stopped" || seconds === null) {
      display.textContent = "No timer";
      up.hidden = true;
      box.dataset.state = "stopped";
      return;
    }
    const minutes = Math.floor(seconds / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    const paused = timer.state === "paused";
    display.textContent = `${minutes}:${rest}${paused ? " (paused)" : ""}`;
    const expired = !paused && seconds === 0;
    box.dataset.state = expired ? "expired" : timer.state;
    if (expired && !this.timeUpShown) {
      this.timeUpShown = true;
      up.hidden = false;
    } else if (!expired) {
      up.hidden = true;
    }
  }

  canVote() {
    return this.workshop && this.workshop.phase === "vote" && this.role !== "observer" && !(this.workshop.locked && this.role !== "facilitator");
  }

  decorateNotes() {
    this.renderVotes();
    this.renderHeat();
  }

  renderVotes() {
    const left = this.root.querySelector("[data-votes-left]");
    const voting = this.canVote();
    if (left) {
      left.hidden = !voting;
      if (this.mine) {
        this.text("[data-votes-remaining]", String(this.mine.remaining));
        this.text("[data-votes-budget]", String(this.mine.budget));
      }
    }
    const mine = new Set((this.mine ? this.mine.votes : []).map((v) => `${v.touchpoint}:${v.tag}`));
    for (const li of document.querySelectorAll("#board li[data-touchpoint]")) {
      let group = li.querySelector(":scope > .vote-buttons");
      if (!voting || li.classList.contains("internal")) {
        if (group) group.remove();
        continue;
      }
      if (!group) group = this.buildVoteButtons(li);
      for (const button of group.querySelectorAll("button[data-vote-tag]")) {
        const key = `${li.dataset.touchpoint}:${button.dataset.voteTag}`;
        const pressed = mine.has(key);
        if (button.getAttribute("aria-pressed") !== String(pressed)) button.setAttribute("aria-pressed", String(pressed));
        const busy = this.pendingVotes.has(key);
        if (button.disabled !== busy) button.disabled = busy;
      }
    }
  }

  buildVoteButtons(li) {
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
      button.addEventListener("click", () => this.vote(li, tag, button));
      group.append(button);
    }
    li.append(group);
    return group;
  }

  vote(li, tag, button) {
    const on = button.getAttribute("aria-pressed") !== "true";
    if (on && this.mine && this.mine.remaining <= 0) {
      this.say("You have used all your votes: take one back to vote elsewhere.");
      return;
    }
    const touchpoint = Number(li.dataset.touchpoint);
    this.pendingVotes.add(`${touchpoint}:${tag}`);
    button.disabled = true;
    this.send("vote.set", { touchpoint, tag, on });
  }

  // The same markup as maps/markup.py heat_box, built with textContent.
  renderHeat() {
    const legend = document.getElementById("heat-legend");
    const entries = this.heat ? this.heat.heat : null;
    const voters = this.heat ? this.heat.voters : 0;
    if (legend) {
      legend.hidden = !voters;
      const count = legend.querySelector("[data-heat-voters]");
      if (count) count.textContent = String(voters);
    }
    for (const li of document.querySelectorAll("#board li[data-touchpoint]")) {
      const entry = entries && voters ? entries[li.dataset.touchpoint] : null;
      const existing = li.querySelector(":scope > .heat");
      const signature = entry ? JSON.stringify([entry.counts, voters]) : "";
      if (existing && existing.dataset.signature === signature) continue;
      if (existing && !entry) {
        existing.remove();
        continue;
      }
      if (!entry) continue;
      const fresh = buildHeat(entry, voters);
      fresh.dataset.signature = signature;
      if (existing) existing.replaceWith(fresh);
      else {
        const meta = li.querySelector('[data-field="meta"]');
        if (meta) meta.after(fresh);
        else li.append(fresh);
      }
    }
  }

  // --- the facilitator's controls ------------------------------------------------------------

  bindControls() {
    const control = (name) => this.root.querySelector(`[data-control="${name}"]`);
    const on = (name, fn) => {
      const el = control(name);
      if (el) el.addEventListener(el.tagName === "SELECT" ? "change" : "click", fn);
    };
    const minutes = () => {
      const value = Math.round(Number(control("minutes").value));
      if (!Number.isFinite(value) || value < 1 || value > 120) {
        this.say("The timer runs from 1 to 120 minutes.");
        return null;
      }
      return value;
    };
    on("phase", (e) => this.send("phase.set", { phase: e.target.value }));
    on("reveal", () => this.send("votes.reveal"));
    on("lock", () => this.send("board.lock", { locked: !(this.workshop && this.workshop.locked) }));
    on("timer-start", () => {
      const value = minutes();
      if (value) this.send("timer.start", { seconds: value * 60 });
    });
    on("timer-extend", () => this.send("timer.extend", { seconds: 60 }));
    on("timer-pause", () => this.send("timer.pause"));
    on("timer-resume", () => this.send("timer.resume"));
    on("timer-stop", () => this.send("timer.stop"));
    on("budget-set", () => {
      const value = Math.round(Number(control("budget").value));
      if (!Number.isFinite(value) || value < 1 || value > 100) {
        this.say("The vote budget is from 1 to 100.");
        return;
      }
      this.send("votes.budget", { budget: value });
    });
  }
}

function buildHeat(entry, voters) {
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

function readJson(id) {
  const el = document.getElementById(id);
  if (!el) return null;
  try {
    return JSON.parse(el.textContent);
  } catch {
    return null;
  }
}

if (panel) {
  const facilitation = new Facilitation(panel);
  facilitation.start();
  window.journeymapFacilitation = facilitation; // for tests
}
