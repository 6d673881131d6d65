// The SQLite connection without the ORM: pragmas (WAL, synchronous=FULL so an acknowledged
// write survives kill -9 and power loss) and the generated migrations from drizzle/, run by
// drizzle's migrator only when the journal has migrations the database lacks. A node that
// starts on a current database therefore never loads drizzle (idle memory of `felund run`).
import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, openSync, readFileSync, statSync } from "node:fs";
import { SQLITE_BUSY_TIMEOUT_MS } from "../src/protocol/limits.ts";
import { join } from "node:path";

/** Bun's single-executable file system: `npm run build:bin` embeds drizzle/ as /$bunfs/root/drizzle. */
const BUNFS = "/$bunfs/";
export const MIGRATIONS_DIR = import.meta.dir.startsWith(BUNFS)
  ? `${BUNFS}root/drizzle`
  : join(import.meta.dir, "..", "drizzle");

export function openSqlite(path: string, opts: { migrationsDir?: string } = {}): Database {
  const onDisk = path !== "" && path !== ":memory:" && !path.startsWith("file:");
  if (onDisk) ownerOnly(path, true);
  const sqlite = new Database(path, { create: true, strict: true });
  // first: switching to WAL takes a lock, and another process may hold it for a moment
  sqlite.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  sqlite.exec("PRAGMA journal_mode = WAL");
  if (onDisk) for (const f of [path + "-wal", path + "-shm"]) ownerOnly(f, false);
  // FULL: the WAL is fsynced at every commit, so a message we acknowledged is on disk.
  sqlite.exec("PRAGMA synchronous = FULL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  // a deleted message is erased from disk (docs/PROTOCOL.md §18): freed row bytes are zeroed, not left in free space
  sqlite.exec("PRAGMA secure_delete = ON");
  // statement journals in memory: an INSERT into messages (nine indexes and the FTS trigger)
  // keeps one, and on disk it spilled ~14 page writes a row to a temp file (a 100,000-message
  // join: 1.4 M pwrite calls, ~30 µs of system time a row; in memory 77 -> 55 CPU-µs a row)
  sqlite.exec("PRAGMA temp_store = MEMORY");
  const dir = opts.migrationsDir ?? MIGRATIONS_DIR;
  if (migrationsPending(sqlite, dir)) {
    // the same rule as drizzle's migrator (journal `when` after the last applied created_at)
    const { drizzle } = require("drizzle-orm/bun-sqlite") as typeof import("drizzle-orm/bun-sqlite");
    const { migrate } = require("drizzle-orm/bun-sqlite/migrator") as typeof import("drizzle-orm/bun-sqlite/migrator");
    try {
      migrate(drizzle({ client: sqlite }), { migrationsFolder: dir });
    } catch (e) {
      // another process opening the same new database (six one-shots at once) migrated it between
      // our check and our write lock; its transaction committed whole, so nothing is left to do
      if (migrationsPending(sqlite, dir)) throw e;
    }
  }
  return sqlite;
}

/**
 * Close a connection at shutdown: the WAL is copied into the database and truncated first, so
 * the file is complete on its own (a copy of it alone is a backup) even when another process
 * still has it open and SQLite's own checkpoint at the last close does not run.
 */
export function closeSqlite(sqlite: Database): void {
  try {
    sqlite.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    sqlite.close();
  }
}

/**
 * The database holds the circle secrets and the node's private key: readable by its owner
 * only, whatever the umask. Created 0600 before SQLite opens it (SQLite gives the -wal and
 * -shm files the database's mode), and an older database or WAL left 0644 is tightened.
 */
function ownerOnly(path: string, create: boolean): void {
  if (create) closeSync(openSync(path, "a", 0o600));
  else if (!existsSync(path)) return;
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
}

function migrationsPending(sqlite: Database, dir: string): boolean {
  const journal = JSON.parse(readFileSync(join(dir, "meta", "_journal.json"), "utf8")) as {
    entries: { when: number }[];
  };
  const newest = Math.max(0, ...journal.entries.map((e) => e.when));
  const hasTable = sqlite
    .query(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'`)
    .get();
  if (!hasTable) return true;
  const last = sqlite
    .query(`SELECT created_at AS t FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1`)
    .get() as { t: number } | null;
  return !last || Number(last.t) < newest;
}
