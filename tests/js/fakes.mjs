// Stand-ins for what the browser hands the live modules: a clock with timers that only move
// when a test advances them, websockets a test speaks for the server on, and sessionStorage.

import { Connection } from "../../static/js/live/connection.js";

export class FakeClock {
  constructor(start = Date.parse("2025-03-01T09:00:00Z")) {
    this.time = start;
    this.tasks = new Map();
    this.nextId = 1;
    this.now = () => this.time;
    this.setTimeout = (fn, ms) => this.schedule(fn, ms, null);
    this.setInterval = (fn, ms) => this.schedule(fn, ms, ms);
    this.clearTimeout = (id) => this.tasks.delete(id);
    this.clearInterval = (id) => this.tasks.delete(id);
  }

  schedule(fn, ms, every) {
    const id = this.nextId++;
    this.tasks.set(id, { at: this.time + Math.max(0, ms), fn, every });
    return id;
  }

  /** Move time forward by `ms`, running every timer that falls due, in order. */
  advance(ms) {
    const end = this.time + ms;
    for (;;) {
      let due = null;
      for (const [id, task] of this.tasks) {
        if (task.at <= end && (!due || task.at < due[1].at)) due = [id, task];
      }
      if (!due) break;
      const [id, task] = due;
      this.time = task.at;
      if (task.every === null) this.tasks.delete(id);
      else task.at += task.every;
      task.fn();
    }
    this.time = end;
  }
}

export class FakeSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0; // CONNECTING
    this.listeners = { message: [], close: [] };
    /** Frames the client sent, parsed. */
    this.sent = [];
    this.closedByClient = false;
  }

  addEventListener(type, listener) {
    (this.listeners[type] ||= []).push(listener);
  }

  send(data) {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    this.sent.push(JSON.parse(data));
  }

  close() {
    this.closedByClient = true;
    this.readyState = 2; // CLOSING: the close event waits for a handshake that may never come
  }

  // --- the server's side ---

  /** The socket opens and the server says hello, as the consumer does. */
  hello(revision = 0) {
    this.readyState = 1;
    this.serverSends({
      type: "hello",
      connection: "c0ffee",
      participant: { id: 7, name: "Ann", colour: "#b91c1c", role: "participant" },
      revision,
    });
  }

  serverSends(message) {
    for (const listener of this.listeners.message) listener({ data: JSON.stringify(message) });
  }

  serverCloses(code = 1006) {
    this.readyState = 3;
    for (const listener of this.listeners.close) listener({ code });
  }

  /** The frames sent of one type. */
  sentOf(type) {
    return this.sent.filter((message) => message.type === type);
  }
}

export class MemoryStorage {
  constructor() {
    this.items = new Map();
  }

  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }

  setItem(key, value) {
    this.items.set(key, String(value));
  }
}

/**
 * A Connection on fakes, started (its first socket is created, not yet open).
 * `applied` lists the revisions the board was patched with; `statuses` what the badge showed.
 */
export function startConnection({
  storage = new MemoryStorage(),
  revision = 0,
  random = () => 0.5,
  apply = () => true,
  loadBoard = async () => null,
  clock = new FakeClock(),
} = {}) {
  const sockets = [];
  const applied = [];
  const statuses = [];
  const connection = new Connection({
    url: "ws://127.0.0.1/ws/w/K7PM2Q/",
    revision,
    apply: (event) => {
      const ok = apply(event);
      if (ok) applied.push(event.revision);
      return ok;
    },
    loadBoard,
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    storage,
    now: clock.now,
    random,
    timers: clock,
  });
  connection.onStatus((status) => statuses.push(status));
  connection.start();
  return { connection, clock, sockets, storage, applied, statuses, latest: () => sockets.at(-1) };
}

/** A map event as the server broadcasts it (docs/protocol.md). */
export function noteMoved(revision, id = 41) {
  return {
    type: "event",
    event: "touchpoint.moved",
    map: 12,
    revision,
    payload: { id, stage: 5, position: `h${revision}` },
    actor: "Bob",
    op_id: null,
  };
}
