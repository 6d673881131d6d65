// The in-process attacker suite (issue 6): each attack fails, and honest traffic between the
// same nodes continues afterwards. Attackers sit on the wire (Tamper) or are members / relays
// with their own keys.
import { describe, expect, test } from "bun:test";
import { fromBase64, toBase64, toHex } from "../../src/protocol/bytes.ts";
import { circleIdFromSecret } from "../../src/protocol/ids.ts";
import { encodeEvent } from "../../src/protocol/v2/control-encode.ts";
import { openEnvelopeV2, sealEnvelopeV2 } from "../../src/protocol/v2/envelope.ts";
import { respond, parseOffer } from "../../src/protocol/v2/handshake.ts";
import { authKey, epochZeroKey } from "../../src/protocol/v2/keys.ts";
import { decodeMessage, KIND_CONTROL, signMessage } from "../../src/protocol/v2/message.ts";
import { FrameSealer } from "../../src/protocol/v2/session.ts";
import { encodeFrame } from "../../src/protocol/v2/frames.ts";
import { computeMac, toWireV1 } from "../../src/protocol/message.ts";
import { acceptSigned, epochKey } from "../../src/sync/v2-apply.ts";
import { approveMember, callEvent, createChannel, kickMembers } from "../../src/sync/v2-admin.ts";
import { V2Exchange } from "../../src/sync/v2-exchange.ts";
import { fromHex } from "../../src/protocol/bytes.ts";
import { SECRET, connect, joinCircle, makeNode, post, texts, type Node } from "./helpers.ts";

function circleOf3(mode: "v1" | "v2" = "v2") {
  const a = makeNode("alice");
  const b = makeNode("bob");
  const m = makeNode("mallory");
  const cid = joinCircle(a, a, { mode });
  joinCircle(b, a, { mode });
  joinCircle(m, a, { mode });
  return { a, b, m, cid };
}

/** honest traffic still flows between a and b */
function honestStillWorks(a: Node, b: Node, cid: string, text: string) {
  post(a, cid, text);
  const c = connect(a, b, cid);
  expect(c.closed).toEqual({});
  expect(texts(b, cid)).toContain(text);
}

describe("impostor server without the circle secret", () => {
  test("v2-only circle: the client learns it at once and has revealed nothing usable", () => {
    const { a, b, cid } = circleOf3();
    post(a, cid, "private history");
    const imp = makeNode("impostor");
    // an impostor node listening at a dialled address, with circles of its own: "Unknown circle_id"
    joinCircle(imp, imp, { secret: "77".repeat(32) });
    const conn = connect(a, imp, cid);
    expect(conn.closed.server?.reason).toBe("unknown circle");
    expect(conn.closed.client?.reason).toBe("peer error: Unknown circle_id");
    // now the crafted impostor answer, handed to a fresh client
    const c = V2Exchange.client(a.deps, cid, imp.listenAddr);
    const hello = c.start().send[0]!;
    const f = JSON.parse(hello);
    expect(f.circle_id).not.toBe(cid);
    expect(hello).not.toContain(a.keys.nodeId);
    expect(hello).not.toContain(cid);
    const r = respond(hello, parseOffer(f.v2)!, {
      auth: authKey(epochZeroKey(new Uint8Array(32).fill(7)), 0),
      epoch: 0,
      self: { edPublic: imp.keys.edPublic, edSecret: imp.keys.edSecret },
      rng: imp.deps.rng,
    });
    if (!r.ok) throw new Error(r.reason);
    const step = c.receive(r.value.line);
    expect(step.close?.error).toBe(true);
    expect(c.abortReason).toBe("auth failed: responder does not hold the circle key");
    expect(step.send).toEqual([]); // nothing after the HELLO: no identity, no ids, no messages
    honestStillWorks(a, b, cid, "after the impostor");
  });

  test("legacy circle: a v2 server never answers an impostor's v1 HELLO for a node it knows speaks v2", () => {
    const { a, b, cid } = circleOf3("v1");
    honestStillWorks(a, b, cid, "first contact");
    // mallory (no secret needed for this) sends a plaintext v1 HELLO claiming to be alice
    const hello = JSON.stringify({
      t: "HELLO",
      node_id: a.keys.nodeId,
      circle_id: cid,
      listen_addr: "10.0.0.9:9999",
      can_anchor: false,
    });
    const { routeInbound } = require("../../src/sync/v2-route.ts");
    const route = routeInbound(hello, b.store);
    expect(route.engine).toBe("refuse");
    expect(route.reason).toContain("known to speak v2");
  });
});

describe("relayed challenge", () => {
  test("a V2_HS relayed from another connection fails: the transcript binds the HELLO", () => {
    const { a, b, cid } = circleOf3();
    // the attacker opens its own connection to b with a replayed HELLO of an earlier alice connection,
    // and hands b's answer to alice's current connection
    const old = V2Exchange.client(a.deps, cid, b.listenAddr);
    const oldHello = old.start().send[0]!;
    const srv = V2Exchange.server(b.deps, "127.0.0.1");
    const hsForOld = srv.receive(oldHello).send[0]!;
    const cur = V2Exchange.client(a.deps, cid, b.listenAddr);
    cur.start();
    const step = cur.receive(hsForOld);
    expect(step.close?.error).toBe(true);
    expect(cur.abortReason).toMatch(/auth failed/);
    // and relaying alice's V2_AUTH for the old HELLO to b gives the attacker nothing: b cannot be
    // made to talk to anyone but alice's keys, and alice rejects b's answer to a HELLO she did not send now
    honestStillWorks(a, b, cid, "after the relay");
  });

  test("a man in the middle that relays the handshake cannot inject a frame", () => {
    const { a, b, cid } = circleOf3();
    const forged = new FrameSealer(new Uint8Array(32).fill(3)).seal(encodeFrame({ t: "want", ids: [] }));
    let n = 0;
    const conn = connect(a, b, cid, {
      tamper: (w) => (w.from === "client" && w.line[0] !== "{" && n++ === 0 ? forged : w.line),
    });
    expect(conn.closed.server?.error).toBe(true);
    expect(conn.server.abortReason).toMatch(/failed authentication/);
    honestStillWorks(a, b, cid, "after the injection");
  });
});

describe("stripped or edited v2 offer", () => {
  test("legacy circle: stripping the offer is detected by the marked nonce; the two v2 nodes never run v1", () => {
    const { a, b, cid } = circleOf3("v1");
    post(a, cid, "must not leak via v1");
    const conn = connect(a, b, cid, {
      tamper: (w) => {
        if (w.from !== "client" || !w.line.startsWith('{"t":"HELLO"')) return w.line;
        const f = JSON.parse(w.line);
        delete f.v2;
        return JSON.stringify(f);
      },
    });
    expect(conn.closed.server?.reason).toContain("downgrade detected");
    expect(conn.closed.client?.error).toBe(true);
    expect(conn.client.result.proto).not.toBe("v2");
    expect(conn.lines.map((l) => l.line).join("\n")).not.toContain("MSGS_HAVE");
    expect(b.store.getMemberCard(cid, a.keys.nodeId)).toBeUndefined();
    expect(texts(b, cid)).not.toContain("must not leak via v1");
    honestStillWorks(a, b, cid, "after the strip");
  });

  test("an edited offer (lower epoch, other versions) fails the handshake", () => {
    const { a, b, cid } = circleOf3();
    for (const edit of [
      (v: any) => {
        v.v = [1, 2];
      },
      (v: any) => {
        v.ep = 0;
        v.n = "00".repeat(32);
      },
    ]) {
      const conn = connect(a, b, cid, {
        tamper: (w) => {
          if (w.from !== "client" || !w.line.startsWith('{"t":"HELLO"')) return w.line;
          const f = JSON.parse(w.line);
          edit(f.v2);
          return JSON.stringify(f);
        },
      });
      expect(conn.client.result.established && conn.server.result.established).toBe(false);
    }
    honestStillWorks(a, b, cid, "after the edit");
  });

  test("a man in the middle answering a v2 node with a v1 CHALLENGE + WELCOME of a known v2 node is refused", () => {
    const { a, b, cid } = circleOf3("v1");
    honestStillWorks(a, b, cid, "first contact");
    const c = V2Exchange.client(a.deps, cid, b.listenAddr);
    c.start();
    c.receive(JSON.stringify({ t: "CHALLENGE", nonce: "00".repeat(16) }));
    const s = c.receive(JSON.stringify({ t: "WELCOME", node_id: b.keys.nodeId, enc_ready: false, can_anchor: false }));
    expect(s.close?.error).toBe(true);
    expect(c.abortReason).toContain("downgrade");
    expect(s.send).toEqual([]);
  });

  test("v2-only circle: a v1 CHALLENGE answer closes the connection", () => {
    const { a, cid } = circleOf3();
    const c = V2Exchange.client(a.deps, cid, "127.0.0.1:1");
    c.start();
    const s = c.receive(JSON.stringify({ t: "CHALLENGE", nonce: "00".repeat(16) }));
    expect(s.close?.error).toBe(true);
    expect(s.send).toEqual([]);
  });
});

describe("replayed and reflected frames", () => {
  test("a replayed frame closes the connection", () => {
    const { a, b, cid } = circleOf3();
    const conn = connect(a, b, cid, {
      tamper: (w) => (w.from === "client" && w.line[0] !== "{" ? [w.line, w.line] : w.line),
    });
    expect(conn.server.abortReason).toMatch(/failed authentication/);
    honestStillWorks(a, b, cid, "after the replay");
  });
  test("a frame reflected back to its sender closes the connection", () => {
    const { a, b, cid } = circleOf3();
    let captured = "";
    const conn = connect(a, b, cid, {
      tamper: (w) => {
        if (w.from === "server" && w.line[0] !== "{" && !captured) {
          captured = w.line;
          return null;
        }
        return w.line;
      },
    });
    const s = conn.server.receive(captured);
    expect(s.close?.error).toBe(true);
    expect(conn.server.abortReason).toMatch(/failed authentication/);
    honestStillWorks(a, b, cid, "after the reflection");
  });
  test("a frame from an earlier connection is rejected in a new one", () => {
    const { a, b, cid } = circleOf3();
    const first = connect(a, b, cid);
    const old = first.lines.find((l) => l.from === "client" && l.line[0] !== "{")!.line;
    let done = false;
    const conn = connect(a, b, cid, {
      tamper: (w) => (w.from === "client" && w.line[0] !== "{" && !done ? ((done = true), old) : w.line),
    });
    expect(conn.server.abortReason).toMatch(/failed authentication/);
    honestStillWorks(a, b, cid, "after the cross-connection replay");
  });
});

describe("forged authors and authority", () => {
  test("a member cannot post as another member", () => {
    const { a, b, m, cid } = circleOf3();
    const circle = b.store.getCircle(cid)!;
    const base = {
      circleId: cid,
      channelId: "general",
      createdTs: b.clock.now,
      keyEpoch: 0,
      kind: 0 as const,
      displayName: "alice",
      body: new TextEncoder().encode("I am alice"),
      salt: new Uint8Array(16),
    };
    // mallory signs with her key but names alice's key as author
    const forged = signMessage(m.keys.edSecret, { ...base, authorKey: a.keys.edPublic });
    expect(acceptSigned(b.ctx(), circle, forged.wire, "v2")).toMatchObject({
      ok: false,
      reason: "author signature does not verify",
    });
    // alice's real message with its text swapped
    const real = signMessage(a.keys.edSecret, { ...base, authorKey: a.keys.edPublic });
    const swapped = real.wire.slice();
    swapped[swapped.length - 64 - 17] ^= 1;
    expect(acceptSigned(b.ctx(), circle, swapped, "v2").ok).toBe(false);
    // a MAC-only v1 object naming alice is refused in a v2-only circle (sent over a session by mallory)
    const v1 = {
      msgId: "ab".repeat(16),
      circleId: cid,
      channelId: "general",
      authorNodeId: a.keys.nodeId,
      displayName: "alice",
      createdTs: b.clock.now,
      text: "v1 forgery",
    };
    const conn = connect(m, b, cid);
    const frame = encodeFrame({
      t: "msgs",
      pushed: true,
      items: [
        {
          form: 0,
          data: new TextEncoder().encode(JSON.stringify(toWireV1({ ...v1, mac: computeMac(fromHex(SECRET), v1) }))),
        },
      ],
    });
    const sealer = (conn.client as any).sealer as FrameSealer;
    conn.feed("client", { send: [sealer.seal(frame)] });
    conn.pump();
    expect(conn.server.result.rejected.map((r) => r.reason)).toContain("v1 message in a v2-only circle");
    expect(texts(b, cid)).not.toContain("v1 forgery");
    honestStillWorks(a, b, cid, "after the forgery");
  });

  test("legacy circle: a MAC-only message is stored as an unverified author", () => {
    const { a, b, cid } = circleOf3("v1");
    const v1 = {
      msgId: "cd".repeat(16),
      circleId: cid,
      channelId: "general",
      authorNodeId: a.keys.nodeId,
      displayName: "alice",
      createdTs: b.clock.now,
      text: "from an original node",
    };
    a.store.insertMessage(
      { ...v1, mac: computeMac(fromHex(SECRET), v1) },
      { origin: "tcp", receivedAt: a.clock.now, sortTs: a.clock.now, sortMs: a.clock.now * 1000 },
    );
    connect(a, b, cid);
    expect(texts(b, cid)).toContain("from an original node");
    expect(b.store.messageAuth(v1.msgId)?.signature).toBeNull();
  });

  test("only the channel owner can approve a member into an invite channel", () => {
    const { a, b, m, cid } = circleOf3();
    const w = (n: Node) => ({ displayName: n.name, now: n.clock.now, rng: n.deps.rng });
    expect(createChannel(a.ctx(), cid, "inner", "invite", w(a)).ok).toBe(true);
    connect(a, b, cid);
    connect(a, m, cid);
    connect(m, b, cid);
    // mallory approves herself, with a key she made up
    const circle = m.store.getCircle(cid)!;
    const forged = signMessage(m.keys.edSecret, {
      circleId: cid,
      channelId: "__control",
      authorKey: m.keys.edPublic,
      createdTs: m.clock.now,
      keyEpoch: 0,
      kind: KIND_CONTROL,
      displayName: "m",
      body: encodeEvent({
        t: "channel_approve",
        channelId: "inner",
        target: m.keys.edPublic,
        keyVersion: 0,
        sealedKey: new Uint8Array(80),
      }),
      salt: new Uint8Array(16).fill(5),
    });
    expect(acceptSigned(b.ctx(), circle, forged.wire, "v2")).toMatchObject({
      ok: false,
      reason: "only the channel owner may approve",
    });
    expect(b.store.channelMembers(cid, "inner").map((x) => x.nodeId)).not.toContain(m.keys.nodeId);
    // the owner's approval of bob works, and bob can read the channel; mallory cannot
    expect(approveMember(a.ctx(), cid, "inner", b.keys.nodeId, w(a)).ok).toBe(true);
    post(a, cid, "inner secret", "inner");
    connect(a, b, cid);
    connect(a, m, cid);
    expect(b.store.latestChannelKey(cid, "inner")).toBeDefined();
    expect(texts(b, cid)).toContain("inner secret");
    expect(texts(m, cid)).not.toContain("inner secret");
    expect(m.store.recentMessages(cid, 100).some((x) => x.channelId === "inner" && x.text === "")).toBe(true);
  });

  test("only the call host can end a call", () => {
    const { a, b, m, cid } = circleOf3();
    const w = (n: Node) => ({ displayName: n.name, now: n.clock.now, rng: n.deps.rng });
    expect(callEvent(a.ctx(), cid, "create", "call-1", "general", w(a)).ok).toBe(true);
    connect(a, b, cid);
    expect(b.calls.sessions.get("call-1")?.hostNodeId).toBe(a.keys.nodeId);
    const circle = b.store.getCircle(cid)!;
    const forgedEnd = signMessage(m.keys.edSecret, {
      circleId: cid,
      channelId: "__control",
      authorKey: m.keys.edPublic,
      createdTs: m.clock.now,
      keyEpoch: 0,
      kind: KIND_CONTROL,
      displayName: "m",
      body: encodeEvent({ t: "call", op: "end", sessionId: "call-1", channelId: "" }),
      salt: new Uint8Array(16).fill(6),
    });
    expect(acceptSigned(b.ctx(), circle, forgedEnd.wire, "v2")).toMatchObject({
      ok: false,
      reason: "only the call host may end the call",
    });
    expect(b.calls.sessions.has("call-1")).toBe(true);
    a.clock.now += 10;
    expect(callEvent(a.ctx(), cid, "end", "call-1", "", w(a)).ok).toBe(true);
    connect(a, b, cid);
    expect(b.calls.sessions.has("call-1")).toBe(false);
  });

  test("only the circle owner can rename the circle or rekey", () => {
    const { b, m, cid } = circleOf3();
    const circle = b.store.getCircle(cid)!;
    const forged = signMessage(m.keys.edSecret, {
      circleId: cid,
      channelId: "__control",
      authorKey: m.keys.edPublic,
      createdTs: m.clock.now,
      keyEpoch: 0,
      kind: KIND_CONTROL,
      displayName: "m",
      body: encodeEvent({ t: "circle_name", name: "pwned" }),
      salt: new Uint8Array(16).fill(7),
    });
    expect(acceptSigned(b.ctx(), circle, forged.wire, "v2")).toMatchObject({
      ok: false,
      reason: "only the circle owner may sign this event",
    });
    expect(
      kickMembers(m.ctx(), cid, [b.keys.nodeId], { displayName: "m", now: m.clock.now, rng: m.deps.rng }),
    ).toMatchObject({ ok: false });
  });

  test("only the circle owner can set the history policy (§24.2); a forged one changes nothing", () => {
    const { b, m, cid } = circleOf3();
    const circle = b.store.getCircle(cid)!;
    for (const days of [0, 7, null]) {
      const forged = signMessage(m.keys.edSecret, {
        circleId: cid,
        channelId: "__control",
        authorKey: m.keys.edPublic,
        createdTs: m.clock.now,
        keyEpoch: 0,
        kind: KIND_CONTROL,
        displayName: "m",
        body: encodeEvent({ t: "history", days }),
        salt: new Uint8Array(16).fill(8),
      });
      expect(acceptSigned(b.ctx(), circle, forged.wire, "v2")).toMatchObject({
        ok: false,
        reason: "only the circle owner may sign this event",
      });
      expect(b.store.circleHistory(cid)).toBeNull();
    }
  });
});

describe("a relay that tampers with, reorders or replays envelopes", () => {
  test("tampered envelopes are dropped; reordered and replayed ones are harmless", () => {
    const { a, b, cid } = circleOf3();
    const secret = fromHex(SECRET);
    const msgs = ["one", "two", "three"].map((t) => ((a.clock.now += 1), post(a, cid, t)));
    b.clock.now = a.clock.now;
    const ek = epochKey(a.store, a.store.getCircle(cid)!, 0)!;
    const envs = msgs.map((m, i) =>
      sealEnvelopeV2(
        { secret, epoch: 0, epochKey: ek, message: decodeMessage(fromBase64(a.store.getV2Wire(m.msgId)!)) },
        new Uint8Array(12).fill(i + 1),
      ),
    );
    const open = (e: unknown) =>
      openEnvelopeV2(e, { secret, circleId: cid, keyOf: (ep) => epochKey(b.store, b.store.getCircle(cid)!, ep) });
    const ingest = (e: unknown) => {
      const v = open(e);
      return v.ok ? acceptSigned(b.ctx(), b.store.getCircle(cid)!, v.value.wire, "relay") : v;
    };
    // tampering: a flipped ciphertext bit, a swapped relay id, a blob moved onto another envelope
    const blob = fromBase64(envs[0]!.v2);
    blob[30] ^= 1;
    expect(ingest({ ...envs[0], v2: toBase64(blob) }).ok).toBe(false);
    expect(ingest({ ...envs[0], msg_id: envs[1]!.msg_id }).ok).toBe(false);
    expect(ingest({ ...envs[1], v2: envs[2]!.v2 }).ok).toBe(false);
    expect(texts(b, cid)).toEqual([]);
    // reordered and replayed: all arrive once, shown in created order
    for (const e of [envs[2], envs[0], envs[1], envs[0], envs[2]]) ingest(e);
    expect(texts(b, cid)).toEqual(["one", "three", "two"]);
    expect(
      b.store
        .recentMessages(cid, 10)
        .filter((x) => x.channelId === "general")
        .map((x) => x.text),
    ).toEqual(["one", "two", "three"]);
    honestStillWorks(a, b, cid, "after the relay games");
  });
});

describe("member removal", () => {
  test("after the owner's rekey the removed member can read nothing new and cannot sync", () => {
    const { a, b, m, cid } = circleOf3();
    const secret = fromHex(SECRET);
    connect(a, b, cid);
    connect(a, m, cid);
    expect(
      kickMembers(a.ctx(), cid, [m.keys.nodeId], { displayName: "alice", now: a.clock.now, rng: a.deps.rng }).ok,
    ).toBe(true);
    expect(a.store.getCircle(cid)!.keyEpoch).toBe(1);
    // bob learns the rekey (a session at epoch 0 delivers it, then asks to reconnect)
    const c1 = connect(b, a, cid);
    expect(b.store.getCircle(cid)!.keyEpoch).toBe(1);
    expect(c1.closed.client?.reason).toContain("rekeyed");
    a.clock.now += 5;
    const secretMsg = post(a, cid, "after the kick");
    connect(b, a, cid);
    expect(texts(b, cid)).toContain("after the kick");
    // mallory: her seal is missing, her sessions are refused, the relay envelope does not open
    expect(m.store.getCircle(cid)!.keyEpoch).toBe(0);
    const cm = connect(m, a, cid);
    expect(cm.closed.server?.reason ?? cm.closed.client?.reason).toContain("removed");
    expect(texts(m, cid)).not.toContain("after the kick");
    const ek1 = epochKey(a.store, a.store.getCircle(cid)!, 1)!;
    const env = sealEnvelopeV2(
      { secret, epoch: 1, epochKey: ek1, message: decodeMessage(fromBase64(a.store.getV2Wire(secretMsg.msgId)!)) },
      new Uint8Array(12),
    );
    expect(
      openEnvelopeV2(env, { secret, circleId: cid, keyOf: (ep) => epochKey(m.store, m.store.getCircle(cid)!, ep) }),
    ).toMatchObject({ ok: false, reason: "no key for epoch 1" });
    // and what she writes now is refused by everyone
    m.clock.now += 10;
    const late = post(m, cid, "still here?");
    expect(
      acceptSigned(b.ctx(), b.store.getCircle(cid)!, fromBase64(m.store.getV2Wire(late.msgId)!), "relay"),
    ).toMatchObject({ ok: false, reason: "author was removed from the circle" });
    honestStillWorks(a, b, cid, "after the removal");
  });

  test("kick in a legacy circle makes it v2-only", () => {
    const { a, b, m, cid } = circleOf3("v1");
    connect(a, b, cid);
    expect(
      kickMembers(a.ctx(), cid, [m.keys.nodeId], { displayName: "alice", now: a.clock.now, rng: a.deps.rng }),
    ).toMatchObject({ ok: true });
    connect(b, a, cid);
    expect(a.store.getCircle(cid)!.mode).toBe("v2");
    expect(b.store.getCircle(cid)!.mode).toBe("v2");
  });
});

test("circle ids of the helpers are what the reference derives", () => {
  expect(circleIdFromSecret(SECRET)).toHaveLength(24);
  expect(toHex(new Uint8Array([1]))).toBe("01");
});
