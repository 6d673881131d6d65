// Opens the SQLite database (WAL, synchronous=FULL so an acknowledged write survives
// kill -9 and power loss) and applies the generated migrations from drizzle/.
import { Database } from "bun:sqlite";
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import { join } from "node:path";
import * as schema from "./schema.ts";

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };

export const MIGRATIONS_DIR = join(import.meta.dir, "..", "drizzle");

export function openDb(path: string, opts: { migrationsDir?: string } = {}): Db {
  const sqlite = new Database(path, { create: true, strict: true });
  sqlite.exec("PRAGMA journal_mode = WAL");
  // FULL: the WAL is fsynced at every commit, so a message we acknowledged is on disk.
  sqlite.exec("PRAGMA synchronous = FULL");
  sqlite.exec("PRAGMA busy_timeout = 8000");
  sqlite.exec("PRAGMA foreign_keys = ON");
  const db = drizzle({ client: sqlite, schema }) as Db;
  migrate(db, { migrationsFolder: opts.migrationsDir ?? MIGRATIONS_DIR });
  return db;
}

/** A migrated in-memory database, for tests. */
export function openMemoryDb(): Db {
  return openDb(":memory:");
}
