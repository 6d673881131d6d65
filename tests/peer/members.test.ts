// The membership model (src/peer/member-list.ts) over both stores: who is in a circle (member
// cards, known authors, peers; less removed members), who is online now and by which path (a
// live session, the relay's presence, recent traffic, a recent v1 exchange), and last seen.
import { describe, expect, test } from "bun:test";
import { MEMBER_RECENT_S } from "../../src/protocol/limits.ts";
import { noteHeard } from "../../src/peer/heard.ts";
import { memberList, NO_PRESENCE, onlineCount, type Presence } from "../../src/peer/member-list.ts";
import type { CircleRow, MemberCardRow, SyncStoreV2 } from "../../src/sync/store.ts";
import { newStore, NOW, type StoreKind } from "../v2/helpers.ts";

const C = "c1".repeat(16);
const ME = "a0".repeat(12);
const B = "b0".repeat(12);
const R = "c0".repeat(12); // a relay-only member
const W = "d0".repeat(12); // an author only
const X = "e0".repeat(12); // removed
const me = { nodeId: ME, displayName: "ann" };

const circle: CircleRow = {
  circleId: C,
  secretHex: "5e".repeat(32),
  name: "",
  owned: false,
  bootstrap: "",
  mode: "v2",
  keyEpoch: 0,
  joinedAt: NOW,
};
const card = (nodeId: string, displayName: string): MemberCardRow => ({
  circleId: C,
  nodeId,
  edKey: "ed".repeat(32),
  xKey: "0c".repeat(32),
  displayName,
  issuedTs: NOW - 100,
  msgId: nodeId.padStart(32, "0"),
});

function world(kind: StoreKind): SyncStoreV2 {
  const s = newStore(kind);
  s.addCircle(circle);
  for (const [id, n] of [
    [ME, "ann"],
    [B, "bob"],
    [R, "rita"],
    [X, "xena"],
  ] as const)
    s.putMemberCard(card(id, n));
  s.markRemoved(C, X, 1, NOW - 50);
  s.insertMessage(
    {
      msgId: "1".padStart(32, "0"),
      circleId: C,
      channelId: "general",
      authorNodeId: W,
      displayName: "walt",
      createdTs: NOW - 600,
      text: "hi",
      mac: null,
    },
    { origin: "v1", receivedAt: NOW, sortTs: NOW - 600, sortMs: (NOW - 600) * 1000 },
  );
  s.setDisplayName(W, "walt", NOW);
  return s;
}

const at = (p: Partial<Presence> = {}): Presence => ({ ...NO_PRESENCE(NOW), ...p });
const brief = (list: ReturnType<typeof memberList>) =>
  list.map(
    (m) => `${m.name}:${m.you ? "you" : m.online ? `${m.path}${m.proto ? `/${m.proto}` : ""}` : `off@${m.lastSeen}`}`,
  );

describe.each(["sqlite", "mem"] as StoreKind[])("the member list on %s", (kind) => {
  test("cards and authors are members, by name, you among them; removed members are not", () => {
    const list = memberList(world(kind), C, me, at());
    expect(brief(list)).toEqual(["ann:you", "bob:off@0", "rita:off@0", `walt:off@${NOW - 600}`]);
    expect(onlineCount(list)).toBe(0);
    expect(list.find((m) => m.you)).toMatchObject({ nodeId: ME, online: true, path: null });
  });

  test("online by path: a live session, the relay's presence, recent traffic; last seen while offline", () => {
    const s = world(kind);
    const heard = new Map<string, Map<string, number>>();
    noteHeard(heard, [{ circleId: C, authorNodeId: W, createdTs: NOW - 5 }], NOW);
    noteHeard(heard, [{ circleId: C, authorNodeId: B, createdTs: NOW - MEMBER_RECENT_S - 5 }], NOW); // a backlog: no sign of life
    const seen = new Map<string, number>();
    const p = at({ live: [B], relay: [{ nodeId: R, seen: NOW - 20 }], heard: heard.get(C)!, seen });
    const list = memberList(s, C, me, p);
    expect(brief(list)).toEqual(["ann:you", "bob:tcp/v2", "rita:relay", "walt:recent"]);
    expect(onlineCount(list)).toBe(3);
    // later: the session closed, the relay's list is empty, the traffic is old: last seen as remembered
    const later = memberList(s, C, me, at({ now: NOW + MEMBER_RECENT_S, heard: heard.get(C)!, seen }));
    expect(brief(later)).toEqual(["ann:you", `bob:off@${NOW}`, `rita:off@${NOW}`, `walt:off@${NOW}`]);
    expect(brief(memberList(s, C, me, at({ now: NOW + MEMBER_RECENT_S })))[1]).toBe("bob:off@0");
  });

  test("a relay-listed node without card or message is a member too (a relay-only member of a legacy circle)", () => {
    const s = world(kind);
    const Z = "f0".repeat(12);
    const list = memberList(
      s,
      C,
      me,
      at({
        relay: [
          { nodeId: Z, seen: NOW },
          { nodeId: X, seen: NOW },
        ],
      }),
    );
    expect(list.map((m) => m.nodeId)).toContain(Z);
    expect(list.map((m) => m.nodeId)).not.toContain(X);
    expect(list.find((m) => m.nodeId === Z)).toMatchObject({ name: "", online: true, path: "relay" });
  });
});

describe("peers of the node's table (sqlite only: the browser keeps none)", () => {
  test("a v1 peer reached within MEMBER_RECENT_S is online over tcp v1; a v2 peer needs its live session", () => {
    const s = world("sqlite");
    const row = { circleId: C, addr: "127.0.0.1:1", lastSeen: NOW - 10, failures: 0, source: "direct" };
    const V1 = "0a".repeat(12);
    s.putPeer({ ...row, nodeId: V1, lastOk: NOW - 10, proto: "v1" });
    s.putPeer({ ...row, nodeId: B, lastOk: NOW - 10, proto: "v2" });
    const list = memberList(s, C, me, at());
    expect(list.find((m) => m.nodeId === V1)).toMatchObject({ online: true, path: "tcp", proto: "v1" });
    expect(list.find((m) => m.nodeId === B)).toMatchObject({ online: false, path: null, lastSeen: NOW - 10 });
    const later = memberList(s, C, me, at({ now: NOW + MEMBER_RECENT_S }));
    expect(later.find((m) => m.nodeId === V1)).toMatchObject({ online: false, lastSeen: NOW - 10 });
  });
});
