// The live connection: one websocket per tab, its outbox and revision order, the heartbeat and
// reconnecting with backoff. No DOM: the socket, the clock, the timers and the storage are
// handed in, so Node's test runner drives it with fakes (tests/js). Protocol: docs/protocol.md.

import { Outbox } from "./outbox.js";
import { RevisionOrder } from "./revisions.js";

export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 15000;
export const HEARTBEAT_MS = 10000; // a sync as ping
export const SILENT_LIMIT_MS = 45000; // no frame at all for this long: the socket is dead

const OPEN = 1; // WebSocket.OPEN
const CLOSE_NOT_A_MEMBER = 4403;
const CLOSE_UNKNOWN_WORKSHOP = 4404;

/**
 * @typedef {object} SocketLike the part of a browser WebSocket used here
 * @property {number} readyState
 * @property {(data: string) => void} send
 * @property {() => void} close
 * @property {(type: string, listener: (event: any) => void) => void} addEventListener
 */
/**
 * @typedef {object} Status what the badge shows
 * @property {"connecting" | "online" | "offline" | "refused"} state
 * @property {number} [retryInMs] offline: when the next attempt is
 * @property {number} [waiting] offline: operations in the outbox
 */
/**
 * @typedef {import("./revisions.js").Timers & {
 *   setInterval: (fn: () => void, ms: number) => unknown
 * }} Timers
 */

/**
 * How long to wait before reconnect attempt `attempt` (0 for the first): the delay doubles from
 * RECONNECT_MIN_MS up to RECONNECT_MAX_MS, and a random half of it is jitter, so a room whose
 * server restarted does not reconnect in step.
 * @param {number} attempt
 * @param {() => number} random in [0, 1)
 */
export function reconnectDelay(attempt, random) {
  const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** attempt);
  return delay / 2 + random() * (delay / 2);
}

export class Connection {
  /**
   * @param {object} options
   * @param {string} options.url the websocket URL (`#live[data-ws-url]`)
   * @param {number} options.revision the revision the server-rendered board shows
   * @param {(event: any) => boolean} options.apply patch the board with an event (false: cannot)
   * @param {() => Promise<number | null>} options.loadBoard re-render the board from the server
   * @param {(url: string) => SocketLike} options.createSocket
   * @param {import("./outbox.js").StorageLike | null} options.storage
   * @param {() => number} [options.now]
   * @param {() => number} [options.random]
   * @param {Timers} [options.timers]
   */
  constructor({ url, revision, apply, loadBoard, createSocket, storage, now = Date.now, random = Math.random, timers = globalThis }) {
    this.url = url;
    this.createSocket = createSocket;
    this.now = now;
    this.random = random;
    this.timers = timers;
    const code = url.split("/").filter(Boolean).pop() || "";
    this.outbox = new Outbox({ code, storage, now, random });
    this.revisions = new RevisionOrder({
      revision,
      apply,
      loadBoard,
      askSince: (since) => this.send({ type: "sync", since }),
      timers,
    });
    /** @type {SocketLike | null} */
    this.socket = null;
    this.attempt = 0;
    this.reconnectTimer = null;
    this.lastMessageAt = now();
    /** @type {Array<(message: any) => void>} */
    this.messageListeners = [];
    /** @type {Array<(status: Status) => void>} */
    this.statusListeners = [];
  }

  /** Every message from the server, after the connection has handled it. */
  onMessage(listener) {
    this.messageListeners.push(listener);
  }

  /** @param {(status: Status) => void} listener */
  onStatus(listener) {
    this.statusListeners.push(listener);
  }

  start() {
    this.connect();
    this.timers.setInterval(() => this.heartbeat(), HEARTBEAT_MS);
  }

  connect() {
    this.timers.clearTimeout(this.reconnectTimer);
    this.status({ state: "connecting" });
    const socket = this.createSocket(this.url);
    this.socket = socket;
    this.lastMessageAt = this.now(); // silence counts from this socket's start
    socket.addEventListener("message", (e) => this.receive(e.data));
    socket.addEventListener("close", (e) => this.closed(socket, e.code));
  }

  /** The browser says the network is back: connect now unless a socket is open or opening. */
  reconnect() {
    if (!this.socket || this.socket.readyState > OPEN) this.connect();
  }

  // Give up on the socket now: the browser went offline, or the socket fell silent. Its close
  // event waits for the closing handshake, which a dead network may never finish, so the badge
  // and the reconnect do not wait for it (its event is then a stale socket's, ignored).
  drop() {
    const socket = this.socket;
    if (!socket || socket.readyState > OPEN) return;
    this.socket = null;
    socket.close();
    this.lost();
  }

  /**
   * @param {SocketLike} socket
   * @param {number} code
   */
  closed(socket, code) {
    if (socket !== this.socket) return;
    if (code === CLOSE_NOT_A_MEMBER || code === CLOSE_UNKNOWN_WORKSHOP) {
      this.status({ state: "refused" });
      return;
    }
    this.lost();
  }

  lost() {
    const wait = reconnectDelay(this.attempt, this.random);
    this.attempt += 1;
    this.status({ state: "offline", retryInMs: wait, waiting: this.outbox.size });
    this.reconnectTimer = this.timers.setTimeout(() => this.connect(), wait);
  }

  heartbeat() {
    if (!this.socket || this.socket.readyState !== OPEN) return;
    if (this.now() - this.lastMessageAt > SILENT_LIMIT_MS) {
      this.drop(); // dead without a close frame: reconnect
      return;
    }
    // A sync doubles as the ping: its (usually empty) answer proves the socket alive, and it
    // heals a lost broadcast even when no later event arrives to reveal the gap.
    this.send({ type: "sync", since: this.revisions.revision });
  }

  /** @param {Record<string, unknown>} message */
  send(message) {
    if (this.socket && this.socket.readyState === OPEN) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  /**
   * An operation: kept in the outbox until the server acknowledges or refuses it, sent now if
   * the socket is open, and resent with the same op_id after every (re)connect.
   * @param {string} type
   * @param {Record<string, unknown>} [fields]
   */
  operate(type, fields = {}) {
    const operation = this.outbox.add(type, fields);
    this.send(operation);
    return operation.op_id;
  }

  /** @param {string} data a text frame */
  receive(data) {
    this.lastMessageAt = this.now();
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    this.handle(message);
    for (const listener of this.messageListeners) listener(message);
  }

  handle(message) {
    const revisions = this.revisions;
    switch (message.type) {
      case "hello":
        this.attempt = 0;
        this.status({ state: "online" });
        // Ask for what we missed (nothing if up to date), then resend what was never answered.
        // The server answers in this order, and skips operations it already applied.
        this.send({ type: "sync", since: revisions.revision });
        for (const operation of this.outbox.unanswered()) this.send(operation);
        break;
      case "event":
        revisions.receive(message);
        break;
      case "events":
      case "sync":
        for (const event of message.events) revisions.receive(event);
        break;
      case "ack":
        this.outbox.settle(message.op_id);
        if (message.event) revisions.receive(message.event);
        break;
      case "error":
        // The server refused a change we may already show (a drop, a keyboard move): its board
        // is the truth. Not after a text conflict: an edit is never shown before its event, and
        // a fresh board would throw away the editor reopened with the user's words.
        if (this.outbox.settle(message.op_id) && message.code !== "conflict") revisions.reload();
        break;
      case "snapshot":
        revisions.reload();
        break;
      case "pong":
        // The server is ahead and nothing is on its way (a broadcast was lost): ask for it.
        if (message.revision > revisions.revision && !revisions.hasPending) {
          this.send({ type: "sync", since: revisions.revision });
        }
        break;
      default:
        break;
    }
  }

  /** @param {Status} status */
  status(status) {
    for (const listener of this.statusListeners) listener(status);
  }
}
