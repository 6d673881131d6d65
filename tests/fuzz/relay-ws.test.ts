// Seeded fuzzing of what arrives over a relay's WebSocket push, on both receiving sides: the
// node's relay client (src/node/relay-client.ts) and the relay-only browser peer
// (ui/web/src/relay), each in a v2 and a legacy circle. Frames are mutated from real ones:
// MESSAGES frames holding the envelopes these peers pushed to a real relay (127.0.0.1:0) plus
// the v1/v2 envelope vectors. The frames go through each side's own onmessage handler (a
// stand-in WebSocket delivers them); it must never throw, and no message that was not in an
// original envelope may appear in the store. The relay's side: it ignores what clients send,
// and keeps doing so under mutated text and binary frames (oversized ones close only that
// socket); its WS query string is fuzzed in relay-http.test.ts.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { RelayClient } from "../../src/node/relay-client.ts";
import type { WsCtor } from "../../src/peer/relay/sync.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { circleHint } from "../../src/protocol/ids.ts";
import { RELAY_WS_FRAME_IN_MAX } from "../../src/protocol/limits.ts";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import { startV2Node } from "../node/helpers.ts";
import { loadVectors } from "../protocol/vectors.ts";
import { startRelay, type TestRelay } from "../web/relay-helpers.ts";
import { FUZZ_CASES, fuzz, mutant, mutantText, mutateBytes, mutateString, type Json, type Prng } from "./seeded.ts";

setDefaultTimeout(180_000);

/** A WebSocket that never connects; the test calls its onmessage. */
class FakeWs {
  static last: FakeWs | null = null;
  onopen: unknown = null;
  onclose: unknown = null;
  onerror: unknown = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  static all: FakeWs[] = [];
  constructor(readonly url: string) {
    FakeWs.last = this;
    FakeWs.all.push(this);
  }
  send() {}
  close() {}
}

const mutateB64 = (r: Prng, s: string): string =>
  r.chance(0.3)
    ? mutateString(r, s)
    : Buffer.from(mutateBytes(r, Uint8Array.from(Buffer.from(s, "base64")))).toString("base64");

let relay: TestRelay;
let node: FelundNode;
let browser: RelayBackend;
const vectorEnvelopes = [
  loadVectors("v1-envelope").open_valid[0].envelope,
  loadVectors("v2-envelope").valid[0].expect.envelope,
];

async function envelopesOfHint(hint: string): Promise<Json[]> {
  const r = await fetch(`${relay.base}/v1/messages?circle_hint=${hint}&since=0`);
  return ((await r.json()) as Json).messages;
}
const envelopesOf = (circleId: string) => envelopesOfHint(circleHint(circleId));

beforeAll(async () => {
  relay = startRelay();
  node = await startV2Node("fuzz-node", { relay: relay.base, relayWs: false });
  browser = await RelayBackend.open({
    relayBase: relay.base,
    persist: new MemoryPersistence(),
    pollMs: 200,
    idlePollMs: 60_000,
    WebSocketImpl: FakeWs as unknown as typeof WebSocket,
  });
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
const frames =
  (base: Json) =>
  (r: Prng): string => {
    if (r.chance(0.2)) return mutantText(r, base);
    const messages = Array.from({ length: 1 + r.int(2) }, () => {
      const m = r.chance(0.1) ? r.pick(vectorEnvelopes) : r.pick(base.messages);
      if (r.chance(0.05)) return m;
      if (typeof m.v2 === "string" && r.chance(0.7)) return { ...m, v2: mutateB64(r, m.v2) };
      return mutant(r, m);
    });
    return JSON.stringify({ t: r.chance(0.95) ? "MESSAGES" : r.pick(["PING", "messages", "", 1]), messages });
  };

describe("WebSocket frames to the relay", () => {
  test("client frames change nothing and break nothing but an oversized frame's own socket", async () => {
    const hint = "0123456789abcdef";
    const got: string[] = [];
    const open = async () => {
      const ws = new WebSocket(
        `${relay.base.replace("http", "ws")}/v1/relay/ws?circle_hint=${hint}&node_id=fuzzclient0`,
      );
      ws.onmessage = (ev) => got.push(String(ev.data));
      await new Promise((res, rej) => {
        ws.onopen = res;
        ws.onerror = rej;
      });
      return ws;
    };
    let ws = await open();
    let oversized = 0;
    let unexpectedCloses = 0;
    let n = 0;
    const base = { t: "PONG", messages: [vectorEnvelopes[1]], circle_hint: hint };
    const gen = (r: Prng): string | Uint8Array =>
      r.chance(0.1)
        ? mutateBytes(r, new TextEncoder().encode(JSON.stringify(base)))
        : r.chance(0.002)
          ? "x".repeat(5000)
          : mutantText(r, base);
    const check = async (frame: string | Uint8Array) => {
      const big = (typeof frame === "string" ? Buffer.byteLength(frame) : frame.length) > RELAY_WS_FRAME_IN_MAX;
      if (big) {
        // the relay closes this socket (and only it): wait for that, then a fresh one
        const closed = new Promise((res) => ws.addEventListener("close", res));
        ws.send(frame);
        const ok = await Promise.race([closed.then(() => true), Bun.sleep(5000).then(() => false)]);
        oversized++;
        ws = await open();
        return ok ? null : "an oversized frame did not close its socket";
      }
      ws.send(frame);
      if (++n % 500 === 0) {
        await Bun.sleep(5); // let the relay read what was sent
        if (ws.readyState !== WebSocket.OPEN) {
          unexpectedCloses++;
          ws = await open();
        }
      }
      return null;
    };
    expect(await fuzz("ws", "relay-in", 0x3a0005, gen, check)).toBe("");
    await Bun.sleep(200);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    // nothing a client sent was stored or pushed; a POST still reaches the socket
    expect((await envelopesOfHint(hint)).length).toBe(0);
    expect(got).toEqual([]);
    const res = await fetch(`${relay.base}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({ circle_hint: hint, messages: [vectorEnvelopes[1]] }),
    });
    expect(res.status).toBe(200);
    const t0 = Date.now();
    while (!got.length && Date.now() - t0 < 5000) await Bun.sleep(20);
    expect(JSON.parse(got[0]!).messages[0].msg_id).toBe(vectorEnvelopes[1].msg_id);
    if (FUZZ_CASES >= 2000) expect(oversized).toBeGreaterThan(0); // ~1 in 500 cases
    expect(unexpectedCloses).toBe(0);
    ws.close();
  });
});

describe("WebSocket frames from the relay", () => {
  for (const legacy of [false, true]) {
    test(`the node's relay client, ${legacy ? "legacy" : "v2"} circle`, async () => {
      const { circleId } = node.createCircle("ws", { legacy });
      for (let i = 0; i < 3; i++) node.send(circleId, "general", `node message ${i}`);
      let envs: Json[] = [];
      const t0 = Date.now();
      while (envs.length < 3 && Date.now() - t0 < 10_000) {
        await Bun.sleep(50);
        envs = await envelopesOf(circleId);
      }
      expect(envs.length).toBeGreaterThanOrEqual(3);
      const known = new Set(node.store.offerIds(circleId, {}));
      // its own client (no timers), with the stand-in socket in place of WebSocket
      const rc = new RelayClient(node, relay.base, { WebSocketImpl: FakeWs as unknown as WsCtor });
      const sync = (rc as Json).sync;
      sync.openSocket(circleId, sync.link(circleId));
      FakeWs.all.pop();
      const ws = FakeWs.last!;
      const count = node.store.countMessages();
      const check = (data: string) => {
        ws.onmessage!({ data });
        if (node.store.countMessages() === count) return null;
        const extra = node.store.offerIds(circleId, {}).filter((id) => !known.has(id));
        return extra.length ? `stored messages that were in no original envelope: ${extra}` : null;
      };
      expect(
        await fuzz(
          "ws",
          legacy ? "node-legacy" : "node-v2",
          legacy ? 0x3a0002 : 0x3a0001,
          frames({ t: "MESSAGES", messages: envs }),
          check,
        ),
      ).toBe("");
      rc.stop();
    });

    test(`the relay-only browser, ${legacy ? "legacy" : "v2"} circle`, async () => {
      const { circleId } = await browser.createCircle("ws", { legacy });
      for (let i = 0; i < 3; i++) await browser.send(circleId, "general", `browser message ${i}`);
      let envs: Json[] = [];
      const t0 = Date.now();
      while (envs.length < 3 && Date.now() - t0 < 10_000) {
        await Bun.sleep(50);
        envs = await envelopesOf(circleId);
      }
      expect(envs.length).toBeGreaterThanOrEqual(3);
      // the socket the browser's sync opened for this circle, and every ingest it starts
      const hint = circleHint(circleId);
      const t1 = Date.now();
      while (!FakeWs.all.some((w) => w.url.includes(hint)) && Date.now() - t1 < 10_000) await Bun.sleep(20);
      const ws = FakeWs.all.find((w) => w.url.includes(hint))!;
      expect(ws.url).toContain(hint);
      const orig = browser.relay.ingest.bind(browser.relay);
      let pending: Promise<void> = Promise.resolve();
      browser.relay.ingest = (c: string, raws: unknown[]) => (pending = orig(c, raws));
      const ids = async () =>
        (await browser.listMessages(circleId, "general", { limit: 1000 })).filter((m) => !m.event).map((m) => m.msgId); // chat rows, not timeline lines
      const known = new Set(await ids());
      expect(known.size).toBe(3);
      const check = async (data: string) => {
        ws.onmessage!({ data });
        await pending; // a rejection here is the failure (the sync would only log it)
        const extra = (await ids()).filter((id) => !known.has(id));
        return extra.length ? `listed messages that were in no original envelope: ${extra}` : null;
      };
      expect(
        await fuzz(
          "ws",
          legacy ? "browser-legacy" : "browser-v2",
          legacy ? 0x3a0004 : 0x3a0003,
          frames({ t: "MESSAGES", messages: envs }),
          check,
        ),
      ).toBe("");
      browser.relay.ingest = orig;
    });
  }
});
