// The Drizzle database over the SQLite connection of db/sqlite.ts (pragmas and migrations
// applied there): what the relay's query-builder code uses.
import type { Database } from "bun:sqlite";
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import * as schema from "./schema.ts";
import { MIGRATIONS_DIR, openSqlite } from "./sqlite.ts";

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };
export { MIGRATIONS_DIR };

/** Drizzle over an open connection. */
export const drizzleOf = (sqlite: Database): Db => drizzle({ client: sqlite, schema }) as Db;

export function openDb(path: string, opts: { migrationsDir?: string } = {}): Db {
  return drizzleOf(openSqlite(path, opts));
}

/** A migrated in-memory database, for tests. */
export function openMemoryDb(): Db {
  return openDb(":memory:");
}
