// db/sqlite.ts: migrations are applied to a new or outdated database, and left alone on a
// current one (so a node on a current database never loads the ORM).
import { afterAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS_DIR, openSqlite } from "../../db/sqlite.ts";

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
