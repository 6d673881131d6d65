import { afterEach, describe, expect, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { startNode, waitFor } from "./helpers.ts";

const nodes: FelundNode[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
});
const start = async (n: string, o = {}) => {
  const x = await startNode(n, o);
  nodes.push(x);
  return x;
};

for (const encrypt of [true, false]) {
  describe(`two nodes, ${encrypt ? "encrypted" : "plaintext"} session`, () => {
    test("join by invite and chat both ways", async () => {
      const a = await start("alice", { encrypt });
      const b = await start("bob", { encrypt });
      const { circleId, code } = a.createCircle("friends");
      const j = await b.join({ code });
      expect(j.synced).toBe(true);
      a.send(circleId, "general", "hello bob");
      await waitFor(() => b.store.countMessages(circleId) >= 2, 5000, "bob receives");
      b.send(circleId, "general", "hi alice");
      await waitFor(
        () => a.store.channelMessages(circleId, "general", { limit: 10 }).some((m) => m.text === "hi alice"),
        5000,
        "alice receives",
      );
      expect(b.store.getCircle(circleId)?.name).toBe("friends");
    });
  });
}
