// Backups of the node's state (its felund.sqlite: identity, circles, keys, history) and
// restoring one into a state dir. A running node makes its own backup (the local API's
// POST /api/backup, local-api-backup.ts); a stopped one's file is copied directly. Restoring
// needs the node stopped.
import { type BackupResult, backupFile, nodeIdIn, type RestoreResult, restoreFile } from "../../db/backup.ts";
import { FelundError } from "../protocol/errors.ts";
import { dbPath, liveRuntime } from "./runtime.ts";
import { existsSync } from "node:fs";

export type { BackupResult, RestoreResult };
export { backupSqlite } from "../../db/backup.ts";

/** A backup of a stopped node's state dir. */
export function backupStateDir(dir: string, to: string): BackupResult {
  if (!existsSync(dbPath(dir))) throw new FelundError("E_NOT_FOUND", `no felund state in ${dir} (no felund.sqlite)`);
  return backupFile(dbPath(dir), to);
}

/** Replace the node's database in `dir` with the backup `from` (the old one is kept as .bak). */
export function restoreStateDir(dir: string, from: string): RestoreResult {
  const running = liveRuntime(dir);
  if (running)
    throw new FelundError(
      "E_REFUSED",
      `a node is running on ${dir} (pid ${running.pid}); stop it before restoring (its database is in use)`,
    );
  return restoreFile(dbPath(dir), from, (copy) =>
    nodeIdIn(copy) ? undefined : "is not a node's backup (it holds no node identity)",
  );
}
