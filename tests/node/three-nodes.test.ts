// Two and three of our nodes on 127.0.0.1:0, over real TCP: a 5,000-message history moves
// at join, and a node joining late through a second member gets the full history, learns the
// first member's address from gossip, and all three converge (plain and encrypted).
import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { insertAll, makeMessages } from "../sync/helpers.ts";
import { startNode, waitFor } from "./helpers.ts";

// Thousands of messages and real sockets: fast when idle; allow for a loaded shared machine.
setDefaultTimeout(20_000);

const nodes: FelundNode[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
});
const start = async (n: string, o = {}) => {
  const x = await startNode(n, o);
  nodes.push(x);
  return x;
};
const nowS = () => Math.floor(Date.now() / 1000);
const ids = (n: FelundNode, cid: string) => new Set(n.store.offerIds(cid, {}));
const has = (n: FelundNode, cid: string, text: string) =>
  n.store.channelMessages(cid, "general", { limit: 20 }).some((m) => m.text === text);

for (const encrypt of [false, true]) {
  const mode = encrypt ? "encrypted" : "plain";
  describe(`our nodes over TCP (${mode})`, () => {
    test("a 5,000-message history reaches a new member at join", async () => {
      const a = await start("alice", { encrypt });
      const b = await start("bob", { encrypt });
      const { circleId: cid, code, secretHex } = a.createCircle("big");
      // 90 days of history: the extension carries all of it, not just the v1 window
      insertAll(
        a.store,
        makeMessages(secretHex, a.nodeId, 5000, { ts: (i) => nowS() - 90 * 86_400 + i * 1500, textLen: 80 }),
        nowS(),
      );
      const j = await b.join({ code });
      expect(j.synced).toBe(true);
      expect(b.store.countMessages(cid)).toBe(a.store.countMessages(cid));
      expect(ids(b, cid)).toEqual(ids(a, cid));
      expect(b.store.getPeer(cid, a.nodeId)?.proto).toBe("ext");
    });

    test("A invites, B joins via A, C joins late via B: full history, A learned by gossip, all converge", async () => {
      const a = await start("alice", { encrypt });
      const b = await start("bob", { encrypt });
      const c = await start("carol", { encrypt });
      const { circleId: cid, code: codeA, secretHex } = a.createCircle("three");
      expect((await b.join({ code: codeA })).synced).toBe(true);
      // a history of 300 messages from A, and some chat both ways
      insertAll(a.store, makeMessages(secretHex, a.nodeId, 300, { ts: (i) => nowS() - 3 * 86_400 + i * 600 }), nowS());
      a.send(cid, "general", "hello from A");
      await waitFor(
        () => has(b, cid, "hello from A") && b.store.countMessages(cid) === a.store.countMessages(cid),
        5000,
        "B has A's history",
      );
      b.send(cid, "general", "hello from B");
      await waitFor(() => has(a, cid, "hello from B"), 5000, "A has B's message");

      // C joins late, with B's invite (B's address only)
      const codeB = b.inviteCode(cid);
      const j = await c.join({ code: codeB });
      expect(j.synced).toBe(true);
      expect(j.bootstrap).toBe(b.listenAddr!);
      expect(c.store.countMessages(cid)).toBe(b.store.countMessages(cid));
      expect(c.store.countMessages(cid)).toBeGreaterThanOrEqual(302);
      expect(c.store.getCircle(cid)?.name).toBe("three"); // the circle-name event came with the history
      // C learned A's address from B's PEERS, and its round dials A directly
      expect(c.store.getPeer(cid, a.nodeId)?.addr).toBe(a.listenAddr!);
      const round = await c.syncCircle(cid);
      expect(round.some((r) => r.peerNodeId === a.nodeId && r.completed)).toBe(true);

      // messages from each reach the other two
      c.send(cid, "general", "hello from C");
      a.send(cid, "general", "second from A");
      await waitFor(
        () =>
          has(a, cid, "hello from C") &&
          has(b, cid, "hello from C") &&
          has(c, cid, "second from A") &&
          has(b, cid, "second from A"),
        5000,
        "fan-out",
      );
      await waitFor(
        () => {
          const x = ids(a, cid);
          return x.size === ids(b, cid).size && x.size === ids(c, cid).size;
        },
        5000,
        "convergence",
      );
      expect(ids(b, cid)).toEqual(ids(a, cid));
      expect(ids(c, cid)).toEqual(ids(a, cid));
      // the display order is the same everywhere, to the second: v1 messages carry no finer time, so within
      // one second each node keeps the order it got them in (an author's own messages stay in the order sent)
      const page = (n: FelundNode) => n.store.channelMessages(cid, "general", { limit: 1000 });
      const order = (n: FelundNode) => page(n).map((m) => m.sortMs);
      expect(order(c)).toEqual(order(a));
      expect(order(b)).toEqual(order(a));
      for (const n of [a, b, c]) {
        const texts = page(n).map((m) => m.text);
        expect(texts.indexOf("hello from A")).toBeLessThan(texts.indexOf("second from A"));
      }
      // and everyone knows everyone
      for (const [x, others] of [
        [a, [b, c]],
        [b, [a, c]],
        [c, [a, b]],
      ] as const)
        for (const o of others) expect(x.store.getPeer(cid, o.nodeId)?.addr).toBe(o.listenAddr!);
    });
  });
}
