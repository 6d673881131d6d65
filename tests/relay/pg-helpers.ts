// PostgreSQL for the relay tests: one throwaway cluster per test file (bench/lib/pg-cluster.ts),
// a fresh database per relay, and relays on it with a hand-driven clock, like helpers.ts.
// No PostgreSQL (or not root) fails the file loudly: these tests never skip.
import { afterAll } from "bun:test";
import { closePg, openPg, type PgDb } from "../../db/pg.ts";
import { createPgRelayApp, type PgRelayApp } from "../../src/relay/pg/index.ts";
import type { RelayConfigInput } from "../../src/relay/config.ts";
import { startPgCluster, type PgCluster } from "../../bench/lib/pg-cluster.ts";
import { callerOf, T0, type TestRelay } from "./helpers.ts";

let cluster: Promise<PgCluster> | null = null;
let dbs = 0;
const open: { pg: PgDb; app: PgRelayApp }[] = [];

/**
 * Call at the top of a test file that uses PostgreSQL: its relays and cluster are stopped
 * after the file's last test (a file run after it in the same `bun test` starts its own).
 */
export function usePostgres(): void {
  afterAll(async () => {
    for (const o of open.splice(0)) {
      await o.app.unlisten().catch(() => {});
      await closePg(o.pg).catch(() => {});
    }
    const c = cluster;
    cluster = null;
    if (c) await (await c).stop();
  }, 20_000);
}

/** The file's cluster, started on first use and stopped after the file. */
export function pgCluster(): Promise<PgCluster> {
  cluster ??= startPgCluster();
  return cluster;
}

/** A fresh, empty database in the file's cluster. */
export async function freshDatabase(): Promise<string> {
  return (await pgCluster()).createDatabase(`relay_${process.pid}_${++dbs}`);
}

export type PgTestRelay = Omit<TestRelay, "app" | "db"> & { app: PgRelayApp; url: string };

/** A relay on PostgreSQL (a fresh database unless `url` is given) with a hand-driven clock. */
export async function makePgRelay(
  config: RelayConfigInput = {},
  startS = T0,
  url?: string,
  deps: { freeBytes?: () => number } = {},
): Promise<PgTestRelay> {
  const dbUrl = url ?? (await freshDatabase());
  const pg = await openPg(dbUrl, { max: 4 });
  let nowMs = startS * 1000;
  const app = await createPgRelayApp({ pg, now: () => nowMs, config, url: dbUrl, ...deps });
  open.push({ pg, app });
  const call = callerOf(app);
  return {
    app,
    url: dbUrl,
    now: () => nowMs,
    nowS: () => Math.floor(nowMs / 1000),
    advance(seconds: number) {
      nowMs += seconds * 1000;
    },
    call,
    post: (hint, messages, headers) => call("POST", "/v1/messages", { circle_hint: hint, messages }, headers),
  };
}
