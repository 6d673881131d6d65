// Display order over BOTH stores (the node's SQLite, the relay-only browser's memory): messages
// appear in the order their author wrote them (version-2 created_ms and author_seq), v1 ones by
// second and then the order this peer stored them, and a backlog that arrives late is placed by
// its time and marked (issue 14, item 1).
import { describe, expect, test } from "bun:test";
import { fromBase64 } from "../../src/protocol/bytes.ts";
import { decodeMessage } from "../../src/protocol/v2/message.ts";
import { LATE_AFTER_S } from "../../src/protocol/limits.ts";
import { storeVerified } from "../../src/sync/merge.ts";
import type { StoredMessage } from "../../src/sync/store.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import { messageView } from "../../src/peer/views.ts";
import { MemStore } from "../../ui/web/src/relay/mem-store.ts";
import "../../ui/web/src/relay/mem-refs.ts"; // MemStore's refsTo and eraseMessage (the browser loads them with the ref rules, which another test file may have installed)
import "../../ui/web/src/relay/mem-control.ts"; // MemStore's writes of control events, invites and admissions (the browser loads them with their code)
import { addCircle, makeMessages, secretFor } from "../sync/helpers.ts";
import { joinCircle, makeNode, newStore, NOW, post, type Node, type StoreKind } from "../v2/helpers.ts";

const KINDS: StoreKind[] = ["sqlite", "mem"];
const PAIRS = KINDS.flatMap((a) => KINDS.map((b) => [a, b] as const));
const SIX = ["one", "two", "three", "four", "five", "six"];
let seed = 7000;

const shown = (n: Node, circleId: string, channel = "general") =>
  n.store.channelMessages(circleId, channel, { limit: 100 });
const textsOf = (ms: StoredMessage[]) => ms.map((m) => m.text);

/** Hand rows of `from` to `to` (a session or the relay would), in the order given. */
function pass(from: Node, to: Node, circleId: string, rows: readonly StoredMessage[]): StoredMessage[] {
  return rows.map((r) => {
    const v = acceptSigned(to.ctx(), to.store.getCircle(circleId)!, fromBase64(from.store.getV2Wire(r.msgId)!), "v2");
    if (!v.ok) throw new Error(v.reason);
    return v.value;
  });
}

describe.each(KINDS)("order on %s", (kind) => {
  test("six messages written within one second show in the order written, numbered 1..6, dated 1 ms apart at least", () => {
    const a = makeNode("ann", ++seed, kind);
    const cid = joinCircle(a, a);
    const rows = SIX.map((t) => post(a, cid, t));
    expect(textsOf(shown(a, cid))).toEqual(SIX);
    const signed = rows.map((r) => decodeMessage(fromBase64(a.store.getV2Wire(r.msgId)!)));
    expect(signed.map((m) => m.authorSeq)).toEqual([1, 2, 3, 4, 5, 6]);
    for (let i = 1; i < 6; i++) expect(signed[i]!.createdMs!).toBeGreaterThan(signed[i - 1]!.createdMs!);
    expect(signed.every((m) => m.createdTs === NOW && m.createdTs === Math.floor(m.createdMs! / 1000))).toBe(true);
    expect(a.store.lastAuthored(cid, a.keys.nodeId)).toEqual({
      createdMs: signed[5]!.createdMs!,
      authorSeq: 6,
    });
  });

  test("the author's clock going back does not reorder: created_ms stays increasing, the sequence goes on", () => {
    const a = makeNode("ann", ++seed, kind);
    const cid = joinCircle(a, a);
    post(a, cid, "first");
    a.clock.now -= 30;
    const r = post(a, cid, "second");
    expect(r.authorSeq).toBe(2);
    expect(textsOf(shown(a, cid))).toEqual(["first", "second"]);
  });

  test("v1 messages of one second: in the order this peer stored them, not by msg_id", () => {
    const store = newStore(kind);
    const secret = secretFor(++seed);
    const cid = addCircle(store as never, secret);
    const ms = makeMessages(secret, "ab".repeat(12), 6, { ts: () => NOW - 10 });
    // stored in descending msg_id order: the old key (second, msg_id) would show them reversed
    const arrival = [...ms].sort((x, y) => (x.msgId < y.msgId ? 1 : -1));
    for (const m of arrival) storeVerified(store, {} as never, m, "tcp", NOW);
    const got = store.channelMessages(cid, "general", { limit: 10 });
    expect(got.map((m) => m.msgId)).toEqual(arrival.map((m) => m.msgId));
    expect(got.every((m) => m.sortMs === (NOW - 10) * 1000 && !m.late)).toBe(true);
  });
});

test("the memory store knows an author's last number again after a reload (rows read back from IndexedDB)", () => {
  const a = makeNode("ann", ++seed, "mem");
  const cid = joinCircle(a, a);
  for (const t of SIX.slice(0, 3)) post(a, cid, t);
  const mem = a.store as unknown as MemStore;
  const fresh = new MemStore();
  // every row, in arrival order (as the browser saves them)
  const ids = [...(mem as unknown as { messages: Map<string, unknown> }).messages.keys()];
  for (const id of ids) fresh.loadRow(mem.getMessage(id)!, mem.v2Cols(id));
  expect(fresh.lastAuthored(cid, a.keys.nodeId)).toEqual(mem.lastAuthored(cid, a.keys.nodeId));
  expect(fresh.lastAuthored(cid, a.keys.nodeId).authorSeq).toBe(3);
  // a row saved before display order had milliseconds (no sortMs) takes its second
  const old = { ...mem.getMessage(ids[0]!)!, msgId: "ee".repeat(16), sortMs: undefined };
  fresh.loadRow(old);
  expect(fresh.getMessage("ee".repeat(16))!.sortMs).toBe(old.sortTs * 1000);
});

describe.each(PAIRS)("a peer on %s reading a peer on %s", (ka, kb) => {
  test("messages received in any order show in the order their author wrote them", () => {
    const a = makeNode("ann", ++seed, ka);
    const b = makeNode("bob", ++seed, kb);
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    const rows = SIX.map((t) => post(a, cid, t));
    pass(a, b, cid, [...rows].reverse());
    expect(textsOf(shown(b, cid))).toEqual(SIX);
    expect(shown(b, cid).map((m) => m.authorSeq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test("a backlog that arrives late is placed by its time and marked; history fetched at join is not", () => {
    const a = makeNode("ann", ++seed, ka);
    const b = makeNode("bob", ++seed, kb);
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    // bob writes while offline; ann goes on chatting
    b.clock.now = NOW + 10;
    const offline = post(b, cid, "written offline");
    b.clock.now = NOW + 20;
    const soon = post(b, cid, "written offline, sent soon");
    a.clock.now = NOW + 60;
    const live = post(a, cid, "live");
    // one arrives 30 s after it was written: not late, though behind "live"
    a.clock.now = NOW + 50;
    expect(pass(b, a, cid, [soon])[0]!.late).toBeFalsy();
    // the other arrives 190 s after it was written, behind a later message: late
    a.clock.now = NOW + 10 + LATE_AFTER_S + 100;
    const [got] = pass(b, a, cid, [offline]);
    expect(!!got!.late).toBe(true);
    expect(textsOf(shown(a, cid))).toEqual(["written offline", "written offline, sent soon", "live"]);
    const view = messageView(a.store, a.store.getMessage(offline.msgId)!, () => false);
    expect(view).toMatchObject({ late: true, receivedAt: NOW + 10 + LATE_AFTER_S + 100, sortMs: offline.sortMs });
    expect(messageView(a.store, a.store.getMessage(live.msgId)!, () => true).late).toBe(false);
    // a newcomer who joins later fetches the same history: nothing in it is late
    const c = makeNode("cat", ++seed, kb);
    c.store.addCircle({ ...a.store.getCircle(cid)!, owned: false, joinedAt: NOW + 1000 });
    c.store.setCircleOwner(cid, a.store.getCircleOwner(cid)!);
    c.clock.now = NOW + 1000;
    pass(a, c, cid, [live, offline, soon]);
    expect(shown(c, cid).map((m) => [m.text, !!m.late])).toEqual([
      ["written offline", false],
      ["written offline, sent soon", false],
      ["live", false],
    ]);
  });

  test("a late message in a quiet channel (nothing newer) is not marked", () => {
    const a = makeNode("ann", ++seed, ka);
    const b = makeNode("bob", ++seed, kb);
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    b.clock.now = NOW + 10;
    const m = post(b, cid, "alone");
    a.clock.now = NOW + 10 + LATE_AFTER_S * 3;
    expect(!!pass(b, a, cid, [m])[0]!.late).toBe(false);
  });
});
