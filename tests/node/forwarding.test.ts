// Passing new messages on: a node that stores messages from a peer dials its other peers at
// once, so they reach members the author cannot reach, but not the peer they came from,
// which holds them already (that round trip was a whole exchange per message for nothing).
import { afterEach, expect, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import type { NodeEvent } from "../../src/node/shell-ports.ts";
import { startNode, waitFor } from "./helpers.ts";

const nodes: FelundNode[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
});
const start = async (n: string) => {
  const x = await startNode(n);
  nodes.push(x);
  return x;
};
const has = (n: FelundNode, cid: string, text: string) =>
  n.store.channelMessages(cid, "general", { limit: 20 }).some((m) => m.text === text);
const syncs = (n: FelundNode) => {
  const seen: Extract<NodeEvent, { t: "sync" }>[] = [];
  n.subscribe((e) => {
    if (e.t === "sync") seen.push(e);
  });
  return seen;
};

test("a message sent to the one peer is not sent back: one exchange, not two", async () => {
  const a = await start("alice");
  const b = await start("bob");
  const { circleId: cid, code } = a.createCircle("two");
  expect((await b.join({ code })).synced).toBe(true);
  await Bun.sleep(300); // let the rounds that follow the join finish
  const atA = syncs(a),
    atB = syncs(b);
  a.send(cid, "general", "hello");
  await waitFor(() => has(b, cid, "hello"), 5000, "B stores the message");
  await Bun.sleep(300); // room for a round trip back, if there were one
  expect(atA.length).toBe(1);
  expect(atB.length).toBe(1);
  expect(atB[0]!.stored).toBe(1);
});

test("a member passes a message on to a member the author does not know", async () => {
  const a = await start("alice");
  const b = await start("bob");
  const c = await start("carol");
  const { circleId: cid, code } = b.createCircle("line");
  expect((await a.join({ code })).synced).toBe(true);
  expect((await c.join({ code })).synced).toBe(true);
  await Bun.sleep(300);
  // A may have heard of C by now (gossip, or C dialling it); make A know only B
  a.store.deletePeer(cid, c.nodeId);
  expect(a.store.listPeers(cid).map((p) => p.nodeId)).toEqual([b.nodeId]);
  a.send(cid, "general", "via bob");
  await waitFor(() => has(c, cid, "via bob"), 5000, "C gets A's message through B");
});
