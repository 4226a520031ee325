// Which controls the live page disables, and why: read from workshop.state's `gates` (the
// server's rules, maps.permissions.workshop_gates) for the page's role, never worked out here.

import assert from "node:assert/strict";
import { test } from "node:test";

import { controlStates, sameStates } from "../../static/js/live/controls.js";

const LOCKED = "The facilitator has locked the board.";
const WATCH = "Observers can watch, not edit.";
// A locked Gather, as the server sends it.
const GATES = {
  edit: { facilitator: null, participant: LOCKED, observer: WATCH },
  vote: { facilitator: "Voting opens in the Vote phase.", participant: "Voting opens in the Vote phase.", observer: "Observers watch; they do not vote." },
  act: { facilitator: null, participant: LOCKED, observer: WATCH },
};

test("each role reads its own line of the gates", () => {
  assert.deepEqual(controlStates(GATES, "participant"), { edit: LOCKED, vote: "Voting opens in the Vote phase.", act: LOCKED });
  assert.deepEqual(controlStates(GATES, "facilitator"), { edit: null, vote: "Voting opens in the Vote phase.", act: null });
  assert.equal(controlStates(GATES, "observer").edit, WATCH);
});

test("a role the gates do not name is refused, never let through", () => {
  const states = controlStates(GATES, "stranger");
  assert.ok(states.edit && states.vote && states.act);
});

test("without gates nothing is disabled here: the server still refuses and says why", () => {
  assert.deepEqual(controlStates(null, "participant"), { edit: null, vote: null, act: null });
  assert.deepEqual(controlStates({ edit: GATES.edit }, "participant"), { edit: LOCKED, vote: null, act: null });
});

test("a change of reason is a change; the same reasons are not", () => {
  const locked = controlStates(GATES, "participant");
  const voting = controlStates({ ...GATES, edit: { participant: "Adding and changing notes opens again in the Discuss phase." } }, "participant");
  assert.equal(sameStates(locked, controlStates(GATES, "participant")), true);
  assert.equal(sameStates(locked, voting), false);
});
