// The relay-only peer of the web client (ui/web/src/relay) against the real relay app, in
// Bun (no browser needed for the protocol side): invite, push and pull, control events,
// paging, polling fallback, persistence, and the original web client's envelope format.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import type { BackendEvent, MessageView } from "../../ui/shared/types.ts";
import { fromHex } from "../../src/protocol/bytes.ts";
import { circleHint } from "../../src/protocol/ids.ts";
import { decodeInvite } from "../../src/protocol/invite.ts";
import { messageKey, openEnvelope, sealEnvelope } from "../../src/protocol/envelope.ts";
import { startRelay, waitFor, type TestRelay } from "./relay-helpers.ts";

let relay: TestRelay;
const opened: RelayBackend[] = [];
beforeAll(() => { relay = startRelay(); });
afterAll(() => { for (const b of opened) b.close(); relay.stop(); });

interface Peer { b: RelayBackend; got: MessageView[]; events: BackendEvent[]; persist: MemoryPersistence; posts: number }

async function peer(o: { persist?: MemoryPersistence; fetchFilter?: (url: string, json: any) => any; noWs?: boolean; pollMs?: number } = {}): Promise<Peer> {
  const p: Peer = { b: null as unknown as RelayBackend, got: [], events: [], persist: o.persist ?? new MemoryPersistence(), posts: 0 };
  const fetchImpl = async (url: string, init?: RequestInit) => {
    if (init?.method === "POST" && url.endsWith("/v1/messages")) p.posts++;
    const res = await fetch(url, init);
    if (!o.fetchFilter) return res;
    const json = await res.json();
    return Response.json(o.fetchFilter(url, json), { status: res.status });
  };
  class DeadSocket {
    onopen: unknown; onclose: ((e: unknown) => void) | null = null; onmessage: unknown;
    constructor() { setTimeout(() => this.onclose?.({}), 5); }
    send() {}
    close() {}
  }
  p.b = await RelayBackend.open({
    relayBase: relay.base, persist: p.persist, fetch: fetchImpl, pollMs: o.pollMs ?? 300, idlePollMs: 2000, reconnectMs: 200,
    WebSocketImpl: o.noWs ? (DeadSocket as unknown as typeof WebSocket) : undefined,
    endpoint: { transport: "ws", host: "127.0.0.1", port: relay.port, family: "ipv4", nat: "unknown" },
  });
  opened.push(p.b);
  p.b.subscribe((e) => {
    p.events.push(e);
    if (e.t === "message" && !e.message.own && e.message.channelId !== "__control") p.got.push(e.message);
  });
  return p;
}

const texts = (p: Peer) => p.got.map((m) => m.text);

describe("relay-only peers", () => {
  test("create, invite, join, and chat both ways through the relay", async () => {
    const a = await peer();
    const bob = await peer();
    await a.b.updateSettings({ displayName: "ann" });
    await bob.b.updateSettings({ displayName: "bob" });
    const { circleId, code } = await a.b.createCircle("book club");
    const inv = decodeInvite(code);
    expect(inv.ok && inv.value.peer).toBe(relay.base);
    expect((await a.b.getState()).node.nodeId).toMatch(/^[0-9a-f]{32}$/);

    expect((await bob.b.joinCircle(code)).circleId).toBe(circleId);
    await waitFor("circle name on the joiner", async () => (await bob.b.getState()).circles[0]?.name === "book club");

    await a.b.send(circleId, "general", "hello bob");
    await waitFor("bob receives", () => texts(bob).includes("hello bob"), 3000);
    const m = bob.got.find((x) => x.text === "hello bob")!;
    expect([m.author, m.verified, m.own]).toEqual(["ann", "mac", false]);

    await bob.b.send(circleId, "general", "hi ann");
    await waitFor("ann receives", () => texts(a).includes("hi ann"), 3000);
    // same second: display order is (created_ts, msg_id), as everywhere in felund
    expect((await a.b.listMessages(circleId, "general", { limit: 50 })).map((x) => x.text).sort()).toEqual(["hello bob", "hi ann"]);

    // channel create and display-name changes travel as control events
    await a.b.createChannel(circleId, "Dev", "public");
    await a.b.updateSettings({ displayName: "ann2" });
    await waitFor("channel on bob", async () => (await bob.b.getState()).circles[0]!.channels.some((c) => c.channelId === "dev"));
    await a.b.send(circleId, "dev", "in dev");
    await waitFor("dev message", () => bob.got.find((x) => x.text === "in dev" && x.channelId === "dev"));
    await waitFor("rename applied", async () => (await bob.b.listMessages(circleId, "general", { limit: 5 })).find((x) => x.text === "hello bob")!.author === "ann2");
    await waitFor("peers seen through presence", async () => (await bob.b.listPeers(circleId)).some((p) => p.name === "ann2"));

    await expect(bob.b.renameCircle(circleId, "mine")).rejects.toThrow("only the circle's owner can rename it");
    await expect(bob.b.send(circleId, "nowhere", "x")).rejects.toThrow("unknown channel: #nowhere");
    await expect(bob.b.joinCircle("felund1.???")).rejects.toThrow(/^invalid invite code/);
  }, 20_000);

  test("what the relay stores are §4.4 envelopes that open under the circle key", async () => {
    const a = await peer();
    const { circleId, code } = await a.b.createCircle("");
    await a.b.send(circleId, "general", "sealed");
    const secret = fromHex((decodeInvite(code) as { ok: true; value: { secretHex: string } }).value.secretHex);
    const r = await waitFor("stored", async () => {
      const j = (await (await fetch(`${relay.base}/v1/messages?circle_hint=${circleHint(circleId)}&cursor=0`)).json()) as { messages: any[] };
      return j.messages.length ? j : null;
    });
    const env = r.messages[0];
    expect(Object.keys(env)).toEqual(["msg_id", "circle_id", "channel_id", "author_node_id", "created_ts", "enc"]);
    expect(Object.keys(env.enc)).toEqual(["alg", "key_id", "nonce", "ciphertext"]);
    expect(JSON.stringify(env)).not.toContain("sealed");
    const v = openEnvelope(messageKey(secret), secret, circleId, env);
    expect(v.ok && v.value.text).toBe("sealed");
  }, 20_000);

  test("reads the original web client's envelope (reference §11 vector)", async () => {
    const p = await peer();
    const secretHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    // the original web client's invite (peer = "relay") and its exact envelope
    const code = "felund1." + Buffer.from(JSON.stringify({ v: 1, secret: secretHex, peer: relay.base })).toString("base64url");
    const { circleId } = await p.b.joinCircle(code);
    expect(circleId).toBe("630dcd2966c4336691125448");
    const env = {
      msg_id: "2546b8cd83872e3cb9825e4ca0d6f867", circle_id: circleId, channel_id: "general", author_node_id: "a1b2c3d4e5f60718293a4b5c", created_ts: 1700000000,
      enc: { alg: "AES-256-GCM", key_id: "epoch-0", nonce: "AAECAwQFBgcICQoL", ciphertext: "P+qAgq7+/8wc0tBDIRdixIF9acii+xplJavxON37gZgiV68RQgyiNs+edQwylW7WcJaZVejt1nCFb242vY8=" },
    };
    // plus one that does not open under this circle's key, which is dropped
    const stranger = sealEnvelope(new Uint8Array(32).fill(7), { ...envToMsg(env), msgId: "f".repeat(32), text: "forged" }, new Uint8Array(12));
    await fetch(`${relay.base}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ circle_hint: "e03c84dccc271635", messages: [env, stranger] }) });
    await waitFor("original envelope", () => texts(p).includes("hello, world"));
    expect(p.got.map((m) => [m.author, m.text, m.createdTs])).toEqual([["alice", "hello, world", 1700000000]]);
    await waitFor("drop reported", () => p.events.some((e) => e.t === "debug" && e.line.includes("does not decrypt")));
  }, 20_000);

  test("a joiner pages through a long history (cursor), and an original-style relay (since) too", async () => {
    const a = await peer();
    const { circleId, code } = await a.b.createCircle("big");
    for (let i = 0; i < 230; i++) await a.b.send(circleId, "general", `m${i}`);
    await waitFor("all pushed", async () => {
      const j = (await (await fetch(`${relay.base}/v1/messages?circle_hint=${circleHint(circleId)}&cursor=0&limit=500`)).json()) as { messages: unknown[] };
      return j.messages.length >= 230;
    }, 10_000);
    const viaCursor = await peer();
    await viaCursor.b.joinCircle(code);
    await waitFor("cursor joiner has all", () => viaCursor.got.length === 230, 10_000);
    // a relay without cursor fields: the client falls back to since/server_time
    const viaSince = await peer({ noWs: true, fetchFilter: (_u, j) => { delete j.next_cursor; delete j.more; delete j.cursors; return j; } });
    await viaSince.b.joinCircle(code);
    await waitFor("since joiner has all", () => viaSince.got.length === 230, 10_000);
    expect(new Set(texts(viaSince)).size).toBe(230);
  }, 20_000);

  test("without a WebSocket it polls, and state survives a reload without re-pushing", async () => {
    const a = await peer();
    const poller = await peer({ noWs: true, pollMs: 200 });
    const { circleId, code } = await a.b.createCircle("poll");
    await poller.b.joinCircle(code);
    await a.b.send(circleId, "general", "via polling");
    await waitFor("polled", () => texts(poller).includes("via polling"), 3000);
    expect(poller.b.connection()).toBe("live");
    expect(poller.b.transport()).toBe("poll");

    await poller.b.send(circleId, "general", "from poller");
    await waitFor("pushed", () => texts(a).includes("from poller"));
    const before = poller.posts;
    poller.b.close();
    const again = await peer({ persist: poller.persist, noWs: true });
    const st = await again.b.getState();
    expect(st.node.nodeId).toBe((await poller.b.getState()).node.nodeId);
    expect(st.circles.map((c) => c.name)).toEqual(["poll"]);
    expect((await again.b.listMessages(circleId, "general", { limit: 10 })).map((m) => m.text).sort()).toEqual(["from poller", "via polling"]);
    await Bun.sleep(600);
    expect(again.posts).toBe(0);
    expect(before).toBeGreaterThan(0);
    await again.b.leaveCircle(circleId);
    expect((await again.b.getState()).circles).toEqual([]);
    expect(again.persist.snap.messages.length).toBe(0);
  }, 20_000);
});

function envToMsg(e: { msg_id: string; circle_id: string; channel_id: string; author_node_id: string; created_ts: number }) {
  return { msgId: e.msg_id, circleId: e.circle_id, channelId: e.channel_id, authorNodeId: e.author_node_id, createdTs: e.created_ts, displayName: "x", text: "x", mac: null };
}
