// db/sqlite.ts: migrations are applied to a new or outdated database, and left alone on a
// current one (so a node on a current database never loads the ORM).
import { afterAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS_DIR, openSqlite } from "../../db/sqlite.ts";
import { NodeStore } from "../../db/node-store.ts";

const dir = mkdtempSync(join(tmpdir(), "felund-db-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, "meta", "_journal.json"), "utf8")) as {
  entries: { when: number; tag: string }[];
};
const applied = (db: ReturnType<typeof openSqlite>) =>
  (db.query("SELECT COUNT(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;

test("a new database gets every migration, WAL and synchronous=FULL", () => {
  const db = openSqlite(join(dir, "a.sqlite"));
  expect(applied(db)).toBe(journal.entries.length);
  expect((db.query("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
  expect((db.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous).toBe(2);
  expect(db.query("SELECT name FROM sqlite_master WHERE name = 'messages'").get()).toBeTruthy();
  db.close();
});

test("reopening a current database applies nothing; an outdated one gets the rest", () => {
  const path = join(dir, "b.sqlite");
  openSqlite(path).close();
  const again = openSqlite(path);
  expect(applied(again)).toBe(journal.entries.length);
  again.close();
  // a database made when the journal ended one migration earlier
  const old = join(dir, "old-migrations");
  mkdirSync(join(old, "meta"), { recursive: true });
  for (const e of journal.entries.slice(0, -1))
    copyFileSync(join(MIGRATIONS_DIR, `${e.tag}.sql`), join(old, `${e.tag}.sql`));
  writeFileSync(
    join(old, "meta", "_journal.json"),
    JSON.stringify({ ...journal, entries: journal.entries.slice(0, -1) }),
  );
  const oldPath = join(dir, "c.sqlite");
  const before = openSqlite(oldPath, { migrationsDir: old });
  expect(applied(before)).toBe(journal.entries.length - 1);
  before.close();
  const newest = journal.entries.at(-1)!;
  const created = [
    ...readFileSync(join(MIGRATIONS_DIR, `${newest.tag}.sql`), "utf8").matchAll(/CREATE TABLE `([^`]+)`/g),
  ].map((m) => m[1]!);
  const upgraded = openSqlite(oldPath);
  expect(applied(upgraded)).toBe(journal.entries.length);
  for (const t of created) expect(upgraded.query("SELECT name FROM sqlite_master WHERE name = ?").get(t)).toBeTruthy();
  upgraded.close();
});

test("display order: rows stored before it had milliseconds get sort_ms = sort_ts * 1000 and keep their order", () => {
  const at = journal.entries.findIndex((e) => e.tag.endsWith("_display_order"));
  expect(at).toBeGreaterThan(0);
  const old = join(dir, "pre-order-migrations");
  mkdirSync(join(old, "meta"), { recursive: true });
  for (const e of journal.entries.slice(0, at))
    copyFileSync(join(MIGRATIONS_DIR, `${e.tag}.sql`), join(old, `${e.tag}.sql`));
  writeFileSync(
    join(old, "meta", "_journal.json"),
    JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }),
  );
  const path = join(dir, "pre-order.sqlite");
  const before = openSqlite(path, { migrationsDir: old });
  const put =
    before.query(`INSERT INTO messages (msg_id, circle_id, channel_id, author_node_id, created_ts, sort_ts, text,
    origin, received_at) VALUES (?, 'c', 'general', 'a', ?, ?, ?, 'tcp', 0)`);
  // stored in this order; the second and third share a second, the third has the lower msg_id
  put.run("bb".repeat(16), 100, 100, "first");
  put.run("cc".repeat(16), 200, 200, "second");
  put.run("aa".repeat(16), 200, 200, "third");
  before.close();
  const upgraded = openSqlite(path);
  const rows = new NodeStore(upgraded).channelMessages("c", "general", { limit: 10 });
  expect(rows.map((r) => [r.text, r.sortMs, r.late])).toEqual([
    ["first", 100_000, 0],
    ["second", 200_000, 0],
    ["third", 200_000, 0],
  ]);
  upgraded.close();
});
