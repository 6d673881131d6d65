// The relay's /metrics (Prometheus text, README "Metrics"): requests by route and status,
// rate-limit refusals, stored envelopes, WebSocket subscribers, pushes, the database's size
// and the write batch latency. Counters live here; gauges are read at scrape time.
import { statSync } from "node:fs";
import type { Database } from "bun:sqlite";
import type { StorageStats } from "./storage.ts";
import { exposition, Family, gauge, Histogram } from "../protocol/prometheus.ts";
import { normalizePath } from "./http.ts";

/** Routes counted by name; anything else (web client files, unknown paths) is "other". */
const ROUTES = new Set(["/health", "/register", "/peers", "/messages", "/signal", "/relay/ws"]);

export class RelayMetrics {
  readonly requests = new Family("felund_relay_http_requests_total", "HTTP requests by route and status", "counter");
  readonly refusals = new Family(
    "felund_relay_rate_limited_total",
    "requests refused with 429 (rate limit or per-circle quota), by route",
    "counter",
  );
  readonly writes = new Histogram(
    "felund_relay_write_seconds",
    "time of one envelope write batch (one SQLite transaction)",
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );
  /** One answered request; `path` is the request's path (any prefix). */
  request(path: string, status: number): void {
    const n = normalizePath(path);
    const route = path === "/metrics" ? "/metrics" : ROUTES.has(n) && /\/v1(\/|$)/.test(path) ? `/v1${n}` : "other";
    this.requests.inc({ route, status: String(status) });
    if (status === 429) this.refusals.inc({ route });
  }

  render(o: StorageStats & { subscribers: number; pushes: number }): string {
    const stored = o.stored;
    return exposition([
      this.requests,
      this.refusals,
      gauge("felund_relay_stored_envelopes", "envelopes stored now", stored),
      gauge("felund_relay_ws_subscribers", "WebSocket subscribers connected now", o.subscribers),
      `# HELP felund_relay_ws_pushes_total envelope frames pushed to subscribers\n# TYPE felund_relay_ws_pushes_total counter\nfelund_relay_ws_pushes_total ${o.pushes}`,
      gauge("felund_relay_db_bytes", "size of the database file and its WAL", o.dbBytes),
      this.writes,
    ]);
  }
}

/** The gauges of a SQLite relay database. */
export function sqliteStats(db: Database): StorageStats {
  const stored = (db.query("SELECT count(*) AS n FROM relay_messages").get() as { n: number }).n;
  return { stored, dbBytes: dbBytes(db.filename) };
}

function dbBytes(file: string): number {
  if (!file || file === ":memory:") return 0;
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // no WAL yet
    }
  }
  return n;
}
