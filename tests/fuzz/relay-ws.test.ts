// Seeded fuzzing of what arrives over a relay's WebSocket push, on both receiving sides: the
// node's relay client (src/node/relay-client.ts) and the relay-only browser peer
// (ui/web/src/relay), each in a v2 and a legacy circle. Frames are mutated from real ones:
// MESSAGES frames holding the envelopes these peers pushed to a real relay (127.0.0.1:0) plus
// the v1/v2 envelope vectors. The frames go through each side's own onmessage handler (a
// stand-in WebSocket delivers them); it must never throw, and no message that was not in an
// original envelope may appear in the store. (The relay itself ignores every client frame:
// tests/relay/ws.test.ts; its WS query string is fuzzed in relay-http.test.ts.)
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { RelayClient } from "../../src/node/relay-client.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { circleHint } from "../../src/protocol/ids.ts";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import { startV2Node } from "../node/helpers.ts";
import { loadVectors } from "../protocol/vectors.ts";
import { startRelay, type TestRelay } from "../web/relay-helpers.ts";
import { fuzz, mutant, mutantText, mutateBytes, mutateString, type Json, type Prng } from "./seeded.ts";

setDefaultTimeout(180_000);

/** A WebSocket that never connects; the test calls its onmessage. */
class FakeWs {
  static last: FakeWs | null = null;
  onopen: unknown = null; onclose: unknown = null; onerror: unknown = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  static all: FakeWs[] = [];
  constructor(readonly url: string) { FakeWs.last = this; FakeWs.all.push(this); }
  send() {}
  close() {}
}

const mutateB64 = (r: Prng, s: string): string =>
  r.chance(0.3) ? mutateString(r, s) : Buffer.from(mutateBytes(r, Uint8Array.from(Buffer.from(s, "base64")))).toString("base64");

let relay: TestRelay;
let node: FelundNode;
let browser: RelayBackend;
const vectorEnvelopes = [loadVectors("v1-envelope").open_valid[0].envelope, loadVectors("v2-envelope").valid[0].expect.envelope];

async function envelopesOf(circleId: string): Promise<Json[]> {
  const r = await fetch(`${relay.base}/v1/messages?circle_hint=${circleHint(circleId)}&since=0`);
  return ((await r.json()) as Json).messages;
}

beforeAll(async () => {
  relay = startRelay();
  node = await startV2Node("fuzz-node", { relay: relay.base, relayWs: false });
  browser = await RelayBackend.open({ relayBase: relay.base, persist: new MemoryPersistence(), pollMs: 200, idlePollMs: 60_000, WebSocketImpl: FakeWs as unknown as typeof WebSocket });
  browser.subscribe(() => {}); // starts its sync (and so its sockets)
});
afterAll(() => {
  browser?.close();
  node?.stop();
  relay?.stop();
});

/**
 * Frames from a base MESSAGES frame: whole-frame mutations, or 1-2 of its envelopes, mostly
 * mutated, half of the time in the sealed blob. (Every envelope that still opens costs an
 * Ed25519 check of ~1 ms, so unchanged ones are kept rare to keep 10,000 cases fast.)
 */
const frames = (base: Json) => (r: Prng): string => {
  if (r.chance(0.2)) return mutantText(r, base);
  const messages = Array.from({ length: 1 + r.int(2) }, () => {
    const m = r.chance(0.1) ? r.pick(vectorEnvelopes) : r.pick(base.messages);
    if (r.chance(0.05)) return m;
    if (typeof m.v2 === "string" && r.chance(0.7)) return { ...m, v2: mutateB64(r, m.v2) };
    return mutant(r, m);
  });
  return JSON.stringify({ t: r.chance(0.95) ? "MESSAGES" : r.pick(["PING", "messages", "", 1]), messages });
};

describe("WebSocket frames from the relay", () => {
  for (const legacy of [false, true]) {
    test(`the node's relay client, ${legacy ? "legacy" : "v2"} circle`, async () => {
      const { circleId } = node.createCircle("ws", { legacy });
      for (let i = 0; i < 3; i++) node.send(circleId, "general", `node message ${i}`);
      let envs: Json[] = [];
      const t0 = Date.now();
      while (envs.length < 3 && Date.now() - t0 < 10_000) { await Bun.sleep(50); envs = await envelopesOf(circleId); }
      expect(envs.length).toBeGreaterThanOrEqual(3);
      const known = new Set(node.store.offerIds(circleId, {}));
      // its own client (no timers), with the stand-in socket in place of WebSocket
      const rc = new RelayClient(node, relay.base);
      const link = (rc as Json).link(circleId);
      const real = globalThis.WebSocket;
      globalThis.WebSocket = FakeWs as unknown as typeof WebSocket;
      try { (rc as Json).openWs(link); FakeWs.all.pop(); } finally { globalThis.WebSocket = real; }
      const ws = FakeWs.last!;
      const count = node.store.countMessages();
      const check = (data: string) => {
        ws.onmessage!({ data });
        if (node.store.countMessages() === count) return null;
        const extra = node.store.offerIds(circleId, {}).filter((id) => !known.has(id));
        return extra.length ? `stored messages that were in no original envelope: ${extra}` : null;
      };
      expect(await fuzz("ws", legacy ? "node-legacy" : "node-v2", legacy ? 0x3a0002 : 0x3a0001, frames({ t: "MESSAGES", messages: envs }), check)).toBe("");
      rc.stop();
    });

    test(`the relay-only browser, ${legacy ? "legacy" : "v2"} circle`, async () => {
      const { circleId } = await browser.createCircle("ws", { legacy });
      for (let i = 0; i < 3; i++) await browser.send(circleId, "general", `browser message ${i}`);
      let envs: Json[] = [];
      const t0 = Date.now();
      while (envs.length < 3 && Date.now() - t0 < 10_000) { await Bun.sleep(50); envs = await envelopesOf(circleId); }
      expect(envs.length).toBeGreaterThanOrEqual(3);
      // the socket the browser's sync opened for this circle, and every ingest it starts
      const hint = circleHint(circleId);
      const t1 = Date.now();
      while (!FakeWs.all.some((w) => w.url.includes(hint)) && Date.now() - t1 < 10_000) await Bun.sleep(20);
      const ws = FakeWs.all.find((w) => w.url.includes(hint))!;
      expect(ws.url).toContain(hint);
      const orig = browser.ingest.bind(browser);
      let pending: Promise<void> = Promise.resolve();
      browser.ingest = (c: string, raws: unknown[]) => (pending = orig(c, raws));
      const ids = async () => (await browser.listMessages(circleId, "general", { limit: 1000 })).map((m) => m.msgId);
      const known = new Set(await ids());
      expect(known.size).toBe(3);
      const check = async (data: string) => {
        ws.onmessage!({ data });
        await pending; // a rejection here is the failure (the sync would only log it)
        const extra = (await ids()).filter((id) => !known.has(id));
        return extra.length ? `listed messages that were in no original envelope: ${extra}` : null;
      };
      expect(await fuzz("ws", legacy ? "browser-legacy" : "browser-v2", legacy ? 0x3a0004 : 0x3a0003, frames({ t: "MESSAGES", messages: envs }), check)).toBe("");
      browser.ingest = orig;
    });
  }
});
