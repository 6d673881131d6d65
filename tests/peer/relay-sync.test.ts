// The one relay loop (src/peer/relay/sync.ts) against a real relay, under BOTH of its hosts:
// the node's adapter (src/node/relay-client.ts over the node's SQLite store) and the relay-only
// browser's (ui/web/src/relay/relay-client.ts over its MemStore). Each scenario runs for each:
// push, and paged pull behind a cursor (more than one page); the relay's WebSocket push; an
// envelope of a newer epoch held until its REKEY arrives; v1 envelopes in legacy circles only;
// nothing of a v2-only circle in clear on the relay; a push the relay refused, tried again.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { NodeStore } from "../../db/node-store.ts";
import { fromBase64, fromHex } from "../../src/protocol/bytes.ts";
import { circleHint } from "../../src/protocol/ids.ts";
import { RELAY_PULL_PAGE } from "../../src/protocol/limits.ts";
import { isEnvelopeV2, sealEnvelopeV2 } from "../../src/protocol/v2/envelope.ts";
import { decodeMessage } from "../../src/protocol/v2/message.ts";
import { RelayClient as NodeRelayClient } from "../../src/node/relay-client.ts";
import { RelayApi, type PullCursor } from "../../src/peer/relay/api.ts";
import { v1Envelopes } from "../../src/sync/relay-envelopes-v1.ts";
import type { StoredMessage } from "../../src/sync/store.ts";
import * as admin from "../../src/sync/v2-admin.ts";
import { acceptSigned, epochKey } from "../../src/sync/v2-apply.ts";
import type { MemStore } from "../../ui/web/src/relay/mem-store.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import { RelayClient as BrowserRelayClient } from "../../ui/web/src/relay/relay-client.ts";
import { joinCircle, makeNode, post, type Node } from "../v2/helpers.ts";
import { startRelay, waitFor, type TestRelay } from "../web/relay-helpers.ts";

type Kind = "node" | "browser";

/** A peer whose relay loop runs under one host: its store, what it pulls, and its loop. */
interface Side {
  n: Node;
  /** tell the loop a message was written here */
  pushSoon(circleId: string): void;
  cursor(circleId: string): PullCursor;
  /** the circle's WebSocket is open */
  live(circleId: string): boolean;
  stop(): void;
}

/** The peer `n` (on the store of `kind`) with its relay loop running against `base`. */
function startSide(kind: Kind, n: Node, base: string, o: { ws?: boolean } = {}): Side {
  if (kind === "node") {
    const c = new NodeRelayClient(
      {
        nodeId: n.keys.nodeId,
        store: n.store,
        calls: n.calls,
        keys: n.keys,
        ctx: { now: () => n.clock.now, rng: n.deps.rng },
        port: 0,
        settings: { bind: "127.0.0.1" },
        subscribe: () => () => {},
        log: () => {},
        addRelayPeer: () => false,
        syncSoon: () => {},
        stored: () => {},
        v2Deps: () => n.deps,
      },
      base,
      { ws: o.ws !== false },
    );
    c.start();
    const setting = (circleId: string) => (n.store as NodeStore).getSetting(`relay_pull:${base}:${circleId}`);
    return {
      n,
      pushSoon: (id) => c.schedulePush(id),
      cursor: (id) => {
        const [kind, val] = (setting(id) ?? "since:0").split(":");
        return kind === "cursor" ? { cursor: val } : { since: Number(val) };
      },
      live: (id) => c.status().circles.some((x) => x.circleId === id && x.ws),
      stop: () => c.stop(),
    };
  }
  const persist = new MemoryPersistence();
  const c = new BrowserRelayClient(
    {
      mem: n.store as unknown as MemStore,
      persist,
      rng: n.deps.rng,
      nowMs: Date.now,
      nodeId: n.keys.nodeId,
      WebSocketImpl: o.ws === false ? null : undefined,
      v1: () => v1Envelopes,
      ctx: () => n.ctx(),
      v2Deps: () => n.deps,
      flush: async () => {},
      rewrite: async () => {},
      arrived: () => {},
      refs: async () => {},
      peersSeen: () => {},
      connectionChanged: () => {},
      debug: () => {},
    },
    base,
  );
  for (const x of n.store.listCircles()) c.link(x.circleId);
  c.start();
  return {
    n,
    pushSoon: (id) => c.sync.pushSoon(id),
    cursor: (id) => persist.snap.cursors[`${base}|${id}`] ?? c.cursor(base, id),
    live: () => c.sync.transport() === "push",
    stop: () => c.stop(),
  };
}

const texts = (n: Node, circleId: string) =>
  n.store.channelMessages(circleId, "general", { limit: 1000 }).map((m) => m.text);

/** Hand the signed rows of `from` to `to` (as a session would: member cards, mostly). */
function pass(from: Node, to: Node, circleId: string, rows: readonly StoredMessage[]): void {
  for (const r of rows) {
    const res = acceptSigned(to.ctx(), to.store.getCircle(circleId)!, fromBase64(from.store.getV2Wire(r.msgId)!), "v2");
    if (!res.ok && res.kind === "reject") throw new Error(res.reason);
  }
}
/** Every signed row of a circle, through the store port both stores implement (here: the member cards). */
const cardsOf = (n: Node, circleId: string) =>
  n.store.getMessages(
    circleId,
    n.store.v2Items(circleId, { maxEpoch: 1e6, legacy: true }).map((i) => i.msgId),
  );

/** What `n` sends to the relay for one of its messages, sealed under the epoch it was signed in. */
function envelopeOf(n: Node, circleId: string, m: StoredMessage): unknown {
  const circle = n.store.getCircle(circleId)!;
  const signed = decodeMessage(fromBase64(n.store.getV2Wire(m.msgId)!));
  return sealEnvelopeV2(
    {
      secret: fromHex(circle.secretHex),
      epoch: signed.keyEpoch,
      epochKey: epochKey(n.store, circle, signed.keyEpoch)!,
      message: signed,
    },
    n.deps.rng(12),
  );
}

let relay: TestRelay;
beforeAll(() => {
  relay = startRelay();
});
afterAll(() => relay.stop());
const running: Side[] = [];
afterEach(() => {
  while (running.length) running.pop()!.stop();
});

/** What the relay holds for a circle, oldest first. */
const held = (circleId: string) =>
  (
    relay.db.$client
      .query("SELECT payload FROM relay_messages WHERE circle_hint = ? ORDER BY seq")
      .all(circleHint(circleId)) as { payload: string }[]
  ).map((r) => r.payload);

let seed = 9000;
/** A fresh circle (its own secret) owned by a plain peer, joined by `members` on the store their kind runs on. */
function circle(kind: Kind, names: string[], mode: "v1" | "v2" = "v2") {
  const owner = makeNode("owner", ++seed, "sqlite");
  const secret = (++seed).toString(16).padStart(64, "0");
  const circleId = joinCircle(owner, owner, { secret, mode });
  const members = names.map((name) => {
    const m = makeNode(name, ++seed, kind === "node" ? "sqlite" : "mem");
    joinCircle(m, owner, { secret, mode });
    pass(m, owner, circleId, cardsOf(m, circleId));
    pass(owner, m, circleId, cardsOf(owner, circleId));
    return m;
  });
  return { owner, circleId, members };
}
const side = (kind: Kind, n: Node, o: { ws?: boolean; base?: string } = {}) => {
  const s = startSide(kind, n, o.base ?? relay.base, o);
  running.push(s);
  return s;
};

describe.each(["node", "browser"] as const)("the relay loop under the %s host", (kind) => {
  test("push, then paged pull behind the cursor (more than one page)", async () => {
    const { circleId, members } = circle(kind, ["writer", "reader"]);
    const [w, r] = members as [Node, Node];
    const count = RELAY_PULL_PAGE + 30;
    const writer = side(kind, w, { ws: false });
    for (let i = 0; i < count; i++) post(w, circleId, `m${i}`);
    writer.pushSoon(circleId);
    await waitFor("all pushed", () => held(circleId).length >= count, 10_000);
    const reader = side(kind, r, { ws: false });
    await waitFor("the reader has every page", () => texts(r, circleId).length === count, 10_000);
    expect(new Set(texts(r, circleId)).size).toBe(count);
    // the felund relay pages with its cursor, and the host keeps where the pull stopped
    await waitFor("the cursor saved", () => reader.cursor(circleId).cursor !== undefined);
  }, 30_000);

  test("the relay's WebSocket brings a message before any poll would", async () => {
    const { owner, circleId, members } = circle(kind, ["reader"]);
    const r = side(kind, members[0]!);
    await waitFor("the socket open", () => r.live(circleId));
    await Bun.sleep(300); // the pull the socket's opening starts
    const m = post(owner, circleId, "pushed to the socket");
    await new RelayApi(relay.base, owner.keys.nodeId).postMessages(circleHint(circleId), [
      envelopeOf(owner, circleId, m),
    ]);
    // with the socket up the loop polls only every 60 s
    await waitFor("delivered", () => texts(members[0]!, circleId).includes("pushed to the socket"), 3000);
  }, 15_000);

  test("an envelope of a newer epoch is held, and opened once its REKEY arrives", async () => {
    const { owner, circleId, members } = circle(kind, ["stays", "goes"]);
    const [stays, goes] = members as [Node, Node];
    const kick = admin.kickMembers(owner.ctx(), circleId, [goes.keys.nodeId], {
      displayName: "owner",
      now: owner.clock.now,
      rng: owner.deps.rng,
    });
    if (!kick.ok) throw new Error(kick.reason);
    const later = post(owner, circleId, "after the kick");
    const api = new RelayApi(relay.base, owner.keys.nodeId);
    const hint = circleHint(circleId);
    // the new epoch's message reaches the relay first (its author had the REKEY by another path)
    await api.postMessages(hint, [envelopeOf(owner, circleId, later)]);
    const s = side(kind, stays, { ws: false });
    await waitFor("pulled", () => s.cursor(circleId).cursor !== undefined);
    expect(texts(stays, circleId)).not.toContain("after the kick");
    expect(stays.store.getCircle(circleId)!.keyEpoch).toBe(0);
    await api.postMessages(hint, [envelopeOf(owner, circleId, kick.value.row)]);
    await waitFor("opened", () => texts(stays, circleId).includes("after the kick"), 8000);
    expect(stays.store.getCircle(circleId)!.keyEpoch).toBe(1);
  }, 20_000);

  test("v1 envelopes beside the v2 ones in a legacy circle, none in a v2-only circle (and none taken there)", async () => {
    const legacy = circle(kind, ["classic"], "v1");
    const modern = circle(kind, ["modern"], "v2");
    const l = side(kind, legacy.members[0]!, { ws: false });
    const s = side(kind, modern.members[0]!, { ws: false });
    for (const c of [legacy, modern]) post(c.members[0]!, c.circleId, "hello");
    l.pushSoon(legacy.circleId);
    s.pushSoon(modern.circleId);
    const v2Count = (id: string) => held(id).filter((p) => isEnvelopeV2(JSON.parse(p))).length;
    const v1Count = (id: string) => held(id).filter((p) => !isEnvelopeV2(JSON.parse(p))).length;
    await waitFor("legacy pushed", () => v1Count(legacy.circleId) >= 1 && v2Count(legacy.circleId) >= 2, 8000);
    await waitFor("v2-only pushed", () => v2Count(modern.circleId) >= 2, 8000);
    expect(v1Count(modern.circleId)).toBe(0);
    // a v1 envelope sealed with the v2-only circle's secret (a removed member still knows it) is not taken
    const forged = v1Envelopes.seal(
      fromHex(modern.members[0]!.store.getCircle(modern.circleId)!.secretHex),
      { ...post(modern.owner, modern.circleId, "forged v1"), mac: "00".repeat(32) },
      modern.owner.deps.rng,
    );
    await new RelayApi(relay.base, modern.owner.keys.nodeId).postMessages(circleHint(modern.circleId), [forged]);
    const before = s.cursor(modern.circleId).cursor;
    await waitFor("pulled past it", () => s.cursor(modern.circleId).cursor !== before, 8000);
    expect(texts(modern.members[0]!, modern.circleId)).not.toContain("forged v1");
  }, 30_000);

  test("nothing of a v2-only circle is in clear on the relay", async () => {
    const { circleId, members } = circle(kind, ["Zebulon"]);
    const z = members[0]!;
    const s = side(kind, z, { ws: false });
    post(z, circleId, "the treasure is under the oak");
    s.pushSoon(circleId);
    await waitFor("pushed", () => held(circleId).length >= 2, 8000);
    for (const p of held(circleId)) {
      expect(isEnvelopeV2(JSON.parse(p))).toBe(true);
      for (const clear of ["treasure", "Zebulon", "general", z.keys.nodeId, circleId]) expect(p).not.toContain(clear);
    }
  }, 15_000);

  test("a push the relay refused (503) is tried again and lands, with no new message", async () => {
    let refused = 0;
    const proxy = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const u = new URL(req.url);
        if (req.method === "POST" && u.pathname.startsWith("/v1/messages") && refused++ === 0)
          return Response.json({ ok: false, detail: "restarting" }, { status: 503 });
        const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
        return fetch(relay.base + u.pathname + u.search, { method: req.method, headers: req.headers, body });
      },
    });
    try {
      const { circleId, members } = circle(kind, ["patient"]);
      const p = members[0]!;
      post(p, circleId, "worth the wait");
      // the loop's first round pushes the card and the message: refused
      side(kind, p, { ws: false, base: `http://127.0.0.1:${proxy.port}` });
      await waitFor("refused once", () => refused > 0, 5000);
      const t0 = Date.now();
      // nothing else is written and the next poll is 5 s away: only the retry (after 1 s) brings them
      await waitFor("retried", () => held(circleId).length >= 2, 4000);
      expect(Date.now() - t0).toBeGreaterThan(500);
      expect(refused).toBe(2);
    } finally {
      proxy.stop(true);
    }
  }, 20_000);
});
