// Call viewers and revoke as signed v2 events (docs/PROTOCOL.md §15): `view` is about its
// signer; `revoke` counts only with the host's signature (a member's valid signature is not
// enough); the host's signal inbox refuses a revoked viewer's signals even when that viewer does
// not cooperate; in a legacy circle the same actions also post the newer original web client's
// CALL_EVT JSON.
import { describe, expect, test } from "bun:test";
import { fromBase64 } from "../../src/protocol/bytes.ts";
import { parseControlEvent } from "../../src/protocol/control.ts";
import { CALL_MAX_VIEWERS } from "../../src/protocol/limits.ts";
import { encodeEvent } from "../../src/protocol/v2/control-encode.ts";
import { KIND_CONTROL, signMessage } from "../../src/protocol/v2/message.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { callAction, sealCallSignal, SignalInbox } from "../../src/sync/calls.ts";
import type { StoredMessage } from "../../src/sync/store.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import { applyControl } from "../../src/sync/control-apply.ts";
import { joinCircle, makeNode, type Node } from "./helpers.ts";

function world(mode: "v1" | "v2" = "v2") {
  const a = makeNode("alice");
  const b = makeNode("bob");
  const m = makeNode("mallory");
  const cid = joinCircle(a, a, { mode });
  joinCircle(b, a, { mode });
  joinCircle(m, a, { mode });
  const v1Texts: string[] = [];
  const deps = (n: Node) => ({
    ctx: n.ctx(),
    rng: n.deps.rng,
    displayName: n.name,
    postV1: (_c: string, _ch: string, text: string) => {
      v1Texts.push(text);
      return { msgId: `v1-${v1Texts.length}` } as StoredMessage;
    },
  });
  /** hand signed rows from one node to the others (as any path would) */
  const pass = (from: Node, rows: readonly StoredMessage[], to: Node[]) => {
    for (const n of to)
      for (const r of rows) {
        const wire = from.store.getV2Wire(r.msgId);
        if (!wire) continue;
        const v = acceptSigned(n.ctx(), n.store.getCircle(cid)!, fromBase64(wire), "v2");
        if (!v.ok && v.kind === "reject") throw new Error(v.reason);
      }
  };
  return { a, b, m, cid, deps, pass, v1Texts };
}

describe("call viewers in a v2 circle", () => {
  test("bob watches: a viewer on every node; mallory's signed revoke is refused, alice's counts everywhere", () => {
    const { a, b, m, cid, deps, pass } = world();
    const call = callAction(deps(a), cid, "start", { channelId: "general" });
    pass(a, call.rows, [b, m]);
    const v = callAction(deps(b), cid, "view", { channelId: "general" });
    expect(v.call).toMatchObject({ participants: [a.keys.nodeId], viewers: [b.keys.nodeId] });
    pass(b, v.rows, [a, m]);
    for (const n of [a, m]) expect(n.calls.sessions.get(call.sessionId)?.viewers.has(b.keys.nodeId)).toBe(true);

    // mallory is no host: the UI action refuses, and a hand-made signed revoke is rejected on apply
    expect(() => callAction(deps(m), cid, "revoke", { channelId: "general", target: b.keys.nodeId })).toThrow(
      FelundError,
    );
    const forged = signMessage(m.keys.edSecret, {
      circleId: cid,
      channelId: "__control",
      authorKey: m.keys.edPublic,
      createdTs: m.clock.now,
      keyEpoch: 0,
      kind: KIND_CONTROL,
      displayName: "m",
      body: encodeEvent({ t: "call", op: "revoke", sessionId: call.sessionId, channelId: "", target: b.keys.nodeId }),
      salt: new Uint8Array(16).fill(7),
    });
    expect(acceptSigned(a.ctx(), a.store.getCircle(cid)!, forged.wire, "v2")).toMatchObject({
      ok: false,
      reason: "only the call host may revoke",
    });
    expect(a.calls.sessions.get(call.sessionId)?.viewers.has(b.keys.nodeId)).toBe(true);

    const r = callAction(deps(a), cid, "revoke", { channelId: "general", target: b.keys.nodeId });
    expect(r.call?.viewers).toEqual([]);
    pass(a, r.rows, [b, m]);
    for (const n of [a, b, m]) {
      const s = n.calls.sessions.get(call.sessionId)!;
      expect(s.viewers.size).toBe(0);
      expect(s.revoked.has(b.keys.nodeId)).toBe(true);
    }
    // bob cannot come back into this call
    expect(() => callAction(deps(b), cid, "view", { channelId: "general" })).toThrow("the host removed you");
    expect(() => callAction(deps(b), cid, "join", { channelId: "general" })).toThrow("the host removed you");
  });

  test("after a revoke the host refuses the viewer's signals, though the viewer never saw the revoke", () => {
    const { a, b, cid, deps, pass } = world();
    const call = callAction(deps(a), cid, "start", { channelId: "general" });
    pass(a, call.rows, [b]);
    pass(b, callAction(deps(b), cid, "view", { channelId: "general" }).rows, [a]);
    const inbox = new SignalInbox();
    const nowMs = a.clock.now * 1000;
    const seal = (data: string) =>
      sealCallSignal(b.ctx(), b.deps.rng, cid, call.sessionId, a.keys.nodeId, "answer", data, nowMs);
    expect(inbox.open(a.ctx(), cid, call.sessionId, seal("before"), null, nowMs)).toMatchObject({ ok: true });
    // the host offers to its viewer; the viewer answers: both directions are allowed
    expect(sealCallSignal(a.ctx(), a.deps.rng, cid, call.sessionId, b.keys.nodeId, "offer", "o", nowMs)).toBeString();
    callAction(deps(a), cid, "revoke", { channelId: "general", target: b.keys.nodeId }); // not passed to bob
    expect(inbox.open(a.ctx(), cid, call.sessionId, seal("after"), null, nowMs)).toMatchObject({
      ok: false,
      reason: "sender was removed from this call",
    });
    // and the host's node seals nothing more to it
    expect(() => sealCallSignal(a.ctx(), a.deps.rng, cid, call.sessionId, b.keys.nodeId, "offer", "o", nowMs)).toThrow(
      "removed them",
    );
  });

  test(`the ${CALL_MAX_VIEWERS + 1}th viewer is refused by its own node`, () => {
    const { a, cid, deps } = world();
    const call = callAction(deps(a), cid, "start", { channelId: "general" });
    const s = a.calls.sessions.get(call.sessionId)!;
    for (let i = 0; i < CALL_MAX_VIEWERS; i++) s.viewers.add(`viewer${i}`);
    const late = makeNode("late");
    joinCircle(late, a);
    late.calls.sessions.set(call.sessionId, s); // as if synced
    expect(() => callAction(deps(late), cid, "view", { channelId: "general" })).toThrow(
      `this call has its ${CALL_MAX_VIEWERS} viewers already`,
    );
  });
});

describe("call viewers in a legacy circle", () => {
  test("view and revoke also post the newer original web client's CALL_EVT (same fields, same order)", () => {
    const { a, b, cid, deps, pass, v1Texts } = world("v1");
    const call = callAction(deps(a), cid, "start", { channelId: "general" });
    pass(a, call.rows, [b]);
    const v = callAction(deps(b), cid, "view", { channelId: "general" });
    pass(b, v.rows, [a]);
    callAction(deps(a), cid, "revoke", { channelId: "general", target: b.keys.nodeId });
    const sid = call.sessionId;
    expect(v1Texts.slice(1)).toEqual([
      JSON.stringify({
        t: "CALL_EVT",
        op: "view",
        session_id: sid,
        node_id: b.keys.nodeId,
        actor_node_id: b.keys.nodeId,
      }),
      JSON.stringify({
        t: "CALL_EVT",
        op: "revoke",
        session_id: sid,
        target_node_id: b.keys.nodeId,
        actor_node_id: a.keys.nodeId,
      }),
    ]);
    for (const t of v1Texts.slice(1)) expect(parseControlEvent(t)).toMatchObject({ t: "CALL_EVT", sessionId: sid });
  });

  test("the newer original web client's view and revoke JSON, arriving as v1 control messages, apply", () => {
    const { a, cid } = world("v1");
    const host = "0123456789abcdef01234567";
    const vic = "89abcdef0123456789abcdef";
    const sid = "0f".repeat(16);
    const msg = (author: string, o: object) => ({
      msgId: `m${Math.random()}`,
      circleId: cid,
      channelId: "__control",
      authorNodeId: author,
      displayName: "web",
      createdTs: a.clock.now,
      text: JSON.stringify(o),
      mac: null,
    });
    const apply = (author: string, o: object) => applyControl(a.store, a.calls, msg(author, o), a.clock.now);
    apply(host, {
      t: "CALL_EVT",
      op: "create",
      session_id: sid,
      host_node_id: host,
      circle_id: cid,
      channel_id: "general",
      created_ts: a.clock.now,
      actor_node_id: host,
    });
    apply(vic, { t: "CALL_EVT", op: "view", session_id: sid, node_id: vic, actor_node_id: vic });
    expect([...a.calls.sessions.get(sid)!.viewers]).toEqual([vic]);
    expect(a.calls.sessions.get(sid)!.state).toBe("active");
    apply(vic, { t: "CALL_EVT", op: "revoke", session_id: sid, target_node_id: vic, actor_node_id: vic });
    expect([...a.calls.sessions.get(sid)!.viewers]).toEqual([vic]);
    apply(host, { t: "CALL_EVT", op: "revoke", session_id: sid, target_node_id: vic, actor_node_id: host });
    expect([...a.calls.sessions.get(sid)!.viewers]).toEqual([]);
  });
});
