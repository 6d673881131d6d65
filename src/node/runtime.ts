// The state directory: where the database lives, the per-install API token, and the
// runtime file that tells one-shot commands a node is running (and where its local API is).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { toHex } from "../protocol/bytes.ts";
import { systemRng } from "../protocol/crypto.ts";
import { NodeStore } from "../../db/node-store.ts";
import { openSqlite } from "../../db/sqlite.ts";

export function stateDir(explicit?: string): string {
  const dir = explicit || process.env.FELUND_STATE_DIR || join(homedir(), ".felund");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export const dbPath = (dir: string) => join(dir, "felund.sqlite");

/** The node's store in this state dir (created and migrated on first use). */
export const openNodeStore = (dir: string) => new NodeStore(openSqlite(dbPath(dir)));

/** The per-install token that the local API requires (created on first use, mode 0600). */
export function apiToken(dir: string): string {
  const p = join(dir, "api-token");
  if (existsSync(p)) {
    const t = readFileSync(p, "utf8").trim();
    if (/^[0-9a-f]{64}$/.test(t)) return t;
  }
  const t = toHex(systemRng(32));
  writeFileSync(p, t + "\n", { mode: 0o600 });
  chmodSync(p, 0o600);
  return t;
}

export interface RuntimeInfo {
  pid: number;
  api: string;
  tcpPort: number;
  nodeId: string;
  mode: string;
  startedAt: number;
}

export function writeRuntime(dir: string, info: RuntimeInfo): void {
  writeFileSync(join(dir, "runtime.json"), JSON.stringify(info), { mode: 0o600 });
}

export function clearRuntime(dir: string, pid = process.pid): void {
  const r = readRuntime(dir);
  if (r && r.pid === pid) rmSync(join(dir, "runtime.json"), { force: true });
}

export function readRuntime(dir: string): RuntimeInfo | null {
  try {
    return JSON.parse(readFileSync(join(dir, "runtime.json"), "utf8")) as RuntimeInfo;
  } catch {
    return null;
  }
}

/** The running node on this state dir, if its process is alive. */
export function liveRuntime(dir: string): RuntimeInfo | null {
  const r = readRuntime(dir);
  if (!r) return null;
  try {
    process.kill(r.pid, 0);
    return r;
  } catch {
    return null;
  }
}
