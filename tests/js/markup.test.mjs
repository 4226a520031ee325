// The header's "who is online" shows each person's initials in their colour (issue 16).

import assert from "node:assert/strict";
import { test } from "node:test";

import { initials, roleLabel } from "../../static/js/live/markup.js";

test("initials come from the first two words of a name, letters and digits only", () => {
  assert.equal(initials("Alex (Marketing)"), "AM");
  assert.equal(initials("priya"), "P");
  assert.equal(initials("  Émile   Zola  Extra "), "ÉZ");
  assert.equal(initials("<b>"), "B");
  assert.equal(initials("🙂"), "?");
  assert.equal(initials(""), "?");
});

test("a role label never comes from the name", () => {
  assert.equal(roleLabel({ id: 1, name: "facilitator", colour: "#000", role: "participant", guest: true }), "guest");
});
