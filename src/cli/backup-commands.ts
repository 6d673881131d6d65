// `felund backup` / `restore` (the node's state dir) and `relay-backup` / `relay-restore` (a
// relay's database file). Backups are online: a running node copies its own database through
// its local API, a relay's file is copied from a second connection while the relay writes.
// Restores need the owner stopped and keep the database they replace as `<db>.<time>.bak`.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { FelundError } from "../protocol/errors.ts";
import type { BackupResult } from "../node/backup.ts";
import { dbPath, liveRuntime } from "../node/runtime.ts";
import { connect } from "./client.ts";
import { json, type Cmd } from "./command-kit.ts";
import { out } from "./print.ts";

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const target = (p: { positionals: string[] }, what: string): string => {
  const path = p.positionals[0];
  if (!path) throw new FelundError("E_USAGE", `give the ${what} file: PATH`);
  return resolve(path);
};
const dbFlag = {
  name: "db",
  type: "string",
  placeholder: "PATH",
  help: "the relay's database (default: relay.sqlite in the state dir)",
} as const;
function relayDbPath(p: { flags: Record<string, unknown> }, dir: string): string {
  const db = String(p.flags.db ?? join(dir, "relay.sqlite"));
  if (/^postgres(ql)?:\/\//i.test(db))
    throw new FelundError(
      "E_USAGE",
      "a relay on PostgreSQL is backed up and restored with pg_dump and pg_restore (docs/OPERATIONS.md)",
    );
  return resolve(db);
}

function printBackup(r: BackupResult, asJson: boolean, how: string): void {
  if (asJson) out(JSON.stringify(r));
  else out(`backed up to ${r.path} (${mb(r.bytes)} in ${r.ms} ms, ${how})`);
}

export const backupCommands: Cmd[] = [
  {
    name: "backup",
    summary: "copy this node's state (identity, circles, keys, history) to a file, while it runs",
    usage: "felund backup PATH [--json]",
    positionals: ["PATH"],
    flags: [json],
    async run(p, dir) {
      const to = target(p, "backup");
      if (liveRuntime(dir)) {
        const t = connect(dir);
        const r = (await t.api!("POST", "/backup", { path: to })) as BackupResult;
        printBackup(r, !!p.flags.json, `by the running node, pid ${t.runtime!.pid}`);
      } else {
        const { backupStateDir } = await import("../node/backup.ts");
        printBackup(backupStateDir(dir, to), !!p.flags.json, "no node running");
      }
      return 0;
    },
  },
  {
    name: "restore",
    summary: "replace this node's state with a backup (the node must be stopped; the old one is kept as .bak)",
    usage: "felund restore PATH [--json]",
    positionals: ["PATH"],
    flags: [json],
    async run(p, dir) {
      const from = target(p, "backup");
      const { restoreStateDir } = await import("../node/backup.ts");
      const r = restoreStateDir(dir, from);
      if (p.flags.json) out(JSON.stringify({ restored: dbPath(dir), ...r }));
      else
        out(
          `restored ${from} to ${dbPath(dir)} (${mb(r.bytes)})` +
            (r.kept ? `; the database it replaced is ${r.kept}` : ""),
        );
      return 0;
    },
  },
  {
    name: "relay-backup",
    summary: "copy a relay's database to a file, while the relay runs",
    usage: "felund relay-backup PATH [--db PATH] [--json]",
    positionals: ["PATH"],
    flags: [dbFlag, json],
    async run(p, dir) {
      const to = target(p, "backup");
      const db = relayDbPath(p, dir);
      if (!existsSync(db)) throw new FelundError("E_NOT_FOUND", `no relay database at ${db} (see --db)`);
      const { backupRelayDb } = await import("../relay/database.ts");
      printBackup(backupRelayDb(db, to), !!p.flags.json, "online");
      return 0;
    },
  },
  {
    name: "relay-restore",
    summary: "replace a relay's database with a backup (the relay must be stopped; the old one is kept as .bak)",
    usage: "felund relay-restore PATH [--db PATH] [--json]",
    positionals: ["PATH"],
    flags: [dbFlag, json],
    async run(p, dir) {
      const from = target(p, "backup");
      const db = relayDbPath(p, dir);
      const { restoreRelayDb } = await import("../relay/database.ts");
      const r = restoreRelayDb(db, from);
      if (p.flags.json) out(JSON.stringify({ restored: db, ...r }));
      else
        out(`restored ${from} to ${db} (${mb(r.bytes)})` + (r.kept ? `; the database it replaced is ${r.kept}` : ""));
      return 0;
    },
  },
];
