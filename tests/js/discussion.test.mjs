// The conversation's pure parts: whom the @ list offers for what is typed, which mentions a
// comment still carries, and what a note's badge says.

import assert from "node:assert/strict";
import { test } from "node:test";

import { badgeText } from "../../static/js/live/comments.js";
import { matching, mentionsIn } from "../../static/js/live/mentions.js";

const PEOPLE = [
  { key: "member:1", name: "fran" },
  { key: "member:2", name: "Ed" },
  { key: "participant:7", name: "Ann Lee" },
  { key: "participant:8", name: "Joanna" },
  { key: "participant:9", name: "Anne" },
];

test("names that start with what is typed come first, case-blind", () => {
  assert.deepEqual(
    matching(PEOPLE, "an").map((p) => p.name),
    ["Ann Lee", "Anne", "fran", "Joanna"],
  );
  assert.deepEqual(matching(PEOPLE, "ED").map((p) => p.name), ["Ed"]);
  assert.deepEqual(matching(PEOPLE, "zz"), []);
});

test("an empty query offers everyone, at most eight", () => {
  const many = Array.from({ length: 20 }, (_, i) => ({ key: `member:${i + 1}`, name: `P${i}` }));
  assert.equal(matching(many, "").length, 8);
});

test("a mention is sent only while its @name is still in the text", () => {
  const chosen = new Map([["Ann Lee", "participant:7"], ["Ed", "member:2"]]);
  assert.deepEqual(mentionsIn("@Ann Lee and @Ed, look", chosen), ["participant:7", "member:2"]);
  assert.deepEqual(mentionsIn("@Ann and Ed", chosen), []);
  assert.deepEqual(mentionsIn("hi @Ed", chosen), ["member:2"]);
});

test("a badge says its comments, whether resolved, and its reactions", () => {
  assert.equal(badgeText(undefined).label, "Comment");
  assert.equal(badgeText(undefined).empty, true);
  const busy = badgeText({ comments: 2, resolved: true, reactions: { "+1": 3, idea: 1, heart: 0 } });
  assert.equal(busy.label, "2 comments, resolved; reactions: 3 plus one, 1 idea");
  assert.deepEqual(busy.reactions, [["+1", 3], ["idea", 1]]);
  assert.equal(busy.count, "2");
  assert.equal(badgeText({ comments: 1, resolved: false }).label, "1 comment");
  assert.equal(badgeText({ comments: 0, resolved: false, reactions: { heart: 1 } }).empty, false);
});
