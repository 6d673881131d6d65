// Direct messages in the terminal UI (docs/PROTOCOL.md §21), against two real v2 nodes on
// loopback: the TUI runs in OpenTUI's test renderer over alice's local API (LocalBackend).
// `/dm bob TEXT` opens the conversation ("@bob" in the header and the sidebar) and sends in it;
// bob's node reads it; bob's answer arrives live, counted as a mention while another channel is
// open; `/dms` lists the conversation; in a legacy circle /dm is refused with a clear line.
import { afterEach, expect, test } from "bun:test";
import { Elysia } from "elysia";
import type { FelundNode } from "../../src/node/node.ts";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import { dmChannelId } from "../../src/protocol/v2/dm.ts";
import { LocalBackend } from "../../ui/shared/local-backend.ts";
import { startV2Node, waitFor } from "../node/helpers.ts";
import type { FakeBackend } from "./fake-backend.ts";
import { type Harness, startHarness } from "./harness.ts";

const TOKEN = "d".repeat(64);
const cleanup: (() => void | Promise<void>)[] = [];
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
  while (cleanup.length) await cleanup.pop()!();
});

async function node(name: string): Promise<FelundNode> {
  const n = await startV2Node(name);
  cleanup.push(() => n.stop());
  return n;
}

function localApi(n: FelundNode): LocalBackend {
  let port = 0;
  const app = new Elysia().use(createLocalApi({ node: n, token: TOKEN, port: () => port }));
  app.listen({ hostname: "127.0.0.1", port: 0 }); // (with the event WebSocket: answers arrive live)
  port = app.server!.port!;
  cleanup.push(() => void app.stop(true));
  const b = new LocalBackend({ base: `http://127.0.0.1:${port}`, token: TOKEN });
  cleanup.push(() => b.close());
  return b;
}

test("/dm opens a conversation and sends in it; the answer arrives live; /dms lists it", async () => {
  const alice = await node("alice");
  const bob = await node("bob");
  const { circleId, code } = alice.createCircle("friends");
  await bob.join({ code });
  await waitFor(() => !!alice.store.getMemberCard(circleId, bob.nodeId), 5000, "bob's card at alice");
  h = await startHarness(100, 30, localApi(alice) as unknown as FakeBackend);
  await h.until((f) => f.includes("friends") && f.includes("| live"), "the circle, live");

  await h.type("/dm bob hello bob, just us");
  await h.enter();
  const f = await h.until((f) => f.includes("alice: hello bob, just us"), "the DM in the log");
  expect(f).toContain("friends @bob"); // the header names the conversation
  expect(f).toMatch(/ {2}@bob ←/); // and the sidebar lists it apart from #general
  const ch = dmChannelId(circleId, alice.nodeId, bob.nodeId);
  expect(h.store.state.channelId).toBe(ch);
  await waitFor(
    () => bob.store.channelMessages(circleId, ch, { limit: 5 }).some((m) => m.text === "hello bob, just us"),
    5000,
    "bob's node reads it",
  );

  // back in #general, bob answers: a mention mark on the conversation, then it shows when opened
  await h.type("/channel switch general");
  await h.enter();
  await h.until((f) => f.includes("friends #general"), "#general");
  bob.send(circleId, ch, "hi alice, only you see this");
  await h.until((f) => /@bob @1/.test(f), "the DM counted as a mention");
  await h.type("/dms");
  await h.enter();
  await h.until((f) => f.includes("@bob — 1 unread"), "/dms");
  await h.type("/dm bob");
  await h.enter();
  await h.until((f) => f.includes("bob: hi alice, only you see this"), "the answer");
});

test("/dm in a legacy circle, and to nobody, is refused with one clear line", async () => {
  const alice = await node("alice");
  alice.createCircle("old", { legacy: true });
  h = await startHarness(100, 30, localApi(alice) as unknown as FakeBackend);
  await h.until((f) => f.includes("old"), "the circle");
  await h.type("/dm nobody hi");
  await h.enter();
  await h.until((f) => f.includes('no member "nobody" in this circle'), "unknown member");
  await h.type(`/dm ${alice.nodeId} hi`);
  await h.enter();
  await h.until((f) => f.includes("direct messages need a v2-only circle"), "legacy refusal");
});
