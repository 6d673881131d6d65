// Our node against a scripted original-style v1 peer (fake-peer.ts): it pulls a history
// larger than one v1 frame over several exchanges (its requests are chunked and adapt to
// what the peer can send), pushes to it, and never sends it a line over Python's limits.
import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { V1_RETENTION_S } from "../../src/protocol/limits.ts";
import { addCircle, insertAll, makeMessages, secretFor } from "../sync/helpers.ts";
import { FakePeer, fakeMessage, PY_ENC_MAX, PY_MSG_MAX } from "./fake-peer.ts";
import { startNode, waitFor } from "./helpers.ts";

// Thousands of messages and real sockets: fast when idle; allow for a loaded shared machine.
setDefaultTimeout(20_000);

const nodes: FelundNode[] = [];
const fakes: FakePeer[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
  while (fakes.length) fakes.pop()!.stop();
});
const start = async (n: string, o = {}) => {
  const x = await startNode(n, o);
  nodes.push(x);
  return x;
};
const fake = (o: ConstructorParameters<typeof FakePeer>[0]) => {
  const f = new FakePeer(o);
  fakes.push(f);
  return f;
};
const nowS = () => Math.floor(Date.now() / 1000);

/** syncWith until `done` (bounded); returns how many dials it took. */
async function syncUntil(
  node: FelundNode,
  circleId: string,
  addr: string,
  done: () => boolean,
  max = 60,
): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await node.syncWith(circleId, addr);
    if (done()) return i;
  }
  throw new Error(`not done after ${max} dials`);
}

for (const encrypt of [false, true]) {
  const mode = encrypt ? "encrypted" : "plain";
  const limit = encrypt ? PY_ENC_MAX : PY_MSG_MAX;
  describe(`original-style peer, ${mode} session`, () => {
    test("we pull its 460-message history over several exchanges; it never gets a frame over its limit", async () => {
      const secret = secretFor(encrypt ? 501 : 500);
      const f = fake({ secretHex: secret });
      const t0 = nowS() - 3600;
      f.addMessages(
        Array.from({ length: 460 }, (_, i) => fakeMessage(secret, f.nodeId, t0 + i, `python message ${i}`)),
      );
      f.listen();
      const n = await start("n", { encrypt });
      const j = await n.join({ secret, peer: f.addr });
      const dials = await syncUntil(n, j.circleId, f.addr, () => n.store.countMessages(j.circleId) === 460);
      expect(n.store.countMessages(j.circleId)).toBe(460);
      expect(f.sessions.length).toBeGreaterThan(2); // several exchanges (follow-ups count too)
      // the request budget finds what fits: a few refusals, retried at once within one dial
      expect(dials).toBeLessThanOrEqual(2);
      expect(f.refusedSends).toBeLessThanOrEqual(5);
      expect(f.sessions.every((s) => s.encrypted === encrypt)).toBe(true);
      expect(f.oversized).toEqual([]);
      expect(Math.max(...f.received.map((r) => r.bytes))).toBeLessThanOrEqual(limit);
      // its HAVE listed all 460 at once, so our requests were what kept its replies small
      expect(f.sessions.some((s) => s.outcome === "done")).toBe(true);
      // and it learned us as a peer (our listen address, as the observed-host rule builds it)
      expect(f.peers.get(n.nodeId)?.addr).toBe(n.listenAddr!);
    });

    test("we push 460 messages to it when we dial, in frames it accepts", async () => {
      const secret = secretFor(encrypt ? 511 : 510);
      const f = fake({ secretHex: secret });
      f.listen();
      const n = await start("n", { encrypt });
      const cid = addCircle(n.store, secret);
      insertAll(n.store, makeMessages(secret, n.nodeId, 460, { ts: (i) => nowS() - 7200 + i, textLen: 60 }), nowS());
      await syncUntil(n, cid, f.addr, () => f.messages.size === 460, 10);
      expect(f.messages.size).toBe(460);
      expect(f.oversized).toEqual([]);
      expect(Math.max(...f.received.map((r) => r.bytes))).toBeLessThanOrEqual(limit);
      expect(f.sessions.length).toBeGreaterThan(5); // ~50 per plain frame: one dial ran follow-ups
      expect(f.sessions.flatMap((s) => s.rejected)).toEqual([]);
    });

    test("it dials us and pulls 460 messages over repeated connections", async () => {
      const secret = secretFor(encrypt ? 521 : 520);
      const n = await start("n");
      const cid = addCircle(n.store, secret);
      insertAll(n.store, makeMessages(secret, n.nodeId, 460, { ts: (i) => nowS() - 7200 + i, textLen: 60 }), nowS());
      const f = fake({ secretHex: secret, encrypt, listenAddr: "127.0.0.1:9" });
      for (let i = 0; i < 30 && f.messages.size < 460; i++) {
        const log = await f.dial(`127.0.0.1:${n.port}`);
        expect(log.outcome).toBe("done");
        expect(log.encrypted).toBe(encrypt);
      }
      expect(f.messages.size).toBe(460);
      expect(f.oversized).toEqual([]);
      expect(Math.max(...f.received.map((r) => r.bytes))).toBeLessThanOrEqual(limit);
      // we recorded it at the observed host and its advertised port
      await waitFor(() => n.store.getPeer(cid, f.nodeId)?.addr === "127.0.0.1:9", 2000, "peer recorded");
    });
  });
}

test("a 5,000-message history: an original peer is offered only its window and never an oversized frame", async () => {
  const secret = secretFor(530);
  const f = fake({ secretHex: secret, encrypt: true });
  const n = await start("n");
  const cid = addCircle(n.store, secret);
  const now = nowS();
  // 5,000 messages over 60 days: about half are older than the 30 days an original keeps
  insertAll(n.store, makeMessages(secret, n.nodeId, 5000, { ts: (i) => now - 60 * 86_400 + i * 1000 }), now);
  const window = n.store.offerIds(cid, { minCreatedTs: now - V1_RETENTION_S + 60, limit: 1000 });
  // an original can hold at most ~699 ids and still send its own MSGS_HAVE in an encrypted session (PROTOCOL-V1.md §3.8)
  for (let i = 0; i < 40 && f.messages.size < 600; i++) await f.dial(`127.0.0.1:${n.port}`);
  expect(f.messages.size).toBeGreaterThanOrEqual(600);
  const windowSet = new Set(window.concat(n.store.offerIds(cid, { minCreatedTs: now - V1_RETENTION_S, limit: 1000 })));
  for (const id of f.messages.keys()) expect(windowSet.has(id)).toBe(true);
  expect(f.oversized).toEqual([]);
  expect(Math.max(...f.received.map((r) => r.bytes))).toBeLessThanOrEqual(PY_ENC_MAX);
});

test("when the original's own MSGS_HAVE outgrows its frame limit (W2) we fail that exchange cleanly and stay usable", async () => {
  const secret = secretFor(540);
  const f = fake({ secretHex: secret });
  f.addMessages(Array.from({ length: 500 }, (_, i) => fakeMessage(secret, f.nodeId, nowS() - 100 + (i % 50), `m${i}`)));
  f.listen();
  const n = await start("n", { encrypt: false });
  const j = await n.join({ secret, peer: f.addr });
  expect(j.synced).toBe(false);
  expect(f.refusedSends).toBeGreaterThan(0);
  expect(n.store.countMessages(j.circleId)).toBe(0);
  // still fine with a peer that works
  const g = fake({ secretHex: secret });
  g.addMessages([fakeMessage(secret, g.nodeId, nowS(), "hello from a smaller original")]);
  g.listen();
  const r = await n.syncWith(j.circleId, g.addr);
  expect(r?.completed).toBe(true);
  expect(n.store.countMessages(j.circleId)).toBe(1);
});
