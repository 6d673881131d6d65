// Issue 11's topologies: every message reaches every member within 1 s, whoever wrote it and
// whichever member it entered by: a chain of 5 felund nodes where each knows only its
// neighbours, a star, and a mixed legacy circle of 3 felund nodes, an original-style peer
// that listens and one behind NAT. Then a node that was offline for 100 messages (half from
// an original peer, half signed v2) catches up on all of them from any one member. Real
// sockets on 127.0.0.1; "knows only" is enforced by restrictPeers (paths-world.ts).
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { FelundNode } from "../../src/node/node.ts";
import { FakePeer } from "./fake-peer.ts";
import { startV2Node, waitFor } from "./helpers.ts";
import { originalMessage, restrictPeers } from "./paths-world.ts";

setDefaultTimeout(40_000);
const WITHIN_MS = 1000;

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

type Holder = { name: string; has(id: string): boolean };
const nodeHolder = (n: FelundNode, name: string): Holder => ({ name, has: (id) => n.store.hasMessage(id) });
const fakeHolder = (f: FakePeer, name: string): Holder => ({ name, has: (id) => f.messages.has(id) });

/** Wait until every holder has `id`; returns the slowest arrival in ms (fails with who is missing). */
async function everywhere(holders: Holder[], id: string, t0: number): Promise<number> {
  const at = new Map<string, number>();
  await waitFor(() => {
    for (const h of holders) if (!at.has(h.name) && h.has(id)) at.set(h.name, Date.now() - t0);
    return at.size === holders.length;
  }, 5000).catch(() => {});
  expect(holders.filter((h) => !at.has(h.name)).map((h) => h.name)).toEqual([]);
  const slowest = Math.max(...at.values());
  expect(slowest).toBeLessThanOrEqual(WITHIN_MS);
  return slowest;
}

async function node(name: string, opts = {}): Promise<FelundNode> {
  const n = await startV2Node(name, opts);
  cleanup.push(() => n.stop());
  return n;
}

/** Felund nodes joined into one legacy circle; `links[i]` = whom node i knows (and dials to join). */
async function circleOf(
  names: string[],
  links: (i: number) => number[],
): Promise<{ cid: string; secretHex: string; nodes: FelundNode[] }> {
  const nodes: FelundNode[] = [];
  for (const n of names) nodes.push(await node(n));
  // a felund node may store only the felund nodes it links to (original peers are not restricted)
  nodes.forEach((n, i) =>
    restrictPeers(n, (id) => !nodes.some((x) => x.nodeId === id) || links(i).some((j) => nodes[j]!.nodeId === id)),
  );
  const { circleId: cid, secretHex } = nodes[0]!.createCircle("topology", { legacy: true });
  for (let i = 1; i < nodes.length; i++) {
    const via = links(i).find((j) => j < i)!;
    expect((await nodes[i]!.join({ secret: secretHex, peer: nodes[via]!.listenAddr! })).synced).toBe(true);
  }
  for (let i = 0; i < nodes.length; i++)
    for (const j of links(i))
      await waitFor(
        () => nodes[i]!.sessionPeers(cid).includes(nodes[j]!.nodeId),
        5000,
        `session ${names[i]}-${names[j]}`,
      );
  return { cid, secretHex, nodes };
}

/** An original peer behind NAT (empty listen_addr) that hands one new message to `to`. */
async function fromOriginal(secretHex: string, to: FelundNode, text: string): Promise<string> {
  const f = new FakePeer({ secretHex, listenAddr: "" });
  cleanup.push(() => f.stop());
  const m = originalMessage({ secretHex }, f, text);
  f.addMessages([m]);
  void f.dial(to.listenAddr!);
  return String(m.msg_id);
}

describe("every member within 1 s", () => {
  test("a chain of 5 felund nodes, each knowing only its neighbours", async () => {
    const names = ["c0", "c1", "c2", "c3", "c4"];
    const { cid, secretHex, nodes } = await circleOf(names, (i) =>
      [i - 1, i + 1].filter((j) => j >= 0 && j < names.length),
    );
    for (let i = 0; i < nodes.length; i++) expect(nodes[i]!.store.listPeers(cid).length).toBeLessThanOrEqual(2);
    const all = nodes.map((n, i) => nodeHolder(n, names[i]!));
    let t0 = Date.now();
    await everywhere(all, nodes[0]!.send(cid, "general", "from one end").msgId, t0);
    t0 = Date.now();
    await everywhere(all, nodes[4]!.send(cid, "general", "from the other end").msgId, t0);
    t0 = Date.now();
    await everywhere(all, await fromOriginal(secretHex, nodes[2]!, "an original peer dials the middle"), t0);
    t0 = Date.now();
    await everywhere(all, await fromOriginal(secretHex, nodes[4]!, "an original peer dials an end"), t0);
  });

  test("a star: four leaves that know only the hub", async () => {
    const names = ["hub", "l1", "l2", "l3", "l4"];
    const { cid, secretHex, nodes } = await circleOf(names, (i) => (i === 0 ? [1, 2, 3, 4] : [0]));
    const all = nodes.map((n, i) => nodeHolder(n, names[i]!));
    let t0 = Date.now();
    await everywhere(all, nodes[1]!.send(cid, "general", "from a leaf").msgId, t0);
    t0 = Date.now();
    await everywhere(all, await fromOriginal(secretHex, nodes[3]!, "an original peer dials a leaf"), t0);
  });

  test("mixed: 3 felund nodes, an original peer that listens and one behind NAT", async () => {
    const names = ["a", "b", "c"];
    const { cid, secretHex, nodes } = await circleOf(names, (i) => [0, 1, 2].filter((j) => j !== i));
    const [a, b, c] = nodes as [FelundNode, FelundNode, FelundNode];
    const listener = new FakePeer({ secretHex });
    listener.listen();
    cleanup.push(() => listener.stop());
    await listener.dial(b.listenAddr!); // B learns where it listens
    const natted = new FakePeer({ secretHex, listenAddr: "" });
    cleanup.push(() => natted.stop());
    let polling = true;
    cleanup.push(() => {
      polling = false;
    });
    void (async () => {
      for (const end = Date.now() + 60_000; polling && Date.now() < end; await Bun.sleep(100))
        await natted.dial(a.listenAddr!).catch(() => null);
    })();
    await Bun.sleep(300);
    const all = [
      nodeHolder(a, "a"),
      nodeHolder(b, "b"),
      nodeHolder(c, "c"),
      fakeHolder(listener, "listening original"),
      fakeHolder(natted, "original behind NAT"),
    ];
    let t0 = Date.now();
    await everywhere(all, c.send(cid, "general", "from felund c").msgId, t0);
    // the NAT peer's message enters at A (it dials only A)
    const m = originalMessage({ secretHex }, natted, "from behind NAT");
    t0 = Date.now();
    natted.addMessages([m]);
    await everywhere(all, String(m.msg_id), t0);
    // the listening original's message enters when it dials B (its gossip round)
    const l = originalMessage({ secretHex }, listener, "from the listening original");
    listener.addMessages([l]);
    t0 = Date.now();
    void listener.dial(b.listenAddr!);
    await everywhere(all, String(l.msg_id), t0);
  });
});

describe("catching up", () => {
  test("a node offline for 100 messages (50 from an original peer, 50 signed) gets all from any one member", async () => {
    const names = ["a", "b", "c"];
    const { cid, secretHex, nodes } = await circleOf(names, (i) => [0, 1, 2].filter((j) => j !== i));
    const [a, b, c] = nodes as [FelundNode, FelundNode, FelundNode];
    c.stop();
    await waitFor(
      () => !a.sessionPeers(cid).includes(c.nodeId) && !b.sessionPeers(cid).includes(c.nodeId),
      5000,
      "c gone",
    );
    const ids: string[] = [];
    const original = new FakePeer({ secretHex, listenAddr: "" });
    cleanup.push(() => original.stop());
    for (let i = 0; i < 50; i++) {
      const m = originalMessage({ secretHex }, original, `original #${i}`);
      original.addMessages([m]);
      ids.push(String(m.msg_id));
    }
    // they enter at A only; A asks for what fits v1's frame limit, the rest in the original's next rounds
    for (let i = 0; i < 5 && !ids.every((id) => a.store.hasMessage(id)); i++) await original.dial(a.listenAddr!);
    for (let i = 0; i < 50; i++) ids.push(b.send(cid, "general", `signed #${i}`).msgId);
    await waitFor(
      () => ids.every((id) => a.store.hasMessage(id) && b.store.hasMessage(id)),
      5000,
      "a and b hold all 100",
    ).catch(() => {});
    expect({
      a: ids.filter((id) => !a.store.hasMessage(id)).length,
      b: ids.filter((id) => !b.store.hasMessage(id)).length,
    }).toEqual({ a: 0, b: 0 });
    expect(ids.filter((id) => c.store.hasMessage(id))).toEqual([]);
    // C comes back and reconnects to B only (which got the original peer's messages through A)
    const back = new FelundNode({ store: c.store, bind: "127.0.0.1", port: 0, intervalS: 3600 });
    await back.start();
    cleanup.push(() => back.stop());
    restrictPeers(back, (id) => id === b.nodeId);
    await back.syncWith(cid, b.listenAddr!);
    await waitFor(() => ids.every((id) => back.store.hasMessage(id)), 5000, "c catches up").catch(() => {});
    expect(ids.filter((id) => !back.store.hasMessage(id)).length).toBe(0);
  });
});
