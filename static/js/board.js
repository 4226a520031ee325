// The live board: websocket client, drag and drop (SortableJS) and keyboard moves, outbox,
// revision tracking, reconnect with backoff, connection badge and presence.
// The protocol is docs/protocol.md; the markup hooks are docs/design.md, "Board markup".
// User text only ever goes into the page through textContent.

const live = document.getElementById("live");

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 15000;
const DRAG_INTERVAL_MS = 100; // at most ~10 drag positions a second
const GAP_WAIT_MS = 800; // how long a missing revision may stay missing before we ask
const PING_EVERY_MS = 20000;
const SILENT_LIMIT_MS = 45000; // no message at all for this long: the socket is dead
const PRESENCE_STALE_MS = 4000;

const CLOSE_NOT_A_MEMBER = 4403;
const CLOSE_UNKNOWN_WORKSHOP = 4404;

// Events that change the spine, groups or the curve: re-fetch the board rather than patch it.
const STRUCTURAL = new Set([
  "map.updated", "persona.updated", "stage.added", "stage.updated", "stage.moved",
  "stage.deleted", "group.added", "group.renamed", "group.deleted",
]);

class LiveBoard {
  constructor(root) {
    this.root = root;
    this.url = root.dataset.wsUrl;
    this.boardUrl = root.dataset.boardUrl;
    this.canEdit = root.dataset.canEdit === "true";
    this.code = this.url.split("/").filter(Boolean).pop();
    this.storageKey = `journeymap-outbox-${this.code}`;
    this.channels = readJson("channel-labels") || {};
    this.revision = Number(this.board().dataset.revision || 0);
    this.pending = new Map(); // revision -> event, waiting for the revisions before it
    this.outbox = this.loadOutbox(); // op_id -> message, sent but not acknowledged
    this.presence = new Map(); // connection -> participant
    this.notesInUse = new Map(); // touchpoint id -> {participant, activity, at}
    this.me = null;
    this.socket = null;
    this.attempt = 0;
    this.refetching = null;
    this.gapTimer = null;
    this.lastMessageAt = Date.now();
    this.lastDragSent = 0;
    this.opCounter = 0;
    this.badge = document.getElementById("connection");
    this.message = document.getElementById("live-message");
    this.presenceList = document.getElementById("presence");
  }

  board() {
    return document.getElementById("board");
  }

  start() {
    this.bindBoard();
    this.connect();
    window.addEventListener("offline", () => this.drop());
    window.addEventListener("online", () => {
      if (!this.socket || this.socket.readyState > WebSocket.OPEN) this.connect();
    });
    setInterval(() => this.heartbeat(), PING_EVERY_MS / 2);
    setInterval(() => this.expirePresence(), PRESENCE_STALE_MS / 2);
  }

  // --- connection --------------------------------------------------------------------------

  connect() {
    clearTimeout(this.reconnectTimer);
    this.setBadge("connecting", "Connecting…");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("message", (e) => this.onMessage(e));
    socket.addEventListener("close", (e) => this.onClose(socket, e));
  }

  onClose(socket, event) {
    if (socket !== this.socket) return;
    if (event.code === CLOSE_NOT_A_MEMBER || event.code === CLOSE_UNKNOWN_WORKSHOP) {
      this.presence.clear();
      this.renderPresence();
      this.setBadge("refused", "Not connected: this browser is not in the workshop. Reload to join.");
      return;
    }
    this.lost();
  }

  // Give up on the socket now: the browser went offline, or the socket fell silent. Its close
  // event waits for the closing handshake, which a dead network may never finish, so the
  // badge and the reconnect do not wait for it (its event is then a stale socket's, ignored).
  drop() {
    const socket = this.socket;
    if (!socket || socket.readyState > WebSocket.OPEN) return;
    this.socket = null;
    socket.close();
    this.lost();
  }

  lost() {
    this.presence.clear();
    this.renderPresence();
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.attempt);
    const wait = delay / 2 + Math.random() * (delay / 2); // jitter: a room does not reconnect in step
    this.attempt += 1;
    const unsent = this.outbox.size ? ` ${this.outbox.size} change(s) will be sent then.` : "";
    this.setBadge("offline", `Offline: reconnecting in ${Math.ceil(wait / 1000)} s.${unsent}`);
    this.reconnectTimer = setTimeout(() => this.connect(), wait);
  }

  heartbeat() {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastMessageAt > SILENT_LIMIT_MS) {
      this.drop(); // dead without a close frame: reconnect
      return;
    }
    // A sync doubles as the ping: its (usually empty) answer proves the socket alive, and it
    // heals a lost broadcast even when no later event arrives to reveal the gap.
    this.socket.send(JSON.stringify({ type: "sync", since: this.revision }));
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  // An operation: kept in the outbox (and sessionStorage, so a reload keeps it) until the
  // server acknowledges or refuses it; resent with the same op_id after a reconnect.
  operate(type, fields) {
    const opId = `${this.code}-${Date.now().toString(36)}-${(this.opCounter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const message = { type, op_id: opId, ...fields };
    this.outbox.set(opId, message);
    this.saveOutbox();
    this.send(message);
    return opId;
  }

  loadOutbox() {
    try {
      return new Map(JSON.parse(sessionStorage.getItem(this.storageKey) || "[]"));
    } catch {
      return new Map();
    }
  }

  saveOutbox() {
    try {
      sessionStorage.setItem(this.storageKey, JSON.stringify([...this.outbox]));
    } catch {
      /* storage full or disabled: the outbox still lives in memory */
    }
  }

  // --- messages ----------------------------------------------------------------------------

  onMessage(event) {
    this.lastMessageAt = Date.now();
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    const handler = {
      hello: () => this.onHello(message),
      event: () => this.receiveEvent(message),
      events: () => message.events.forEach((e) => this.receiveEvent(e)),
      ack: () => this.onAck(message),
      error: () => this.onError(message),
      sync: () => message.events.forEach((e) => this.receiveEvent(e)),
      snapshot: () => this.refetch(),
      presence: () => this.onPresence(message),
      drag: () => this.markNote(message.touchpoint, message.participant, "dragging"),
      focus: () => this.onFocus(message),
      "workshop.state": () => this.onWorkshopState(message),
      // The server is ahead and nothing is on its way (a broadcast was lost): ask for it.
      pong: () => {
        if (message.revision > this.revision && !this.pending.size) {
          this.send({ type: "sync", since: this.revision });
        }
      },
    }[message.type];
    if (handler) handler();
    document.dispatchEvent(new CustomEvent("journeymap:message", { detail: message }));
  }

  onHello(message) {
    this.attempt = 0;
    this.me = message.participant;
    this.setBadge("online", "Live");
    this.presence.set(message.connection, message.participant);
    this.renderPresence();
    // Ask for what we missed (nothing if we are up to date), then resend what was never
    // acknowledged. The server answers in this order, and skips operations already applied.
    this.send({ type: "sync", since: this.revision });
    for (const message of this.outbox.values()) this.send(message);
  }

  onAck(message) {
    this.outbox.delete(message.op_id);
    this.saveOutbox();
    if (message.event) this.receiveEvent(message.event);
  }

  onError(message) {
    if (message.op_id && this.outbox.has(message.op_id)) {
      this.outbox.delete(message.op_id);
      this.saveOutbox();
      // The server refused a change we may already show (a drop, a keyboard move): its board
      // is the truth.
      this.refetch();
    }
    if (message.code === "conflict" && message.current) {
      this.showConflict(message.current);
      return;
    }
    this.say(message.message || "That did not work.");
  }

  // Events are applied strictly in revision order. A missing revision waits briefly in
  // `pending` (it may be on its way); if it does not come we ask the server for it.
  // This is what heals messages the channel layer dropped.
  receiveEvent(event) {
    if (event.revision <= this.revision) return; // already applied (an ack and its broadcast)
    this.pending.set(event.revision, event);
    this.drainPending();
  }

  drainPending() {
    if (this.refetching) return;
    while (this.pending.has(this.revision + 1)) {
      const event = this.pending.get(this.revision + 1);
      this.pending.delete(this.revision + 1);
      if (STRUCTURAL.has(event.event) || !this.applyEvent(event)) {
        this.refetch();
        return;
      }
      this.setRevision(event.revision);
    }
    for (const revision of this.pending.keys()) {
      if (revision <= this.revision) this.pending.delete(revision);
    }
    clearTimeout(this.gapTimer);
    if (this.pending.size) {
      this.gapTimer = setTimeout(() => {
        if (this.pending.size) this.send({ type: "sync", since: this.revision });
      }, GAP_WAIT_MS);
    }
  }

  setRevision(revision) {
    this.revision = revision;
    this.board().dataset.revision = String(revision);
  }

  // Re-render the board from the server (structural changes, snapshots, refusals). Events
  // arriving meanwhile wait in `pending` and are applied on top of the fresh board.
  refetch() {
    if (this.refetching) return this.refetching;
    this.refetching = fetch(this.boardUrl, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        if (!fresh) return;
        const focused = document.activeElement && document.activeElement.closest("[data-touchpoint]");
        const focusId = focused ? focused.dataset.touchpoint : null;
        this.board().replaceWith(document.adoptNode(fresh));
        this.revision = Number(fresh.dataset.revision || 0);
        this.bindBoard();
        this.renderNotesInUse();
        if (focusId) this.noteEl(focusId)?.focus();
      })
      .catch(() => this.say("Could not refresh the board; it will retry on the next change."))
      .finally(() => {
        this.refetching = null;
        this.drainPending();
      });
    return this.refetching;
  }

  // --- applying events to the DOM ----------------------------------------------------------

  applyEvent(event) {
    const p = event.payload;
    switch (event.event) {
      case "touchpoint.added":
      case "touchpoint.updated":
        return this.upsertNote(p.touchpoint);
      case "touchpoint.moved":
        return this.placeNote(this.noteEl(p.id), p.stage, p.position);
      case "touchpoint.deleted":
        this.noteEl(p.id)?.remove();
        this.updateEmptyStates();
        return true;
      default:
        return false; // unknown to this client: a fresh board is always right
    }
  }

  noteEl(id) {
    return this.board().querySelector(`li[data-touchpoint="${Number(id)}"]`);
  }

  upsertNote(note) {
    if (note.group !== null && !this.groupName(note.group)) return false; // name unknown: refetch
    let li = this.noteEl(note.id);
    if (!li) {
      li = document.createElement("li");
      li.tabIndex = 0;
      li.dataset.touchpoint = String(note.id);
      const text = document.createElement("p");
      text.className = "note-text";
      text.dataset.field = "text";
      text.id = `note-${note.id}-text`;
      const meta = document.createElement("p");
      meta.className = "meta";
      meta.dataset.field = "meta";
      li.append(text, meta);
      li.setAttribute("aria-labelledby", text.id);
    }
    li.className = "note" + (note.internal ? " internal" : "") + (note.critical ? " critical" : "");
    li.dataset.version = String(note.version);
    li.querySelector('[data-field="text"]').textContent = note.text;
    li.querySelector('[data-field="meta"]').textContent = this.metaText(note);
    if (note.group !== null) li.dataset.group = String(note.group);
    else delete li.dataset.group;
    return this.placeNote(li, note.stage, note.position);
  }

  metaText(note) {
    const parts = [this.channels[note.channel] || note.channel];
    if (note.department) parts.push(note.department);
    if (note.group !== null) parts.push(this.groupName(note.group));
    if (note.critical) parts.push("critical");
    if (note.internal) parts.push("internal");
    return parts.join(" · ");
  }

  // Group names are not in the note markup: a note event naming a group we cannot name makes
  // the caller refetch the board (groups change rarely; notes move often).
  groupName(id) {
    const known = this.board().querySelector(`[data-group-name="${Number(id)}"]`);
    return known ? known.dataset.name || known.textContent : null;
  }

  // Put a note in its stage's list at the place its position key says (the server's order).
  placeNote(li, stageId, position) {
    const list = this.board().querySelector(`ol[data-stage-notes="${Number(stageId)}"]`);
    if (!li || !list) return false;
    li.dataset.position = position;
    const id = Number(li.dataset.touchpoint);
    const before = [...list.querySelectorAll(":scope > li[data-touchpoint]")].find((other) => {
      if (other === li) return false;
      const key = other.dataset.position;
      return key > position || (key === position && Number(other.dataset.touchpoint) > id);
    });
    if (li.parentElement !== list || li.nextElementSibling !== before) {
      list.insertBefore(li, before || null);
    }
    this.updateEmptyStates();
    return true;
  }

  updateEmptyStates() {
    for (const list of this.board().querySelectorAll("ol[data-stage-notes]")) {
      list.classList.toggle("is-empty", !list.querySelector("li[data-touchpoint]"));
    }
  }

  // --- presence ----------------------------------------------------------------------------

  onPresence(message) {
    if (message.op === "leave") {
      this.presence.delete(message.connection);
      for (const [id, use] of this.notesInUse) {
        if (use.connection === message.connection) this.notesInUse.delete(id);
      }
      this.renderNotesInUse();
    } else {
      this.presence.set(message.connection, message.participant);
    }
    this.renderPresence();
  }

  onFocus(message) {
    for (const [id, use] of this.notesInUse) {
      if (use.connection === message.connection) this.notesInUse.delete(id);
    }
    if (message.touchpoint !== null) {
      this.notesInUse.set(String(message.touchpoint), {
        participant: message.participant,
        connection: message.connection,
        activity: message.activity,
        at: Date.now(),
        sticky: message.activity === "editing",
      });
    }
    this.renderNotesInUse();
  }

  markNote(touchpoint, participant, activity) {
    const current = this.notesInUse.get(String(touchpoint));
    this.notesInUse.set(String(touchpoint), {
      ...(current || {}),
      participant,
      activity,
      at: Date.now(),
    });
    this.renderNotesInUse();
  }

  expirePresence() {
    const now = Date.now();
    let changed = false;
    for (const [id, use] of this.notesInUse) {
      if (!use.sticky && now - use.at > PRESENCE_STALE_MS) {
        this.notesInUse.delete(id);
        changed = true;
      }
    }
    if (changed) this.renderNotesInUse();
  }

  renderPresence() {
    if (!this.presenceList) return;
    const people = new Map();
    for (const participant of this.presence.values()) people.set(participant.id, participant);
    const items = [...people.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((participant) => {
        const li = document.createElement("li");
        li.dataset.participant = String(participant.id);
        const dot = document.createElement("span");
        dot.className = "presence-dot";
        dot.style.setProperty("--colour", participant.colour);
        dot.setAttribute("aria-hidden", "true");
        const you = this.me && participant.id === this.me.id ? " (you)" : "";
        li.append(dot, document.createTextNode(participant.name + you));
        return li;
      });
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = "Nobody else yet.";
      items.push(li);
    }
    this.presenceList.replaceChildren(...items);
  }

  renderNotesInUse() {
    for (const tag of this.board().querySelectorAll(".note-presence")) tag.remove();
    for (const li of this.board().querySelectorAll("li.in-use")) li.classList.remove("in-use");
    for (const [id, use] of this.notesInUse) {
      const li = this.noteEl(id);
      if (!li) continue;
      const tag = document.createElement("span");
      tag.className = "note-presence";
      tag.style.setProperty("--colour", use.participant.colour);
      tag.textContent = `${use.participant.name} is ${use.activity === "editing" ? "editing" : "moving"} this`;
      li.classList.add("in-use");
      li.style.setProperty("--colour", use.participant.colour);
      li.append(tag);
    }
  }

  onWorkshopState(message) {
    const phase = this.root.querySelector("[data-phase]");
    if (phase && message.phase_label) phase.textContent = message.phase_label;
  }

  // --- the user's gestures -----------------------------------------------------------------

  bindBoard() {
    this.updateEmptyStates();
    if (!this.canEdit) return;
    const board = this.board();
    for (const form of board.querySelectorAll("form[data-add-note]")) {
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const input = form.querySelector('input[name="text"]');
        const text = input.value.trim();
        if (!text) return;
        this.operate("touchpoint.add", { stage: Number(form.dataset.addNote), text });
        input.value = "";
      });
    }
    board.addEventListener("keydown", (e) => this.onKey(e));
    if (window.Sortable) {
      for (const list of board.querySelectorAll("ol[data-stage-notes]")) {
        window.Sortable.create(list, {
          group: "notes",
          draggable: "li[data-touchpoint]",
          filter: "textarea, button, input",
          preventOnFilter: false,
          animation: 120,
          onStart: (e) => this.send({ type: "focus", touchpoint: Number(e.item.dataset.touchpoint), activity: "dragging" }),
          onMove: (e) => this.dragMoved(e),
          onEnd: (e) => this.dropped(e),
        });
      }
    }
  }

  dragMoved(e) {
    const now = Date.now();
    if (now - this.lastDragSent < DRAG_INTERVAL_MS) return true;
    this.lastDragSent = now;
    const list = e.to;
    const notes = [...list.querySelectorAll(":scope > li[data-touchpoint]")].filter((li) => li !== e.dragged);
    const index = e.related && e.related.dataset.touchpoint ? Math.max(0, notes.indexOf(e.related)) : notes.length;
    this.send({
      type: "drag",
      touchpoint: Number(e.dragged.dataset.touchpoint),
      stage: Number(list.dataset.stageNotes),
      index,
    });
    return true;
  }

  dropped(e) {
    const li = e.item;
    this.send({ type: "focus", touchpoint: null, activity: null });
    if (e.from === e.to && e.oldIndex === e.newIndex) return;
    this.requestMove(li, Number(e.to.dataset.stageNotes));
  }

  // The note is already where the user put it; the server decides its key, and the event
  // (or, on refusal, a refetch) settles it everywhere.
  requestMove(li, stageId) {
    const list = this.board().querySelector(`ol[data-stage-notes="${stageId}"]`);
    const index = [...list.querySelectorAll(":scope > li[data-touchpoint]")].indexOf(li);
    this.operate("touchpoint.move", { touchpoint: Number(li.dataset.touchpoint), stage: stageId, index });
    this.updateEmptyStates();
  }

  onKey(e) {
    const li = e.target.closest && e.target.closest("li[data-touchpoint]");
    if (!li || e.target !== li) return;
    if (e.altKey && e.key.startsWith("Arrow")) {
      e.preventDefault();
      this.keyboardMove(li, e.key);
    } else if (e.key === "Enter") {
      e.preventDefault();
      this.startEditing(li);
    } else if (e.key === "Delete") {
      e.preventDefault();
      const text = li.querySelector('[data-field="text"]').textContent;
      if (window.confirm(`Delete the note “${text}”?`)) {
        this.operate("touchpoint.delete", { touchpoint: Number(li.dataset.touchpoint) });
      }
    }
  }

  keyboardMove(li, key) {
    const list = li.parentElement;
    const lists = [...this.board().querySelectorAll("ol[data-stage-notes]")];
    const at = lists.indexOf(list);
    let target = list;
    if (key === "ArrowUp" && li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
    else if (key === "ArrowDown" && li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
    else if (key === "ArrowLeft" && at > 0) target = lists[at - 1];
    else if (key === "ArrowRight" && at < lists.length - 1) target = lists[at + 1];
    else return;
    if (target !== list) target.append(li);
    li.focus();
    const stageId = Number(target.dataset.stageNotes);
    this.requestMove(li, stageId);
    const stageName = this.board().querySelector(`[data-stage="${stageId}"] [data-lane="name"]`);
    const position = [...target.querySelectorAll(":scope > li[data-touchpoint]")].indexOf(li) + 1;
    this.say(`Moved to ${stageName ? stageName.textContent : "the stage"}, position ${position}.`, "status");
  }

  startEditing(li, draft) {
    if (li.querySelector("textarea")) return;
    const textEl = li.querySelector('[data-field="text"]');
    const id = Number(li.dataset.touchpoint);
    const baseVersion = Number(li.dataset.version);
    const area = document.createElement("textarea");
    area.maxLength = 500;
    area.rows = 3;
    area.value = draft ?? textEl.textContent;
    area.setAttribute("aria-label", "Note text (Enter saves, Escape cancels)");
    textEl.hidden = true;
    textEl.after(area);
    area.focus();
    this.send({ type: "focus", touchpoint: id, activity: "editing" });
    const finish = (save) => {
      const text = area.value.trim();
      area.remove();
      textEl.hidden = false;
      this.send({ type: "focus", touchpoint: null, activity: null });
      li.focus();
      if (save && text && text !== textEl.textContent) {
        this.lastDraft = text;
        this.operate("touchpoint.update", { touchpoint: id, text, base_version: baseVersion });
      }
    };
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        finish(true);
      } else if (e.key === "Escape") {
        e.preventDefault();
        finish(false);
      }
    });
    area.addEventListener("blur", () => area.isConnected && finish(true));
  }

  // Two people edited the same note: show the text that won, and reopen ours on top of it so
  // saving again is a deliberate overwrite, never a silent one.
  showConflict(current) {
    const li = this.noteEl(current.id);
    const mine = this.lastDraft;
    this.say(`Someone else changed this note while you were editing it. It now reads: “${current.text}”.`);
    if (li) {
      li.dataset.version = String(current.version);
      li.querySelector('[data-field="text"]').textContent = current.text;
      if (mine) this.startEditing(li, mine);
    }
  }

  // --- feedback ----------------------------------------------------------------------------

  setBadge(state, text) {
    if (!this.badge) return;
    this.badge.dataset.state = state;
    this.badge.textContent = text;
  }

  say(text, role = "alert") {
    if (!this.message) return;
    this.message.setAttribute("role", role);
    this.message.hidden = false;
    this.message.textContent = text;
    clearTimeout(this.sayTimer);
    this.sayTimer = setTimeout(() => {
      this.message.hidden = true;
    }, 8000);
  }
}

function readJson(id) {
  const element = document.getElementById(id);
  if (!element) return null;
  try {
    return JSON.parse(element.textContent);
  } catch {
    return null;
  }
}

if (live) {
  const board = new LiveBoard(live);
  window.journeymapLive = board; // for the facilitation module and for tests
  board.start();
}
