// The outbox (docs/protocol.md, "Nothing lost", 1): an operation is kept, in sessionStorage too,
// until the server acknowledges or refuses it, and every (re)connect resends it with the SAME
// op_id, which is what lets the server apply it at most once.

import assert from "node:assert/strict";
import { test } from "node:test";

import { MemoryStorage, startConnection } from "./fakes.mjs";

const STORAGE_KEY = "journeymap-outbox-K7PM2Q";

function stored(storage) {
  return JSON.parse(storage.getItem(STORAGE_KEY) || "[]").map(([, operation]) => operation);
}

test("an operation is sent, kept in storage, and forgotten on its ack", () => {
  const { connection, latest, storage } = startConnection();
  latest().hello();
  const opId = connection.operate("touchpoint.add", { stage: 4, text: "Gets the welcome email" });

  assert.deepEqual(latest().sentOf("touchpoint.add"), [
    { type: "touchpoint.add", op_id: opId, stage: 4, text: "Gets the welcome email" },
  ]);
  assert.deepEqual(stored(storage).map((o) => o.op_id), [opId]);

  latest().serverSends({ type: "ack", op_id: opId, revision: 1, duplicate: false });
  assert.equal(connection.outbox.size, 0);
  assert.deepEqual(stored(storage), []);
});

test("an operation refused with an error leaves the outbox, and the board is re-fetched", () => {
  let reloads = 0;
  const { connection, latest, storage } = startConnection({
    loadBoard: async () => {
      reloads += 1;
      return null;
    },
  });
  latest().hello();
  const opId = connection.operate("touchpoint.move", { touchpoint: 41, stage: 5, index: 0 });
  latest().serverSends({ type: "error", op_id: opId, code: "locked", message: "Locked." });

  assert.equal(connection.outbox.size, 0);
  assert.deepEqual(stored(storage), []);
  assert.equal(reloads, 1);
});

test("a text conflict leaves the outbox without re-fetching the board (the editor reopens on it)", () => {
  let reloads = 0;
  const { connection, latest } = startConnection({
    loadBoard: async () => {
      reloads += 1;
      return null;
    },
  });
  latest().hello();
  const opId = connection.operate("touchpoint.update", { touchpoint: 41, text: "Mine", base_version: 1 });
  latest().serverSends({ type: "error", op_id: opId, code: "conflict", current: { id: 41, version: 2 } });
  assert.equal(connection.outbox.size, 0);
  assert.equal(reloads, 0);
});

test("an answer to someone else's op_id leaves ours in the outbox", () => {
  const { connection, latest, storage } = startConnection();
  latest().hello();
  const opId = connection.operate("touchpoint.delete", { touchpoint: 41 });
  latest().serverSends({ type: "ack", op_id: "K7PM2Q-other-0-abc", revision: 3 });
  latest().serverSends({ type: "error", op_id: null, code: "rate_limited", message: "Slow down." });

  assert.deepEqual(stored(storage).map((o) => o.op_id), [opId]);
});

test("after a lost ack the reconnect resends the operation with the same op_id, once", () => {
  const { connection, clock, sockets, latest } = startConnection();
  latest().hello(0);
  const opId = connection.operate("touchpoint.add", { stage: 4, text: "Asks about APR" });
  const first = latest().sentOf("touchpoint.add")[0];

  // The server applied it, but the socket died before the ack reached us.
  latest().serverCloses(1006);
  clock.advance(1000); // past the first reconnect's backoff (at most 0.5 s)
  assert.equal(sockets.length, 2);
  latest().hello(1);

  const resent = latest().sent;
  assert.deepEqual(resent[0], { type: "sync", since: 0 }, "what was missed is asked for first");
  assert.deepEqual(latest().sentOf("touchpoint.add"), [first]);
  assert.equal(latest().sentOf("touchpoint.add")[0].op_id, opId);

  latest().serverSends({ type: "ack", op_id: opId, revision: 1, duplicate: true });
  assert.equal(connection.outbox.size, 0);
});

test("an operation made while offline waits, then goes out after the hello", () => {
  const { connection, latest } = startConnection();
  const opId = connection.operate("touchpoint.add", { stage: 4, text: "Written offline" });
  assert.deepEqual(latest().sent, []);

  latest().hello(0);
  assert.deepEqual(latest().sentOf("touchpoint.add").map((o) => o.op_id), [opId]);
});

test("a reload keeps the outbox: the new page resends the same operation", () => {
  const storage = new MemoryStorage();
  const before = startConnection({ storage });
  before.latest().hello(0);
  const opId = before.connection.operate("touchpoint.update", { touchpoint: 41, text: "Mine", base_version: 1 });

  const after = startConnection({ storage }); // the reloaded page, same sessionStorage
  after.latest().hello(0);
  assert.deepEqual(after.latest().sentOf("touchpoint.update"), [
    { type: "touchpoint.update", op_id: opId, touchpoint: 41, text: "Mine", base_version: 1 },
  ]);
});

test("op_ids are distinct and within the protocol's 1-64 characters of A-Z a-z 0-9 _ . : -", () => {
  const { connection } = startConnection();
  const ids = new Set();
  for (let i = 0; i < 50; i += 1) ids.add(connection.operate("touchpoint.delete", { touchpoint: i }));
  assert.equal(ids.size, 50);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_.:-]{1,64}$/);
});

test("without usable storage the outbox still works in memory", () => {
  const broken = {
    getItem() {
      throw new Error("SecurityError");
    },
    setItem() {
      throw new Error("QuotaExceededError");
    },
  };
  const { connection, clock, latest } = startConnection({ storage: broken });
  latest().hello(0);
  const opId = connection.operate("touchpoint.add", { stage: 4, text: "Kept anyway" });
  latest().serverCloses(1006);
  clock.advance(1000);
  latest().hello(0);
  assert.deepEqual(latest().sentOf("touchpoint.add").map((o) => o.op_id), [opId]);
});
