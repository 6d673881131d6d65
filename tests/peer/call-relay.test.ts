// src/peer/call-relay.ts against a real relay (createRelayApp on 127.0.0.1:0) whose clock is the
// test's: a node-style side (SQLite store, a relay that comes and goes) and a browser-style side
// (the browser's in-memory store, always its relay) post sealed signals to each other and poll
// for them; the relay's per-node budget is met with back-off; the first poll of a call ignores
// rows stored before it; a signal that came by a session is not taken again from the relay.
import { afterEach, describe, expect, test } from "bun:test";
import { openMemoryDb } from "../../db/client.ts";
import { CallRelay, type CallRelayHost } from "../../src/peer/call-relay.ts";
import { RelayApi } from "../../src/peer/relay/api.ts";
import { fromBase64 } from "../../src/protocol/bytes.ts";
import type { ArrivedSignal } from "../../src/sync/calls.ts";
import { callAction, sealCallSignal } from "../../src/sync/calls.ts";
import type { StoredMessage } from "../../src/sync/store.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { createRelayApp } from "../../src/relay/app.ts";
import type { RelayConfigInput } from "../../src/relay/config.ts";
import { joinCircle, makeNode, NOW, type Node } from "../v2/helpers.ts";
import { waitFor } from "../web/relay-helpers.ts";

const stops: (() => void)[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

/** One clock (ms) for the relay and both peers; the back-off's waits move it on instead of sleeping. */
function world(rate: RelayConfigInput["rate"] = {}) {
  const clock = { ms: NOW * 1000 };
  const app = createRelayApp({
    db: openMemoryDb(),
    now: () => clock.ms,
    config: { docs: false, rate: { ip: null, signalIp: null, hintMessages: null, ...rate } },
  });
  app.listen({ hostname: "127.0.0.1", port: 0 });
  stops.push(() => void app.stop(true));
  const base = `http://127.0.0.1:${app.server!.port}`;

  const a = makeNode("ann", 7101, "sqlite");
  const b = makeNode("bob", 7102, "mem");
  const cid = joinCircle(a, a);
  joinCircle(b, a);
  const all = (n: Node): StoredMessage[] =>
    n.store.getMessages(
      cid,
      n.store.v2Items(cid, { maxEpoch: 1e6, legacy: true }).map((i) => i.msgId),
    );
  const pass = (from: Node, to: Node, rows: readonly StoredMessage[]) => {
    for (const r of rows) {
      const v = acceptSigned(to.ctx(), to.store.getCircle(cid)!, fromBase64(from.store.getV2Wire(r.msgId)!), "v2");
      if (!v.ok && v.kind === "reject") throw new Error(v.reason);
    }
  };
  pass(b, a, all(b));
  pass(a, b, all(a));
  const deps = (n: Node) => ({
    ctx: n.ctx(),
    rng: n.deps.rng,
    displayName: n.name,
    postV1: () => {
      throw new Error("v2-only");
    },
  });
  const call = callAction(deps(a), cid, "start", { channelId: "general" });
  pass(a, b, call.rows);
  pass(b, a, callAction(deps(b), cid, "join", { channelId: "general" }).rows);

  const side = (n: Node, api: () => RelayApi | null) => {
    const got: ArrivedSignal[] = [];
    const logs: string[] = [];
    const waits: number[] = [];
    const host: CallRelayHost = {
      ctx: () => n.ctx(),
      nowMs: () => clock.ms,
      api,
      arrived: (s) => got.push(s),
      log: (l) => logs.push(l),
      sleep: async (ms) => {
        waits.push(ms);
        clock.ms += ms;
      },
    };
    const relay = new CallRelay(host);
    stops.push(() => relay.stop());
    const seal = (to: Node, data: string, type: "offer" | "answer" = "offer") =>
      sealCallSignal(n.ctx(), n.deps.rng, cid, call.sessionId, to.keys.nodeId, type, data, clock.ms);
    const send = (to: Node, data: string) =>
      relay.post(new RelayApi(base, n.keys.nodeId), cid, call.sessionId, to.keys.nodeId, "offer", seal(to, data));
    return { n, relay, got, logs, waits, seal, send };
  };
  // the node's relay is configured while it runs; the browser always has its own
  const nodeRelay = { base: null as string | null };
  const node = side(a, () => (nodeRelay.base ? new RelayApi(nodeRelay.base, a.keys.nodeId) : null));
  const browser = side(b, () => new RelayApi(base, b.keys.nodeId));
  return { clock, base, cid, sessionId: call.sessionId, node, browser, nodeRelay };
}

describe("call signals through a relay (src/peer/call-relay.ts)", () => {
  test("a node-style and a browser-style peer reach each other; the relay holds only sealed payloads", async () => {
    const w = world();
    await w.node.send(w.browser.n, '{"sdp":"offer-sdp"}');
    w.browser.relay.watch();
    await waitFor("the browser side gets the offer", () => w.browser.got.length === 1);
    expect(w.browser.got[0]).toMatchObject({
      from: w.node.n.keys.nodeId,
      sessionId: w.sessionId,
      type: "offer",
      data: '{"sdp":"offer-sdp"}',
    });
    const rows = (await (await fetch(`${w.base}/v1/signal?to_node_id=${w.browser.n.keys.nodeId}`)).json()).signals;
    expect(rows[0].type).toBe("media-offer");
    expect(rows[0].payload).not.toContain("offer-sdp");

    // the node has no relay yet: watching reads nothing; once it has one, it gets the answer
    await w.browser.send(w.node.n, '{"sdp":"answer-sdp"}');
    w.node.relay.watch();
    await Bun.sleep(50);
    expect(w.node.got).toEqual([]);
    w.nodeRelay.base = w.base;
    w.node.relay.watch();
    await waitFor("the node side gets the answer", () => w.node.got.length === 1);
    expect(w.node.got[0]!.data).toBe('{"sdp":"answer-sdp"}');
  });

  test("a 429 from the relay's per-node budget is waited out (0.5 s, then twice as long), then given up", async () => {
    const w = world({ signalNode: { perSecond: 2, burst: 3 } });
    for (let i = 0; i < 5; i++) await w.node.send(w.browser.n, `{"n":${i}}`);
    // two over the burst: each waited 0.5 s (one token at 2 per second), then went through
    expect(w.node.waits).toEqual([500, 500]);
    w.browser.relay.watch();
    await waitFor("all five arrive", () => w.browser.got.length === 5);

    const slow = world({ signalNode: { perSecond: 0.001, burst: 1 } });
    await slow.browser.send(slow.node.n, "{}");
    const err = await slow.browser.send(slow.node.n, "{}").catch((e) => e);
    expect(err).toBeInstanceOf(FelundError);
    expect(err).toMatchObject({
      code: "E_RATE_LIMITED",
      message: "relay: too many signals; try again shortly",
      status: 429,
    });
    expect(slow.browser.waits).toEqual([500, 1000, 2000, 4000]);
  });

  test("a relay that does not answer is a user error (E_UNREACHABLE, 502), with its message", async () => {
    const w = world();
    const api = new RelayApi("http://127.0.0.1:1", w.node.n.keys.nodeId);
    const err = await w.node.relay
      .post(api, w.cid, w.sessionId, w.browser.n.keys.nodeId, "offer", w.node.seal(w.browser.n, "{}"))
      .catch((e) => e);
    expect(err).toBeInstanceOf(FelundError);
    expect(err).toMatchObject({ code: "E_UNREACHABLE", status: 502 });
    expect(err.message).toStartWith("relay unreachable: ");
  });

  test("the first poll ignores rows stored before it; a signal taken from a session is not taken again", async () => {
    const w = world();
    await w.node.send(w.browser.n, '{"old":true}');
    // half a minute later (the row is still on the relay): the browser side begins to listen
    w.clock.ms += 30_000;
    const before = (await (await fetch(`${w.base}/v1/signal?to_node_id=${w.browser.n.keys.nodeId}`)).json()).signals;
    expect(before).toHaveLength(1);
    w.browser.relay.watch();
    await Bun.sleep(100);
    await w.node.send(w.browser.n, '{"new":true}');
    await waitFor("the new signal arrives", () => w.browser.got.length === 1);
    expect(w.browser.got.map((s) => s.data)).toEqual(['{"new":true}']);

    // the same sealed signal by a v2 session first, then through the relay: opened once
    const payload = w.browser.seal(w.node.n, "{}", "answer");
    const inbox = w.node.relay.inbox;
    expect(inbox.open(w.node.n.ctx(), w.cid, w.sessionId, payload, null, w.clock.ms).ok).toBe(true);
    await w.browser.relay.post(
      new RelayApi(w.base, w.browser.n.keys.nodeId),
      w.cid,
      w.sessionId,
      w.node.n.keys.nodeId,
      "answer",
      payload,
    );
    w.nodeRelay.base = w.base;
    w.node.relay.watch();
    await waitFor("the relay copy is refused", () => w.node.logs.includes("call signal refused: replayed signal"));
    expect(w.node.got).toEqual([]);
  });
});
