// The conversation on the board (issue 19), on both board pages: a badge on every note and
// stage (its comments, the note's reactions), and the panel beside the board (a bottom sheet
// on phones) with the thread, its reactions, resolve / reopen and a comment box with @
// autocomplete (mentions.js).
//
// The thread itself is always the server's (templates/maps/_thread.html, fetched again on each
// event about it); the browser builds only the badges and the mention list, with user text
// through textContent. Operations go over the websocket on the live page (the connection's
// outbox; events reach the board through board-dom.js's addPatch) and are posted to the map
// page's discussion URL there (docs/protocol.md, "Comments and reactions").

import { MentionBox } from "./mentions.js";

const EVENTS = new Set([
  "comment.added", "comment.updated", "comment.deleted", "thread.resolved", "thread.reopened",
  "reaction.changed",
]);
const SEND_TIMEOUT_MS = 15000;
const THREAD_POLL_MS = 20000;

/** @typedef {{comments: number, resolved: boolean, reactions?: Record<string, number>}} Summary */

/** The board's conversation summary (#discussion-data, rendered inside #board). */
function readSummary() {
  const element = document.getElementById("discussion-data");
  try {
    return JSON.parse(element?.textContent || "");
  } catch {
    return { notes: {}, stages: {}, icons: {} };
  }
}

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

function sessionStore() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** The badge's words for screen readers, and what it shows: each reaction's icon and count,
 * then the comments'. */
export function badgeText(/** @type {Summary | undefined} */ s) {
  const comments = s?.comments || 0;
  const reactions = Object.entries(s?.reactions || {}).filter(([, n]) => n > 0);
  const words = comments ? `${comments} comment${comments === 1 ? "" : "s"}${s?.resolved ? ", resolved" : ""}` : "Comment";
  const said = reactions.map(([kind, n]) => `${n} ${kind === "+1" ? "plus one" : kind}`).join(", ");
  return {
    label: said ? `${words}; reactions: ${said}` : words,
    reactions,
    count: comments ? String(comments) : "",
    empty: !comments && !reactions.length,
  };
}

export class Discussion {
  /**
   * @param {object} options
   * @param {HTMLElement} options.panel #discussion
   * @param {import("./connection.js").Connection | null} options.connection the live page's
   * @param {{addPatch: (p: (e: any) => boolean) => void} | null} options.boardDom
   */
  constructor({ panel, connection, boardDom }) {
    this.panel = panel;
    this.connection = connection;
    this.body = /** @type {HTMLElement} */ (panel.querySelector("[data-thread-body]"));
    this.form = /** @type {HTMLFormElement | null} */ (panel.querySelector("[data-composer]"));
    this.text = /** @type {HTMLTextAreaElement | null} */ (panel.querySelector("[data-composer-text]"));
    this.error = panel.querySelector("[data-composer-error]");
    this.summary = readSummary();
    /** @type {{kind: string, id: number} | null} */
    this.current = null;
    /** @type {HTMLElement | null} */
    this.opener = null;
    /** @type {Map<string, (m: any) => void>} op_id -> waiting sender */
    this.waiting = new Map();
    /** @type {Promise<any[]> | null} */
    this.people = null;
    this.storage = sessionStore();
    this.mentions = this.text
      ? new MentionBox(this.text, /** @type {HTMLUListElement} */ (panel.querySelector(".mention-list")), () => this.loadPeople())
      : null;
    connection?.onMessage((m) => this.answered(m));
    boardDom?.addPatch((event) => this.onEvent(event));
  }

  bind() {
    document.addEventListener("click", (e) => this.click(e));
    document.addEventListener("keydown", (e) => this.key(e));
    this.form?.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.text?.addEventListener("input", () => this.keepDraft());
    this.text?.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.submit();
      }
    });
    this.watchBoard();
    this.decorate();
    // The map's page has no socket: an open thread is asked for again now and then, so a
    // reply written elsewhere shows up while one reads (the live page hears every event).
    if (!this.connection) {
      setInterval(() => {
        if (!this.panel.hidden && document.visibilityState === "visible") this.reload();
      }, THREAD_POLL_MS);
    }
    const query = new URLSearchParams(window.location.search);
    for (const kind of ["touchpoint", "stage"]) {
      const id = Number(query.get(kind));
      if (id > 0) this.open(kind, id, null);
    }
  }

  // --- the badges ------------------------------------------------------------------------

  /** Badges on the notes and stages that have none yet, and on a fresh board. */
  watchBoard() {
    let scheduled = false;
    const observer = new MutationObserver(() => {
      if (scheduled) return;
      scheduled = true;
      // After this task: a burst of changes (a re-fetched board) is decorated once.
      setTimeout(() => {
        scheduled = false;
        if (!document.getElementById("discussion-data")?.isConnected) return;
        this.decorate();
      }, 0);
    });
    const board = document.getElementById("board");
    if (board?.parentElement) observer.observe(board.parentElement, { childList: true, subtree: true });
  }

  decorate() {
    const data = document.getElementById("discussion-data");
    if (data && data !== this.dataElement) {
      this.dataElement = data; // a fresh board: the server's counts
      this.summary = readSummary();
    }
    for (const note of document.querySelectorAll("#board li[data-touchpoint]")) {
      const id = Number(/** @type {HTMLElement} */ (note).dataset.touchpoint);
      if (id) this.badge(/** @type {HTMLElement} */ (note), "touchpoint", id);
    }
    for (const head of document.querySelectorAll("#board [data-stage] > .stage-head")) {
      const id = Number(/** @type {HTMLElement} */ (head.parentElement).dataset.stage);
      if (id) this.badge(/** @type {HTMLElement} */ (head), "stage", id);
    }
  }

  /** @param {HTMLElement} host @param {string} kind @param {number} id */
  badge(host, kind, id) {
    let button = /** @type {HTMLButtonElement | null} */ (host.querySelector(":scope > [data-discussion-open]"));
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "talk-badge";
      button.dataset.discussionOpen = kind;
      const reactions = document.createElement("span");
      reactions.className = "talk-reactions";
      reactions.setAttribute("aria-hidden", "true");
      const bubble = document.createElement("span");
      bubble.className = "glyph glyph-comment";
      bubble.setAttribute("aria-hidden", "true");
      const count = document.createElement("span");
      count.className = "talk-count";
      count.setAttribute("aria-hidden", "true");
      // Named by its content (a hidden sentence), not aria-label: the counts it shows are
      // then part of its name, as a speech user reading them out expects.
      const label = document.createElement("span");
      label.className = "visually-hidden";
      label.dataset.talkLabel = "";
      button.append(label, reactions, bubble, count);
      host.append(button);
    }
    const summary = (kind === "touchpoint" ? this.summary.notes : this.summary.stages)?.[id];
    const text = badgeText(summary);
    // Written only when it changes: every write is a mutation the board's observer hears.
    if (button.dataset.id === String(id) && button.dataset.label === text.label) return;
    button.dataset.id = String(id);
    button.dataset.label = text.label;
    /** @type {HTMLElement} */ (button.querySelector("[data-talk-label]")).textContent = text.label;
    button.title = text.label;
    button.classList.toggle("empty", text.empty);
    button.classList.toggle("resolved", Boolean(summary?.resolved));
    const icons = this.summary.icons || {};
    /** @type {HTMLElement} */ (button.querySelector(".talk-reactions")).replaceChildren(
      ...text.reactions.flatMap(([kind, n]) => {
        const icon = document.createElement("span");
        icon.className = `glyph glyph-${icons[kind] || "comment"}`;
        return [icon, String(n)];
      }),
    );
    /** @type {HTMLElement} */ (button.querySelector(".talk-count")).textContent = text.count;
  }

  /** @param {string} kind @param {number} id */
  refreshBadge(kind, id) {
    const host =
      kind === "touchpoint"
        ? document.querySelector(`#board li[data-touchpoint="${id}"]`)
        : document.querySelector(`#board [data-stage="${id}"] > .stage-head`);
    if (host) this.badge(/** @type {HTMLElement} */ (host), kind, id);
  }

  // --- events ----------------------------------------------------------------------------

  /** A conversation event (live: in revision order, from board-dom.js): badges, the open
   * thread, the inbox count. False for anything else. */
  onEvent(/** @type {any} */ event) {
    if (!EVENTS.has(event.event)) return false;
    const p = event.payload;
    if (event.event === "reaction.changed") {
      if (p.target === "touchpoint") {
        const notes = (this.summary.notes ||= {});
        const entry = (notes[p.id] ||= { comments: 0, resolved: false });
        entry.reactions = p.counts;
        this.refreshBadge("touchpoint", p.id);
        if (this.isOpen("touchpoint", p.id)) this.reload();
      } else if (this.body.querySelector(`[data-comment="${Number(p.id)}"]`)) {
        this.reload();
      }
      return true;
    }
    const thread = p.thread;
    const kind = thread.touchpoint ? "touchpoint" : "stage";
    const id = thread.touchpoint || thread.stage;
    const all = kind === "touchpoint" ? (this.summary.notes ||= {}) : (this.summary.stages ||= {});
    all[id] = { ...(all[id] || {}), comments: thread.count, resolved: thread.resolved };
    this.refreshBadge(kind, id);
    if (this.isOpen(kind, id)) this.reload();
    if (event.event === "comment.added" || event.event === "comment.updated") this.countInbox();
    return true;
  }

  /** The header's unread count, asked again (a comment may have mentioned this account). */
  countInbox() {
    const badge = document.querySelector("[data-inbox-count]");
    const url = this.panel.dataset.inboxCountUrl;
    if (!badge || !url) return;
    clearTimeout(this.inboxTimer);
    this.inboxTimer = setTimeout(async () => {
      try {
        const answer = await (await fetch(url, { credentials: "same-origin" })).json();
        setInboxCount(Number(answer.unread) || 0);
      } catch {
        /* the next event or page load will tell */
      }
    }, 300);
  }

  // --- the panel -------------------------------------------------------------------------

  isOpen(/** @type {string} */ kind, /** @type {number} */ id) {
    return !this.panel.hidden && this.current?.kind === kind && this.current.id === Number(id);
  }

  /** @param {string} kind @param {number} id @param {HTMLElement | null} opener */
  async open(kind, id, opener) {
    this.current = { kind, id: Number(id) };
    this.opener = opener;
    const heading = /** @type {HTMLElement} */ (this.panel.querySelector("#discussion-heading"));
    heading.textContent = kind === "touchpoint" ? "Comments on the note" : "Comments on the stage";
    this.panel.hidden = false;
    document.body.classList.add("discussion-open");
    const top = document.querySelector("main")?.getBoundingClientRect().top || 0;
    this.panel.style.setProperty("--panel-top", `${Math.max(0, top)}px`);
    for (const el of document.querySelectorAll(".discussing")) el.classList.remove("discussing");
    opener?.closest("li, article")?.classList.add("discussing");
    this.setError("");
    if (this.text) {
      this.text.value = this.storage?.getItem(this.draftKey()) || "";
      this.mentions?.reset();
    }
    await this.reload();
    if (!this.isOpen(kind, id)) return;
    (this.text || heading).focus();
  }

  close() {
    this.panel.hidden = true;
    this.current = null;
    document.body.classList.remove("discussion-open");
    for (const el of document.querySelectorAll(".discussing")) el.classList.remove("discussing");
    if (this.opener?.isConnected) this.opener.focus();
    else {
      const kind = this.opener?.dataset.discussionOpen;
      const id = this.opener?.dataset.id;
      /** @type {HTMLElement | null} */ (document.querySelector(`[data-discussion-open="${kind}"][data-id="${id}"]`))?.focus();
    }
  }

  /** The thread, from the server again; an edit in progress is left alone until it ends. */
  async reload() {
    if (!this.current) return;
    if (this.body.querySelector("[data-edit-form]")) {
      this.stale = true;
      return;
    }
    const { kind, id } = this.current;
    const url = `${this.panel.dataset.threadUrl}?${kind}=${id}`;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!this.isOpen(kind, id)) return;
      if (response.status === 404) {
        this.body.replaceChildren(Object.assign(document.createElement("p"), {
          className: "thread-empty muted",
          textContent: "This note or stage is no longer on the board.",
        }));
        return;
      }
      const html = await response.text();
      // An edit opened while this was on its way: keep it (and what is typed in it); the
      // thread is fetched again when it ends.
      if (this.body.querySelector("[data-edit-form]")) {
        this.stale = true;
        return;
      }
      // The server's partial: every user text in it is escaped there.
      this.body.innerHTML = html;
    } catch {
      this.setError("Could not load the comments; they will show on the next change.");
    }
  }

  // --- sending ---------------------------------------------------------------------------

  /**
   * One operation, over the socket (live) or posted (map page); resolves to the ack or the
   * error message.
   * @param {string} type @param {Record<string, unknown>} fields
   */
  send(type, fields) {
    if (this.connection) {
      const opId = this.connection.operate(type, fields);
      if (!opId) return Promise.resolve({ type: "error", message: "That is too large to send." });
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          this.waiting.delete(opId);
          resolve({ type: "pending" });
        }, SEND_TIMEOUT_MS);
        this.waiting.set(opId, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
    }
    return this.post(type, fields);
  }

  answered(/** @type {any} */ message) {
    if ((message.type !== "ack" && message.type !== "error") || !message.op_id) return;
    const waiter = this.waiting.get(message.op_id);
    if (!waiter) return;
    this.waiting.delete(message.op_id);
    waiter(message);
  }

  /** @param {string} type @param {Record<string, unknown>} fields */
  async post(type, fields) {
    const form = new FormData();
    form.append("type", type);
    for (const [name, value] of Object.entries(fields)) {
      if (Array.isArray(value)) for (const v of value) form.append(name, String(v));
      else form.append(name, String(value));
    }
    const url = this.panel.dataset.operateUrl || "";
    try {
      const response = await fetch(url, {
        method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
      });
      const answer = await response.json();
      if (answer.type === "ack") this.onEvent(answer.event); // this page has no socket
      return answer;
    } catch {
      return { type: "error", message: "Could not reach the server: nothing was saved. Try again." };
    }
  }

  async submit() {
    if (!this.text || !this.current || this.sending) return;
    const body = this.text.value.trim();
    if (!body) return this.setError("Write something first.");
    if (body.length > 4000) return this.setError(`A comment holds at most 4,000 characters (this one has ${body.length}).`);
    this.sending = true;
    const { kind, id } = this.current;
    const answer = await this.send("comment.add", { [kind]: id, body, mentions: this.mentions?.mentions || [] });
    this.sending = false;
    if (answer.type === "error") return this.setError(answer.message || "That did not work.");
    this.setError(answer.type === "pending" ? "Sending… it will be sent when the connection is back." : "");
    if (this.isOpen(kind, id)) {
      this.text.value = "";
      this.mentions?.reset();
    }
    this.storage?.removeItem(`discussion-draft:${location.pathname}:${kind}:${id}`);
  }

  setError(/** @type {string} */ message) {
    if (this.error) this.error.textContent = message;
  }

  draftKey() {
    return `discussion-draft:${location.pathname}:${this.current?.kind}:${this.current?.id}`;
  }

  keepDraft() {
    if (this.current && this.text) this.storage?.setItem(this.draftKey(), this.text.value);
  }

  loadPeople() {
    const url = this.panel.dataset.peopleUrl;
    if (!url) return Promise.resolve([]);
    this.people ||= fetch(url, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((answer) => answer.people || [])
      .catch(() => {
        this.people = null;
        return [];
      });
    return this.people;
  }

  // --- clicks and keys -------------------------------------------------------------------

  /** @param {MouseEvent} e */
  click(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    const opener = /** @type {HTMLElement | null} */ (target.closest("[data-discussion-open]"));
    if (opener) {
      e.preventDefault();
      e.stopPropagation();
      const kind = opener.dataset.discussionOpen || "";
      const id = Number(opener.dataset.id);
      if (this.isOpen(kind, id)) this.close();
      else this.open(kind, id, opener);
      return;
    }
    if (!this.panel.contains(target)) return;
    const control = /** @type {HTMLElement | null} */ (target.closest("button"));
    if (!control) return;
    if (control.matches("[data-discussion-close]")) this.close();
    else if (control.matches("[data-reaction]")) this.react(control);
    else if (control.matches("[data-thread-resolve]")) this.act("thread.resolve", { thread: Number(control.dataset.threadResolve) });
    else if (control.matches("[data-thread-reopen]")) this.act("thread.reopen", { thread: Number(control.dataset.threadReopen) });
    else if (control.matches("[data-comment-delete]")) {
      if (window.confirm("Delete your comment? This cannot be undone.")) {
        this.act("comment.delete", { comment: Number(control.dataset.commentDelete) });
      }
    } else if (control.matches("[data-comment-edit]")) this.edit(/** @type {HTMLElement} */ (control.closest("[data-comment]")));
  }

  /** @param {KeyboardEvent} e */
  key(e) {
    if (e.key === "Escape" && !this.panel.hidden && this.panel.contains(/** @type {Node} */ (e.target))) {
      if (!this.mentions?.isOpen) this.close();
      return;
    }
    // "c" on a focused note or stage opens its thread (as its badge does).
    const target = /** @type {HTMLElement} */ (e.target);
    if (e.key === "c" && !e.ctrlKey && !e.metaKey && !e.altKey && target.matches?.("#board li[data-touchpoint]")) {
      e.preventDefault();
      const badge = /** @type {HTMLElement | null} */ (target.querySelector(":scope > [data-discussion-open]"));
      badge?.click();
    }
  }

  /** @param {string} type @param {Record<string, unknown>} fields */
  async act(type, fields) {
    const answer = await this.send(type, fields);
    if (answer.type === "error") this.setError(answer.message || "That did not work.");
    else this.setError("");
  }

  /** Give or take back a reaction; the counts shown at once, the server's after its event. */
  async react(/** @type {HTMLElement} */ button) {
    const on = button.getAttribute("aria-pressed") !== "true";
    const count = button.querySelector("[data-count]");
    button.setAttribute("aria-pressed", String(on));
    if (count) count.textContent = String(Math.max(0, Number(count.textContent) + (on ? 1 : -1)));
    button.classList.remove("unused");
    const answer = await this.send("reaction.set", {
      [button.dataset.target || "touchpoint"]: Number(button.dataset.targetId),
      reaction: button.dataset.reaction,
      on,
    });
    if (answer.type === "error") {
      this.setError(answer.message || "That did not work.");
      this.reload();
    }
  }

  /** The author's comment, in place: its text in a box, Save and Cancel. */
  edit(/** @type {HTMLElement | null} */ item) {
    if (!item || item.querySelector("[data-edit-form]")) return;
    const source = /** @type {HTMLTemplateElement | null} */ (item.querySelector("[data-comment-source]"));
    const form = document.createElement("form");
    form.dataset.editForm = "";
    form.className = "comment-edit";
    const label = Object.assign(document.createElement("label"), { className: "visually-hidden", textContent: "Edit your comment" });
    const box = document.createElement("textarea");
    box.id = `edit-comment-${item.dataset.comment}`;
    label.htmlFor = box.id;
    box.maxLength = 4000;
    box.rows = 3;
    box.value = source?.content.textContent || "";
    const list = document.createElement("ul");
    list.id = `${box.id}-people`;
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "People to mention");
    list.hidden = true;
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", list.id);
    const save = Object.assign(document.createElement("button"), { type: "submit", className: "button", textContent: "Save" });
    const cancel = Object.assign(document.createElement("button"), { type: "button", className: "button secondary", textContent: "Cancel" });
    form.append(label, box, list, save, cancel);
    const mentions = new MentionBox(box, list, () => this.loadPeople());
    let before = [];
    try {
      before = JSON.parse(item.dataset.mentions || "[]");
    } catch {
      before = [];
    }
    mentions.reset(before);
    const shown = /** @type {HTMLElement} */ (item.querySelector("[data-comment-body]"));
    shown.hidden = true;
    shown.after(form);
    box.focus();
    const end = () => {
      form.remove();
      shown.hidden = false;
      if (this.stale) {
        this.stale = false;
        this.reload();
      }
    };
    cancel.addEventListener("click", end);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const answer = await this.send("comment.edit", {
        comment: Number(item.dataset.comment), body: box.value.trim(), mentions: mentions.mentions,
      });
      if (answer.type === "error") return this.setError(answer.message || "That did not work.");
      this.setError("");
      this.stale = true;
      end();
    });
  }
}

/** @param {number} count */
export function setInboxCount(count) {
  for (const badge of document.querySelectorAll("[data-inbox-count]")) {
    const number = badge.lastChild;
    if (number) number.textContent = String(count);
    /** @type {HTMLElement} */ (badge).hidden = count === 0;
  }
}
