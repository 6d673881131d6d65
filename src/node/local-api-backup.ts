// The local API's backup route: the running node copies its own database (VACUUM INTO on its
// connection: consistent as of one moment, with every write it answered before). Same token,
// Host and Origin checks as every other route.
//   POST /api/backup {path} -> { ok, path, bytes, ms }   (path: absolute, must not exist)
import type { Database } from "bun:sqlite";
import { FelundError } from "../protocol/errors.ts";
import { backupSqlite } from "./backup.ts";

type On = (method: string, path: string, run: (r: { body: Record<string, unknown> }) => unknown) => void;

export function backupRoutes(on: On, host: { store: { sql: Database } }): void {
  on("POST", "/backup", ({ body }) => {
    const path = body.path;
    if (typeof path !== "string" || !path.startsWith("/") || path.length > 4096)
      throw new FelundError("E_INVALID", "invalid input: path must be an absolute file path");
    return { ok: true, ...backupSqlite(host.store.sql, path) };
  });
}
