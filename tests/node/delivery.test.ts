// Delivery state of a node's own messages (issue 14 item 4): "pending" until another member or
// the relay is known to hold one, "sent" after, with how many members hold it; what a v2
// session (HELD frame), a v1 peer (MSGS_HAVE, a completed MSGS_SEND) and the relay (a push it
// accepted) tell the node, seen through the local API; a restart keeps it.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Elysia } from "elysia";
import { openDb, openMemoryDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import { saveSettings } from "../../src/node/identity.ts";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import { FelundNode } from "../../src/node/node.ts";
import type { NodeEvent } from "../../src/node/shell-ports.ts";
import type { MessageView } from "../../src/peer/views.ts";
import { createRelayApp, NO_RATE_LIMITS, type RelayApp } from "../../src/relay/app.ts";
import { secretFor } from "../sync/helpers.ts";
import { FakePeer } from "./fake-peer.ts";
import { startNode, startV2Node, waitFor } from "./helpers.ts";

const TOKEN = "d".repeat(64);
const PORT = 48131;
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});
const keep = <T extends { stop(): void }>(x: T): T => (cleanup.push(() => x.stop()), x);

/** the messages of #general as the local API shows them (what the web and TUI get) */
async function viaApi(node: FelundNode, circleId: string): Promise<MessageView[]> {
  const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => PORT })) as unknown as Elysia;
  const r = await app.handle(
    new Request(`http://127.0.0.1:${PORT}/api/circles/${circleId}/messages?channel=general`, {
      headers: { host: `127.0.0.1:${PORT}`, authorization: `Bearer ${TOKEN}` },
    }),
  );
  const body = (await r.json()) as { ok: boolean; messages: MessageView[] };
  expect(body.ok).toBe(true);
  return body.messages;
}
const deliveryOf = async (node: FelundNode, circleId: string, msgId: string) =>
  (await viaApi(node, circleId)).find((m) => m.msgId === msgId)?.delivery;

async function fileNode(dir: string, name: string): Promise<FelundNode> {
  const store = new NodeStore(openDb(join(dir, "felund.db")));
  saveSettings(store, { bind: "127.0.0.1", port: 0, displayName: name });
  const node = new FelundNode({ store, bind: "127.0.0.1", port: 0, intervalS: 3600 });
  await node.start();
  return node;
}

describe("delivery state of own messages", () => {
  test("v2: pending while alone (also after a restart); sent, held by 1, once a member's session holds it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "felund-delivery-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    let a = await fileNode(dir, "alice");
    const { circleId } = a.createCircle("friends");
    const m = a.send(circleId, "general", "anyone here?");
    expect(await deliveryOf(a, circleId, m.msgId)).toEqual({ state: "pending", holders: 0, relay: false });
    a.stop();
    a = keep(await fileNode(dir, "alice"));
    expect(await deliveryOf(a, circleId, m.msgId)).toEqual({ state: "pending", holders: 0, relay: false });

    const events: NodeEvent[] = [];
    a.subscribe((e) => e.t === "delivery" && events.push(e));
    const b = keep(await startV2Node("bob"));
    await b.join({ code: a.inviteCode(circleId) });
    await waitFor(() => b.store.hasMessage(m.msgId), 5000, "bob holds it");
    await waitFor(() => events.some((e) => e.t === "delivery" && e.msgId === m.msgId), 5000, "a delivery event");
    expect(await deliveryOf(a, circleId, m.msgId)).toEqual({ state: "sent", holders: 1, relay: false });
    expect(a.store.holdersOf(m.msgId)).toEqual([b.nodeId]);

    // a message pushed live on the open session is acknowledged at once
    const m2 = a.send(circleId, "general", "hi bob");
    await waitFor(() => a.store.holdersOf(m2.msgId).length === 1, 5000, "HELD for a pushed message");
    // bob's own message is bob's to track, never alice's
    const mb = b.send(circleId, "general", "hi alice");
    await waitFor(() => a.store.hasMessage(mb.msgId), 5000, "alice holds bob's");
    await waitFor(() => b.store.holdersOf(mb.msgId).length === 1, 5000, "bob learns alice holds it");
    expect(a.store.holdersOf(mb.msgId)).toEqual([]);
    expect((await viaApi(a, circleId)).find((x) => x.msgId === mb.msgId)?.delivery).toBeUndefined();

    a.stop();
    a = keep(await fileNode(dir, "alice"));
    expect(await deliveryOf(a, circleId, m.msgId)).toEqual({ state: "sent", holders: 1, relay: false });
  }, 30_000);

  test("v1: an original peer that fetches our message holds it", async () => {
    const secret = secretFor(1414);
    const f = keep(new FakePeer({ secretHex: secret }));
    f.listen();
    const n = keep(await startNode("n"));
    const { circleId } = await n.join({ secret, peer: f.addr });
    const m = n.send(circleId, "general", "to the original");
    expect((await deliveryOf(n, circleId, m.msgId))?.state).toBe("pending");
    await n.syncWith(circleId, f.addr);
    expect(f.messages.has(m.msgId)).toBe(true);
    expect(await deliveryOf(n, circleId, m.msgId)).toEqual({ state: "sent", holders: 1, relay: false });
    expect(n.store.holdersOf(m.msgId)).toEqual([f.nodeId]);
  }, 20_000);

  test("relay: a push the relay accepted marks it held by the relay", async () => {
    const relay: RelayApp = createRelayApp({ db: openMemoryDb(), config: { rate: NO_RATE_LIMITS } });
    relay.listen({ hostname: "127.0.0.1", port: 0 });
    cleanup.push(() => relay.stop(true));
    const n = keep(await startV2Node("pusher", { relay: `http://127.0.0.1:${relay.server!.port}` }));
    const { circleId } = n.createCircle("relayed");
    const m = n.send(circleId, "general", "on the relay");
    await waitFor(() => n.store.holdersOf(m.msgId).includes("relay"), 10_000, "the relay holds it");
    expect(await deliveryOf(n, circleId, m.msgId)).toEqual({ state: "sent", holders: 0, relay: true });
  }, 20_000);
});
