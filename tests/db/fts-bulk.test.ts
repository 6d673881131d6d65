// Full-text entries of a streamed fill's rows written in bulk (drizzle/0015_fts_bulk.sql,
// NodeStore.bulkFts, issue 17): everything stored inside the window is found once it ends, with
// one entry of its final text; rows from before it stay in step through the triggers; a live
// message after it is indexed at once; the defer mark never outlives its transaction.
import { expect, test } from "bun:test";
import { NodeStore } from "../../db/node-store.ts";
import { openSqlite } from "../../db/sqlite.ts";
import type { ChatMessage } from "../../src/protocol/message.ts";
import { parseSearchQuery } from "../../src/sync/search.ts";

const C = "ab".repeat(32);
let n = 0;
function put(s: NodeStore, text: string, channelId = "general"): string {
  n++;
  const msgId = n.toString(16).padStart(32, "0");
  const m: ChatMessage = {
    msgId,
    circleId: C,
    channelId,
    authorNodeId: "a1b2c3d4e5f60718293a4b5c",
    displayName: "x",
    createdTs: 1_800_000_000 + n,
    text,
    mac: null,
  };
  s.insertV2Message(
    m,
    { authorKey: "11", signature: "22", keyEpoch: 0, kind: 0, wire: "AA==" },
    { origin: "v2", receivedAt: 1_800_000_000, sortTs: m.createdTs, sortMs: m.createdTs * 1000 },
  );
  return msgId;
}
const find = (s: NodeStore, q: string) => s.searchMessages(C, parseSearchQuery(q), { limit: 500 }).map((m) => m.text);
const entries = (s: NodeStore) => (s.sql.query(`SELECT COUNT(*) AS k FROM messages_fts`).get() as { k: number }).k;
const mark = (s: NodeStore) => (s.sql.query(`SELECT from_seq AS f FROM fts_defer`).get() as { f: number | null }).f;

test("rows stored in a bulk window are all found after it, once each, with their final text", () => {
  const s = new NodeStore(openSqlite(":memory:"));
  const before = put(s, "older apple");
  const inside: string[] = [];
  s.bulkFts(() => {
    // while the window is open the triggers skip its rows: nothing of them is indexed yet
    for (let i = 0; i < 300; i++) inside.push(put(s, `fill apple number${i}`));
    put(s, "an event", "__control");
    expect(entries(s)).toBe(1);
    expect(mark(s)).not.toBeNull();
    // a row of the window changed inside it (a sealed text opening), and an older row changed too
    s.setMessageText(inside[5]!, "opened banana");
    s.setMessageText(before, "older cherry");
  });
  expect(mark(s)).toBeNull();
  expect(find(s, "apple").length).toBe(299);
  expect(find(s, "banana")).toEqual(["opened banana"]);
  expect(find(s, "cherry")).toEqual(["older cherry"]);
  // one entry a readable row: 300 of the window and the older one (the control event has none)
  expect(entries(s)).toBe(301);
  // a live message after the window: indexed by its trigger at once
  put(s, "live durian");
  expect(find(s, "durian")).toEqual(["live durian"]);
  expect(entries(s)).toBe(302);
});

test("a window whose work throws leaves nothing behind: rows, entries and the mark rolled back", () => {
  const s = new NodeStore(openSqlite(":memory:"));
  put(s, "kept elderberry");
  expect(() =>
    s.bulkFts(() => {
      put(s, "lost elderberry");
      throw new Error("bug");
    }),
  ).toThrow("bug");
  expect(mark(s)).toBeNull();
  expect(find(s, "elderberry")).toEqual(["kept elderberry"]);
  put(s, "next elderberry");
  expect(find(s, "elderberry").sort()).toEqual(["kept elderberry", "next elderberry"]);
});
