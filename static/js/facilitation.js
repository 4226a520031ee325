// Facilitation on the live board: the phase banner, the shared countdown, dot votes with the
// remaining budget, the facilitator's controls, and the heat map once the votes are revealed.
// It rides on the page's live connection (live/session.js): it hears every message, and its
// operations go through the connection's outbox (resent after a reconnect; every message here
// is safe to resend). The protocol is docs/protocol.md and docs/voting.md.

import { clockOffset, remainingSeconds } from "./live/clock.js";
import { buildHeat, buildVoteButtons } from "./live/markup.js";
import { say } from "./live/notice.js";
import { live } from "./live/session.js";

const panel = document.getElementById("facilitation");

const TICK_MS = 250;

class Facilitation {
  /**
   * @param {HTMLElement} root #facilitation
   * @param {import("./live/connection.js").Connection} connection
   */
  constructor(root, connection) {
    this.root = root;
    this.connection = connection;
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
    this.connection.onMessage((message) => this.onMessage(message));
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

  send(type, fields = {}) {
    this.connection.operate(type, fields);
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
    if (before && before.phase !== state.phase) say(`Phase: ${state.phase_label}. ${state.phase_hint}`, "status");
    this.render();
  }

  setClock(timer) {
    if (timer && timer.now) this.clockOffset = clockOffset(timer.now, Date.now());
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

  // Every screen counts down to the same server end time, so time is up everywhere at once.
  tick() {
    const display = this.root.querySelector("[data-timer-display]");
    const up = this.root.querySelector("[data-time-up]");
    const timer = this.workshop && this.workshop.timer;
    const seconds = remainingSeconds(timer, Date.now(), this.clockOffset);
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
      if (!group) group = buildVoteButtons(li, (tag, button) => this.vote(li, tag, button));
      for (const button of group.querySelectorAll("button[data-vote-tag]")) {
        const key = `${li.dataset.touchpoint}:${button.dataset.voteTag}`;
        const pressed = mine.has(key);
        if (button.getAttribute("aria-pressed") !== String(pressed)) button.setAttribute("aria-pressed", String(pressed));
        const busy = this.pendingVotes.has(key);
        if (button.disabled !== busy) button.disabled = busy;
      }
    }
  }

  vote(li, tag, button) {
    const on = button.getAttribute("aria-pressed") !== "true";
    if (on && this.mine && this.mine.remaining <= 0) {
      say("You have used all your votes: take one back to vote elsewhere.");
      return;
    }
    const touchpoint = Number(li.dataset.touchpoint);
    this.pendingVotes.add(`${touchpoint}:${tag}`);
    button.disabled = true;
    this.send("vote.set", { touchpoint, tag, on });
  }

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
        say("The timer runs from 1 to 120 minutes.");
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
        say("The vote budget is from 1 to 100.");
        return;
      }
      this.send("votes.budget", { budget: value });
    });
  }
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

if (panel && live) new Facilitation(panel, live.connection).start();
