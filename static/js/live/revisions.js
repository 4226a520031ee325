// Revision order: events are applied strictly in the order of the map's revision. An event the
// board already shows (an ack and its broadcast, a replay) is ignored; a later one waits in
// `pending` for the revisions before it, and if the board stays stuck behind a gap for
// GAP_WAIT_MS the server is asked for what is missing. This heals broadcasts the channel layer
// dropped (docs/protocol.md, "Nothing lost", 2). No DOM here: the board is behind `apply`.

export const GAP_WAIT_MS = 800;

/** @typedef {{revision: number, event: string} & Record<string, unknown>} MapEvent */
/**
 * @typedef {object} Timers
 * @property {(fn: () => void, ms: number) => unknown} setTimeout
 * @property {(handle: unknown) => void} clearTimeout
 */

export class RevisionOrder {
  /**
   * @param {object} options
   * @param {number} options.revision the revision the board shows now
   * @param {(event: MapEvent) => boolean} options.apply patch the board; false: it cannot, reload it
   * @param {() => Promise<number | null>} options.loadBoard re-render the board from the server;
   *   resolves to the fresh board's revision, or null when that failed
   * @param {(since: number) => void} options.askSince send `sync` since that revision
   * @param {Timers} [options.timers]
   */
  constructor({ revision, apply, loadBoard, askSince, timers = globalThis }) {
    this.revision = revision;
    this.apply = apply;
    this.loadBoard = loadBoard;
    this.askSince = askSince;
    this.timers = timers;
    /** @type {Map<number, MapEvent>} revision -> event, waiting for the revisions before it */
    this.pending = new Map();
    /** @type {Promise<void> | null} */
    this.reloading = null;
    this.gapTimer = null;
  }

  /** @param {MapEvent} event */
  receive(event) {
    if (event.revision <= this.revision) return; // already applied
    this.pending.set(event.revision, event);
    this.drain();
  }

  get hasPending() {
    return this.pending.size > 0;
  }

  // Re-render the board from the server (structural changes, snapshots, refusals). Events
  // arriving meanwhile wait in `pending` and are applied on top of the fresh board.
  reload() {
    if (this.reloading) return this.reloading;
    this.stopGapClock(); // the fresh board may fill the gap; the drain after it decides
    this.reloading = this.loadBoard()
      .then((revision) => {
        if (revision !== null) this.revision = revision;
      })
      .finally(() => {
        this.reloading = null;
        this.drain();
      });
    return this.reloading;
  }

  drain() {
    if (this.reloading) return;
    const before = this.revision;
    while (this.pending.has(this.revision + 1)) {
      const event = /** @type {MapEvent} */ (this.pending.get(this.revision + 1));
      this.pending.delete(this.revision + 1);
      if (!this.apply(event)) {
        this.reload();
        return;
      }
      this.revision = event.revision;
    }
    for (const revision of this.pending.keys()) {
      if (revision <= this.revision) this.pending.delete(revision);
    }
    if (this.revision !== before || !this.pending.size) this.stopGapClock();
    if (this.pending.size && this.gapTimer === null) this.startGapClock();
  }

  // The clock measures how long the board has been stuck at one revision with later events
  // waiting: events arriving behind the gap do not restart it (in a busy room they never stop
  // coming), and while the gap stays it asks again every GAP_WAIT_MS (an answer can be lost too).
  startGapClock() {
    this.gapTimer = this.timers.setTimeout(() => {
      this.gapTimer = null;
      if (!this.pending.size) return;
      this.askSince(this.revision);
      this.startGapClock();
    }, GAP_WAIT_MS);
  }

  stopGapClock() {
    this.timers.clearTimeout(this.gapTimer);
    this.gapTimer = null;
  }
}
