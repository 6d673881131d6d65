// Issue 3 end to end: node A (TCP only), node B (TCP + this relay, WebSocket push on) and a
// relay-only client written here against the HTTP API (as a browser without a node would
// be) all see each other's messages. B bridges: relay envelopes reach A over TCP as v1
// objects, and A's messages reach the relay-only client (W9).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openMemoryDb } from "../../db/client.ts";
import { fromHex } from "../../src/protocol/bytes.ts";
import { messageKey, openEnvelope, sealEnvelope } from "../../src/protocol/envelope.ts";
import { circleHint, newMsgId } from "../../src/protocol/ids.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { createRelayApp, type RelayApp } from "../../src/relay/app.ts";
import { startNode, waitFor } from "../node/helpers.ts";

let relay: RelayApp;
let base: string;
let a: FelundNode;
let b: FelundNode;
let circleId: string;
let secret: Uint8Array;

const C_NODE = "c0ffee00c0ffee00c0ffee00";
/** Texts a node stored that came over TCP or were written there (relay arrivals are left out). */
const texts = (n: FelundNode) => new Set(n.store.circleMessagesAfterSeq(circleId, 0, 10_000).map((m) => m.text));
const relayTexts = new Set<string>();
let pullCursor = 0;

/** The relay-only client: pull by cursor, open envelopes with the circle key. */
async function pull(): Promise<void> {
  for (;;) {
    const r = (await (
      await fetch(`${base}/v1/messages?circle_hint=${circleHint(circleId)}&cursor=${pullCursor}`)
    ).json()) as any;
    for (const e of r.messages) {
      const v = openEnvelope(messageKey(secret), secret, circleId, e);
      if (v.ok) relayTexts.add(v.value.text);
    }
    pullCursor = r.next_cursor;
    if (!r.more) return;
  }
}

beforeAll(async () => {
  relay = createRelayApp({ db: openMemoryDb() });
  relay.listen({ hostname: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${relay.server!.port}`;
  a = await startNode("alice");
  const created = a.createCircle("e2e");
  circleId = created.circleId;
  secret = fromHex(created.secretHex);
  b = await startNode("bob", { relay: base });
  await b.join({ code: created.code });
});

afterAll(() => {
  b?.stop();
  a?.stop();
  relay?.stop(true);
});

describe("A (TCP) - B (TCP + relay) - C (relay only)", () => {
  test("B registers its TCP endpoint with the relay", async () => {
    const hint = circleHint(circleId);
    let peers: any[] = [];
    for (let i = 0; i < 200 && !peers.length; i++) {
      peers = ((await (await fetch(`${base}/v1/peers?circle_hint=${hint}`)).json()) as any).peers;
      if (!peers.length) await Bun.sleep(25);
    }
    expect(peers.map((p) => p.node_id)).toContain(b.nodeId);
    expect(peers[0].endpoints[0]).toMatchObject({ transport: "tcp", port: b.port });
  }, 30_000);

  test("A's message reaches C through B and the relay", async () => {
    a.send(circleId, "general", "hello from A (tcp only)");
    await waitFor(() => texts(b).has("hello from A (tcp only)"), 10_000, "B to get A's message over TCP");
    for (let i = 0; i < 400 && !relayTexts.has("hello from A (tcp only)"); i++) {
      await pull();
      await Bun.sleep(25);
    }
    expect(relayTexts.has("hello from A (tcp only)")).toBe(true);
  }, 30_000);

  test("C's envelope reaches B (relay) and A (over TCP, as a valid v1 object from B)", async () => {
    const createdTs = Math.floor(Date.now() / 1000);
    const m = {
      msgId: newMsgId(C_NODE, createdTs, (n: number) => crypto.getRandomValues(new Uint8Array(n))),
      circleId,
      channelId: "general",
      authorNodeId: C_NODE,
      displayName: "carol",
      createdTs,
      text: "hello from C (relay only)",
    };
    const env = sealEnvelope(messageKey(secret), m as any, crypto.getRandomValues(new Uint8Array(12)));
    const res = (await (
      await fetch(`${base}/v1/messages`, {
        method: "POST",
        body: JSON.stringify({ circle_hint: circleHint(circleId), messages: [env] }),
      })
    ).json()) as any;
    expect(res.stored).toBe(1);
    await waitFor(
      () => b.store.getMessage(m.msgId)?.text === "hello from C (relay only)",
      10_000,
      "B to get C's envelope from the relay",
    );
    expect(b.store.getMessage(m.msgId)?.mac).toMatch(/^[0-9a-f]{64}$/); // B gave it a v1 MAC
    await waitFor(
      () => a.store.getMessage(m.msgId)?.text === "hello from C (relay only)",
      10_000,
      "A to get C's message from B over TCP",
    );
    expect(a.store.getMessage(m.msgId)?.origin).toBe("tcp");
  }, 30_000);

  test("B's own message reaches A and C", async () => {
    b.send(circleId, "general", "hello from B (both)");
    await waitFor(() => texts(a).has("hello from B (both)"), 10_000, "A to get B's message");
    for (let i = 0; i < 400 && !relayTexts.has("hello from B (both)"); i++) {
      await pull();
      await Bun.sleep(25);
    }
    expect(relayTexts.has("hello from B (both)")).toBe(true);
  }, 30_000);
});
