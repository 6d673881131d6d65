// The partition suite: 5 in-process felund nodes on 127.0.0.1 in one circle (a v2 circle, and
// a legacy circle), split 3/2 with writes on both sides, then healed; afterwards every node
// holds every message exactly once, in the same order (the ordered msg_ids of each channel,
// read from each store, are identical).
//
// How the split is made: every node is stopped (which closes all its sockets, inbound and
// outbound), the peer rows naming the other side are deleted from its store, and it is
// started again on the same store and port. Nodes find each other only through their peer
// tables and the PEERS gossip of nodes they reach (no relay here), and nobody on one side
// knows an address on the other, so the sides cannot meet: the test asserts that no message
// crossed before healing. Healing puts the deleted rows back and runs gossip rounds
// (syncCircle, as the periodic timer would) until the five stores agree.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { openMemoryDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import { FelundNode } from "../../src/node/node.ts";
import { saveSettings } from "../../src/node/identity.ts";

setDefaultTimeout(90_000);
const running = new Set<FelundNode>();
afterAll(() => {
  for (const n of running) n.stop();
});

async function boot(store: NodeStore, port: number): Promise<FelundNode> {
  const n = new FelundNode({ store, bind: "127.0.0.1", port, intervalS: 3600 });
  await n.start();
  running.add(n);
  return n;
}
function halt(n: FelundNode): void {
  n.stop();
  running.delete(n);
}

/** Every message of the circle in the store (control events included). */
const ids = (n: FelundNode, cid: string) =>
  new Set(
    (n.store.sql.query("SELECT msg_id FROM messages WHERE circle_id = ?").all(cid) as { msg_id: string }[]).map(
      (r) => r.msg_id,
    ),
  );
/** The channel as a reader sees it: msg_ids oldest first. */
const order = (n: FelundNode, cid: string, ch = "general") =>
  n.store
    .channelMessages(cid, ch, { limit: 100_000 })
    .map((m) => m.msgId)
    .reverse();

/** Gossip rounds on every node until `done` (bounded). */
async function roundsUntil(nodes: FelundNode[], cid: string, done: () => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  while (!done()) {
    if (Date.now() - t0 > 30_000) throw new Error(`timed out: ${what}`);
    await Promise.all(nodes.map((n) => n.syncCircle(cid).catch(() => [])));
    if (!done()) await Bun.sleep(100);
  }
}

for (const legacy of [false, true]) {
  describe(`5 nodes split 3/2 and healed (${legacy ? "legacy" : "v2"} circle)`, () => {
    test("every message once on every node, in the same order", async () => {
      const stores = Array.from({ length: 5 }, (_, i) => {
        const s = new NodeStore(openMemoryDb());
        saveSettings(s, { bind: "127.0.0.1", port: 0, displayName: `n${i}` });
        return s;
      });
      let nodes = await Promise.all(stores.map((s) => boot(s, 0)));
      const ports = nodes.map((n) => n.port!);
      const { circleId: cid, code } = nodes[0]!.createCircle("split", { legacy });
      for (const n of nodes.slice(1)) expect((await n.join({ code })).synced).toBe(true);
      const sent: string[] = [];
      // (2 ms apart: messages of one millisecond from different authors show, on each node, in the
      // order that node got them, so "the same order" holds for distinct times)
      const write = (n: FelundNode, tag: string) => {
        sent.push(n.send(cid, "general", tag).msgId);
        Bun.sleepSync(2);
      };
      nodes.forEach((n, i) => write(n, `before split from n${i}`));
      await roundsUntil(
        nodes,
        cid,
        () => nodes.every((n) => sent.every((id) => n.store.hasMessage(id))),
        "everyone has the first messages",
      );
      // everyone has learned everyone's address by now (the heal needs them back)
      const peerRows = stores.map((s) => s.listPeers(cid));

      // split: A = n0 n1 n2, B = n3 n4
      const sideOf = (i: number) => (i < 3 ? "A" : "B");
      const nodeIds = nodes.map((n) => n.nodeId);
      for (const n of nodes) halt(n);
      stores.forEach((s, i) => {
        for (const p of s.listPeers(cid)) {
          const j = nodeIds.indexOf(p.nodeId);
          if (j < 0 || sideOf(j) !== sideOf(i)) s.deletePeer(cid, p.nodeId);
        }
      });
      nodes = await Promise.all(stores.map((s, i) => boot(s, ports[i]!)));
      const A = nodes.slice(0, 3);
      const B = nodes.slice(3);
      const onSide: Record<string, string[]> = { A: [], B: [] };
      for (let k = 0; k < 4; k++) {
        nodes.forEach((n, i) => {
          write(n, `during split ${k} from n${i}`);
          onSide[sideOf(i)]!.push(sent.at(-1)!);
        });
        await Bun.sleep(20 + 40 * k); // writes spread over a few timestamps
      }
      await roundsUntil(
        A,
        cid,
        () => A.every((n) => onSide.A!.every((id) => n.store.hasMessage(id))),
        "side A converges",
      );
      await roundsUntil(
        B,
        cid,
        () => B.every((n) => onSide.B!.every((id) => n.store.hasMessage(id))),
        "side B converges",
      );
      // the split is real: nothing crossed
      for (const n of A) expect(onSide.B!.filter((id) => n.store.hasMessage(id))).toEqual([]);
      for (const n of B) expect(onSide.A!.filter((id) => n.store.hasMessage(id))).toEqual([]);

      // heal: the addresses come back, gossip runs
      stores.forEach((s, i) => {
        for (const p of peerRows[i]!) if (!s.getPeer(cid, p.nodeId)) s.putPeer(p);
      });
      nodes.forEach((n, i) => write(n, `after heal from n${i}`));
      const want = new Set(sent);
      await roundsUntil(
        nodes,
        cid,
        () => nodes.every((n) => ids(n, cid).size >= want.size && sent.every((id) => n.store.hasMessage(id))),
        "all five converge",
      );

      const first = order(nodes[0]!, cid);
      expect(new Set(first).size).toBe(first.length); // each message once
      expect(first.filter((id) => want.has(id)).length).toBe(want.size);
      for (const n of nodes) {
        expect(order(n, cid)).toEqual(first);
        expect(ids(n, cid)).toEqual(ids(nodes[0]!, cid));
      }
    });
  });
}
