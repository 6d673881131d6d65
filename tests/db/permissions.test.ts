// The database holds circle secrets and the node's private key: db/sqlite.ts creates it and
// its -wal/-shm files readable by the owner only, whatever the umask, and tightens a database
// an older version left 0644.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../db/sqlite.ts";

const dir = mkdtempSync(join(tmpdir(), "felund-perm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;
const files = (p: string) => [p, p + "-wal", p + "-shm"];

test("a new database in an existing state dir, and its WAL and SHM, are 0600 even under umask 022", () => {
  const old = process.umask(0o022);
  try {
    const path = join(dir, "new.sqlite");
    const db = openSqlite(path);
    db.exec("CREATE TABLE t (x)"); // a write, so the WAL exists while the connection is open
    for (const f of files(path)) {
      expect(existsSync(f)).toBe(true);
      expect([f, mode(f).toString(8)]).toEqual([f, "600"]);
    }
    db.close();
  } finally {
    process.umask(old);
  }
});

test("a database (and WAL) left 0644 by an older version is tightened when opened", () => {
  const path = join(dir, "old.sqlite");
  const db = openSqlite(path);
  db.exec("CREATE TABLE t (x)");
  for (const f of files(path)) chmodSync(f, 0o644);
  const again = openSqlite(path); // the first connection still holds the WAL open
  for (const f of files(path)) expect([f, mode(f).toString(8)]).toEqual([f, "600"]);
  again.close();
  db.close();
});

test("in-memory databases are untouched", () => {
  expect(() => openSqlite(":memory:").close()).not.toThrow();
});
