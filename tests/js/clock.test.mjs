// The workshop timer on a browser whose clock is wrong: the offset measured from the server's
// `now` puts every screen on the server's clock, so time is up everywhere at once.

import assert from "node:assert/strict";
import { test } from "node:test";

import { clockOffset, remainingSeconds } from "../../static/js/live/clock.js";

const SERVER_NOW = "2025-03-01T09:00:00Z";
const RUNNING = { state: "running", ends_at: "2025-03-01T09:03:00Z", remaining: null, now: SERVER_NOW };
const MINUTE = 60_000;

test("a browser five minutes slow still counts down from the server's three minutes", () => {
  const local = Date.parse(SERVER_NOW) - 5 * MINUTE;
  const offset = clockOffset(RUNNING.now, local);
  assert.equal(offset, 5 * MINUTE);
  assert.equal(remainingSeconds(RUNNING, local, offset), 180);
  assert.equal(remainingSeconds(RUNNING, local + 1_500, offset), 179, "1.5 s later: 178.5, rounded up");
  assert.equal(remainingSeconds(RUNNING, local + 179_001, offset), 1);
  assert.equal(remainingSeconds(RUNNING, local + 180_000, offset), 0, "time is up at the server's end time");
});

test("a browser two minutes fast is not early", () => {
  const local = Date.parse(SERVER_NOW) + 2 * MINUTE;
  const offset = clockOffset(RUNNING.now, local);
  assert.equal(remainingSeconds(RUNNING, local, offset), 180);
  assert.equal(remainingSeconds(RUNNING, local + 2 * MINUTE, offset), 60);
});

test("after the end the timer shows 0, never less", () => {
  const local = Date.parse(SERVER_NOW);
  assert.equal(remainingSeconds(RUNNING, local + 10 * MINUTE, 0), 0);
});

test("a paused timer shows its remaining seconds whatever the clocks say; no timer, none", () => {
  const paused = { state: "paused", ends_at: null, remaining: 42, now: SERVER_NOW };
  assert.equal(remainingSeconds(paused, 0, 123_456), 42);
  assert.equal(remainingSeconds({ state: "stopped", ends_at: null, remaining: null }, 0, 0), null);
  assert.equal(remainingSeconds(null, 0, 0), null);
});
