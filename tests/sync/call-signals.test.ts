// Call actions and the receiver's stateful checks on signals (src/sync/calls.ts): who may do
// what, and signals refused when replayed, from a removed member, for a call the receiver is
// not in, or with a relay label / sender that does not match the signature.
import { describe, expect, test } from "bun:test";
import { fromBase64 } from "../../src/protocol/bytes.ts";
import { relaySessionLabel } from "../../src/protocol/v2/call-signal.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { SignalInbox, callAction, sealCallSignal } from "../../src/sync/calls.ts";
import type { StoredMessage } from "../../src/sync/store.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import { NOW, joinCircle, makeNode, type Node } from "../v2/helpers.ts";

const deps = (n: Node) => ({
  ctx: n.ctx(),
  rng: n.deps.rng,
  displayName: n.name,
  postV1: () => {
    throw new Error("no v1 in a v2-only circle");
  },
});
function setup() {
  const a = makeNode("alice");
  const b = makeNode("bob");
  const c = makeNode("carol");
  const cid = joinCircle(a, a);
  joinCircle(b, a);
  joinCircle(c, a);
  // pass every signed row of `from` to the others, as sessions would
  const sync = (from: Node, rows: StoredMessage[]) => {
    for (const to of [a, b, c]) {
      if (to === from) continue;
      for (const r of rows) {
        const res = acceptSigned(to.ctx(), to.store.getCircle(cid)!, fromBase64(from.store.getV2Wire(r.msgId)!), "v2");
        if (!res.ok && res.kind === "reject") throw new Error(res.reason);
      }
    }
  };
  return { a, b, c, cid, sync };
}

describe("call actions (shared by node and relay-only browser)", () => {
  test("start, join and the host-only end, with the user-facing reasons", () => {
    const { a, b, cid, sync } = setup();
    const s = callAction(deps(a), cid, "start", { channelId: "general" });
    sync(a, s.rows);
    expect(s.call?.participants).toEqual([a.keys.nodeId]);
    let busy: unknown;
    try {
      callAction(deps(b), cid, "start", { channelId: "general" });
    } catch (e) {
      busy = e;
    }
    expect(busy).toBeInstanceOf(FelundError);
    expect({ ...(busy as FelundError), message: (busy as Error).message }).toEqual({
      name: "FelundError",
      code: "E_CONFLICT",
      status: 409,
      message: "a call is already running in #general: /call join joins it",
    });
    expect(() => callAction(deps(b), cid, "start", { channelId: "nope" })).toThrow(/unknown channel/);
    const j = callAction(deps(b), cid, "join", { channelId: "general" });
    sync(b, j.rows);
    expect(a.calls.sessions.get(s.sessionId)?.participants.size).toBe(2);
    // joining again sends nothing
    expect(callAction(deps(b), cid, "join", { channelId: "general" }).rows).toEqual([]);
    expect(() => callAction(deps(b), cid, "end", { channelId: "general" })).toThrow(/only the host/);
    expect(() => callAction(deps(a), cid, "leave", { sessionId: "0".repeat(32), channelId: "general" })).toThrow(
      /no such call/,
    );
    sync(a, callAction(deps(a), cid, "end", { channelId: "general" }).rows);
    expect(b.calls.sessions.size).toBe(0);
  });
});

describe("arriving signals (SignalInbox)", () => {
  function inCall() {
    const t = setup();
    const s = callAction(deps(t.a), t.cid, "start", { channelId: "general" });
    t.sync(t.a, s.rows);
    t.sync(t.b, callAction(deps(t.b), t.cid, "join", { channelId: "general" }).rows);
    const nowMs = NOW * 1000;
    const seal = (data = "{}") =>
      sealCallSignal(t.a.ctx(), t.a.deps.rng, t.cid, s.sessionId, t.b.keys.nodeId, "offer", data, nowMs);
    return { ...t, sid: s.sessionId, nowMs, seal };
  }

  test("opened once; the same signal again is a replay", () => {
    const { b, cid, sid, nowMs, seal } = inCall();
    const inbox = new SignalInbox();
    const p = seal('{"sdp":"x"}');
    expect(inbox.open(b.ctx(), cid, sid, p, null, nowMs)).toMatchObject({
      ok: true,
      value: { type: "offer", data: '{"sdp":"x"}' },
    });
    expect(inbox.open(b.ctx(), cid, sid, p, null, nowMs)).toMatchObject({ ok: false, reason: "replayed signal" });
  });

  test("relay rows: the label must name this call and both members; the claimed sender must be the signer", () => {
    const { a, b, c, sid, nowMs, seal } = inCall();
    const inbox = new SignalInbox();
    const row = (over: Record<string, unknown>) => ({
      id: 1,
      type: "media-offer",
      session_id: relaySessionLabel(sid, a.keys.nodeId, b.keys.nodeId),
      from_node: a.keys.nodeId,
      payload: seal(),
      created_at: NOW,
      ...over,
    });
    expect(inbox.openRelayRow(b.ctx(), row({ type: "felund-v2" }), nowMs)).toMatchObject({
      ok: false,
      reason: "not a call signal",
    });
    expect(
      inbox.openRelayRow(b.ctx(), row({ session_id: relaySessionLabel(sid, c.keys.nodeId, b.keys.nodeId) }), nowMs),
    ).toMatchObject({ ok: false, reason: "label does not match the call and its members" });
    expect(
      inbox.openRelayRow(
        b.ctx(),
        row({ session_id: relaySessionLabel(sid, c.keys.nodeId, b.keys.nodeId), from_node: c.keys.nodeId }),
        nowMs,
      ),
    ).toMatchObject({ ok: false, reason: "sender does not match the signature" });
    expect(inbox.openRelayRow(b.ctx(), row({}), nowMs).ok).toBe(true);
  });

  test("junk and tampered copies change nothing: the genuine signal after them is still taken (issue 12, item 5)", () => {
    const { a, b, sid, nowMs, seal } = inCall();
    const inbox = new SignalInbox();
    const p = seal('{"sdp":"real"}');
    const raw = fromBase64(p);
    const tampered = Buffer.from(raw.map((x, i) => (i === raw.length - 5 ? x ^ 1 : x))).toString("base64");
    const row = (payload: string) => ({
      id: 1,
      type: "media-offer",
      session_id: relaySessionLabel(sid, a.keys.nodeId, b.keys.nodeId),
      from_node: a.keys.nodeId,
      payload,
      created_at: NOW,
    });
    for (const junk of [
      "junk",
      "",
      tampered,
      p.slice(0, -8),
      Buffer.from(crypto.getRandomValues(new Uint8Array(200))).toString("base64"),
    ]) {
      const v = inbox.openRelayRow(b.ctx(), row(junk), nowMs);
      expect(v.ok).toBe(false);
    }
    expect(inbox.openRelayRow(b.ctx(), row(p), nowMs)).toMatchObject({
      ok: true,
      value: { from: a.keys.nodeId, data: '{"sdp":"real"}' },
    });
  });

  test("refused from a removed member, and when this peer is not in the call", () => {
    const { a, b, c, cid, sid, nowMs, seal } = inCall();
    expect(new SignalInbox().open(c.ctx(), cid, sid, seal(), null, nowMs)).toMatchObject({
      ok: false,
      reason: "not in this call",
    });
    b.store.markRemoved(cid, a.keys.nodeId, 1, NOW - 10);
    expect(new SignalInbox().open(b.ctx(), cid, sid, seal(), null, nowMs)).toMatchObject({
      ok: false,
      reason: "sender was removed from the circle",
    });
  });

  test("only a participant seals signals, and not to itself", () => {
    const { a, c, cid, sid, nowMs } = inCall();
    expect(() => sealCallSignal(c.ctx(), c.deps.rng, cid, sid, a.keys.nodeId, "hello", "{}", nowMs)).toThrow(
      /join the call first/,
    );
    expect(() => sealCallSignal(a.ctx(), a.deps.rng, cid, sid, a.keys.nodeId, "hello", "{}", nowMs)).toThrow(
      /to yourself/,
    );
  });
});
