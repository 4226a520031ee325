// The board's zoom and fit (issue 16): a map of 6–12 stages can be seen whole on a projector,
// the zoom steps are predictable, and a phone's swipe lands on one stage.

import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_FIT, MIN_ZOOM, clampZoom, fitZoom, nearestStage, zoomIn, zoomKey, zoomLabel, zoomOut } from "../../static/js/view/zoom.js";

test("fit shrinks twelve stages of 240 px into a 1400 px wide board area", () => {
  const zoom = fitZoom({ width: 12 * 240 + 16, height: 700 }, { width: 1400, height: 760 });
  assert.ok(zoom * (12 * 240 + 16) <= 1400, `${zoom} still overflows`);
  assert.ok(zoom > 0.45, `${zoom} shrinks more than it needs`);
});

test("fit is limited by height too, so every note is in view", () => {
  const zoom = fitZoom({ width: 1000, height: 2000 }, { width: 1400, height: 700 });
  assert.ok(zoom * 2000 <= 700 && zoom * 1000 <= 1400, String(zoom));
});

test("fit enlarges a small board for the projector, but not without bound", () => {
  assert.equal(fitZoom({ width: 400, height: 200 }, { width: 1900, height: 1000 }), MAX_FIT);
  const zoom = fitZoom({ width: 1200, height: 600 }, { width: 1400, height: 900 });
  assert.ok(zoom > 1 && zoom * 1200 <= 1400, String(zoom));
});

test("fit never goes below the smallest zoom, nor breaks on an empty board", () => {
  assert.equal(fitZoom({ width: 100_000, height: 100 }, { width: 1000, height: 800 }), MIN_ZOOM);
  assert.equal(fitZoom({ width: 0, height: 0 }, { width: 1000, height: 800 }), 1);
});

test("zoom in and out step through the levels and stop at the ends", () => {
  assert.equal(zoomIn(1), 1.1);
  assert.equal(zoomOut(1), 0.9);
  assert.equal(zoomIn(0.83), 0.9, "from a fitted zoom, the next level up");
  assert.equal(zoomOut(0.83), 0.8);
  assert.equal(zoomIn(2), 2);
  assert.equal(zoomOut(0.3), 0.3);
  assert.equal(clampZoom(7), 2);
  assert.equal(clampZoom(Number.NaN), 1);
  assert.equal(zoomLabel(0.8), "80%");
});

test("Ctrl or Cmd with + − 0 zoom the board; other keys do not", () => {
  const key = (k, mods = {}) => zoomKey({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });
  assert.equal(key("+", { ctrlKey: true }), "in");
  assert.equal(key("=", { metaKey: true }), "in");
  assert.equal(key("-", { ctrlKey: true }), "out");
  assert.equal(key("0", { ctrlKey: true }), "reset");
  assert.equal(key("-"), null, "a minus typed in a note");
  assert.equal(key("c", { ctrlKey: true }), null, "copy");
  assert.equal(key("-", { ctrlKey: true, altKey: true }), null);
});

test("a swipe shows the stage whose centre is nearest the middle of the view", () => {
  const centres = [195, 585, 975, 1365];
  assert.equal(nearestStage(centres, 195), 0);
  assert.equal(nearestStage(centres, 600), 1);
  assert.equal(nearestStage(centres, 1300), 3);
  assert.equal(nearestStage([], 100), 0);
});
