// Presence between two real nodes over TCP, as the front ends see it through the local API: while
// a live v2 session is open each lists the other online via "tcp" (v2) and the status line counts
// 1 online; soon after the peer stops (the session closes) the count is 0 and the member shows
// when it was last seen. The chat store is moved by the node's events, not by polling.
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Elysia } from "elysia";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { ChatStore } from "../../ui/shared/chat-store.ts";
import { LocalBackend } from "../../ui/shared/local-backend.ts";
import { startV2Node, waitFor } from "./helpers.ts";

setDefaultTimeout(30_000);
const TOKEN = "c".repeat(64);
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function node(name: string): Promise<FelundNode> {
  const n = await startV2Node(name);
  cleanup.push(() => n.stop());
  return n;
}

/** A front end of `n`: the chat store over a LocalBackend on its local API. */
async function frontEnd(n: FelundNode): Promise<ChatStore> {
  let port = 0;
  const app = new Elysia().use(createLocalApi({ node: n, token: TOKEN, port: () => port }));
  app.listen({ hostname: "127.0.0.1", port: 0 });
  port = app.server!.port!;
  const b = new LocalBackend({ base: `http://127.0.0.1:${port}`, token: TOKEN });
  const store = new ChatStore(b);
  cleanup.push(() => {
    store.dispose();
    b.close();
    void app.stop(true);
  });
  await store.init();
  await waitFor(() => store.state.connection === "live", 3000, "event socket");
  return store;
}

describe("members and presence between two nodes", () => {
  test("a live session: each sees the other online via tcp, count 1; the peer stops: count 0 soon after", async () => {
    const a = await node("alice");
    const b = await node("bob");
    const { circleId, code } = a.createCircle("friends");
    const ui = await frontEnd(a);
    expect(ui.onlineCount()).toBe(0);
    await b.join({ code });
    await waitFor(() => a.sessionPeers(circleId).includes(b.nodeId), 3000, "session");
    await waitFor(() => ui.onlineCount() === 1, 3000, "status line: 1 online");
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const list = self.members.list(circleId);
      expect(list.map((m) => m.nodeId).sort()).toEqual([a.nodeId, b.nodeId].sort());
      expect(list.find((m) => m.nodeId === other.nodeId)).toMatchObject({ online: true, path: "tcp", proto: "v2" });
      expect(list.find((m) => m.nodeId === self.nodeId)).toMatchObject({ you: true, online: true });
    }
    // (the front end refreshes its member list when the card is stored, just after the session counts)
    await waitFor(
      () => ui.state.members[circleId]?.find((m) => m.nodeId === b.nodeId)?.name === "bob",
      3000,
      "bob's name in the member list",
    );
    const stoppedAt = Date.now();
    b.stop();
    await waitFor(() => ui.onlineCount() === 0, 3000, "status line: 0 online after the peer stopped");
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    const bob = a.members.list(circleId).find((m) => m.nodeId === b.nodeId)!;
    expect(bob).toMatchObject({ online: false, path: null });
    expect(Math.abs(bob.lastSeen - Date.now() / 1000)).toBeLessThan(5);
  });
});
