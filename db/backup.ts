// Backups of a SQLite database and restoring one, for the node's state and the relay's file.
//
// A backup is `VACUUM INTO`: one read transaction, so the copy is the database as of one
// moment, consistent, with every commit before that moment, while the owner keeps writing (WAL:
// a reader does not block the writer). It goes to a temporary file beside the target, is
// fsynced and then renamed, so PATH holds either a whole backup or nothing. Mode 0600: the
// node's database holds its private key and the circles' secrets.
//
// Restoring checks the copy (integrity_check, the tables its owner needs), then swaps it in:
// the old database, its WAL checkpointed into it first, is kept as `<db>.<time>.bak`.
import { Database } from "bun:sqlite";
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { FelundError } from "../src/protocol/errors.ts";
import { SQLITE_BUSY_TIMEOUT_MS } from "../src/protocol/limits.ts";

export interface BackupResult {
  path: string;
  bytes: number;
  ms: number;
}

function fsyncPath(p: string): void {
  const fd = openSync(p, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const partName = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.part`);

/** An online, consistent copy of an open database into `path` (absolute; must not exist). */
export function backupSqlite(sqlite: Database, path: string): BackupResult {
  if (!isAbsolute(path)) throw new FelundError("E_BAD_INPUT", `the backup path must be absolute, got "${path}"`);
  if (existsSync(path)) throw new FelundError("E_EXISTS", `${path} already exists; choose a new file`);
  if (!existsSync(dirname(path))) throw new FelundError("E_BAD_INPUT", `no such directory: ${dirname(path)}`);
  const part = partName(path);
  const t0 = performance.now();
  try {
    closeSync(openSync(part, "w", 0o600)); // empty, owner-only: VACUUM INTO fills an empty file
    sqlite.run("VACUUM INTO ?", [part]);
    fsyncPath(part);
    renameSync(part, path);
    fsyncPath(dirname(path));
  } catch (e) {
    rmSync(part, { force: true });
    if (e instanceof FelundError) throw e;
    throw new FelundError("E_SYSTEM", `backup to ${path} failed: ${(e as Error).message}`);
  }
  return { path, bytes: statSync(path).size, ms: Math.round(performance.now() - t0) };
}

/** Open an existing database file without creating or migrating it. */
function openExisting(path: string): Database {
  if (!existsSync(path)) throw new FelundError("E_NOT_FOUND", `no database at ${path}`);
  const db = new Database(path, { readwrite: true, create: false, strict: true });
  db.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  return db;
}

/** A backup of the database file at `dbPath` from its own connection, while its owner may run. */
export function backupFile(dbPath: string, path: string): BackupResult {
  const db = openExisting(dbPath);
  try {
    return backupSqlite(db, path);
  } finally {
    db.close();
  }
}

/** Fold the WAL into the database and close it, so the file alone is the whole database. */
function checkpointFile(path: string): void {
  const db = openExisting(path);
  try {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

/** Whether the database has these tables. */
export function hasTables(db: Database, tables: string[]): boolean {
  const have = new Set(
    (db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name),
  );
  return tables.every((t) => have.has(t));
}

/** A node's identity in a database (its settings), if it holds one. */
export function nodeIdIn(db: Database): string | undefined {
  if (!hasTables(db, ["settings"])) return undefined;
  return (db.query("SELECT value FROM settings WHERE key = 'node_id'").get() as { value: string } | null)?.value;
}

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

export interface RestoreResult {
  /** where the database that was replaced went (null: there was none) */
  kept: string | null;
  bytes: number;
}

/**
 * Put the backup `from` in place of the database at `dbPath` (its owner must be stopped: the
 * caller checks). `refuse`: why the (intact) copy is not a backup of this kind, or undefined.
 */
export function restoreFile(
  dbPath: string,
  from: string,
  refuse: (copy: Database) => string | undefined,
): RestoreResult {
  if (!existsSync(from) || !statSync(from).isFile()) throw new FelundError("E_NOT_FOUND", `no backup at ${from}`);
  const part = partName(dbPath);
  try {
    // a copy beside the target (same file system: the swap below is a rename), checked there
    closeSync(openSync(part, "w", 0o600));
    const src = new Database(from, { readonly: true });
    try {
      src.run("VACUUM INTO ?", [part]);
    } catch (e) {
      throw new FelundError("E_BAD_INPUT", `${from} is not a readable SQLite database: ${(e as Error).message}`);
    } finally {
      src.close();
    }
    const copy = new Database(part, { readwrite: true, create: false });
    try {
      const ok = (copy.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
      if (ok !== "ok") throw new FelundError("E_BAD_INPUT", `${from} fails integrity_check: ${ok}`);
      const why = refuse(copy);
      if (why) throw new FelundError("E_BAD_INPUT", `${from} ${why}`);
    } finally {
      copy.close();
    }
    fsyncPath(part);
    let kept: string | null = null;
    if (existsSync(dbPath)) {
      checkpointFile(dbPath);
      const base = `${dbPath}.${stamp(new Date())}`;
      kept = `${base}.bak`;
      for (let n = 2; existsSync(kept); n++) kept = `${base}-${n}.bak`; // never over an older .bak
      renameSync(dbPath, kept);
      for (const f of [dbPath + "-wal", dbPath + "-shm"]) rmSync(f, { force: true });
    }
    renameSync(part, dbPath);
    fsyncPath(dirname(dbPath));
    return { kept, bytes: statSync(dbPath).size };
  } finally {
    rmSync(part, { force: true });
  }
}
