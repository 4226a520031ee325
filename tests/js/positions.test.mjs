// Placement by position key: a note event puts the note where the server's order says, by
// position key and then by id (Touchpoint.Meta.ordering), so every screen shows one order.

import assert from "node:assert/strict";
import { test } from "node:test";

import { compareNotes, insertIndex } from "../../static/js/live/positions.js";

// In the server's order (ORDER BY position, id), keys over 0-9a-z as maps/positions.py makes them.
const SERVER_ORDER = [
  { id: 9, position: "1" },
  { id: 3, position: "8" },
  { id: 4, position: "8" },
  { id: 12, position: "8" },
  { id: 2, position: "9" },
  { id: 1, position: "a" },
  { id: 7, position: "h" },
  { id: 5, position: "h8" },
  { id: 6, position: "hh" },
  { id: 8, position: "i" },
  { id: 10, position: "z" },
  { id: 11, position: "zz" },
];

test("notes sort by position key, then by id, as the server orders them", () => {
  const shuffled = [...SERVER_ORDER].reverse();
  shuffled.push(shuffled.shift());
  assert.deepEqual([...shuffled].sort(compareNotes), SERVER_ORDER);
});

test("the key decides before the id; the id only breaks a tie", () => {
  assert.ok(compareNotes({ id: 99, position: "a" }, { id: 1, position: "b" }) < 0);
  assert.ok(compareNotes({ id: 1, position: "b" }, { id: 99, position: "a" }) > 0);
  assert.ok(compareNotes({ id: 2, position: "h" }, { id: 3, position: "h" }) < 0);
  assert.ok(compareNotes({ id: 3, position: "h" }, { id: 2, position: "h" }) > 0);
  assert.ok(compareNotes({ id: 5, position: "h" }, { id: 5, position: "h" }) === 0);
});

test("a note goes before the first of the others that sorts after it", () => {
  const others = [
    { id: 1, position: "4" },
    { id: 2, position: "8" },
    { id: 3, position: "g" },
  ];
  assert.equal(insertIndex(others, { id: 9, position: "2" }), 0);
  assert.equal(insertIndex(others, { id: 9, position: "6" }), 1);
  assert.equal(insertIndex(others, { id: 9, position: "c" }), 2);
  assert.equal(insertIndex(others, { id: 9, position: "w" }), 3);
  assert.equal(insertIndex(others, { id: 0, position: "8" }), 1, "same key, smaller id: before");
  assert.equal(insertIndex(others, { id: 5, position: "8" }), 2, "same key, larger id: after");
  assert.equal(insertIndex([], { id: 9, position: "h" }), 0);
});

test("inserting each note among the others gives its place in the server's order", () => {
  SERVER_ORDER.forEach((note, index) => {
    const others = SERVER_ORDER.filter((other) => other !== note);
    assert.equal(insertIndex(others, note), index, `note ${note.id} (${note.position})`);
  });
});
