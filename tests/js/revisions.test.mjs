// Revision order (docs/protocol.md, "Nothing lost", 2): events are applied strictly in revision
// order; a gap waits 0.8 s, then the client asks `sync` since the last revision it applied;
// events it already shows (an ack and its broadcast, a replay) are ignored.

import assert from "node:assert/strict";
import { test } from "node:test";

import { noteMoved, startConnection } from "./fakes.mjs";

test("events are applied in revision order, whatever order they arrive in", () => {
  const { latest, applied, connection } = startConnection({ revision: 10 });
  latest().hello(10);
  latest().serverSends(noteMoved(12));
  latest().serverSends(noteMoved(13));
  assert.deepEqual(applied, [], "12 and 13 wait for 11");
  latest().serverSends({ type: "events", events: [noteMoved(11)] });
  assert.deepEqual(applied, [11, 12, 13]);
  assert.equal(connection.revisions.revision, 13);
});

test("an event the board already shows is ignored: an ack's event and its broadcast, a replay", () => {
  const { latest, applied, connection } = startConnection({ revision: 10 });
  latest().hello(10);
  const opId = connection.operate("touchpoint.move", { touchpoint: 41, stage: 5, index: 0 });
  latest().serverSends({ type: "ack", op_id: opId, revision: 11, event: noteMoved(11) });
  latest().serverSends(noteMoved(11)); // the broadcast copy
  latest().serverSends(noteMoved(9)); // older than the board
  latest().serverSends({ type: "sync", since: 8, revision: 11, events: [noteMoved(9), noteMoved(10), noteMoved(11)] });
  assert.deepEqual(applied, [11]);
});

test("an ack's event is applied at once, even when its broadcast never comes", () => {
  const { latest, applied, connection } = startConnection({ revision: 10 });
  latest().hello(10);
  const opId = connection.operate("touchpoint.move", { touchpoint: 41, stage: 5, index: 0 });
  latest().serverSends({ type: "ack", op_id: opId, revision: 11, duplicate: false, event: noteMoved(11) });
  assert.deepEqual(applied, [11]);
});

test("a gap waits 0.8 s, then asks sync since the last applied revision", () => {
  const { latest, clock, applied } = startConnection({ revision: 20 });
  const socket = latest();
  socket.hello(20);
  socket.sent.length = 0;
  socket.serverSends(noteMoved(21));
  socket.serverSends(noteMoved(23)); // 22 is missing

  clock.advance(799);
  assert.deepEqual(socket.sentOf("sync"), [], "a missing revision may still be on its way");
  clock.advance(1);
  assert.deepEqual(socket.sentOf("sync"), [{ type: "sync", since: 21 }]);

  socket.serverSends({ type: "sync", since: 21, revision: 23, events: [noteMoved(22), noteMoved(23)] });
  assert.deepEqual(applied, [21, 22, 23]);
});

test("events arriving behind a gap do not postpone its sync, which repeats while the gap stays", () => {
  const { latest, clock, applied } = startConnection({ revision: 20 });
  const socket = latest();
  socket.hello(20);
  socket.sent.length = 0;
  socket.serverSends(noteMoved(22)); // 21 is missing; a busy room keeps sending
  clock.advance(500);
  socket.serverSends(noteMoved(23));
  clock.advance(300);
  assert.deepEqual(socket.sentOf("sync"), [{ type: "sync", since: 20 }], "0.8 s after the gap appeared");
  socket.serverSends(noteMoved(24));
  clock.advance(800); // that sync's answer was lost too
  assert.deepEqual(socket.sentOf("sync"), [{ type: "sync", since: 20 }, { type: "sync", since: 20 }]);
  assert.deepEqual(applied, []);
});

test("a new gap after progress gets its own 0.8 s", () => {
  const { latest, clock, applied } = startConnection({ revision: 20 });
  const socket = latest();
  socket.hello(20);
  socket.sent.length = 0;
  socket.serverSends(noteMoved(22));
  clock.advance(500);
  socket.serverSends(noteMoved(21)); // the gap fills: 21, 22 applied
  socket.serverSends(noteMoved(24)); // a new gap: 23 is missing
  clock.advance(799);
  assert.deepEqual(socket.sentOf("sync"), []);
  clock.advance(1);
  assert.deepEqual(socket.sentOf("sync"), [{ type: "sync", since: 22 }]);
  assert.deepEqual(applied, [21, 22]);
});

test("a gap filled within 0.8 s asks for nothing", () => {
  const { latest, clock, applied } = startConnection({ revision: 5 });
  const socket = latest();
  socket.hello(5);
  socket.sent.length = 0;
  socket.serverSends(noteMoved(7));
  clock.advance(500);
  socket.serverSends(noteMoved(6));
  clock.advance(2000);
  assert.deepEqual(applied, [6, 7]);
  assert.deepEqual(socket.sentOf("sync"), []);
});

test("an event the board cannot patch re-fetches it; events meanwhile apply on top of the fresh board", async () => {
  let finishLoad;
  const { latest, applied, connection } = startConnection({
    revision: 30,
    apply: (event) => event.event !== "stage.added", // structural: the board re-fetches
    loadBoard: () => new Promise((resolve) => (finishLoad = resolve)),
  });
  latest().hello(30);
  latest().serverSends({ ...noteMoved(31), event: "stage.added" });
  assert.ok(finishLoad, "the board is re-fetched");
  latest().serverSends(noteMoved(32));
  latest().serverSends(noteMoved(33));
  assert.deepEqual(applied, [], "nothing is patched into a board about to be replaced");

  finishLoad(32); // the fresh board already shows revision 32
  await connection.revisions.reloading;
  assert.deepEqual(applied, [33]);
  assert.equal(connection.revisions.revision, 33);
});

test("a pong from a server that is ahead, with nothing on its way, asks for what was missed", () => {
  const { latest } = startConnection({ revision: 40 });
  const socket = latest();
  socket.hello(40);
  socket.sent.length = 0;
  socket.serverSends({ type: "pong", revision: 40 });
  assert.deepEqual(socket.sentOf("sync"), []);
  socket.serverSends({ type: "pong", revision: 42 });
  assert.deepEqual(socket.sentOf("sync"), [{ type: "sync", since: 40 }]);
});
