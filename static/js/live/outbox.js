// The outbox: operations sent but not yet answered. Kept in sessionStorage as well, so a reload
// keeps them, and resent with the same op_id after every (re)connect: the server applies an
// op_id at most once, so a resend after a lost ack is harmless (docs/protocol.md, "Nothing lost").

/** @typedef {{type: string, op_id: string} & Record<string, unknown>} Operation */
/** @typedef {{getItem(key: string): string | null, setItem(key: string, value: string): void}} StorageLike */

export class Outbox {
  /**
   * @param {object} options
   * @param {string} options.code the workshop's join code: names the storage key, prefixes op_ids
   * @param {StorageLike | null} options.storage null when the browser has none
   * @param {() => number} [options.now]
   * @param {() => number} [options.random]
   */
  constructor({ code, storage, now = Date.now, random = Math.random }) {
    this.code = code;
    this.storage = storage;
    this.key = `journeymap-outbox-${code}`;
    this.now = now;
    this.random = random;
    this.counter = 0;
    /** @type {Map<string, Operation>} op_id -> the operation exactly as first sent */
    this.operations = this.load();
  }

  get size() {
    return this.operations.size;
  }

  /**
   * A new operation with a fresh op_id, kept until the server answers it.
   * @param {string} type
   * @param {Record<string, unknown>} fields
   * @returns {Operation}
   */
  add(type, fields) {
    const opId = `${this.code}-${this.now().toString(36)}-${(this.counter++).toString(36)}-${this.random().toString(36).slice(2, 8)}`;
    const operation = { type, op_id: opId, ...fields };
    this.operations.set(opId, operation);
    this.save();
    return operation;
  }

  /**
   * The server answered (ack or error): forget the operation. Whether it was one of ours.
   * @param {string | null | undefined} opId
   */
  settle(opId) {
    if (!opId || !this.operations.has(opId)) return false;
    this.operations.delete(opId);
    this.save();
    return true;
  }

  /** What to resend after a (re)connect: every unanswered operation, oldest first, unchanged. */
  unanswered() {
    return [...this.operations.values()];
  }

  /** @returns {Map<string, Operation>} */
  load() {
    try {
      return new Map(JSON.parse(this.storage?.getItem(this.key) || "[]"));
    } catch {
      return new Map();
    }
  }

  save() {
    try {
      this.storage?.setItem(this.key, JSON.stringify([...this.operations]));
    } catch {
      /* storage full or disabled: the outbox still lives in memory */
    }
  }
}
