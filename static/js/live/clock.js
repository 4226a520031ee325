// The workshop timer's arithmetic. Every screen counts down to the same end time on the
// server's clock: a browser whose clock is off by minutes still shows time up when the others
// do, because it corrects its clock by the offset measured from the server's `now`.

/**
 * @typedef {object} TimerState the `timer` of a workshop.state message (docs/voting.md)
 * @property {"running" | "paused" | "stopped"} state
 * @property {string | null} [ends_at] ISO time on the server's clock (running)
 * @property {number | null} [remaining] seconds left (paused)
 * @property {string} [now] the server's clock when the message was made
 */

/**
 * The server's clock minus this browser's, in ms.
 * @param {string} serverNow ISO time
 * @param {number} localNow this browser's clock, ms since the epoch
 */
export function clockOffset(serverNow, localNow) {
  return Date.parse(serverNow) - localNow;
}

/**
 * Whole seconds left on the timer (rounded up, never below 0), or null when no countdown runs.
 * @param {TimerState | null | undefined} timer
 * @param {number} localNow this browser's clock, ms since the epoch
 * @param {number} offset clockOffset() of the latest message
 */
export function remainingSeconds(timer, localNow, offset) {
  if (!timer) return null;
  if (timer.state === "paused") return timer.remaining ?? null;
  if (!timer.ends_at) return null;
  const serverNow = localNow + offset;
  return Math.max(0, Math.ceil((Date.parse(timer.ends_at) - serverNow) / 1000));
}
