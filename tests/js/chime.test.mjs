// The timer's sound is each person's choice, off unless they turned it on, kept in their
// browser; a storage that throws (disabled) leaves it off and never breaks the page.

import assert from "node:assert/strict";
import { test } from "node:test";

import { NOTES, SOUND_KEY, rememberSound, soundWanted } from "../../static/js/live/chime.js";
import { votesLeft } from "../../static/js/live/room.js";

function memoryStorage() {
  const items = new Map();
  return { getItem: (k) => (items.has(k) ? items.get(k) : null), setItem: (k, v) => items.set(k, String(v)) };
}

test("the sound is off by default and follows the person's choice", () => {
  const storage = memoryStorage();
  assert.equal(soundWanted(storage), false);
  rememberSound(storage, true);
  assert.equal(storage.getItem(SOUND_KEY), "on");
  assert.equal(soundWanted(storage), true);
  rememberSound(storage, false);
  assert.equal(soundWanted(storage), false);
});

test("no storage, or one that throws: off, and no error", () => {
  const throwing = { getItem() { throw new Error("denied"); }, setItem() { throw new Error("denied"); } };
  assert.equal(soundWanted(null), false);
  assert.equal(soundWanted(throwing), false);
  assert.doesNotThrow(() => rememberSound(throwing, true));
});

test("the chime is short: two notes, over within a second and a half", () => {
  assert.equal(NOTES.length, 2);
  for (const [frequency, start, length] of NOTES) {
    assert.ok(frequency > 200 && frequency < 2000);
    assert.ok(start + length <= 1.5);
  }
});

test("the facilitator reads '1 vote left', '0 votes left'", () => {
  assert.equal(votesLeft(1), "1 vote left");
  assert.equal(votesLeft(0), "0 votes left");
  assert.equal(votesLeft(3), "3 votes left");
});
