// One legacy circle around a felund node X with a member on every kind of path X has, for the
// path matrix of issue 11 (paths.test.ts): a felund node Y over a live v2 session, a relay-only
// browser peer B on X's relay, an original-style peer L that listens (X dials it), and an
// original-style peer N behind NAT (empty listen_addr) that dials X every 100 ms. Real sockets
// on 127.0.0.1. Felund nodes other than X know only X (restrictPeers), so nothing reaches them
// around X.
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { messageKey, sealEnvelope } from "../../src/protocol/envelope.ts";
import { fromHex } from "../../src/protocol/bytes.ts";
import { circleHint } from "../../src/protocol/ids.ts";
import type { MessageView } from "../../ui/shared/types.ts";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import { startRelay, type TestRelay } from "../web/relay-helpers.ts";
import { FakePeer, fakeMessage, type WireObj } from "./fake-peer.ts";
import { startV2Node, waitFor } from "./helpers.ts";

export interface World {
  cid: string;
  secretHex: string;
  relay: TestRelay;
  x: FelundNode;
  y: FelundNode;
  browser: RelayBackend;
  /** what the browser received, in order */
  browserGot: MessageView[];
  listener: FakePeer;
  natted: FakePeer;
  /** message events per msg_id on Y */
  yEvents: Map<string, number>;
  /** POST /v1/messages (and /v1/messages/batch) requests X made since the world began */
  xPosts(): number;
  /** everything started here, stopped in reverse order */
  cleanup: (() => void)[];
  stop(): void;
}

/** Let `node` store only peers that `allowed` names (a member that knows only some others). */
export function restrictPeers(node: FelundNode, allowed: (nodeId: string) => boolean): void {
  const put = node.store.putPeer.bind(node.store);
  node.store.putPeer = (p) => (allowed(p.nodeId) ? put(p) : undefined);
  for (const c of node.store.listCircles())
    for (const p of node.store.listPeers(c.circleId))
      if (!allowed(p.nodeId)) node.store.deletePeer(c.circleId, p.nodeId);
}

/** A felund node that joins the circle through X and knows only X. */
export async function memberOf(
  w: { cid: string; secretHex: string; x: FelundNode; cleanup: (() => void)[] },
  name: string,
): Promise<FelundNode> {
  const n = await startV2Node(name);
  w.cleanup.push(() => n.stop());
  restrictPeers(n, (id) => id === w.x.nodeId);
  await n.join({ secret: w.secretHex, peer: w.x.listenAddr! });
  await waitFor(() => w.x.sessionPeers(w.cid).includes(n.nodeId), 5000, `${name}'s v2 session with X`);
  return n;
}

/** An original-style message object, MAC'd with the circle secret. */
export const originalMessage = (w: { secretHex: string }, author: FakePeer, text: string): WireObj =>
  fakeMessage(w.secretHex, author.nodeId, Math.floor(Date.now() / 1000), text);

/** What an original web client posts: a v1 envelope (PROTOCOL-V1.md §4.4), straight to the relay. */
export async function postOriginalEnvelope(w: World, text: string): Promise<string> {
  const author = "0ad0ad0ad0ad0ad0ad0ad0ad";
  const m = fakeMessage(w.secretHex, author, Math.floor(Date.now() / 1000), text, { display_name: "web" });
  const env = sealEnvelope(
    messageKey(fromHex(w.secretHex)),
    {
      msgId: String(m.msg_id),
      circleId: w.cid,
      channelId: "general",
      authorNodeId: author,
      displayName: "web",
      createdTs: Number(m.created_ts),
      text,
      mac: null,
    },
    crypto.getRandomValues(new Uint8Array(12)),
  );
  const res = await fetch(`${w.relay.base}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ circle_hint: circleHint(w.cid), messages: [env] }),
  });
  if (!res.ok) throw new Error(`relay refused the envelope: ${res.status}`);
  return String(m.msg_id);
}

/** The local API of X (as `felund serve` mounts it), called without a network. */
export async function localApiSend(w: World, text: string): Promise<string> {
  const token = "b".repeat(64);
  const app = createLocalApi({ node: w.x, token, port: () => 1 });
  const res = await app.handle(
    new Request(`http://127.0.0.1:1/api/circles/${w.cid}/messages`, {
      method: "POST",
      headers: { host: "127.0.0.1:1", authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ channel: "general", text }),
    }),
  );
  const json = (await res.json()) as { ok: boolean; message?: { msgId: string } };
  if (!json.ok || !json.message) throw new Error(`local API refused the send: ${JSON.stringify(json)}`);
  return json.message.msgId;
}

export async function makeWorld(opts: { relayWs?: boolean } = {}): Promise<World> {
  const cleanup: (() => void)[] = [];
  let posts = 0;
  const realFetch = globalThis.fetch;
  const relay = startRelay();
  cleanup.push(() => relay.stop());
  const x = await startV2Node("x", { relay: relay.base, relayWs: opts.relayWs });
  cleanup.push(() => x.stop());
  const spy = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const headers = new Headers(init?.headers);
    if (init?.method === "POST" && /\/v1\/messages(\/batch)?$/.test(url) && headers.get("x-felund-node") === x.nodeId)
      posts++;
    return realFetch(input, init);
  }) as typeof fetch;
  globalThis.fetch = spy;
  cleanup.push(() => {
    globalThis.fetch = realFetch;
  });
  const { circleId: cid, secretHex } = x.createCircle("paths", { legacy: true });
  const base = { cid, secretHex, x, cleanup };
  const y = await memberOf(base, "y");
  const yEvents = new Map<string, number>();
  y.subscribe((e) => {
    if (e.t === "message") yEvents.set(e.message.msgId, (yEvents.get(e.message.msgId) ?? 0) + 1);
  });

  const browser = await RelayBackend.open({
    relayBase: relay.base,
    persist: new MemoryPersistence(),
    pollMs: 300,
    idlePollMs: 2000,
    reconnectMs: 200,
  });
  cleanup.push(() => browser.close());
  const browserGot: MessageView[] = [];
  browser.subscribe((e) => {
    if (e.t === "message" && !e.message.own) browserGot.push(e.message);
  });
  await browser.joinCircle(x.inviteCode(cid));

  const listener = new FakePeer({ secretHex });
  listener.listen();
  cleanup.push(() => listener.stop());
  await listener.dial(x.listenAddr!); // X learns where it listens (observed-host rule)
  await waitFor(() => !!x.store.getPeer(cid, listener.nodeId), 5000, "X knows L");

  const natted = new FakePeer({ secretHex, listenAddr: "" });
  cleanup.push(() => natted.stop());
  let polling = true;
  cleanup.push(() => {
    polling = false;
  });
  void (async () => {
    const end = Date.now() + 120_000; // bounded even if a test forgets to stop the world
    while (polling && Date.now() < end) {
      await natted.dial(x.listenAddr!).catch(() => null);
      await Bun.sleep(100);
    }
  })();
  // everyone holds the circle's history before a test measures anything
  await waitFor(
    () => x.relay!.status().circles.some((c) => c.circleId === cid && (opts.relayWs === false || c.ws)),
    5000,
    "X on its relay",
  );
  await Bun.sleep(300);
  return {
    cid,
    secretHex,
    relay,
    x,
    y,
    browser,
    browserGot,
    listener,
    natted,
    yEvents,
    cleanup,
    xPosts: () => posts,
    stop: () => {
      while (cleanup.length) cleanup.pop()!();
    },
  };
}
