// Configuration of a relay instance: every field has a default from the limits module, and
// `resolveConfig` merges what the caller gives over them.
import * as L from "../protocol/limits.ts";

/** A token bucket: `perSecond` refill, at most `burst` tokens. */
export interface RateSpec {
  perSecond: number;
  burst: number;
}

export interface RelayConfig {
  /**
   * Behind one trusted reverse proxy: take the client address from the last X-Forwarded-For
   * entry (the one the proxy appended), else X-Real-IP. Off: the socket address (W10).
   * A list of address ranges believes the headers only from peers in them (the proxies).
   */
  trustProxy: boolean | readonly string[];
  /** Seconds an envelope is kept. */
  retentionS: number;
  /** Period of the background prune started by `relay.start()`. */
  pruneIntervalMs: number;
  /** Largest request body accepted (413 beyond). */
  maxBodyBytes: number;
  wsBacklogS: number;
  wsBacklogMax: number;
  wsMaxPerIp: number;
  wsMaxTotal: number;
  /** Seconds a WebSocket may stay silent (Bun pings before). */
  wsIdleS: number;
  /** Largest frame a WebSocket client may send. */
  wsFrameInMax: number;
  /** Serve /metrics (Prometheus text); with `metricsToken` set, only to `Authorization: Bearer <token>`. */
  metrics: boolean;
  metricsToken: string;
  /** Bytes of envelope JSON kept in memory for serving pages. */
  cacheBytes: number;
  /** Rate limits; `null` turns one off. */
  rate: {
    /** every relay request, per client address */
    ip: RateSpec | null;
    /** envelopes newly stored, per circle_hint */
    hintMessages: RateSpec | null;
    /** envelopes newly stored per circle_hint by batches signed with its pinned push key (docs/PROTOCOL.md §25) */
    hintPush: RateSpec | null;
    /** POST /v1/signal per from_node_id */
    signalNode: RateSpec | null;
    /** POST /v1/signal per client address */
    signalIp: RateSpec | null;
  };
  /** Serve the OpenAPI description at /docs (and /docs/json). */
  docs: boolean;
  /** Envelope bytes one circle_hint may hold; beyond, POST is refused with 429 (never evicted). */
  hintQuotaBytes: number;
  /** sealed attachment chunk bytes one circle_hint may hold (PUT /v1/blobs) */
  blobQuotaBytes: number;
  /** Envelope bytes in total; beyond, the oldest envelopes older than `evictMinAgeS` are evicted, else 507. */
  totalQuotaBytes: number;
  evictMinAgeS: number;
  /** POST answers 507 while the database's disk has less free space than this (0: never checked). */
  diskFreeMinBytes: number;
}

export type RelayConfigInput = Partial<Omit<RelayConfig, "rate">> & { rate?: Partial<RelayConfig["rate"]> | false };

export const DEFAULT_CONFIG: RelayConfig = {
  trustProxy: false,
  retentionS: L.RELAY_RETENTION_S,
  pruneIntervalMs: L.RELAY_PRUNE_INTERVAL_MS,
  maxBodyBytes: L.RELAY_BODY_MAX_BYTES,
  wsBacklogS: L.RELAY_WS_BACKLOG_S,
  wsBacklogMax: L.RELAY_WS_BACKLOG_MAX,
  wsMaxPerIp: L.RELAY_WS_MAX_PER_IP,
  wsMaxTotal: L.RELAY_WS_MAX_TOTAL,
  wsIdleS: L.RELAY_WS_IDLE_S,
  wsFrameInMax: L.RELAY_WS_FRAME_IN_MAX,
  metrics: true,
  metricsToken: "",
  cacheBytes: L.RELAY_CACHE_BYTES,
  rate: {
    ip: { perSecond: L.RELAY_RATE_IP_PER_S, burst: L.RELAY_RATE_IP_BURST },
    hintMessages: { perSecond: L.RELAY_RATE_HINT_PER_S, burst: L.RELAY_RATE_HINT_BURST },
    hintPush: { perSecond: L.RELAY_RATE_PUSH_PER_S, burst: L.RELAY_RATE_PUSH_BURST },
    signalNode: { perSecond: L.RELAY_RATE_SIGNAL_NODE_PER_S, burst: L.RELAY_RATE_SIGNAL_NODE_BURST },
    signalIp: { perSecond: L.RELAY_RATE_SIGNAL_IP_PER_S, burst: L.RELAY_RATE_SIGNAL_IP_BURST },
  },
  docs: true,
  hintQuotaBytes: L.RELAY_HINT_QUOTA_BYTES,
  blobQuotaBytes: L.RELAY_BLOB_QUOTA_BYTES,
  totalQuotaBytes: L.RELAY_TOTAL_QUOTA_BYTES,
  evictMinAgeS: L.RELAY_EVICT_MIN_AGE_S,
  diskFreeMinBytes: L.RELAY_DISK_FREE_MIN_BYTES,
};

/** All rate limits off (benchmarks, trusted single-user setups). */
export const NO_RATE_LIMITS: RelayConfig["rate"] = {
  ip: null,
  hintMessages: null,
  hintPush: null,
  signalNode: null,
  signalIp: null,
};

export function resolveConfig(input: RelayConfigInput = {}): RelayConfig {
  const { rate, ...rest } = input;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return {
    ...DEFAULT_CONFIG,
    ...defined,
    rate: rate === false ? { ...NO_RATE_LIMITS } : { ...DEFAULT_CONFIG.rate, ...rate },
  };
}
