// A legacy-compatible circle with two v2 nodes and an original-style v1 node (the v1 engine
// with the extension off, as the reference's Python node behaves): every message reaches
// everyone; the v2 nodes talk v2 to each other and v1 to the original; messages that only
// ever had a v1 MAC stay "unverified author".
import { expect, test } from "bun:test";
import { openMemoryDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import { toHex } from "../../src/protocol/bytes.ts";
import { newMsgId } from "../../src/protocol/ids.ts";
import { computeMac } from "../../src/protocol/message.ts";
import { fromHex } from "../../src/protocol/bytes.ts";
import { CallRegistry } from "../../src/sync/control-apply.ts";
import { PeerKnowledge } from "../../src/sync/knowledge.ts";
import { V1Exchange, type ExchangeDeps } from "../../src/sync/v1-exchange.ts";
import { V2Exchange } from "../../src/sync/v2-exchange.ts";
import { routeInbound } from "../../src/sync/v2-route.ts";
import { NOW, SECRET, connect, joinCircle, makeNode, post, seededRng, texts, type Node } from "./helpers.ts";

function originalNode() {
  const store = new NodeStore(openMemoryDb());
  const nodeId = toHex(seededRng(4242)(12));
  const deps: ExchangeDeps = {
    store,
    calls: new CallRegistry(),
    knowledge: new PeerKnowledge(() => NOW * 1000),
    now: () => NOW,
    rng: seededRng(777),
    self: { nodeId, isSelfAddr: () => false, listenAddr: "127.0.0.1:9999" },
    ext: false,
    encrypt: true,
  };
  return { store, nodeId, deps, listenAddr: "127.0.0.1:9999" };
}

const v1DepsOf = (n: Node): ExchangeDeps => ({
  store: n.store,
  calls: n.calls,
  knowledge: new PeerKnowledge(() => NOW * 1000),
  now: () => n.clock.now,
  rng: n.deps.rng,
  self: { nodeId: n.keys.nodeId, isSelfAddr: n.deps.self.isSelfAddr, listenAddr: n.listenAddr },
});

/** Hand lines between any two engines until both stop. */
function run(
  c: { start(): { send: string[]; close?: unknown }; receive(l: string): { send: string[]; close?: unknown } },
  s: { receive(l: string): { send: string[]; close?: unknown } },
) {
  const toS: string[] = [];
  const toC: string[] = [];
  let cc = false;
  let sc = false;
  const st = c.start();
  toS.push(...st.send);
  for (let i = 0; i < 1000; i++) {
    if (toS.length && !sc) {
      const r = s.receive(toS.shift()!);
      toC.push(...r.send);
      if (r.close) sc = true;
    } else if (toC.length && !cc) {
      const r = c.receive(toC.shift()!);
      toS.push(...r.send);
      if (r.close) cc = true;
    } else break;
  }
}

test("two v2 nodes and an original v1 node all see every message", () => {
  const a = makeNode("alice");
  const b = makeNode("bob");
  const cid = joinCircle(a, a, { mode: "v1" });
  joinCircle(b, a, { mode: "v1" });
  const o = originalNode();
  o.store.addCircle({
    circleId: cid,
    secretHex: SECRET,
    name: "",
    owned: false,
    bootstrap: "",
    mode: "v1",
    keyEpoch: 0,
    joinedAt: NOW,
  });
  post(a, cid, "from alice (v2)");
  post(b, cid, "from bob (v2)");
  const ov1 = {
    msgId: newMsgId(o.nodeId, NOW, seededRng(5)),
    circleId: cid,
    channelId: "general",
    authorNodeId: o.nodeId,
    displayName: "orig",
    createdTs: NOW,
    text: "from the original (v1)",
  };
  o.store.insertMessage(
    { ...ov1, mac: computeMac(fromHex(SECRET), ov1) },
    { origin: "local", receivedAt: NOW, sortTs: NOW, sortMs: NOW * 1000 },
  );

  // alice dials the original: her v2 HELLO is answered with a v1 CHALLENGE, and the v1 exchange runs
  const ac = V2Exchange.client({ ...a.deps, v1: v1DepsOf(a) }, cid, o.listenAddr);
  run(ac, V1Exchange.server(o.deps, "127.0.0.1"));
  expect(ac.result.proto).toBe("v1");
  expect(ac.v1Exchange?.result.completed).toBe(true);
  // the original dials bob: bob's router hands its plain v1 HELLO to the v1 engine
  const oc = V1Exchange.client(o.deps, cid, b.listenAddr);
  const first = oc.start().send[0]!;
  expect(routeInbound(first, b.store).engine).toBe("v1");
  const bs = V1Exchange.server(v1DepsOf(b), "127.0.0.1");
  run({ start: () => ({ send: [first] }), receive: (l) => oc.receive(l) }, bs);
  expect(oc.result.completed).toBe(true);
  // alice and bob: v2
  const conn = connect(a, b, cid);
  expect(conn.client.result.proto).toBe("v2");
  // once more around so everything reaches the original
  run(V2Exchange.client({ ...a.deps, v1: v1DepsOf(a) }, cid, o.listenAddr), V1Exchange.server(o.deps, "127.0.0.1"));
  const all = ["from alice (v2)", "from bob (v2)", "from the original (v1)"];
  expect(texts(a, cid)).toEqual(all);
  expect(texts(b, cid)).toEqual(all);
  expect(
    o.store
      .recentMessages(cid, 100)
      .filter((m) => m.channelId === "general")
      .map((m) => m.text)
      .sort(),
  ).toEqual(all);
  // authorship as the UIs show it: v2 messages verified, the original's unverified
  const byText = (n: Node, t: string) => n.store.recentMessages(cid, 100).find((m) => m.text === t)!;
  expect(b.store.messageAuth(byText(b, "from alice (v2)").msgId)?.signature).toBeTruthy();
  expect(b.store.messageAuth(byText(b, "from the original (v1)").msgId)?.signature).toBeNull();
});
