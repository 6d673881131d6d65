// src/peer/typing.ts (the one implementation of the node and the relay-only browser) between two
// peers of one circle, by hand: a relay notice from one opens on the other and shows its author;
// a replayed, forged, self-sent or removed member's notice shows nothing; the throttle on send;
// the author's message ends it; a legacy circle neither sends nor shows.
import { describe, expect, test } from "bun:test";
import { PeerTyping } from "../../src/peer/typing.ts";
import { TYPING_SEND_EVERY_MS } from "../../src/protocol/limits.ts";
import { joinCircle, makeNode, NOW, post, type Node } from "../v2/helpers.ts";

function side(n: Node, clock: { ms: number }) {
  const out: { relay: string[]; sessions: string[]; changes: [string, string[]][]; logs: string[] } = {
    relay: [],
    sessions: [],
    changes: [],
    logs: [],
  };
  const t = new PeerTyping({
    store: n.store,
    keys: () => n.keys,
    nowMs: () => clock.ms,
    rng: n.deps.rng,
    sessions: (_c, ch) => out.sessions.push(ch),
    relay: (_c, blob) => out.relay.push(blob),
    changed: (_c, ch, who) => out.changes.push([ch, who]),
    log: (l) => out.logs.push(l),
  });
  return { t, out };
}

describe("PeerTyping", () => {
  test("relay notices: shown once, replays and forgeries and our own are not; the author's message ends it", () => {
    const clock = { ms: NOW * 1000 };
    const a = makeNode("ann", 8101, "mem");
    const b = makeNode("bob", 8102, "mem");
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    const A = side(a, clock);
    const B = side(b, clock);
    expect(A.t.local(cid, "general")).toBe(true);
    expect(A.out.sessions).toEqual(["general"]);
    expect(A.out.relay.length).toBe(1);
    // throttled until TYPING_SEND_EVERY_MS has passed
    expect(A.t.local(cid, "general")).toBe(false);
    clock.ms += TYPING_SEND_EVERY_MS;
    expect(A.t.local(cid, "general")).toBe(true);
    const [first, second] = A.out.relay as [string, string];

    B.t.fromRelay(cid, first);
    expect(B.t.who(cid, "general")).toEqual([a.keys.nodeId]);
    expect(B.out.changes).toEqual([["general", [a.keys.nodeId]]]);
    B.t.fromRelay(cid, second);
    // forged or junk: dropped with a reason in the log
    B.t.fromRelay(cid, "AwAAAAA" + "A".repeat(100));
    B.t.fromRelay(cid, { not: "a string" });
    expect(B.out.logs.length).toBe(2);
    // our own notice coming back is not "someone typing"
    A.t.fromRelay(cid, second);
    expect(A.t.who(cid, "general")).toEqual([]);

    const m = post(a, cid, "hello");
    const rowB = b.store.getMessages(cid, [m.msgId])[0] ?? { ...m };
    B.t.stored([rowB]);
    expect(B.t.who(cid, "general")).toEqual([]);
    expect(B.out.changes.at(-1)).toEqual(["general", []]);
    // the same notices again (the relay, or anyone, replaying them) are not newer than the last: ignored
    B.t.fromRelay(cid, second);
    B.t.fromRelay(cid, first);
    expect(B.t.who(cid, "general")).toEqual([]);
    expect(B.out.changes.at(-1)).toEqual(["general", []]);
    // our own message ends our throttle: the next keystroke notifies at once
    A.t.stored([m]);
    expect(A.t.local(cid, "general")).toBe(true);
  });

  test("a removed member's notice shows nothing; a legacy circle neither sends nor shows", () => {
    const clock = { ms: NOW * 1000 };
    const a = makeNode("ann", 8111, "mem");
    const b = makeNode("bob", 8112, "mem");
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    const A = side(a, clock);
    const B = side(b, clock);
    A.t.local(cid, "general");
    b.store.markRemoved(cid, a.keys.nodeId, 1, NOW);
    B.t.fromRelay(cid, A.out.relay[0]);
    expect(B.t.who(cid, "general")).toEqual([]);

    const l = makeNode("leo", 8113, "mem");
    const lc = joinCircle(l, l, { mode: "v1", secret: "3b".repeat(32) });
    const L = side(l, clock);
    expect(L.t.local(lc, "general")).toBe(false);
    expect(L.out.sessions).toEqual([]);
    expect(L.out.relay).toEqual([]);
    L.t.fromSession(lc, "general", a.keys.nodeId);
    expect(L.t.who(lc, "general")).toEqual([]);
    expect(L.out.changes).toEqual([]);
  });
});
