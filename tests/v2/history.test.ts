// The history policy (docs/PROTOCOL.md §24.2, issue 17): the owner's signed event decides how
// much history a member who joins receives; a serving node neither reconciles nor serves chat
// messages before the joiner's floor (control events always), and heal rounds do not come back
// for the difference this leaves.
import { afterEach, describe, expect, test } from "bun:test";
import { fromBase64 } from "../../src/protocol/bytes.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import { composeEvent } from "../../src/sync/v2-compose-event.ts";
import { V2Messages } from "../../src/sync/v2-messages.ts";
import { connect, joinCircle, makeNode, NOW, type Node, post, texts } from "./helpers.ts";

const DAY = 86_400;
const P = V2Messages.prototype;
const msgFrames = P.msgFrames;
/** ids asked of msgFrames (WANT answers and reconciliation's gives; pushes excluded) */
let served = 0;
P.msgFrames = function (this: V2Messages, ids, pushed) {
  if (!pushed) served += ids.length;
  return msgFrames.call(this, ids, pushed);
};
afterEach(() => {
  served = 0;
});

/** An owner with a circle whose card and name date from 20 days ago, and one message a day for 20 days. */
function ownerWithHistory(): { a: Node; cid: string } {
  const a = makeNode("alice");
  a.clock.now = NOW - 20 * DAY;
  const cid = joinCircle(a, a);
  const named = composeEvent(a.ctx(), {
    circleId: cid,
    displayName: "alice",
    now: a.clock.now,
    rng: a.deps.rng,
    event: { t: "circle_name", name: "old name" },
  });
  if (!named.ok) throw new Error(named.reason);
  for (let d = 19; d >= 0; d--) {
    a.clock.now = NOW - d * DAY - 3600;
    post(a, cid, `day -${d}`);
  }
  a.clock.now = NOW;
  return { a, cid };
}

function setPolicy(a: Node, cid: string, days: number | null) {
  const r = composeEvent(a.ctx(), {
    circleId: cid,
    displayName: "alice",
    now: a.clock.now,
    rng: a.deps.rng,
    event: { t: "history", days },
  });
  if (!r.ok) throw new Error(r.reason);
}

describe("a member who joins under the owner's history policy", () => {
  for (const [policy, days, expected] of [
    ["all", null, 20],
    ["last 3 days", 3, 3],
    ["none", 0, 0],
  ] as const)
    test(`${policy}: receives ${expected} of the 20 messages, every control event, and heal rounds serve nothing more`, () => {
      const { a, cid } = ownerWithHistory();
      setPolicy(a, cid, days);
      const b = makeNode("bob");
      joinCircle(b, a);
      const conn = connect(b, a, cid);
      expect(conn.closed).toEqual({});
      expect(conn.client.result.reconciled).toBe(true);
      const got = texts(b, cid).filter((t) => t.startsWith("day -"));
      expect(got).toHaveLength(expected);
      if (days !== null) for (const t of got) expect(Number(t.slice(5))).toBeLessThan(days);
      // control events older than the floor still arrived: the owner's card, the circle name, the policy
      expect(b.store.getMemberCard(cid, a.keys.nodeId)).toBeDefined();
      expect(b.store.getCircle(cid)!.name).toBe("old name");
      expect(b.store.circleHistory(cid)?.days ?? null).toBe(days);
      // heal rounds from either side find nothing to move: the policy's difference is skipped, not looped on
      served = 0;
      for (let i = 0; i < 3; i++) {
        conn.feed("server", conn.server.resync());
        conn.feed("client", conn.client.resync());
        conn.pump();
      }
      expect(conn.closed).toEqual({});
      expect(served).toBe(0);
      expect(texts(b, cid).filter((t) => t.startsWith("day -"))).toHaveLength(expected);
      // what is written after the join moves as always
      a.clock.now = NOW + 60;
      post(a, cid, "after the join");
      conn.feed("server", conn.server.resync());
      conn.pump();
      expect(texts(b, cid)).toContain("after the join");
    });

  test("a WANT for a message before the floor is not served", () => {
    const { a, cid } = ownerWithHistory();
    setPolicy(a, cid, 0);
    const b = makeNode("bob");
    joinCircle(b, a);
    const old = a.store.sql.query("SELECT msg_id AS msgId FROM messages WHERE text = ?").get("day -5") as {
      msgId: string;
    };
    const conn = connect(b, a, cid);
    const before = conn.bytes.server;
    const frames = (conn.server as unknown as { msgs: V2Messages }).msgs.msgFrames([old.msgId], false);
    expect(frames).toEqual([]);
    expect(conn.bytes.server).toBe(before);
    expect(texts(b, cid)).not.toContain("day -5");
  });

  test("a member who joined before the policy keeps receiving what it lacks since its join", () => {
    const { a, cid } = ownerWithHistory();
    const b = makeNode("bob");
    b.clock.now = NOW - 10 * DAY;
    joinCircle(b, a); // b's card: its join, 10 days ago, which alice learned then
    const card = b.store.getMemberCard(cid, b.keys.nodeId)!;
    const r = acceptSigned(a.ctx(), a.store.getCircle(cid)!, fromBase64(b.store.getV2Wire(card.msgId)!), "v2");
    expect(r.ok).toBe(true);
    b.clock.now = NOW;
    setPolicy(a, cid, 0);
    const conn = connect(b, a, cid);
    expect(conn.closed).toEqual({});
    // none before its join; the 10 days since (days -9 .. -0, and -10 at 01:00 precedes the card)
    expect(texts(b, cid).filter((t) => t.startsWith("day -"))).toHaveLength(10);
  });
});

describe("local retention", () => {
  test("what a node's retention pruned is not fetched back by reconciliation or heal rounds", () => {
    const { a, cid } = ownerWithHistory();
    const b = makeNode("bob");
    b.clock.now = NOW - 20 * DAY;
    joinCircle(b, a);
    b.clock.now = NOW;
    expect(connect(b, a, cid).closed).toEqual({});
    expect(texts(b, cid).filter((t) => t.startsWith("day -"))).toHaveLength(20);
    b.store.setSetting("retention_days", "5");
    expect(b.store.pruneOlderThan(NOW - 5 * DAY)).toBe(15);
    const conn = connect(b, a, cid);
    for (let i = 0; i < 2; i++) {
      conn.feed("server", conn.server.resync());
      conn.feed("client", conn.client.resync());
      conn.pump();
    }
    expect(conn.closed).toEqual({});
    expect(texts(b, cid).filter((t) => t.startsWith("day -"))).toHaveLength(5);
    // control events stay (retention never prunes them) and the owner's card is still known
    expect(b.store.getMemberCard(cid, a.keys.nodeId)).toBeDefined();
  });
});

describe("the newest policy wins", () => {
  test("whatever order a member receives the owner's events in", () => {
    const { a, cid } = ownerWithHistory();
    const wires: Uint8Array[] = [];
    for (const days of [30, 0]) {
      a.clock.now += 10;
      const r = composeEvent(a.ctx(), {
        circleId: cid,
        displayName: "alice",
        now: a.clock.now,
        rng: a.deps.rng,
        event: { t: "history", days },
      });
      if (!r.ok) throw new Error(r.reason);
      wires.push(r.value.signed.wire);
    }
    expect(a.store.circleHistory(cid)?.days).toBe(0);
    const b = makeNode("bob");
    joinCircle(b, a);
    for (const w of [...wires].reverse()) expect(acceptSigned(b.ctx(), b.store.getCircle(cid)!, w, "v2").ok).toBe(true);
    expect(b.store.circleHistory(cid)?.days).toBe(0);
  });
});
