// Receive-only call viewers and revoke (issue 15 part 4; docs/PROTOCOL.md §15, PROTOCOL-V1.md
// §5.5): the registry's view/revoke rules (signed and unsigned), the viewer cap, revoke by the
// host only (its signature in v2 circles, the declared actor for original clients), and the
// signal inbox refusing a revoked viewer's signals.
import { describe, expect, test } from "bun:test";
import type { CallEvt } from "../../src/protocol/control.ts";
import { CALL_MAX_VIEWERS } from "../../src/protocol/limits.ts";
import { CallRegistry, callView } from "../../src/sync/control-apply.ts";

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
const unsigned = (isV2Node: (id: string) => boolean = () => false) => ({ eventTs: NOW, isV2Node });
const view = (r: CallRegistry) => callView(r.sessions.get("s1")!);

describe("call viewers (signed events)", () => {
  test("view adds a viewer (not a participant) and makes a pending call active; twice is once", () => {
    const r = new CallRegistry();
    r.apply(C, ev("create", "host"), NOW, undefined, signed);
    expect(r.sessions.get("s1")?.state).toBe("pending");
    expect(r.apply(C, ev("view", "vic"), NOW, undefined, signed)).toBe(true);
    expect(view(r)).toMatchObject({ participants: ["host"], viewers: ["vic"], state: "active" });
    expect(r.apply(C, ev("view", "vic"), NOW, undefined, signed)).toBe(false);
    // a participant does not also watch
    expect(r.apply(C, ev("view", "host"), NOW, undefined, signed)).toBe(false);
    expect(view(r).viewers).toEqual(["vic"]);
  });

  test(`at most ${CALL_MAX_VIEWERS} viewers besides the participants`, () => {
    const r = new CallRegistry();
    r.apply(C, ev("create", "host"), NOW, undefined, signed);
    for (let i = 0; i < 5; i++) r.apply(C, ev("join", `p${i}`), NOW, undefined, signed);
    for (let i = 0; i < CALL_MAX_VIEWERS; i++)
      expect(r.apply(C, ev("view", `v${i}`), NOW, undefined, signed)).toBe(true);
    expect(r.apply(C, ev("view", "one-too-many"), NOW, undefined, signed)).toBe(false);
    expect(view(r).participants.length).toBe(6);
    expect(view(r).viewers.length).toBe(CALL_MAX_VIEWERS);
    // a viewer who leaves frees a place
    expect(r.apply(C, ev("leave", "v0"), NOW, undefined, signed)).toBe(true);
    expect(r.apply(C, ev("view", "one-too-many"), NOW, undefined, signed)).toBe(true);
  });

  test("a viewer who joins becomes a participant; a viewer leaving does not end the call", () => {
    const r = new CallRegistry();
    r.apply(C, ev("create", "host"), NOW, undefined, signed);
    r.apply(C, ev("view", "vic"), NOW, undefined, signed);
    expect(r.apply(C, ev("join", "vic"), NOW, undefined, signed)).toBe(true);
    expect(view(r)).toMatchObject({ participants: ["host", "vic"], viewers: [] });
    r.apply(C, ev("view", "wendy"), NOW, undefined, signed);
    r.apply(C, ev("leave", "wendy"), NOW, undefined, signed);
    expect(r.sessions.has("s1")).toBe(true);
    expect(view(r).viewers).toEqual([]);
  });

  test("revoke: only the host's signed event removes a viewer; the revoked cannot come back", () => {
    const r = new CallRegistry();
    r.apply(C, ev("create", "host"), NOW, undefined, signed);
    r.apply(C, ev("join", "bob"), NOW, undefined, signed);
    r.apply(C, ev("view", "vic"), NOW, undefined, signed);
    // bob (a participant, not the host) cannot revoke
    expect(r.apply(C, ev("revoke", "bob", { targetNodeId: "vic" }), NOW, undefined, signed)).toBe(false);
    // nobody revokes the host
    expect(r.apply(C, ev("revoke", "host", { targetNodeId: "host" }), NOW, undefined, signed)).toBe(false);
    expect(view(r).viewers).toEqual(["vic"]);
    expect(r.apply(C, ev("revoke", "host", { targetNodeId: "vic" }), NOW, undefined, signed)).toBe(true);
    expect(view(r).viewers).toEqual([]);
    expect(r.sessions.get("s1")!.revoked.has("vic")).toBe(true);
    expect(r.apply(C, ev("view", "vic"), NOW, undefined, signed)).toBe(false);
    expect(r.apply(C, ev("join", "vic"), NOW, undefined, signed)).toBe(false);
    // the reference removes a revoked participant too
    expect(r.apply(C, ev("revoke", "host", { targetNodeId: "bob" }), NOW, undefined, signed)).toBe(true);
    expect(view(r).participants).toEqual(["host"]);
  });

  test("a signed call: an unsigned revoke (even one naming the host as actor) changes nothing", () => {
    const r = new CallRegistry();
    r.apply(C, ev("create", "v2host"), NOW, undefined, signed);
    r.apply(C, ev("view", "v2vic"), NOW, undefined, signed);
    const forged = ev("revoke", "v2host", { targetNodeId: "v2vic" });
    expect(
      r.apply(
        C,
        forged,
        NOW,
        undefined,
        unsigned((id) => id.startsWith("v2")),
      ),
    ).toBe(false);
    expect(view(r).viewers).toEqual(["v2vic"]);
    // and an unsigned view about a v2 node is anyone's claim
    expect(
      r.apply(
        C,
        ev("view", "v2carol"),
        NOW,
        undefined,
        unsigned((id) => id.startsWith("v2")),
      ),
    ).toBe(false);
    // an original web client may watch a felund call (listed; it cannot open our signals)
    expect(
      r.apply(
        C,
        ev("view", "orig"),
        NOW,
        undefined,
        unsigned((id) => id.startsWith("v2")),
      ),
    ).toBe(true);
  });

  test("view and revoke that arrive before their create are applied when it comes", () => {
    const r = new CallRegistry();
    expect(r.apply(C, ev("view", "vic"), NOW, undefined, signed)).toBe(false);
    expect(r.apply(C, ev("view", "wendy"), NOW, undefined, signed)).toBe(false);
    expect(r.apply(C, ev("revoke", "host", { targetNodeId: "wendy" }), NOW, undefined, signed)).toBe(false);
    // a revoke by someone else, early, is checked against the host once known
    expect(r.apply(C, ev("revoke", "mallory", { targetNodeId: "vic" }), NOW, undefined, signed)).toBe(false);
    r.apply(C, ev("create", "host"), NOW, undefined, signed);
    expect(view(r).viewers).toEqual(["vic"]);
    expect(r.sessions.get("s1")!.revoked.has("wendy")).toBe(true);
  });
});

describe("call viewers (unsigned CALL_EVT of the newer original web client)", () => {
  test("view, then revoke by the host's declared id; a revoke without or with another actor is ignored", () => {
    const r = new CallRegistry();
    r.apply(C, ev("create", "orighost", { hostNodeId: "orighost" }), NOW, undefined, unsigned());
    expect(r.apply(C, ev("view", "", { nodeId: "origvic", actorNodeId: "origvic" }), NOW, undefined, unsigned())).toBe(
      true,
    );
    expect(view(r).viewers).toEqual(["origvic"]);
    // the newer original accepts a revoke with no actor at all; we require the host's id
    expect(r.apply(C, ev("revoke", "", { actorNodeId: "", targetNodeId: "origvic" }), NOW, undefined, unsigned())).toBe(
      false,
    );
    expect(r.apply(C, ev("revoke", "someone", { targetNodeId: "origvic" }), NOW, undefined, unsigned())).toBe(false);
    expect(view(r).viewers).toEqual(["origvic"]);
    expect(r.apply(C, ev("revoke", "orighost", { targetNodeId: "origvic" }), NOW, undefined, unsigned())).toBe(true);
    expect(view(r).viewers).toEqual([]);
  });
});
