// The peer's rules over BOTH stores: every scenario runs with each peer on the node's SQLite
// store and on the relay-only browser's in-memory store, in all four pairings, so a rule can
// only be right in both or wrong in both. Messages move by each path the peer knows: a v2
// session (backlog, live push), a v1 exchange (legacy circles), relay envelopes (v2, ahead of
// the epoch), and call signals; channels of each mode, and a kick with its re-key.
import { describe, expect, test } from "bun:test";
import { fromBase64, fromHex } from "../../src/protocol/bytes.ts";
import { isEnvelopeV2, openEnvelopeV2, sealEnvelopeV2 } from "../../src/protocol/v2/envelope.ts";
import { decodeMessage } from "../../src/protocol/v2/message.ts";
import { callAction, SignalInbox, sealCallSignal } from "../../src/sync/calls.ts";
import { PeerKnowledge } from "../../src/sync/knowledge.ts";
import type { StoredMessage } from "../../src/sync/store.ts";
import * as admin from "../../src/sync/v2-admin.ts";
import { acceptSigned, composeText, epochKey } from "../../src/sync/v2-apply.ts";
import { V1Exchange, type ExchangeDeps } from "../../src/sync/v1-exchange.ts";
import { CallRegistry } from "../../src/sync/control-apply.ts";
import { addCircle, makeMessages, secretFor } from "../sync/helpers.ts";
import {
  connect,
  joinCircle,
  makeNode,
  newStore,
  NOW,
  post,
  seededRng,
  type Node,
  type StoreKind,
} from "../v2/helpers.ts";

const KINDS: StoreKind[] = ["sqlite", "mem"];
const PAIRS = KINDS.flatMap((a) => KINDS.map((b) => [a, b] as const));
let seed = 5000;
const who = (n: Node) => ({ displayName: n.name, now: n.clock.now, rng: n.deps.rng });

/** Every row of a circle, through the store port both stores implement. */
const rows = (n: Node, circleId: string): StoredMessage[] =>
  n.store.getMessages(
    circleId,
    n.store.v2Items(circleId, { maxEpoch: 1e6, legacy: true }).map((i) => i.msgId),
  );
const texts = (n: Node, circleId: string): string[] =>
  rows(n, circleId)
    .filter((m) => m.channelId !== "__control")
    .map((m) => m.text)
    .sort();

/** Hand every signed row of `from` to `to`, as a session or the relay would. */
function pass(from: Node, to: Node, circleId: string, rows: readonly StoredMessage[]): void {
  for (const r of rows) {
    const res = acceptSigned(to.ctx(), to.store.getCircle(circleId)!, fromBase64(from.store.getV2Wire(r.msgId)!), "v2");
    if (!res.ok && res.kind === "reject") throw new Error(res.reason);
  }
}

/** What a peer sends to the relay for one of its messages (the epoch the message was signed under). */
function envelopeOf(n: Node, circleId: string, m: StoredMessage): unknown {
  const circle = n.store.getCircle(circleId)!;
  const signed = decodeMessage(fromBase64(n.store.getV2Wire(m.msgId)!));
  const key = epochKey(n.store, circle, signed.keyEpoch)!;
  return sealEnvelopeV2(
    { secret: fromHex(circle.secretHex), epoch: signed.keyEpoch, epochKey: key, message: signed },
    n.deps.rng(12),
  );
}

/** What a peer does with an envelope from the relay: open it under the epoch key it names, then accept it. */
function ingest(n: Node, circleId: string, raw: unknown): "stored" | "ahead" | string {
  const circle = n.store.getCircle(circleId)!;
  if (!isEnvelopeV2(raw)) return "not v2";
  const v = openEnvelopeV2(raw, {
    secret: fromHex(circle.secretHex),
    circleId,
    keyOf: (e) => epochKey(n.store, circle, e),
  });
  if (!v.ok) return "ahead";
  const r = acceptSigned(n.ctx(), circle, v.value.wire, "relay");
  return r.ok ? "stored" : r.reason;
}

describe.each(PAIRS)("a peer on %s with a peer on %s", (ka, kb) => {
  test("a v2 session carries the backlog both ways, then pushes new messages at once", () => {
    const a = makeNode("ann", ++seed, ka);
    const b = makeNode("bob", ++seed, kb);
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    post(a, cid, "from ann 1");
    // (written at distinct times: two stores order messages of the same millisecond as each got them)
    a.clock.now = b.clock.now += 1;
    post(b, cid, "from bob 1");
    const conn = connect(b, a, cid);
    expect(conn.client.live && conn.server.live).toBe(true);
    expect(texts(a, cid)).toEqual(["from ann 1", "from bob 1"]);
    expect(texts(b, cid)).toEqual(texts(a, cid));
    a.clock.now = b.clock.now += 1;
    const fresh = post(a, cid, "pushed by ann");
    conn.feed("server", conn.server.push([fresh]));
    conn.pump();
    expect(texts(b, cid)).toContain("pushed by ann");
    // the same rows on both stores, in the same order
    const order = (n: Node) => n.store.channelMessages(cid, "general", { limit: 10 }).map((m) => m.msgId);
    expect(order(a).length).toBe(3);
    expect(order(b)).toEqual(order(a));
  });

  test("relay envelopes: opened and verified on the other store; a newer epoch waits for its REKEY", () => {
    const a = makeNode("ann", ++seed, ka);
    const b = makeNode("bob", ++seed, kb);
    const c = makeNode("cat", ++seed, ka);
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    joinCircle(c, a);
    pass(b, a, cid, rows(b, cid));
    pass(c, a, cid, rows(c, cid));
    expect(ingest(b, cid, envelopeOf(a, cid, post(a, cid, "through the relay")))).toBe("stored");
    // a tampered envelope opens nowhere
    const env = envelopeOf(a, cid, post(a, cid, "tampered")) as { v2: string };
    const bad = { ...env, v2: env.v2.slice(0, -4) + (env.v2.endsWith("AAAA") ? "BBBB" : "AAAA") };
    expect(ingest(b, cid, bad)).toBe("ahead");
    // the owner removes cat: a message under epoch 1 reaches bob before the REKEY does
    const kick = admin.kickMembers(a.ctx(), cid, [c.keys.nodeId], who(a));
    if (!kick.ok) throw new Error(kick.reason);
    const later = envelopeOf(a, cid, post(a, cid, "after the kick"));
    expect(ingest(b, cid, later)).toBe("ahead");
    expect(ingest(b, cid, envelopeOf(a, cid, kick.value.row))).toBe("stored");
    expect(b.store.getCircle(cid)!.keyEpoch).toBe(1);
    expect(ingest(b, cid, later)).toBe("stored");
    expect(texts(b, cid)).toContain("after the kick");
    // cat holds no key of epoch 1 and cannot open it; what cat writes now is refused
    expect(ingest(c, cid, later)).toBe("ahead");
    const catSays = post(c, cid, "still here?");
    c.clock.now += 5;
    expect(ingest(b, cid, envelopeOf(c, cid, catSays))).not.toBe("stored");
    expect(texts(b, cid)).not.toContain("still here?");
  });

  test("channels: a key channel opens with its passphrase; an invite channel after the owner's approval", () => {
    const a = makeNode("ann", ++seed, ka);
    const b = makeNode("bob", ++seed, kb);
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    pass(b, a, cid, rows(b, cid));
    const vault = admin.createChannel(a.ctx(), cid, "vault", "key", {
      ...who(a),
      passphrase: "open sesame",
      scryptLogN: 14,
    });
    if (!vault.ok) throw new Error(vault.reason);
    const said = composeText(a.ctx(), { circleId: cid, channelId: "vault", ...who(a), text: "gold inside" });
    if (!said.ok) throw new Error(said.reason);
    pass(a, b, cid, [vault.value.row, said.value.row]);
    expect(b.store.channelMessages(cid, "vault", { limit: 5 })[0]!.text).toBe("");
    const wrong = admin.unlockKeyChannel(b.ctx(), cid, "vault", "wrong guess", who(b));
    expect(wrong.ok).toBe(false);
    const right = admin.unlockKeyChannel(b.ctx(), cid, "vault", "open sesame", who(b));
    if (!right.ok) throw new Error(right.reason);
    expect(b.store.channelMessages(cid, "vault", { limit: 5 })[0]!.text).toBe("gold inside");

    const inner = admin.createChannel(a.ctx(), cid, "inner", "invite", who(a));
    if (!inner.ok) throw new Error(inner.reason);
    const secret = composeText(a.ctx(), { circleId: cid, channelId: "inner", ...who(a), text: "members only" });
    if (!secret.ok) throw new Error(secret.reason);
    pass(a, b, cid, [inner.value.row, secret.value.row]);
    expect(b.store.channelMessages(cid, "inner", { limit: 5 })[0]!.text).toBe("");
    const ok = admin.approveMember(a.ctx(), cid, "inner", b.keys.nodeId, who(a));
    if (!ok.ok) throw new Error(ok.reason);
    pass(a, b, cid, [ok.value.row]);
    expect(b.store.channelMessages(cid, "inner", { limit: 5 })[0]!.text).toBe("members only");
  });

  test("call signals: sealed by one participant, opened once by the other, refused when replayed", () => {
    const a = makeNode("ann", ++seed, ka);
    const b = makeNode("bob", ++seed, kb);
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    pass(b, a, cid, rows(b, cid));
    pass(a, b, cid, rows(a, cid));
    const deps = (n: Node) => ({
      ctx: n.ctx(),
      rng: n.deps.rng,
      displayName: n.name,
      postV1: () => {
        throw new Error("v2-only");
      },
    });
    const s = callAction(deps(a), cid, "start", { channelId: "general" });
    pass(a, b, cid, s.rows);
    pass(b, a, cid, callAction(deps(b), cid, "join", { channelId: "general" }).rows);
    const nowMs = NOW * 1000;
    const p = sealCallSignal(a.ctx(), a.deps.rng, cid, s.sessionId, b.keys.nodeId, "offer", '{"sdp":"x"}', nowMs);
    const inbox = new SignalInbox();
    const got = inbox.open(b.ctx(), cid, s.sessionId, p, a.keys.nodeId, nowMs);
    expect(got.ok && got.value).toMatchObject({ from: a.keys.nodeId, type: "offer", data: '{"sdp":"x"}' });
    expect(inbox.open(b.ctx(), cid, s.sessionId, p, a.keys.nodeId, nowMs)).toMatchObject({
      ok: false,
      reason: "replayed signal",
    });
  });

  test("a v1 exchange in a legacy circle moves MAC'd messages between the two stores", () => {
    const side = (name: string, kind: StoreKind, n: number) => {
      const store = newStore(kind);
      const listenAddr = `127.0.0.1:${7500 + n}`;
      const deps: ExchangeDeps = {
        store,
        calls: new CallRegistry(),
        knowledge: new PeerKnowledge(() => NOW * 1000),
        now: () => NOW,
        rng: seededRng(n),
        self: {
          nodeId: `${name}`
            .padEnd(24, "0")
            .slice(0, 24)
            .replace(/[^0-9a-f]/g, "a"),
          isSelfAddr: (x) => x === listenAddr,
          listenAddr,
        },
      };
      return { store, deps, listenAddr };
    };
    const secret = secretFor(++seed);
    const a = side("a1", ka, ++seed);
    const b = side("b2", kb, ++seed);
    const cid = addCircle(a.store as never, secret);
    addCircle(b.store as never, secret);
    a.store.transaction(() => {
      for (const m of makeMessages(secret, a.deps.self.nodeId, 3))
        a.store.insertMessage(m, { origin: "local", receivedAt: NOW, sortTs: m.createdTs, sortMs: m.createdTs * 1000 });
    });
    b.store.transaction(() => {
      for (const m of makeMessages(secret, b.deps.self.nodeId, 2))
        b.store.insertMessage(m, { origin: "local", receivedAt: NOW, sortTs: m.createdTs, sortMs: m.createdTs * 1000 });
    });
    const c = V1Exchange.client(a.deps, cid, b.listenAddr);
    const s = V1Exchange.server(b.deps, "127.0.0.1");
    const toS: string[] = [];
    const toC: string[] = [];
    let cDone = false;
    let sDone = false;
    const put = (from: "c" | "s", st: { send: string[]; close?: unknown }) => {
      (from === "c" ? toS : toC).push(...st.send);
      if (st.close) from === "c" ? (cDone = true) : (sDone = true);
    };
    put("c", c.start());
    for (let i = 0; i < 100; i++) {
      if (toS.length && !sDone) put("s", s.receive(toS.shift()!));
      else if (toC.length && !cDone) put("c", c.receive(toC.shift()!));
      else break;
    }
    expect(c.result.completed && s.result.completed).toBe(true);
    const ids = (st: typeof a.store) => new Set(st.offerIds(cid, {}));
    expect(ids(a.store).size).toBe(5);
    expect(ids(b.store)).toEqual(ids(a.store));
  });
});

describe.each(KINDS)("the store port on %s", (kind) => {
  test("offerIds lists what a v1 peer can be offered: MAC'd rows only, newest created_ts first, with floor and limit", () => {
    const store = newStore(kind);
    const secret = secretFor(++seed);
    const cid = addCircle(store as never, secret);
    const author = "ab".repeat(12);
    // created 100 s apart; the middle one arrived late (its sort time is later than its creation)
    const ms = makeMessages(secret, author, 3, { ts: (i) => NOW - 300 + i * 100 });
    store.transaction(() => {
      ms.forEach((m, i) =>
        store.insertMessage(m, {
          origin: "local",
          receivedAt: NOW,
          sortTs: i === 1 ? NOW : m.createdTs,
          sortMs: (i === 1 ? NOW : m.createdTs) * 1000,
        }),
      );
      // a row without a MAC (a v2-only message): nothing a v1 peer could check
      const bare = { ...makeMessages(secret, author, 1, { tag: "bare", ts: () => NOW - 50 })[0]!, mac: null };
      store.insertMessage(bare, { origin: "v2", receivedAt: NOW, sortTs: NOW - 50, sortMs: (NOW - 50) * 1000 });
    });
    const ids = ms.map((m) => m.msgId);
    expect(store.offerIds(cid, {})).toEqual([ids[2], ids[1], ids[0]]);
    expect(store.offerIds(cid, { limit: 2 })).toEqual([ids[2], ids[1]]);
    expect(store.offerIds(cid, { minCreatedTs: NOW - 200 })).toEqual([ids[2], ids[1]]);
  });
});
