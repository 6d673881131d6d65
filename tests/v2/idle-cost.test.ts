// Issue 17: idle costs nothing. Two nodes with a live session and nothing new: a heal round
// reads nothing from the database, hashes no item, and moves a few hundred bytes, whatever the
// history; a message stored behind the session's back is still healed, at a cost of a few
// buckets. The store's reconciliation set (db/recon-index.ts) follows every row change, and
// always equals a set built afresh from the database (legacy circles: MAC-only rows, signed
// copies attaching, pruning).
import { describe, expect, test } from "bun:test";
import type { NodeStore } from "../../db/node-store.ts";
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import { computeMac } from "../../src/protocol/message.ts";
import { ItemSet, itemOf } from "../../src/protocol/v2/recon.ts";
import { unsignedItemId } from "../../src/sync/v2-messages.ts";
import { connect, joinCircle, makeNode, NOW, post, SECRET, texts } from "./helpers.ts";

/** Count the store's reads of the whole item list. */
function countLoads(store: NodeStore): { n: number } {
  const c = { n: 0 };
  const orig = store.v2Items.bind(store);
  store.v2Items = (circleId, opts) => {
    c.n++;
    return orig(circleId, opts);
  };
  return c;
}

const kept = (s: NodeStore, cid: string) => {
  const c = s.getCircle(cid)!;
  return s.reconItems(cid, { maxEpoch: c.keyEpoch, legacy: c.mode === "v1" })!;
};
/** the set the store keeps equals one built from the database now */
function expectFresh(s: NodeStore, cid: string): void {
  const c = s.getCircle(cid)!;
  const rows = s.v2Items(cid, { maxEpoch: c.keyEpoch, legacy: c.mode === "v1" });
  const fresh = new ItemSet(rows.map((r) => itemOf(r.ts, r.signed ? r.msgId : unsignedItemId(r.msgId))));
  const set = kept(s, cid);
  expect(set.size).toBe(fresh.size);
  expect(toHex(set.fingerprint(0, set.size))).toBe(toHex(fresh.fingerprint(0, fresh.size)));
  expect(set.ids(0, set.size).map(toHex)).toEqual(fresh.ids(0, fresh.size).map(toHex));
}

describe("idle sessions cost nothing (issue 17)", () => {
  test("heal rounds with nothing new: no database read, no item hashed, a few hundred bytes", () => {
    const a = makeNode("alice");
    const b = makeNode("bob");
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    for (let i = 0; i < 400; i++) post(a, cid, `history ${i}`);
    const conn = connect(a, b, cid);
    expect(texts(b, cid).length).toBe(400);
    const loads = { a: countLoads(a.store), b: countLoads(b.store) };
    const builds = { a: a.store.recon.builds, b: b.store.recon.builds };
    const sets = { a: kept(a.store, cid), b: kept(b.store, cid) };
    sets.a.work = 0;
    sets.b.work = 0;
    const before = conn.bytes.client + conn.bytes.server;
    for (let round = 0; round < 3; round++) {
      conn.feed("client", conn.client.resync());
      conn.pump();
      conn.feed("server", conn.server.resync());
      conn.pump();
    }
    expect(loads.a.n + loads.b.n).toBe(0);
    expect({ a: a.store.recon.builds, b: b.store.recon.builds }).toEqual(builds);
    expect(sets.a.work + sets.b.work).toBe(0);
    const perHeal = (conn.bytes.client + conn.bytes.server - before) / 6;
    expect(perHeal).toBeLessThan(300);
    expect(conn.closed).toEqual({});

    // a new message, pushed: the shared set takes it in, no rebuild
    a.clock.now += 10;
    b.clock.now += 10;
    conn.feed("client", conn.client.push([post(a, cid, "pushed")]));
    conn.pump();
    // and one stored behind the session's back (no push): the next heal carries it
    const lost = post(a, cid, "never pushed");
    conn.feed("client", conn.client.resync());
    conn.pump();
    expect(texts(b, cid)).toContain("pushed");
    expect(texts(b, cid)).toContain("never pushed");
    expect(b.store.hasMessage(lost.msgId)).toBe(true);
    expect(loads.a.n + loads.b.n).toBe(0);
    expect({ a: a.store.recon.builds, b: b.store.recon.builds }).toEqual(builds);
    // (the hashes a difference costs are bounded by buckets, not history: tests/v2/recon-set.test.ts)
    expectFresh(a.store, cid);
    expectFresh(b.store, cid);
  }, 30_000);

  test("legacy circle: MAC-only rows, signed copies attaching and a prune keep the set equal to the database", () => {
    const a = makeNode("alice");
    const b = makeNode("bob");
    const cid = joinCircle(a, a, { mode: "v1" });
    joinCircle(b, a, { mode: "v1" });
    kept(a.store, cid); // built now: every change below goes through the index
    kept(b.store, cid);
    const signed = Array.from({ length: 40 }, (_, i) => post(a, cid, `signed ${i}`));
    // b first hears of 20 of them from an original peer: MAC-only rows
    for (const m of signed.slice(0, 20)) {
      const copy = { ...m, mac: null as string | null };
      copy.mac = computeMac(fromHex(SECRET), copy);
      b.store.insertMessage(copy, { origin: "tcp", receivedAt: NOW, sortTs: NOW, sortMs: NOW * 1000 });
    }
    // and an original's own message, MAC-only everywhere
    const v1 = {
      msgId: "ab".repeat(16),
      circleId: cid,
      channelId: "general",
      authorNodeId: "0ff0ff0ff0ff0ff0ff0ff0ff",
      displayName: "py",
      createdTs: NOW - 100,
      text: "from an original",
      mac: null as string | null,
    };
    v1.mac = computeMac(fromHex(SECRET), v1);
    b.store.insertMessage(v1, { origin: "tcp", receivedAt: NOW, sortTs: NOW - 100, sortMs: (NOW - 100) * 1000 });
    expectFresh(b.store, cid);
    const builds = b.store.recon.builds;
    connect(a, b, cid);
    expect(texts(b, cid).length).toBe(41);
    expect(texts(a, cid)).toContain("from an original");
    for (const m of signed.slice(0, 20)) expect(b.store.messageAuth(m.msgId)?.signature).toBeTruthy();
    expect(b.store.recon.builds).toBe(builds);
    expectFresh(a.store, cid);
    expectFresh(b.store, cid);
    // retention: the set is dropped and rebuilt from what is left
    a.store.pruneOlderThan(NOW - 50);
    expectFresh(a.store, cid);
  });
});
