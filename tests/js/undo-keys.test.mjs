// Undo and redo keys (issue 18): Ctrl/⌘ + Z undoes, Ctrl/⌘ + Shift + Z and Ctrl + Y redo,
// and a text field keeps its own Ctrl + Z.

import assert from "node:assert/strict";
import { test } from "node:test";

import { inTextField, undoKeyOf } from "../../static/js/undo-keys.js";

const press = (key, mods = {}) => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

test("Ctrl + Z and ⌘ + Z undo", () => {
  assert.equal(undoKeyOf(press("z", { ctrlKey: true })), "undo");
  assert.equal(undoKeyOf(press("z", { metaKey: true })), "undo");
});

test("Ctrl + Shift + Z, ⌘ + Shift + Z and Ctrl + Y redo", () => {
  assert.equal(undoKeyOf(press("Z", { ctrlKey: true, shiftKey: true })), "redo");
  assert.equal(undoKeyOf(press("Z", { metaKey: true, shiftKey: true })), "redo");
  assert.equal(undoKeyOf(press("y", { ctrlKey: true })), "redo");
});

test("other keys and modifiers are left alone", () => {
  assert.equal(undoKeyOf(press("z")), null);
  assert.equal(undoKeyOf(press("z", { ctrlKey: true, altKey: true })), null);
  assert.equal(undoKeyOf(press("y", { metaKey: true })), null); // ⌘ + Y is the browser's history
  assert.equal(undoKeyOf(press("x", { ctrlKey: true })), null);
});

test("a text field keeps its own undo", () => {
  assert.equal(inTextField({ tagName: "TEXTAREA" }), true);
  assert.equal(inTextField({ tagName: "INPUT", type: "text" }), true);
  assert.equal(inTextField({ tagName: "DIV", isContentEditable: true }), true);
  assert.equal(inTextField({ tagName: "INPUT", type: "checkbox" }), false);
  assert.equal(inTextField({ tagName: "LI" }), false);
  assert.equal(inTextField({ tagName: "BUTTON" }), false);
  assert.equal(inTextField(null), false);
});
