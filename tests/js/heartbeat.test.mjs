// Heartbeat and reconnect (docs/protocol.md, "Nothing lost", 3 and 4): a sync every 10 s is
// the ping; 45 s without any frame gives the socket up and reconnects; reconnects back off
// from 0.5 s doubling to 15 s, each wait with a random half of jitter.

import assert from "node:assert/strict";
import { test } from "node:test";

import { reconnectDelay } from "../../static/js/live/connection.js";
import { startConnection } from "./fakes.mjs";

test("while connected, a sync since the board's revision goes out every 10 s", () => {
  const { latest, clock } = startConnection({ revision: 7 });
  const socket = latest();
  socket.hello(7);
  socket.sent.length = 0;
  clock.advance(9_999);
  assert.deepEqual(socket.sent, []);
  clock.advance(1);
  assert.deepEqual(socket.sent, [{ type: "sync", since: 7 }]);
  socket.serverSends({ type: "sync", since: 7, revision: 7, events: [] });
  clock.advance(10_000);
  assert.deepEqual(socket.sent, [{ type: "sync", since: 7 }, { type: "sync", since: 7 }]);
});

test("45 s without a frame drops the socket, says offline, and reconnects after the backoff", () => {
  const { latest, clock, sockets, statuses } = startConnection({ random: () => 0 });
  const socket = latest();
  socket.hello(0);
  clock.advance(40_000); // four pings, no answers
  assert.equal(socket.closedByClient, false);
  clock.advance(10_000); // the heartbeat at 50 s finds 50 s of silence
  assert.equal(socket.closedByClient, true);
  assert.deepEqual(statuses.at(-1), { state: "offline", retryInMs: 250, waiting: 0 });

  clock.advance(249);
  assert.equal(sockets.length, 1);
  clock.advance(1);
  assert.equal(sockets.length, 2, "a new socket, without waiting for the dead one's close");
  // The old socket's late close event changes nothing.
  socket.serverCloses(1006);
  assert.equal(statuses.at(-1).state, "connecting");
});

test("any frame within 45 s keeps the socket", () => {
  const { latest, clock } = startConnection();
  const socket = latest();
  socket.hello(0);
  clock.advance(40_000);
  socket.serverSends({ type: "presence", op: "join", connection: "b0b", participant: { id: 8, name: "Bob" } });
  clock.advance(40_000);
  assert.equal(socket.closedByClient, false);
  clock.advance(10_000);
  assert.equal(socket.closedByClient, true);
});

test("the reconnect wait doubles from 0.5 s up to 15 s, with up to half of it jitter", () => {
  const ceilings = [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000];
  ceilings.forEach((ceiling, attempt) => {
    assert.equal(reconnectDelay(attempt, () => 0), ceiling / 2, `attempt ${attempt}, least jitter`);
    const most = reconnectDelay(attempt, () => 0.999999);
    assert.ok(most < ceiling && most > ceiling * 0.999, `attempt ${attempt}, most jitter: ${most}`);
  });
});

test("failed attempts back off further, and a hello starts the backoff again", () => {
  const { latest, clock, statuses } = startConnection({ random: () => 0.5 });
  const waits = [];
  for (let i = 0; i < 4; i += 1) {
    latest().serverCloses(1006); // refused before any hello
    const status = statuses.at(-1);
    waits.push(status.retryInMs);
    clock.advance(status.retryInMs);
  }
  assert.deepEqual(waits, [375, 750, 1500, 3000]);

  latest().hello(0);
  assert.equal(statuses.at(-1).state, "online");
  latest().serverCloses(1006);
  assert.equal(statuses.at(-1).retryInMs, 375);
});

test("a socket closed as not a member (4403) or unknown workshop (4404) is not reopened", () => {
  for (const code of [4403, 4404]) {
    const { latest, clock, sockets, statuses } = startConnection();
    latest().serverCloses(code);
    assert.deepEqual(statuses.at(-1), { state: "refused" });
    clock.advance(60_000);
    assert.equal(sockets.length, 1);
  }
});

test("the offline badge counts the changes waiting in the outbox", () => {
  const { connection, latest } = startConnection({ random: () => 0 });
  const statuses = [];
  connection.onStatus((status) => statuses.push(status));
  latest().hello(0);
  connection.operate("touchpoint.add", { stage: 1, text: "One" });
  connection.operate("touchpoint.add", { stage: 1, text: "Two" });
  connection.drop(); // the browser reported the network gone
  assert.deepEqual(statuses.at(-1), { state: "offline", retryInMs: 250, waiting: 2 });
});
