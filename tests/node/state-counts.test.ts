// Issue 17: what the front ends poll is kept, not recounted. /api/state lists each circle's
// message count; it used to run COUNT(*) over the circle's history on every call (57 ms at
// 1,000,000 messages). Now the store counts a circle once and follows its inserts; a prune or
// a rolled-back transaction makes it count again, and the figure is always the database's.
import { afterEach, expect, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { stateOf } from "../../src/node/local-api.ts";
import { startV2Node } from "./helpers.ts";

const nodes: FelundNode[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
});

/** SQL statements that count over the messages table, as the node's store prepares them. */
function countQueries(node: FelundNode): { n: number } {
  const c = { n: 0 };
  const db = node.store.sql;
  const orig = db.query.bind(db);
  db.query = ((text: string) => {
    if (/COUNT\(\*\)[\s\S]*FROM messages/i.test(text)) c.n++;
    return orig(text);
  }) as typeof db.query;
  return c;
}

const trueCount = (node: FelundNode, cid: string) =>
  (
    node.store.sql
      .prepare(`SELECT COUNT(*) AS n FROM messages WHERE circle_id = ? AND channel_id != '__control'`)
      .get(cid) as { n: number }
  ).n;
const stateCount = (node: FelundNode, cid: string) => stateOf(node).circles.find((c) => c.circleId === cid)!.messages;

test("/api/state counts a circle's messages once, then follows inserts without COUNT(*)", async () => {
  const node = await startV2Node("counter");
  nodes.push(node);
  const { circleId } = node.createCircle("busy");
  for (let i = 0; i < 30; i++) node.send(circleId, "general", `m${i}`);
  const counts = countQueries(node);
  expect(stateCount(node, circleId)).toBe(30);
  expect(counts.n).toBe(1); // the first call counts once
  for (let i = 0; i < 20; i++) {
    node.send(circleId, "general", `n${i}`);
    expect(stateCount(node, circleId)).toBe(31 + i);
  }
  expect(counts.n).toBe(1);
  expect(stateCount(node, circleId)).toBe(trueCount(node, circleId));

  // a transaction that rolls back: the count is taken again, and right
  expect(() =>
    node.store.transaction(() => {
      node.send(circleId, "general", "rolled back");
      throw new Error("abort");
    }),
  ).toThrow("abort");
  expect(stateCount(node, circleId)).toBe(50);
  expect(counts.n).toBe(2);

  // retention deletes: counted again
  node.store.pruneOlderThan(node.ctx.now() + 10);
  expect(stateCount(node, circleId)).toBe(0);
  expect(stateCount(node, circleId)).toBe(trueCount(node, circleId));
  expect(counts.n).toBe(3);
});
