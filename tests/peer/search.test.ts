// Full-text search over both stores (src/sync/search.ts; the node's FTS5 index, the browser's
// scan): the same query gives the same rows, newest first, paged; only what a user can read is
// found (no control events, no sealed row before it opens); the index follows inserts, text
// changes, deletes (retention, removing a circle); user input never becomes FTS5 syntax.
import { describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatMessage } from "../../src/protocol/message.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { matchText, parseSearchQuery, snippetOf } from "../../src/sync/search.ts";
import type { CircleRow, SyncStoreV2 } from "../../src/sync/store.ts";
import { NodeStore } from "../../db/node-store.ts";
import { MIGRATIONS_DIR } from "../../db/client.ts";
import { openSqlite } from "../../db/sqlite.ts";
import "../../ui/web/src/relay/mem-search.ts";
import { newStore, NOW, type StoreKind } from "../v2/helpers.ts";

const C = "c1".repeat(16);
const D = "d2".repeat(16);
const A = "a0".repeat(12);
const circle = (circleId: string): CircleRow => ({
  circleId,
  secretHex: "5e".repeat(32),
  name: "",
  owned: false,
  bootstrap: "",
  mode: "v2",
  keyEpoch: 0,
  joinedAt: NOW,
});
let n = 0;
const put = (s: SyncStoreV2, text: string, over: Partial<ChatMessage> & { ts?: number } = {}) => {
  const { ts = NOW + n, ...rest } = over;
  const m: ChatMessage = {
    msgId: String(++n).padStart(32, "0"),
    circleId: C,
    channelId: "general",
    authorNodeId: A,
    displayName: "ann",
    createdTs: ts,
    text,
    mac: "ac".repeat(32),
    ...rest,
  };
  return s.insertMessage(m, { origin: "v2", receivedAt: NOW, sortTs: ts, sortMs: ts * 1000 })!;
};
const texts = (s: SyncStoreV2, q: string, o: { channelId?: string; limit?: number } = {}, circleId = C) =>
  s.searchMessages(circleId, parseSearchQuery(q), { limit: 50, ...o }).map((m) => m.text);

describe.each(["sqlite", "mem"] as StoreKind[])("search on %s", (kind) => {
  const store = () => {
    const s = newStore(kind);
    s.addCircle(circle(C));
    s.addCircle(circle(D));
    return s;
  };

  test("words all match, in any order, case and accents folded; newest first; one circle only", () => {
    const s = store();
    put(s, "Lunch at the Café tomorrow?");
    put(s, "no lunch for me");
    put(s, "café opens at nine");
    put(s, "lunch café in the other circle", { circleId: D });
    expect(texts(s, "cafe lunch")).toEqual(["Lunch at the Café tomorrow?"]);
    expect(texts(s, "CAFÉ")).toEqual(["café opens at nine", "Lunch at the Café tomorrow?"]);
    expect(texts(s, "lunch")).toEqual(["no lunch for me", "Lunch at the Café tomorrow?"]);
    expect(texts(s, "cafe lunch", {}, D)).toEqual(["lunch café in the other circle"]);
    expect(texts(s, "dinner")).toEqual([]);
  });

  test("the last bare word is a prefix; quoted phrases match as written, in order", () => {
    const s = store();
    put(s, "the deployment failed again");
    put(s, "deploy it now");
    put(s, "failed the deployment");
    expect(texts(s, "deploy")).toEqual(["failed the deployment", "deploy it now", "the deployment failed again"]);
    expect(texts(s, "deploy now")).toEqual(["deploy it now"]);
    expect(texts(s, '"deploy"')).toEqual(["deploy it now"]);
    expect(texts(s, '"deployment failed"')).toEqual(["the deployment failed again"]);
    expect(texts(s, '"failed the" deployment')).toEqual(["failed the deployment"]);
  });

  test("FTS5 syntax typed by a user is just words: quotes, stars, operators, parentheses, column names", () => {
    const s = store();
    put(s, "NOT AND OR near text:scope (a) * ^ - + {x}");
    put(s, "plain words");
    for (const q of [
      '"',
      '"unclosed phrase',
      "NOT",
      "a OR b",
      "text:",
      "scope : c",
      "(a",
      "*",
      "^near",
      "{x}",
      "-plain",
      "NEAR(a b)",
    ])
      expect(() => texts(s, q)).not.toThrow(/fts5|syntax/i);
    expect(texts(s, "NOT AND")).toEqual(["NOT AND OR near text:scope (a) * ^ - + {x}"]);
    expect(texts(s, "-plain")).toEqual(["plain words"]);
    expect(() => texts(s, '" * ( )')).toThrow(FelundError);
  });

  test("one channel; control events and sealed rows not yet open are never found; an opened one is", () => {
    const s = store();
    put(s, "secret plans", { channelId: "dev" });
    put(s, '{"t":"V2_CHANNEL_CREATE","plans":1}', { channelId: "__control" });
    const sealed = put(s, "", { channelId: "dev" });
    put(s, "plans for lunch");
    expect(texts(s, "plans")).toEqual(["plans for lunch", "secret plans"]);
    expect(texts(s, "plans", { channelId: "dev" })).toEqual(["secret plans"]);
    s.setMessageText(sealed.msgId, "sealed plans opened");
    expect(texts(s, "plans", { channelId: "dev" })).toEqual(["sealed plans opened", "secret plans"]);
    expect(texts(s, "V2_CHANNEL_CREATE")).toEqual([]);
  });

  test("paged: strictly before a cursor, newest (sortMs, seq) first, ties by the order stored", () => {
    const s = store();
    for (let i = 0; i < 7; i++) put(s, `ping ${i}`, { ts: NOW + (i % 3) });
    const q = parseSearchQuery("ping");
    const all = s.searchMessages(C, q, { limit: 50 });
    expect(all.map((m) => m.text)).toEqual(["ping 5", "ping 2", "ping 4", "ping 1", "ping 6", "ping 3", "ping 0"]);
    const p1 = s.searchMessages(C, q, { limit: 3 });
    const last = p1[2]!;
    const p2 = s.searchMessages(C, q, { limit: 3, before: { sortMs: last.sortMs, seq: last.seq } });
    expect([...p1, ...p2].map((m) => m.text)).toEqual(all.slice(0, 6).map((m) => m.text));
  });

  test("a small circle or channel among many hits of another: its rows, all of them, newest first", () => {
    const s = store();
    s.transaction(() => {
      for (let i = 0; i < 2_100; i++) put(s, `busy word ${i}`, { circleId: D, ts: NOW + i });
      put(s, "quiet word one", { ts: NOW - 5 });
      put(s, "quiet word two", { ts: NOW + 3_000, channelId: "dev" });
      for (let i = 0; i < 2_100; i++) put(s, `busy word again ${i}`, { circleId: D, ts: NOW + 4_000 + i });
      put(s, "quiet word three", { ts: NOW + 9_000 });
    });
    expect(texts(s, "word")).toEqual(["quiet word three", "quiet word two", "quiet word one"]);
    expect(texts(s, "word", { channelId: "dev" })).toEqual(["quiet word two"]);
    expect(texts(s, "word", { limit: 2 })).toEqual(["quiet word three", "quiet word two"]);
    expect(texts(s, "word", { limit: 5 }, D).slice(0, 2)).toEqual(["busy word again 2099", "busy word again 2098"]);
  });

  test("removing a circle takes its rows out of the results", () => {
    const s = store();
    put(s, "gone soon");
    put(s, "gone soon too", { circleId: D });
    s.removeCircle(C);
    expect(texts(s, "gone")).toEqual([]);
    expect(texts(s, "gone", {}, D)).toEqual(["gone soon too"]);
  });
});

describe("search on the node's SQLite", () => {
  test("retention pruning takes rows out of the index", () => {
    const s = newStore("sqlite") as NodeStore;
    s.addCircle(circle(C));
    put(s, "old news", { ts: NOW - 90 * 86400 });
    put(s, "new news");
    expect(s.pruneOlderThan(NOW - 30 * 86400)).toBe(1);
    expect(texts(s, "news")).toEqual(["new news"]);
    expect(s.sql.query(`SELECT COUNT(*) AS n FROM messages_fts WHERE messages_fts MATCH 'old'`).get()).toEqual({
      n: 0,
    });
  });

  test("the migration indexes the rows a database already holds", () => {
    const dir = mkdtempSync(join(tmpdir(), "felund-fts-"));
    const mig = join(dir, "drizzle");
    cpSync(MIGRATIONS_DIR, mig, { recursive: true });
    const journal = JSON.parse(readFileSync(join(mig, "meta", "_journal.json"), "utf8"));
    const full = structuredClone(journal);
    // a database from before 0009_search: neither it nor any later migration applied yet (the
    // migrator applies only what is newer than the last one applied)
    journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < "0009_search");
    writeFileSync(join(mig, "meta", "_journal.json"), JSON.stringify(journal));
    const path = join(dir, "node.db");
    const before = new NodeStore(openSqlite(path, { migrationsDir: mig }));
    before.addCircle(circle(C));
    put(before, "stored before search existed");
    before.sql.close();
    writeFileSync(join(mig, "meta", "_journal.json"), JSON.stringify(full));
    const after = new NodeStore(openSqlite(path, { migrationsDir: mig }));
    expect(texts(after, "existed")).toEqual(["stored before search existed"]);
    after.sql.close();
  });
});

describe("the query and the snippet", () => {
  test("parse: words, phrases, the prefix only on a trailing bare word", () => {
    expect(parseSearchQuery("Hello  wörld")).toEqual({ phrases: [["hello"], ["world"]], prefix: true });
    expect(parseSearchQuery('say "good night" ')).toEqual({ phrases: [["say"], ["good", "night"]], prefix: false });
    expect(parseSearchQuery("don't")).toEqual({ phrases: [["don", "t"]], prefix: true });
    expect(() => parseSearchQuery("  !! ")).toThrow(/nothing to search/);
  });

  test("the snippet is the text around the first match with the matches marked; no markup added", () => {
    const q = parseSearchQuery("lunch");
    const long = `${"x ".repeat(100)}<b>Lunch</b> is at noon, lunch!${" y".repeat(100)}`;
    const s = snippetOf(long, q);
    expect(s.text.startsWith("…")).toBe(true);
    expect(s.text.endsWith("…")).toBe(true);
    expect(s.text.length).toBeLessThanOrEqual(162);
    expect(s.marks.map(([a, b]) => s.text.slice(a, b))).toEqual(["Lunch", "lunch"]);
    expect(s.text).toContain("<b>Lunch</b>");
    expect(matchText("line one\nlunch two", q)).toEqual([[9, 14]]);
  });
});
