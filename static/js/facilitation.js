// Facilitation on the live board: the phase banner, the shared countdown, dot votes with the
// remaining budget, the facilitator's controls, and the heat map once the votes are revealed
// (the server renders it: the board is re-fetched when the revealed heat changes).
// It rides on the page's live connection (live/session.js): it hears every message, and its
// operations go through the connection's outbox (resent after a reconnect; every message here
// is safe to resend). The protocol is docs/protocol.md and docs/voting.md.

import { Chime, rememberSound, soundWanted } from "./live/chime.js";
import { clockOffset, remainingSeconds } from "./live/clock.js";
import { buildPersonItem, buildVoteButtons } from "./live/markup.js";
import { say } from "./live/notice.js";
import { sameVoter, votePersonaFields } from "./live/segment-votes.js";
import { live } from "./live/session.js";

const panel = document.getElementById("facilitation");

const TICK_MS = 250;
const FLASH_MS = 4000; // how long the timer box flashes when time is up
// Entering one of these from an earlier phase shows everyone the votes (workshops/tally.py).
const REVEALING = new Set(["reveal", "discuss", "closed"]);

class Facilitation {
  /**
   * @param {HTMLElement} root #facilitation
   * @param {import("./live/connection.js").Connection} connection
   * @param {import("./live/controls.js").Controls} controls whether voting is open to this person
   */
  constructor(root, connection, controls) {
    this.root = root;
    this.connection = connection;
    this.controls = controls;
    this.chime = new Chime();
    const initial = readJson("facilitation-state") || {};
    this.workshop = initial.workshop || null;
    // The revealed heat the board was rendered with (the page and its state come together).
    this.heatShown = heatKey(initial.heat || null);
    this.mine = initial.my_votes || null;
    this.role = root.dataset.role;
    this.clockOffset = 0; // server clock minus this browser's, in ms
    // A page opened after the time was up does not flash: only a countdown seen reaching 0.
    this.timeUpShown = true;
    this.pendingVotes = new Set();
  }

  start() {
    this.connection.onMessage((message) => this.onMessage(message));
    this.bindControls();
    this.bindSound();
    // The board is re-rendered from the server after structural changes: add the vote buttons
    // again.
    const container = document.getElementById("board-container") || document.body;
    let scheduled = false;
    new MutationObserver(() => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        this.renderVotes();
      });
    }).observe(container, { childList: true, subtree: true });
    document.addEventListener("segments:voting-for", () => this.renderVotes());
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
        if (message.workshop && message.workshop.code) this.showCode(message.workshop.code);
        if (message.facilitation) {
          this.workshop = message.facilitation.workshop;
          this.mine = message.facilitation.my_votes;
          this.setClock(this.workshop.timer);
          this.render();
          this.showHeat(message.facilitation.heat); // it may have changed while we were away
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
        this.showHeat(message);
        break;
      case "heat.hidden":
        this.showHeat(null);
        break;
      case "ack":
        if (message.workshop && message.workshop.type === "workshop.state") this.onState(message.workshop);
        if (message.removed) this.forgetPerson(message.removed);
        if (message.code) this.showCode(message.code);
        break;
      case "presence":
        if (message.op !== "leave") this.knowPerson(message.participant);
        break;
      case "participant.removed":
        this.forgetPerson(message.participant);
        break;
      case "workshop.code":
        this.showCode(message.code);
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
    if (before && before.phase !== state.phase) say(`Phase: ${state.phase_label}. ${state.phase_hint}`, "status", true);
    this.render();
  }

  setClock(timer) {
    if (timer && timer.now) this.clockOffset = clockOffset(timer.now, Date.now());
    if (timer && timer.state === "running" && remainingSeconds(timer, Date.now(), this.clockOffset) > 0) this.timeUpShown = false;
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
    this.renderStepper(w.phase);
    const lock = this.root.querySelector('[data-control="lock"]');
    if (lock) {
      lock.setAttribute("aria-pressed", String(w.locked));
      lock.textContent = w.locked ? "Unlock board" : "Lock board";
    }
    const budget = this.root.querySelector('[data-control="budget"]');
    if (budget && document.activeElement !== budget) budget.value = String(w.vote_budget);
    this.text("[data-budget-label]", String(w.vote_budget));
    this.tick();
    this.renderVotes();
  }

  /** The phases in order, as the stepper lists them: [{value, label, button}]. */
  steps() {
    return [...this.root.querySelectorAll("button[data-step]")].map((button) => ({
      value: button.dataset.step,
      label: button.textContent.trim(),
      button,
    }));
  }

  /** The stepper shows where the room is, and "Next: …" the phase after it. */
  renderStepper(phase) {
    const steps = this.steps();
    if (!steps.length) return;
    const at = steps.findIndex((step) => step.value === phase);
    for (const { value, button } of steps) {
      if (value === phase) button.setAttribute("aria-current", "step");
      else button.removeAttribute("aria-current");
    }
    const next = this.root.querySelector('[data-control="next"]');
    if (!next) return;
    const following = steps[at + 1];
    next.hidden = !following;
    if (following) {
      next.dataset.phase = following.value;
      this.text("[data-next-label]", following.label);
    }
  }

  /**
   * Move the room to a phase; the ones that reveal the votes (or end the workshop) are
   * confirmed first: nobody can take a reveal back from the room's eyes.
   */
  askForPhase(phase) {
    const w = this.workshop;
    if (!phase || (w && w.phase === phase)) return;
    const reveals = REVEALING.has(phase) && !(w && w.revealed);
    const dialog = this.root.querySelector("dialog[data-phase-confirm]");
    if (!(reveals || phase === "closed") || !dialog) {
      this.send("phase.set", { phase });
      return;
    }
    const label = (this.steps().find((step) => step.value === phase) || {}).label || phase;
    const [title, text, button] = reveals
      ? ["Reveal the votes?", `Everyone sees the heat map at once, and the room moves to ${label}: nobody can vote after.`, "Reveal votes"]
      : ["End the workshop?", "The board becomes read-only for everyone.", "End the workshop"];
    this.text("[data-confirm-title]", title);
    this.text("[data-confirm-text]", text);
    this.text("[data-confirm-button]", button);
    dialog.returnValue = "";
    dialog.addEventListener("close", () => {
      if (dialog.returnValue === "confirm") this.send("phase.set", { phase });
    }, { once: true });
    dialog.showModal();
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
    up.hidden = !expired;
    if (expired && !this.timeUpShown) {
      this.timeUpShown = true;
      this.flash(box);
    }
  }

  /** Time is up: the timer box flashes (and chimes, for whoever turned the sound on). */
  flash(box) {
    box.classList.add("time-up-flash");
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => box.classList.remove("time-up-flash"), FLASH_MS);
    if (soundWanted(localStore())) this.chime.play();
  }

  /** The sound toggle shows this person's choice (off unless they turned it on). */
  bindSound() {
    const toggle = this.root.querySelector("[data-sound-toggle]");
    if (!toggle) return;
    const show = (on) => {
      toggle.setAttribute("aria-pressed", String(on));
      toggle.title = on ? "Sound at time's end: on" : "Sound at time's end: off";
    };
    show(soundWanted(localStore()));
    toggle.addEventListener("click", () => {
      const on = toggle.getAttribute("aria-pressed") !== "true";
      rememberSound(localStore(), on);
      show(on);
      if (on) this.chime.wake(); // the click is the gesture a browser needs to allow sound
    });
    // A browser may keep the sound asleep after a reload until the page is touched.
    document.addEventListener("pointerdown", () => soundWanted(localStore()) && this.chime.wake(), { once: true });
  }

  // Vote buttons show in the vote phase for voters; they are off, saying why, while the server
  // would refuse a vote (the lock): its rule, from workshop.state's gates (live/controls.js).
  voteState() {
    const w = this.workshop;
    const shown = Boolean(w) && w.phase === "vote" && this.role !== "observer";
    return { shown, reason: shown ? this.controls.refusal("vote") : null };
  }

  canVote() {
    const { shown, reason } = this.voteState();
    return shown && !reason;
  }

  renderVotes() {
    const left = this.root.querySelector("[data-votes-left]");
    const { shown: voting, reason } = this.voteState();
    if (left) {
      left.hidden = !voting;
      if (this.mine) {
        this.text("[data-votes-remaining]", String(this.mine.remaining));
        this.text("[data-votes-budget]", String(this.mine.budget));
      }
    }
    // Only the votes for whom the voter votes now (issue 20: everyone, or one persona).
    const mine = new Set((this.mine ? this.mine.votes : []).filter(sameVoter).map((v) => `${v.touchpoint}:${v.tag}`));
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
        const off = this.pendingVotes.has(key) || Boolean(reason);
        if (button.disabled !== off) button.disabled = off;
        const title = reason || button.dataset.label || button.title;
        if (!button.dataset.label) button.dataset.label = button.title; // the tag's long name
        if (button.title !== title) button.title = title;
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
    this.send("vote.set", { touchpoint, tag, on, ...votePersonaFields() });
  }

  // Heat boxes and the legend are the server's (maps/markup.py): when the revealed heat is not
  // the one the board shows, fetch the board again.
  showHeat(heat) {
    const key = heatKey(heat);
    if (key === this.heatShown) return;
    this.heatShown = key;
    this.connection.reloadBoard();
  }

  // --- people and the way in -----------------------------------------------------------------

  /** Someone came online: list them for the facilitator if they are not yet. */
  knowPerson(participant) {
    const list = this.root.querySelector("[data-people]");
    if (!list || !participant || list.querySelector(`[data-person="${Number(participant.id)}"]`)) return;
    list.append(buildPersonItem(participant));
  }

  forgetPerson(id) {
    const item = this.root.querySelector(`[data-people] [data-person="${Number(id)}"]`);
    if (item) item.remove();
  }

  /**
   * The workshop's join code now (a new one was drawn): every place the page shows it, and
   * the address bar, so a reload finds the workshop. The connection itself goes by id.
   */
  showCode(code) {
    if (!/^[A-Z0-9]{1,12}$/.test(code)) return;
    for (const el of document.querySelectorAll("[data-join-code]")) el.textContent = code;
    const link = document.querySelector("[data-join-link]");
    if (link) link.value = link.value.replace(/\/w\/[^/]+\/join\//, `/w/${code}/join/`);
    const present = document.querySelector("[data-present-link]");
    if (present) present.setAttribute("href", present.getAttribute("href").replace(/\/w\/[^/]+\//, `/w/${code}/`));
    // The server draws the QR code of the link it has now: ask again.
    const qr = document.querySelector("img[data-join-qr]");
    if (qr) qr.setAttribute("src", qr.getAttribute("src").replace(/\?.*$/, `?code=${code}`));
    const path = window.location.pathname.replace(/^\/w\/[^/]+\//, `/w/${code}/`);
    if (path !== window.location.pathname) window.history.replaceState(null, "", path);
  }

  /** Copy the join link, saying so; where the clipboard is not allowed, select it instead. */
  async copyLink() {
    const link = /** @type {HTMLInputElement | null} */ (document.querySelector("[data-join-link]"));
    const told = document.querySelector("[data-copied]");
    if (!link) return;
    let copied = false;
    try {
      await navigator.clipboard.writeText(link.value);
      copied = true;
    } catch {
      link.select();
      copied = document.execCommand && document.execCommand("copy");
    }
    if (told) told.textContent = copied ? "Copied: paste it in your chat or invite." : "Selected: press Ctrl + C (⌘ + C) to copy.";
  }

  removePerson(button) {
    const item = button.closest("[data-person]");
    const name = item ? item.querySelector(".person-name").textContent : "this person";
    if (!window.confirm(`Remove ${name} from the workshop? Their board closes and this browser of theirs cannot join again.`)) return;
    this.send("participant.remove", { participant: Number(button.dataset.remove) });
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
    for (const { value, button } of this.steps()) button.addEventListener("click", () => this.askForPhase(value));
    on("next", (e) => this.askForPhase(e.currentTarget.dataset.phase));
    const copy = document.querySelector("[data-copy-link]");
    if (copy) copy.addEventListener("click", () => this.copyLink());
    on("lock", () => this.send("board.lock", { locked: !(this.workshop && this.workshop.locked) }));
    on("timer-start", () => {
      const value = minutes();
      if (value) this.send("timer.start", { seconds: value * 60 });
    });
    on("timer-extend", () => this.send("timer.extend", { seconds: 60 }));
    on("timer-pause", () => this.send("timer.pause"));
    on("timer-resume", () => this.send("timer.resume"));
    on("timer-stop", () => this.send("timer.stop"));
    on("new-code", () => this.send("code.renew"));
    const people = this.root.querySelector("[data-people]");
    if (people) {
      people.addEventListener("click", (e) => {
        const button = e.target.closest("button[data-remove]");
        if (button) this.removePerson(button);
      });
    }
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

/** What identifies a revealed heat (null: none shown). */
function heatKey(heat) {
  return heat ? JSON.stringify([heat.voters, heat.heat]) : "";
}

function localStore() {
  try {
    return window.localStorage;
  } catch {
    return null;
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

if (panel && live) new Facilitation(panel, live.connection, live.controls).start();
