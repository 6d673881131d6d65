// The call registry's rules (src/sync/control-apply.ts): signed calls cannot be ended or
// edited by unsigned v1 events (W5), events arriving out of order, ended calls staying ended,
// history not showing as a call in progress.
import { describe, expect, test } from "bun:test";
import type { CallEvt } from "../../src/protocol/control.ts";
import { CALL_EVENT_MAX_AGE_S } from "../../src/protocol/limits.ts";
import { CallRegistry } from "../../src/sync/control-apply.ts";

const NOW = 1_800_000_000;
const C = "c".repeat(24);
const ev = (op: CallEvt["op"], who: string, extra: Partial<CallEvt> = {}): CallEvt => ({
  t: "CALL_EVT",
  op,
  sessionId: "s1",
  hostNodeId: "",
  circleId: C,
  channelId: "general",
  nodeId: who,
  actorNodeId: who,
  createdTs: null,
  ...extra,
});
const signed = { signed: true, eventTs: NOW };
const parts = (r: CallRegistry) => [...(r.sessions.get("s1")?.participants ?? [])];

describe("call registry", () => {
  test("v1 rules for original clients' calls (reference §5.5)", () => {
    const r = new CallRegistry();
    expect(r.apply(C, ev("create", "host1", { hostNodeId: "host1" }), NOW)).toBe(true);
    expect(r.apply(C, ev("join", "orig2"), NOW)).toBe(true);
    expect(r.sessions.get("s1")?.state).toBe("active");
    expect(r.apply(C, ev("end", "orig2", { hostNodeId: "orig2" }), NOW)).toBe(false); // W5 check as far as v1 allows
    expect(r.apply(C, ev("end", "host1", { hostNodeId: "host1" }), NOW)).toBe(true);
    expect(r.sessions.size).toBe(0);
  });

  test("a signed call: unsigned END, JOIN or LEAVE about v2 nodes is ignored; only the host's signed END ends it", () => {
    const r = new CallRegistry();
    const isV2Node = (id: string) => id.startsWith("v2");
    r.apply(C, ev("create", "v2host"), NOW, undefined, signed);
    r.apply(C, ev("join", "v2bob"), NOW, undefined, signed);
    expect(r.apply(C, ev("end", "v2host", { hostNodeId: "v2host" }), NOW, undefined, { eventTs: NOW, isV2Node })).toBe(
      false,
    );
    expect(r.apply(C, ev("leave", "v2bob"), NOW, undefined, { eventTs: NOW, isV2Node })).toBe(false);
    expect(r.apply(C, ev("join", "v2carol"), NOW, undefined, { eventTs: NOW, isV2Node })).toBe(false);
    // an original client may join a felund call (it is shown; it cannot speak our sealed signals)
    expect(r.apply(C, ev("join", "orig"), NOW, undefined, { eventTs: NOW, isV2Node })).toBe(true);
    expect(parts(r)).toEqual(["v2host", "v2bob", "orig"]);
    expect(r.apply(C, ev("end", "v2bob"), NOW, undefined, signed)).toBe(false);
    expect(r.apply(C, ev("end", "v2host"), NOW, undefined, signed)).toBe(true);
    // ended stays ended: a replayed create does not bring it back
    expect(r.apply(C, ev("create", "v2host"), NOW, undefined, signed)).toBe(false);
  });

  test("the signed create wins over an unsigned copy or a squatter", () => {
    const r = new CallRegistry();
    r.apply(C, ev("create", "mallory", { hostNodeId: "mallory" }), NOW);
    r.apply(C, ev("join", "mallory2"), NOW);
    expect(r.apply(C, ev("create", "v2host"), NOW, undefined, signed)).toBe(true);
    expect(r.sessions.get("s1")).toMatchObject({ hostNodeId: "v2host", signed: true });
    expect(parts(r)).toEqual(["v2host"]);
  });

  test("joins that arrive before the create are applied when it comes; an empty call is over", () => {
    const r = new CallRegistry();
    expect(r.apply(C, ev("join", "bob"), NOW, undefined, signed)).toBe(false);
    r.apply(C, ev("create", "alice"), NOW, undefined, signed);
    expect(parts(r)).toEqual(["alice", "bob"]);
    r.apply(C, ev("leave", "alice"), NOW, undefined, signed);
    expect(r.apply(C, ev("leave", "bob"), NOW, undefined, signed)).toBe(true);
    expect(r.sessions.size).toBe(0);
    expect(r.apply(C, ev("join", "carol"), NOW, undefined, signed)).toBe(false);
    expect(r.sessions.size).toBe(0);
  });

  test("an END signed by the host before its create (out of order) keeps the call from starting", () => {
    const r = new CallRegistry();
    r.apply(C, ev("end", "alice"), NOW, undefined, signed);
    expect(r.apply(C, ev("create", "alice"), NOW, undefined, signed)).toBe(false);
  });

  test("old call events are history, not a call in progress", () => {
    const r = new CallRegistry();
    expect(
      r.apply(C, ev("create", "alice"), NOW, undefined, { signed: true, eventTs: NOW - CALL_EVENT_MAX_AGE_S - 1 }),
    ).toBe(false);
    expect(r.sessions.size).toBe(0);
  });

  test("a call id of another circle is not touched", () => {
    const r = new CallRegistry();
    r.apply(C, ev("create", "alice"), NOW, undefined, signed);
    expect(r.apply("d".repeat(24), ev("end", "alice"), NOW, undefined, signed)).toBe(false);
    expect(r.sessions.size).toBe(1);
  });
});
