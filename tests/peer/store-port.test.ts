// The store port's contract (src/sync/store.ts), method by method, over both stores: the node's
// SQLite NodeStore and the relay-only browser's in-memory MemStore get the same inputs and must
// give the same outputs: orderings and their tie-breaks, limits and cursors, duplicates, the v2
// columns, keys, cards, channels, invites, names, counts and what removing a circle takes along.
// Where a comment of the interface is vague, the SQL was the reference.
import { describe, expect, test } from "bun:test";
import type { ChatMessage } from "../../src/protocol/message.ts";
import type {
  CircleRow,
  InviteRow,
  MemberCardRow,
  SyncStoreV2,
  V2ChannelRow,
  V2MessageCols,
} from "../../src/sync/store.ts";
import { MemStore } from "../../ui/web/src/relay/mem-store.ts";
import "../../ui/web/src/relay/mem-refs.ts"; // MemStore's refsTo and eraseMessage (the browser loads them with the ref rules, which another test file may have installed)
import "../../ui/web/src/relay/mem-remove.ts"; // MemStore's removeCircle (the browser loads it with the leave)
import "../../ui/web/src/relay/mem-v1.ts"; // MemStore's answers to a v1 exchange (the browser loads them with the legacy code)
import "../../ui/web/src/relay/mem-control.ts"; // MemStore's writes of control events, invites and admissions (the browser loads them with their code)
import { newStore, NOW, type StoreKind } from "../v2/helpers.ts";

const C = "c1".repeat(16);
const D = "d2".repeat(16);
const A = "a0".repeat(12);
const B = "b0".repeat(12);

const circle = (circleId: string, over: Partial<CircleRow> = {}): CircleRow => ({
  circleId,
  secretHex: "5e".repeat(32),
  name: "",
  owned: false,
  bootstrap: "",
  mode: "v2",
  keyEpoch: 0,
  joinedAt: NOW,
  ...over,
});

/** A message row as a path would hand it in (the store checks nothing). */
const msg = (id: string, over: Partial<ChatMessage> = {}): ChatMessage => ({
  msgId: id.padStart(32, "0"),
  circleId: C,
  channelId: "general",
  authorNodeId: A,
  displayName: "ann",
  createdTs: NOW,
  text: `text ${id}`,
  mac: "ac".repeat(32),
  ...over,
});
const meta = (sortTs = NOW, origin = "v2") => ({ origin, receivedAt: NOW, sortTs, sortMs: sortTs * 1000 });
const cols = (over: Partial<V2MessageCols> = {}) => ({
  authorKey: "ed".repeat(32),
  signature: "51".repeat(64),
  keyEpoch: 0,
  kind: 0,
  wire: "d2lyZQ==",
  ...over,
});
const id = (s: string) => s.padStart(32, "0");

function withCircles(kind: StoreKind): SyncStoreV2 {
  const s = newStore(kind);
  s.addCircle(circle(C));
  s.addCircle(circle(D));
  return s;
}

describe.each(["sqlite", "mem"] as StoreKind[])("the store port on %s", (kind) => {
  test("circles: added once, listed by joinedAt then id; name, mode, epoch (only up) and owner", () => {
    const s = newStore(kind);
    expect(s.getCircle(C)).toBeUndefined();
    expect(s.addCircle(circle(D, { joinedAt: NOW }))).toBe(true);
    expect(s.addCircle(circle(C, { joinedAt: NOW, owned: true, name: "one" }))).toBe(true);
    expect(s.addCircle(circle("0f".repeat(16), { joinedAt: NOW + 1 }))).toBe(true);
    expect(s.addCircle(circle(C, { name: "again" }))).toBe(false);
    expect(s.getCircle(C)).toEqual(circle(C, { owned: true, name: "one" }));
    expect(s.listCircles().map((c) => c.circleId)).toEqual([C, D, "0f".repeat(16)]);
    s.setCircleName(C, "renamed");
    s.setCircleMode(C, "v1");
    s.setCircleEpoch(C, 3);
    s.setCircleEpoch(C, 2);
    expect(s.getCircle(C)).toMatchObject({ name: "renamed", mode: "v1", keyEpoch: 3 });
    // a row read is a snapshot: changing it changes nothing stored
    s.getCircle(C)!.name = "scribbled";
    s.listCircles()[0]!.keyEpoch = 99;
    expect(s.getCircle(C)).toMatchObject({ name: "renamed", keyEpoch: 3 });
    expect(s.getCircleOwner(C)).toBeUndefined();
    s.setCircleOwner(C, "0e".repeat(32));
    expect(s.getCircleOwner(C)).toBe("0e".repeat(32));
    // nothing happens to a circle that is not there
    s.setCircleName("ff".repeat(16), "x");
    s.setCircleOwner("ff".repeat(16), "0e".repeat(32));
    expect(s.getCircle("ff".repeat(16))).toBeUndefined();
    expect(s.getCircleOwner("ff".repeat(16))).toBeUndefined();
  });

  test("holders (delivery state): only the author's messages, each holder once, gone with the circle", () => {
    const s = withCircles(kind);
    s.insertMessage(msg("1", { authorNodeId: A }), meta());
    s.insertMessage(msg("2", { authorNodeId: B }), meta());
    s.insertMessage(msg("3", { authorNodeId: A, circleId: D }), meta());
    expect(s.addHolders(A, [id("1"), id("2"), id("9")], B, NOW)).toEqual([id("1")]);
    expect(s.addHolders(A, [id("1")], B, NOW)).toEqual([]);
    expect(s.addHolders(A, [id("3"), id("1")], "relay", NOW)).toEqual([id("3"), id("1")]);
    expect(s.holdersOf(id("1"))).toEqual([B, "relay"].sort());
    expect(s.holdersOf(id("2"))).toEqual([]);
    s.removeCircle(C);
    expect(s.holdersOf(id("1"))).toEqual([]);
    expect(s.holdersOf(id("3"))).toEqual(["relay"]);
  });

  test("messages: insert once (a duplicate is null), seq in arrival order, read back in the order asked", () => {
    const s = withCircles(kind);
    const r1 = s.insertMessage(msg("1"), meta(NOW - 5, "local"));
    expect(r1).toEqual({
      ...msg("1"),
      seq: 1,
      sortTs: NOW - 5,
      sortMs: (NOW - 5) * 1000,
      late: 0,
      createdMs: null,
      authorSeq: null,
      origin: "local",
      receivedAt: NOW,
      signed: 0,
      kind: null,
      targetId: null,
      deleted: 0,
    });
    const r2 = s.insertMessage(msg("2", { mac: null }), meta());
    expect(r2).toMatchObject({ seq: 2, mac: null, signed: 0 });
    expect(s.insertMessage(msg("1", { text: "other" }), meta())).toBeNull();
    expect(s.insertV2Message(msg("1"), cols(), meta())).toBeNull();
    // seq grows in arrival order (SQLite may skip the numbers a refused duplicate used up)
    expect(s.insertMessage(msg("3", { circleId: D }), meta())!.seq).toBeGreaterThan(r2!.seq);
    expect(s.hasMessage(id("1"))).toBe(true);
    expect(s.hasMessage(id("9"))).toBe(false);
    expect(s.missingIds([id("9"), id("1"), id("8"), id("3")])).toEqual([id("9"), id("8")]);
    // in the order given; unknown ids and other circles' rows skipped
    expect(s.getMessages(C, [id("2"), id("9"), id("3"), id("1")]).map((m) => m.msgId)).toEqual([id("2"), id("1")]);
    expect(s.getMessages(C, [id("1")])).toEqual([r1!]);
    expect(s.getMessage(id("1"))).toEqual(r1!);
    expect(s.getMessage(id("9"))).toBeUndefined();
    // a row read is a snapshot
    s.getMessages(C, [id("1")])[0]!.text = "scribbled";
    expect(s.getMessage(id("1"))!.text).toBe("text 1");
    // setMac fills a missing MAC only
    s.setMac(id("2"), "bb".repeat(32));
    s.setMac(id("2"), "cc".repeat(32));
    s.setMac(id("1"), "cc".repeat(32));
    s.setMac(id("9"), "cc".repeat(32));
    expect(s.getMessages(C, [id("1"), id("2")]).map((m) => m.mac)).toEqual(["ac".repeat(32), "bb".repeat(32)]);
    s.setMessageText(id("1"), "opened");
    s.setMessageText(id("9"), "nowhere");
    expect(s.getMessage(id("1"))!.text).toBe("opened");
  });

  test("offerIds: MAC'd rows, newest created_ts first, msg_id descending on a tie, with floor and limit", () => {
    const s = withCircles(kind);
    s.insertMessage(msg("1", { createdTs: NOW - 30 }), meta(NOW));
    s.insertMessage(msg("3", { createdTs: NOW - 10 }), meta(NOW - 20));
    s.insertMessage(msg("2", { createdTs: NOW - 10 }), meta(NOW - 10));
    s.insertMessage(msg("4", { createdTs: NOW, mac: null }), meta());
    s.insertMessage(msg("5", { circleId: D }), meta());
    expect(s.offerIds(C, {})).toEqual([id("3"), id("2"), id("1")]);
    expect(s.offerIds(C, { limit: 2 })).toEqual([id("3"), id("2")]);
    expect(s.offerIds(C, { limit: 0 })).toEqual([]);
    expect(s.offerIds(C, { minCreatedTs: NOW - 10 })).toEqual([id("3"), id("2")]);
  });

  test("channelMessages: the newest `limit` by (sortMs, then the order stored), oldest first, paged by an exclusive cursor", () => {
    const s = withCircles(kind);
    const at = (sortMs: number, origin = "v2") => ({
      origin,
      receivedAt: NOW,
      sortTs: Math.floor(sortMs / 1000),
      sortMs,
    });
    // sortMs, not createdTs, places a row; equal sortMs keep the order this store got them (not msg_id)
    s.insertMessage(msg("5", { createdTs: NOW - 100 }), meta(NOW - 1));
    s.insertMessage(msg("4", { createdTs: NOW + 900 }), meta(NOW - 2));
    s.insertMessage(msg("3"), meta(NOW - 3));
    s.insertMessage(msg("2"), meta(NOW - 3));
    s.insertMessage(msg("1"), meta(NOW - 9));
    // milliseconds within one second: the later-written one after, though stored first and lower msg_id
    s.insertMessage(msg("8"), at((NOW - 6) * 1000 + 700));
    s.insertMessage(msg("9"), at((NOW - 6) * 1000 + 200));
    s.insertMessage(msg("6", { channelId: "other" }), meta(NOW - 5));
    s.insertMessage(msg("7", { circleId: D }), meta(NOW - 5));
    const ids = (ms: { msgId: string }[]) => ms.map((m) => m.msgId.replace(/^0+/, ""));
    expect(ids(s.channelMessages(C, "general", { limit: 10 }))).toEqual(["1", "9", "8", "3", "2", "4", "5"]);
    const page1 = s.channelMessages(C, "general", { limit: 2 });
    expect(ids(page1)).toEqual(["4", "5"]);
    expect(page1[0]!.sortMs).toBe((NOW - 2) * 1000);
    const page2 = s.channelMessages(C, "general", { limit: 2, before: page1[0]! });
    expect(ids(page2)).toEqual(["3", "2"]);
    // a cursor between two rows of the same sortMs
    expect(ids(s.channelMessages(C, "general", { limit: 5, before: page2[1]! }))).toEqual(["1", "9", "8", "3"]);
    const first = s.channelMessages(C, "general", { limit: 1, before: page2[0]! })[0]!;
    expect(
      ids(s.channelMessages(C, "general", { limit: 5, before: { sortMs: first.sortMs, seq: first.seq } })),
    ).toEqual(["1", "9"]);
    expect(ids(s.channelMessages(C, "general", { limit: 5, before: { sortMs: (NOW - 9) * 1000, seq: 0 } }))).toEqual(
      [],
    );
    expect(ids(s.channelMessages(C, "other", { limit: 5 }))).toEqual(["6"]);
    expect(s.channelMessages(C, "nowhere", { limit: 5 })).toEqual([]);
  });

  test("lastAuthored: the highest created_ms and author_seq of an author's version-2 rows in a circle", () => {
    const s = withCircles(kind);
    expect(s.lastAuthored(C, "a1".repeat(12))).toEqual({ createdMs: 0, authorSeq: 0 });
    const a = msg("1").authorNodeId;
    s.insertV2Message(msg("1"), cols({ createdMs: NOW * 1000 + 5, authorSeq: 1 }), meta());
    s.insertV2Message(msg("2"), cols({ createdMs: NOW * 1000 + 9, authorSeq: 2 }), meta());
    s.insertV2Message(msg("3", { circleId: D }), cols({ createdMs: NOW * 1000 + 50, authorSeq: 7 }), meta());
    s.insertV2Message(msg("4"), cols(), meta());
    expect(s.lastAuthored(C, a)).toEqual({ createdMs: NOW * 1000 + 9, authorSeq: 2 });
    expect(s.lastAuthored(D, a)).toEqual({ createdMs: NOW * 1000 + 50, authorSeq: 7 });
    expect(s.getMessage(id("2"))).toMatchObject({ createdMs: NOW * 1000 + 9, authorSeq: 2, late: 0 });
    expect(s.getMessage(id("4"))).toMatchObject({ createdMs: null, authorSeq: null });
    s.insertMessage(msg("5"), { ...meta(), late: true });
    expect(s.getMessage(id("5"))!.late).toBe(1);
  });

  test("counts: chat messages of one circle, control rows left out", () => {
    const s = withCircles(kind);
    s.insertMessage(msg("1"), meta());
    s.insertMessage(msg("2", { channelId: "other" }), meta());
    s.insertMessage(msg("3", { channelId: "__control" }), meta());
    s.insertMessage(msg("4", { circleId: D }), meta());
    expect(s.countChatMessages(C)).toBe(2);
    expect(s.countChatMessages(D)).toBe(1);
    expect(s.countChatMessages("ff".repeat(16))).toBe(0);
  });

  test("authors: each author of a circle once, control rows too, with their newest created_ts, by node id", () => {
    const s = withCircles(kind);
    s.insertMessage(msg("1", { authorNodeId: B, createdTs: NOW - 5 }), meta());
    s.insertMessage(msg("2", { authorNodeId: B, createdTs: NOW - 9, channelId: "other" }), meta());
    s.insertMessage(msg("3", { channelId: "__control", createdTs: NOW - 2 }), meta());
    s.insertMessage(msg("4", { circleId: D, createdTs: NOW }), meta());
    expect(s.circleAuthors(C)).toEqual([
      { nodeId: A, lastTs: NOW - 2 },
      { nodeId: B, lastTs: NOW - 5 },
    ]);
    expect(s.circleAuthors("ff".repeat(16))).toEqual([]);
  });

  test("v2 columns: insert signed, attach a signature to a MAC-only row once, read the wire back", () => {
    const s = withCircles(kind);
    const row = s.insertV2Message(msg("1", { mac: null }), cols({ wire: "b25l" }), meta(NOW - 1));
    expect(row).toEqual({
      ...msg("1", { mac: null }),
      seq: 1,
      sortTs: NOW - 1,
      sortMs: (NOW - 1) * 1000,
      late: 0,
      createdMs: null,
      authorSeq: null,
      origin: "v2",
      receivedAt: NOW,
      signed: 1,
      kind: 0,
      targetId: null,
      deleted: 0,
    });
    expect(s.insertV2Message(msg("1"), cols(), meta())).toBeNull();
    expect(s.insertMessage(msg("1"), meta())).toBeNull();
    expect(s.getV2Wire(id("1"))).toBe("b25l");
    s.insertMessage(msg("2"), meta());
    expect(s.getV2Wire(id("2"))).toBeUndefined();
    expect(s.getMessage(id("2"))!.signed).toBe(0);
    expect(s.attachV2(id("2"), cols({ wire: "dHdv" }))).toBe(true);
    expect(s.attachV2(id("2"), cols({ wire: "b3RoZXI=" }))).toBe(false);
    expect(s.attachV2(id("1"), cols({ wire: "b3RoZXI=" }))).toBe(false);
    expect(s.attachV2(id("9"), cols())).toBe(false);
    expect(s.getV2Wire(id("2"))).toBe("dHdv");
    expect(s.getMessage(id("2"))!.signed).toBe(1);
    expect(s.getMessages(C, [id("2")])[0]!.signed).toBe(1);
  });

  test("v2Items: signed rows up to maxEpoch, MAC-only rows when legacy, by (created_ts, msg_id)", () => {
    const s = withCircles(kind);
    s.insertV2Message(msg("1", { createdTs: NOW + 5, mac: null }), cols({ keyEpoch: 0 }), meta(NOW));
    s.insertV2Message(msg("2", { createdTs: NOW - 5, mac: null }), cols({ keyEpoch: 2 }), meta(NOW + 9));
    s.insertMessage(msg("4", { createdTs: NOW }), meta());
    s.insertMessage(msg("3", { createdTs: NOW }), meta());
    s.insertMessage(msg("5", { createdTs: NOW, mac: null }), meta());
    s.insertV2Message(msg("6", { circleId: D }), cols(), meta());
    const items = (maxEpoch: number, legacy: boolean) =>
      s
        .v2Items(C, { maxEpoch, legacy })
        .map((i) => `${i.msgId.replace(/^0+/, "")}${i.signed ? "s" : ""}@${i.ts - NOW}`);
    expect(items(0, false)).toEqual(["1s@5"]);
    expect(items(2, false)).toEqual(["2s@-5", "1s@5"]);
    expect(items(1, true)).toEqual(["3@0", "4@0", "1s@5"]);
    expect(items(2, true)).toEqual(["2s@-5", "3@0", "4@0", "1s@5"]);
  });

  test("rekeyWires and lockedMessages: by kind and text, in display order", () => {
    const s = withCircles(kind);
    const rekey = (n: string, sortTs: number, circleId = C) =>
      s.insertV2Message(
        msg(n, { circleId, channelId: "__control", text: '{"t":"V2_REKEY","epoch":1}', mac: null }),
        cols({ kind: 2, wire: `rk${n}` }),
        meta(sortTs),
      );
    rekey("2", NOW);
    rekey("1", NOW + 1);
    rekey("3", NOW);
    rekey("4", NOW, D);
    s.insertV2Message(
      msg("5", { channelId: "__control", text: '{"t":"V2_CARD"}', mac: null }),
      cols({ kind: 2, wire: "card" }),
      meta(),
    );
    s.insertMessage(msg("6", { channelId: "__control", text: '{"t":"V2_REKEY"}' }), meta());
    expect(s.rekeyWires(C)).toEqual(["rk2", "rk3", "rk1"]);
    const sealed = (n: string, sortTs: number, text = "") =>
      s.insertV2Message(
        msg(n, { channelId: "vault", text, mac: null }),
        cols({ kind: 1, wire: `sl${n}` }),
        meta(sortTs),
      );
    sealed("8", NOW);
    sealed("7", NOW + 1);
    sealed("9", NOW - 1, "already open");
    s.insertV2Message(msg("a", { channelId: "vault", text: "", mac: null }), cols({ kind: 0 }), meta());
    expect(s.lockedMessages(C, "vault")).toEqual([
      { msgId: id("8"), wire: "sl8" },
      { msgId: id("7"), wire: "sl7" },
    ]);
    s.setMessageText(id("8"), "opened");
    expect(s.lockedMessages(C, "vault").map((r) => r.wire)).toEqual(["sl7"]);
    expect(s.lockedMessages(D, "vault")).toEqual([]);
  });

  test("epoch keys: the first key of an epoch stays", () => {
    const s = withCircles(kind);
    expect(s.getEpochKey(C, 1)).toBeUndefined();
    s.putEpochKey(C, 1, "01".repeat(32), NOW);
    s.putEpochKey(C, 1, "02".repeat(32), NOW + 1);
    s.putEpochKey(D, 1, "03".repeat(32), NOW);
    expect(s.getEpochKey(C, 1)).toBe("01".repeat(32));
    expect(s.getEpochKey(D, 1)).toBe("03".repeat(32));
    expect(s.getEpochKey(C, 2)).toBeUndefined();
  });

  test("member cards: a put replaces the member's card (the caller judged it newer); listed by node id; removals", () => {
    const s = withCircles(kind);
    const card = (nodeId: string, issuedTs: number, circleId = C): MemberCardRow => ({
      circleId,
      nodeId,
      edKey: "ed".repeat(32),
      xKey: "0c".repeat(32),
      displayName: `n${issuedTs}`,
      issuedTs,
      msgId: id(String(issuedTs)),
    });
    s.putMemberCard(card(B, 5));
    s.putMemberCard(card(A, 7));
    s.putMemberCard(card(A, 3));
    s.putMemberCard(card(A, 9, D));
    expect(s.getMemberCard(C, A)).toEqual(card(A, 3));
    expect(s.getMemberCard(C, "ff".repeat(12))).toBeUndefined();
    expect(s.listMemberCards(C)).toEqual([card(A, 3), card(B, 5)]);
    s.listMemberCards(C)[0]!.displayName = "scribbled";
    expect(s.getMemberCard(C, A)!.displayName).toBe("n3");
    expect(s.removedAt(C, A)).toBeUndefined();
    s.markRemoved(C, A, 1, NOW);
    s.markRemoved(C, A, 2, NOW + 50);
    expect(s.removedAt(C, A)).toBe(NOW);
    expect(s.removedAt(D, A)).toBeUndefined();
  });

  test("channels: created once, #general first then by id; members by node id, null removes", () => {
    const s = withCircles(kind);
    const ch = (channelId: string, createdTs = NOW) => ({
      circleId: C,
      channelId,
      createdBy: A,
      createdTs,
      accessMode: "public" as const,
      keyHash: "",
    });
    expect(s.createChannel(ch("zeta"))).toBe(true);
    expect(s.createChannel(ch("general"))).toBe(true);
    expect(s.createChannel(ch("alpha"))).toBe(true);
    expect(s.createChannel(ch("alpha", NOW + 5))).toBe(false);
    expect(s.getChannel(C, "alpha")).toEqual(ch("alpha"));
    expect(s.getChannel(D, "alpha")).toBeUndefined();
    expect(s.listChannels(C).map((c) => c.channelId)).toEqual(["general", "alpha", "zeta"]);
    expect(s.listChannels(D)).toEqual([]);
    s.getChannel(C, "alpha")!.createdBy = "scribbled";
    expect(s.getChannel(C, "alpha")!.createdBy).toBe(A);
    s.setChannelMember(C, "alpha", B, "requested");
    s.setChannelMember(C, "alpha", A, "member");
    s.setChannelMember(C, "alpha", B, "member");
    s.setChannelMember(C, "alpha", "c0".repeat(12), "member");
    s.setChannelMember(C, "alpha", "c0".repeat(12), null);
    s.setChannelMember(C, "alpha", "e0".repeat(12), null);
    expect(s.channelMembers(C, "alpha")).toEqual([
      { nodeId: A, state: "member" },
      { nodeId: B, state: "member" },
    ]);
    expect(s.channelMembers(C, "zeta")).toEqual([]);
  });

  test("v2 channels: the first CHANNEL_CREATE stays; keys per version, the latest by version", () => {
    const s = withCircles(kind);
    const v2ch: V2ChannelRow = {
      circleId: C,
      channelId: "vault",
      ownerKey: "ed".repeat(32),
      mode: "key",
      scryptLogN: 14,
      keyCheck: "kc",
      createdTs: NOW,
      msgId: id("1"),
    };
    expect(s.getV2Channel(C, "vault")).toBeUndefined();
    expect(s.putV2Channel(v2ch)).toBe(true);
    expect(s.putV2Channel({ ...v2ch, mode: "invite", msgId: id("2") })).toBe(false);
    expect(s.getV2Channel(C, "vault")).toEqual(v2ch);
    expect(s.latestChannelKey(C, "vault")).toBeUndefined();
    s.putChannelKey(C, "vault", 2, "02".repeat(32));
    s.putChannelKey(C, "vault", 10, "0a".repeat(32));
    s.putChannelKey(C, "vault", 1, "01".repeat(32));
    s.putChannelKey(C, "vault", 2, "22".repeat(32));
    s.putChannelKey(C, "vaulted", 99, "99".repeat(32));
    expect(s.getChannelKey(C, "vault", 2)).toBe("22".repeat(32));
    expect(s.getChannelKey(C, "vault", 3)).toBeUndefined();
    expect(s.latestChannelKey(C, "vault")).toEqual({ version: 10, keyHex: "0a".repeat(32) });
  });

  test("invites: kept once, newest first (the later put first on a tie), revoked once, admissions counted once", () => {
    const s = withCircles(kind);
    const inv = (inviteId: string, createdTs: number, over: Partial<InviteRow> = {}): InviteRow => ({
      inviteId,
      circleId: C,
      ticketHex: "7c".repeat(16),
      expiresTs: createdTs + 3600,
      maxUses: 2,
      uses: 0,
      createdTs,
      ...over,
    });
    s.putInvite(inv("i1", NOW));
    s.putInvite(inv("i2", NOW + 5));
    s.putInvite(inv("i3", NOW));
    s.putInvite(inv("i1", NOW + 9, { maxUses: 9 }));
    s.putInvite(inv("j1", NOW, { circleId: D }));
    // not revoked: null or absent (InviteRow); every reader asks `!= null`
    const got = s.getInvite("i1")!;
    expect({ ...got, revokedTs: got.revokedTs ?? null }).toEqual({ ...inv("i1", NOW), revokedTs: null });
    expect(s.getInvite("nope")).toBeUndefined();
    expect(s.listInvites(C).map((r) => r.inviteId)).toEqual(["i2", "i3", "i1"]);
    s.listInvites(C)[0]!.uses = 99;
    expect(s.getInvite("i2")!.uses).toBe(0);
    // admissions
    expect(s.inviteAdmitted("i1", A)).toBe(false);
    s.recordAdmission("i1", A, NOW);
    s.recordAdmission("i1", A, NOW + 1);
    s.recordAdmission("i1", B, NOW + 2);
    s.recordAdmission("nope", A, NOW);
    expect(s.inviteAdmitted("i1", A)).toBe(true);
    expect(s.inviteAdmitted("i2", A)).toBe(false);
    expect(s.inviteAdmitted("nope", A)).toBe(false);
    expect(s.getInvite("i1")!.uses).toBe(2);
    // revocation
    expect(s.revokeInvite("i2", NOW + 10)).toBe(true);
    expect(s.revokeInvite("i2", NOW + 11)).toBe(false);
    expect(s.revokeInvite("nope", NOW)).toBe(false);
    expect(s.getInvite("i2")!.revokedTs).toBe(NOW + 10);
    expect(s.revokeCircleInvites(C, NOW + 20)).toBe(2);
    expect(s.revokeCircleInvites(C, NOW + 30)).toBe(0);
    expect(s.listInvites(C).map((r) => r.revokedTs)).toEqual([NOW + 10, NOW + 20, NOW + 20]);
    expect(s.getInvite("j1")!.revokedTs ?? null).toBeNull();
    // live while unexpired, revoked or not (a revoked code's joiner gets a clear answer)
    expect(s.hasLiveInvites(NOW + 3604)).toBe(true);
    expect(s.hasLiveInvites(NOW + 3605)).toBe(false);
  });

  test("display names: the last one set wins", () => {
    const s = newStore(kind);
    expect(s.getDisplayName(A)).toBeUndefined();
    s.setDisplayName(A, "ann", NOW);
    s.setDisplayName(A, "anne", NOW - 10);
    s.setDisplayName(B, "bob", NOW);
    expect(s.getDisplayName(A)).toBe("anne");
    expect(s.getDisplayName(B)).toBe("bob");
  });

  test("transaction: returns what the function returns, runs nested ones inline, and lets an error through", () => {
    const s = withCircles(kind);
    expect(s.transaction(() => s.transaction(() => s.insertMessage(msg("1"), meta()))?.seq)).toBe(1);
    expect(() =>
      s.transaction(() => {
        s.insertMessage(msg("2"), meta());
        throw new Error("bug");
      }),
    ).toThrow("bug");
  });

  test("removeCircle takes the circle's messages, channels, keys, cards, invites and admissions along", () => {
    const s = withCircles(kind);
    for (const cid of [C, D]) {
      s.insertMessage(msg(`1${cid[0]}`, { circleId: cid }), meta());
      s.insertV2Message(msg(`2${cid[0]}`, { circleId: cid, mac: null }), cols(), meta());
      s.createChannel({
        circleId: cid,
        channelId: "general",
        createdBy: "",
        createdTs: NOW,
        accessMode: "public",
        keyHash: "",
      });
      s.setChannelMember(cid, "general", A, "member");
      s.setCircleOwner(cid, "0e".repeat(32));
      s.putEpochKey(cid, 1, "01".repeat(32), NOW);
      s.putMemberCard({ circleId: cid, nodeId: A, edKey: "", xKey: "", displayName: "", issuedTs: NOW, msgId: "" });
      s.markRemoved(cid, B, 1, NOW);
      s.putV2Channel({
        circleId: cid,
        channelId: "v",
        ownerKey: "",
        mode: "key",
        scryptLogN: 14,
        keyCheck: "",
        createdTs: NOW,
        msgId: "",
      });
      s.putChannelKey(cid, "v", 1, "01".repeat(32));
      s.putInvite({
        inviteId: `i${cid[0]}`,
        circleId: cid,
        ticketHex: "",
        expiresTs: NOW + 9,
        maxUses: 1,
        uses: 0,
        createdTs: NOW,
      });
      s.recordAdmission(`i${cid[0]}`, A, NOW);
    }
    s.setDisplayName(A, "ann", NOW);
    s.removeCircle(C);
    const left = (cid: string, x: string) => ({
      circle: s.getCircle(cid)?.circleId,
      rows: s.getMessages(cid, [id(`1${x}`), id(`2${x}`)]).length + Number(s.hasMessage(id(`2${x}`))),
      counted: s.countChatMessages(cid) + s.v2Items(cid, { maxEpoch: 9, legacy: true }).length,
      channels: s.listChannels(cid).length + s.channelMembers(cid, "general").length,
      owner: s.getCircleOwner(cid),
      epochKey: s.getEpochKey(cid, 1),
      cards: s.listMemberCards(cid).length,
      removed: s.removedAt(cid, B),
      v2Channel: s.getV2Channel(cid, "v")?.channelId,
      channelKey: s.getChannelKey(cid, "v", 1),
      invites: s.listInvites(cid).length + Number(!!s.getInvite(`i${x}`)),
      admitted: s.inviteAdmitted(`i${x}`, A),
    });
    const none = { circle: undefined, owner: undefined, epochKey: undefined, removed: undefined };
    expect(left(C, "c")).toEqual({
      ...none,
      rows: 0,
      counted: 0,
      channels: 0,
      cards: 0,
      v2Channel: undefined,
      channelKey: undefined,
      invites: 0,
      admitted: false,
    });
    const k = "01".repeat(32);
    expect(left(D, "d")).toEqual({
      circle: D,
      rows: 3,
      counted: 4,
      channels: 2,
      owner: "0e".repeat(32),
      epochKey: k,
      cards: 1,
      removed: NOW,
      v2Channel: "v",
      channelKey: k,
      invites: 2,
      admitted: true,
    });
    // names are not a circle's: they stay
    expect(s.getDisplayName(A)).toBe("ann");
  });
});

describe("peers: the node keeps them, the relay-only browser keeps none (it dials no one)", () => {
  const peer = (nodeId: string, lastOk: number, lastSeen: number, circleId = C) => ({
    circleId,
    nodeId,
    addr: "127.0.0.1:9999",
    lastSeen,
    lastOk,
    failures: 0,
    source: "gossip",
    proto: "v1",
  });
  test("SQLite lists them by last_ok, then last_seen, newest first, then node id; a put replaces", () => {
    const s = withCircles("sqlite");
    s.putPeer(peer("c0".repeat(12), 0, NOW));
    s.putPeer(peer(B, NOW, NOW));
    s.putPeer(peer(A, NOW, NOW));
    s.putPeer(peer("d0".repeat(12), 0, NOW + 5));
    s.putPeer(peer("e0".repeat(12), NOW, NOW, D));
    expect(s.listPeers(C).map((p) => p.nodeId)).toEqual([A, B, "d0".repeat(12), "c0".repeat(12)]);
    s.putPeer({ ...peer(A, NOW, NOW), failures: 2, proto: "v2" });
    expect(s.getPeer(C, A)).toEqual({ ...peer(A, NOW, NOW), failures: 2, proto: "v2" });
    expect(s.getPeer(D, A)).toBeUndefined();
    s.deletePeer(C, A);
    expect(s.getPeer(C, A)).toBeUndefined();
    s.removeCircle(D);
    expect(s.listPeers(D)).toEqual([]);
  });
  test("the memory store forgets what it is given", () => {
    const s = withCircles("mem");
    s.putPeer(peer(A, NOW, NOW));
    expect(s.getPeer(C, A)).toBeUndefined();
    expect(s.listPeers(C)).toEqual([]);
  });
});

describe("where only SQLite can", () => {
  test("a throwing transaction rolls back on SQLite", () => {
    const s = withCircles("sqlite");
    expect(() =>
      s.transaction(() => {
        s.insertMessage(msg("1"), meta());
        throw new Error("bug");
      }),
    ).toThrow("bug");
    expect(s.hasMessage(id("1"))).toBe(false);
  });
});

describe("the memory store's durable copy", () => {
  test("dump() restored into a fresh store reads back the same", () => {
    const s = withCircles("mem") as MemStore;
    s.setCircleOwner(C, "0e".repeat(32));
    s.putEpochKey(C, 1, "01".repeat(32), NOW);
    s.putMemberCard({ circleId: C, nodeId: A, edKey: "", xKey: "", displayName: "ann", issuedTs: NOW, msgId: "" });
    s.markRemoved(C, B, 1, NOW);
    s.putV2Channel({
      circleId: C,
      channelId: "v",
      ownerKey: "",
      mode: "key",
      scryptLogN: 14,
      keyCheck: "",
      createdTs: NOW,
      msgId: "",
    });
    s.putChannelKey(C, "v", 2, "02".repeat(32));
    s.putInvite({
      inviteId: "i1",
      circleId: C,
      ticketHex: "",
      expiresTs: NOW + 9,
      maxUses: 2,
      uses: 0,
      createdTs: NOW,
    });
    s.recordAdmission("i1", A, NOW);
    s.createChannel({ circleId: C, channelId: "v", createdBy: A, createdTs: NOW, accessMode: "key", keyHash: "" });
    s.setChannelMember(C, "v", B, "requested");
    s.setChannelMember(C, "v", A, "member");
    s.setDisplayName(A, "ann", NOW);
    const t = new MemStore();
    t.addCircle(circle(C));
    t.restore(JSON.parse(JSON.stringify(s.dump())));
    const reads = (x: MemStore) => [
      x.getCircleOwner(C),
      x.getEpochKey(C, 1),
      x.listMemberCards(C),
      x.removedAt(C, B),
      x.getV2Channel(C, "v"),
      x.latestChannelKey(C, "v"),
      x.listInvites(C),
      x.inviteAdmitted("i1", A),
      x.listChannels(C),
      x.channelMembers(C, "v"),
      x.getDisplayName(A),
    ];
    expect(reads(t)).toEqual(reads(s));
    expect(t.channelMembers(C, "v")).toEqual([
      { nodeId: A, state: "member" },
      { nodeId: B, state: "requested" },
    ]);
    expect(t.takeChanges().state).toBe(false);
  });
});
