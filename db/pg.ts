// The relay's PostgreSQL connection (`felund relay --db postgres://…`): Bun's built-in client
// (Bun.SQL, a pool) with Drizzle over it, migrated from drizzle/pg/ at open under an advisory
// lock, so several relay processes starting at once on one database migrate it once.
import { drizzle, type BunSQLDatabase } from "drizzle-orm/bun-sql";
import { migrate } from "drizzle-orm/bun-sql/migrator";
import { join } from "node:path";
import * as schema from "./schema-pg.ts";
import { MIGRATIONS_DIR } from "./sqlite.ts";

export const PG_MIGRATIONS_DIR = join(MIGRATIONS_DIR, "pg");

export type PgDb = BunSQLDatabase<typeof schema> & { $client: Bun.SQL };

/** Whether a --db value names a PostgreSQL database rather than a SQLite file. */
export const isPgUrl = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db);

/** An arbitrary key of the migration lock (pg_advisory_lock). */
const MIGRATE_LOCK = 0x66656c75;

export async function openPg(url: string, opts: { max?: number } = {}): Promise<PgDb> {
  const client = new Bun.SQL(url, { max: opts.max ?? 16, idleTimeout: 60, onnotice: () => {} } as Bun.SQL.Options);
  const db = drizzle({ client, schema }) as PgDb;
  const lock = await client.reserve();
  try {
    await lock`SELECT pg_advisory_lock(${MIGRATE_LOCK})`;
    try {
      await migrate(db, { migrationsFolder: PG_MIGRATIONS_DIR });
    } finally {
      await lock`SELECT pg_advisory_unlock(${MIGRATE_LOCK})`;
    }
  } catch (e) {
    lock.release();
    await client.close();
    throw e;
  }
  lock.release();
  return db;
}

export const closePg = (db: PgDb): Promise<void> => db.$client.close({ timeout: 2 });
