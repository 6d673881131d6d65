// The relay's database as its hosts open it: `felund relay` in a file of its own, `felund serve`
// on its node's open SQLite connection (one file: a home box is also a relay for its circles'
// browsers). So the CLI, which starts both, never reaches into db/ itself.
import type { Database } from "bun:sqlite";
import { type Db, drizzleOf, openDb } from "../../db/client.ts";
import { closeSqlite } from "../../db/sqlite.ts";
import {
  type BackupResult,
  backupFile,
  hasTables,
  nodeIdIn,
  type RestoreResult,
  restoreFile,
} from "../../db/backup.ts";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { FelundError } from "../protocol/errors.ts";
import type { RelayConfigInput } from "./config.ts";

export type RelayDb = Db;
export { isPgUrl } from "../../db/pg.ts";

/** A relay on PostgreSQL (`--db postgres://…`): migrated at open; several processes may share it. */
export async function openPgRelay(url: string, opts: { now?: () => number; config?: RelayConfigInput } = {}) {
  const [{ openPg, closePg }, { createPgRelayApp }] = await Promise.all([
    import("../../db/pg.ts"),
    import("./pg/index.ts"),
  ]);
  const pg = await openPg(url);
  const app = await createPgRelayApp({ pg, url, ...opts });
  return {
    app,
    /** Stop the notifications and close the pool (after the server stopped). */
    async close(): Promise<void> {
      await app.unlisten().catch(() => {});
      await closePg(pg);
    },
  };
}

/** The relay's database in its own file (created and migrated on first use). */
export const openRelayDb = (path: string): RelayDb => openDb(path);

/** The relay's tables over a connection that is already open and migrated (the node's). */
export const relayDbOn = (sqlite: Database): RelayDb => drizzleOf(sqlite);

/** Close the relay's own database at shutdown, its WAL checkpointed. */
export const closeRelayDb = (db: RelayDb): void => closeSqlite(db.$client);

// ---- backups (db/backup.ts) and the marker that a relay runs on a file ----

/** What a relay's backup must hold to be restored as one. */
const RELAY_TABLES = ["relay_messages", "relay_presence", "relay_signals"];
/** Beside the database while `felund relay` runs on it: its pid, so a restore can refuse. */
const markerOf = (dbFile: string) => `${dbFile}.pid`;

export function markRelayRunning(dbFile: string): void {
  writeFileSync(markerOf(dbFile), `${process.pid}\n`, { mode: 0o600 });
}
export function clearRelayRunning(dbFile: string): void {
  if (runningRelay(dbFile) === process.pid) rmSync(markerOf(dbFile), { force: true });
}
/** The pid of a live `felund relay` on this database file, or null. */
export function runningRelay(dbFile: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(markerOf(dbFile), "utf8").trim());
  } catch {
    return null;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** An online backup of the relay's database (its own connection; the relay may keep running). */
export const backupRelayDb = (dbFile: string, to: string): BackupResult => backupFile(dbFile, to);

/** Replace the relay's database with a backup (the relay must be stopped; the old file is kept as .bak). */
export function restoreRelayDb(dbFile: string, from: string): RestoreResult {
  const pid = runningRelay(dbFile);
  if (pid !== null && pid !== process.pid)
    throw new FelundError("E_REFUSED", `a relay is running on ${dbFile} (pid ${pid}); stop it before restoring`);
  return restoreFile(dbFile, from, (copy) =>
    !hasTables(copy, RELAY_TABLES)
      ? "is not a relay's backup (no relay tables)"
      : nodeIdIn(copy)
        ? "is a node's backup (it holds a node identity and its keys); restore it with `felund restore`"
        : undefined,
  );
}
