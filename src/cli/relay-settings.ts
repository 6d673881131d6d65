// The settings of `felund relay` (README "Operator settings"): every bound of the relay's
// config, with the compile-time constants of limits.ts as defaults.
import * as L from "../protocol/limits.ts";
import type { RelayConfigInput, RateSpec } from "../relay/config.ts";
import type { Setting, Settings } from "./settings.ts";

const MIB = 1024 * 1024;
const BIG = 1_000_000_000;

const rate = (name: string, what: string, perS: number, burst: number): Setting[] => [
  {
    key: `rate.${name}.per_second`,
    type: "number",
    default: perS,
    max: BIG,
    help: `${what}: tokens per second (0: off)`,
  },
  { key: `rate.${name}.burst`, type: "int", default: burst, min: 1, max: BIG, help: `${what}: bucket size` },
];

export const RELAY_SETTINGS: readonly Setting[] = [
  { key: "http", type: "string", default: "0.0.0.0:8000", flag: "http", help: "where to listen (HOST:PORT)" },
  {
    key: "db",
    type: "string",
    default: "",
    flag: "db",
    help: "SQLite database file (empty: relay.sqlite in the state dir), or postgres://USER:PASS@HOST:PORT/DB to share one PostgreSQL database between several relay processes",
  },
  { key: "web", type: "bool", default: true, flag: "no-web", flagValue: false, help: "serve the web client" },
  { key: "docs", type: "bool", default: true, help: "serve the API description at /docs" },
  {
    key: "log_format",
    type: "enum",
    values: ["text", "json"],
    default: "text",
    flag: "log-format",
    help: "log lines: text or json (one object per line)",
  },
  {
    key: "trust_proxy",
    type: "ranges",
    default: false,
    flag: "trust-proxy",
    flagValue: true,
    help: "take client addresses from X-Forwarded-For / X-Real-IP: true (any peer) or the proxies' address ranges",
  },
  { key: "metrics", type: "bool", default: true, help: "serve /metrics (Prometheus text)" },
  {
    key: "metrics_token",
    type: "string",
    default: "",
    secret: true,
    help: "if set, /metrics wants Authorization: Bearer TOKEN",
  },
  {
    key: "retention_days",
    type: "int",
    default: 30,
    min: 1,
    max: 3650,
    flag: "retention-days",
    help: "days envelopes are kept",
  },
  {
    key: "prune_interval_s",
    type: "int",
    default: L.RELAY_PRUNE_INTERVAL_MS / 1000,
    min: 1,
    max: 86400,
    help: "seconds between prune passes",
  },
  {
    key: "max_body_bytes",
    type: "int",
    default: L.RELAY_BODY_MAX_BYTES,
    min: 1024,
    max: 1024 * MIB,
    help: "largest request body (413 beyond)",
  },
  {
    key: "cache_mb",
    type: "int",
    default: L.RELAY_CACHE_BYTES / MIB,
    min: 0,
    max: 1024 * 1024,
    help: "MiB of envelopes kept in memory for pages",
  },
  {
    key: "quota.hint_mb",
    type: "int",
    default: L.RELAY_HINT_QUOTA_BYTES / MIB,
    min: 1,
    max: 1024 * 1024,
    flag: "hint-quota-mb",
    help: "envelope MiB one circle may hold (429 beyond)",
  },
  {
    key: "quota.total_mb",
    type: "int",
    default: L.RELAY_TOTAL_QUOTA_BYTES / MIB,
    min: 1,
    max: 1024 * 1024,
    flag: "total-quota-mb",
    help: "envelope MiB in total (oldest evicted beyond, else 507)",
  },
  {
    key: "quota.disk_floor_mb",
    type: "int",
    default: L.RELAY_DISK_FREE_MIN_BYTES / MIB,
    min: 0,
    max: 1024 * 1024,
    flag: "disk-floor-mb",
    help: "refuse writes (507) while the disk has less free space",
  },
  {
    key: "quota.evict_min_age_s",
    type: "int",
    default: L.RELAY_EVICT_MIN_AGE_S,
    min: 0,
    max: 3650 * 86400,
    help: "only envelopes older than this are evicted",
  },
  ...rate("ip", "every request per client address", L.RELAY_RATE_IP_PER_S, L.RELAY_RATE_IP_BURST),
  ...rate("hint", "envelopes stored per circle", L.RELAY_RATE_HINT_PER_S, L.RELAY_RATE_HINT_BURST),
  ...rate("signal_node", "POST /v1/signal per node", L.RELAY_RATE_SIGNAL_NODE_PER_S, L.RELAY_RATE_SIGNAL_NODE_BURST),
  ...rate("signal_ip", "POST /v1/signal per address", L.RELAY_RATE_SIGNAL_IP_PER_S, L.RELAY_RATE_SIGNAL_IP_BURST),
  {
    key: "ws.max_per_ip",
    type: "int",
    default: L.RELAY_WS_MAX_PER_IP,
    min: 1,
    max: BIG,
    help: "WebSocket subscribers per address",
  },
  {
    key: "ws.max_total",
    type: "int",
    default: L.RELAY_WS_MAX_TOTAL,
    min: 1,
    max: BIG,
    help: "WebSocket subscribers in total",
  },
  {
    key: "ws.idle_s",
    type: "int",
    default: L.RELAY_WS_IDLE_S,
    min: 5,
    max: 960,
    help: "seconds a WebSocket may stay silent",
  },
  {
    key: "ws.frame_max_bytes",
    type: "int",
    default: L.RELAY_WS_FRAME_IN_MAX,
    min: 128,
    max: MIB,
    help: "largest frame a client may send",
  },
  {
    key: "ws.backlog_s",
    type: "int",
    default: L.RELAY_WS_BACKLOG_S,
    min: 0,
    max: 86400,
    help: "seconds of envelopes sent to a new subscriber",
  },
  {
    key: "ws.backlog_max",
    type: "int",
    default: L.RELAY_WS_BACKLOG_MAX,
    min: 0,
    max: 100_000,
    help: "envelopes sent to a new subscriber at most",
  },
];

/** The relay config the settings describe (cross-key checks included). */
export function relayConfigOf(s: Settings): RelayConfigInput {
  const v = s.values as Record<string, never>;
  const spec = (name: string): RateSpec | null =>
    v[`rate.${name}.per_second`] === 0
      ? null
      : { perSecond: v[`rate.${name}.per_second`], burst: v[`rate.${name}.burst`] };
  return {
    trustProxy: v.trust_proxy,
    docs: v.docs,
    metrics: v.metrics,
    metricsToken: v.metrics_token,
    retentionS: (v.retention_days as number) * 86400,
    pruneIntervalMs: (v.prune_interval_s as number) * 1000,
    maxBodyBytes: v.max_body_bytes,
    cacheBytes: (v.cache_mb as number) * MIB,
    hintQuotaBytes: (v["quota.hint_mb"] as number) * MIB,
    totalQuotaBytes: (v["quota.total_mb"] as number) * MIB,
    diskFreeMinBytes: (v["quota.disk_floor_mb"] as number) * MIB,
    evictMinAgeS: v["quota.evict_min_age_s"],
    rate: { ip: spec("ip"), hintMessages: spec("hint"), signalNode: spec("signal_node"), signalIp: spec("signal_ip") },
    wsMaxPerIp: v["ws.max_per_ip"],
    wsMaxTotal: v["ws.max_total"],
    wsIdleS: v["ws.idle_s"],
    wsFrameInMax: v["ws.frame_max_bytes"],
    wsBacklogS: v["ws.backlog_s"],
    wsBacklogMax: v["ws.backlog_max"],
  };
}
