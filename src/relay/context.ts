// Wires one relay instance: config, clock, rate limiters, the WebSocket hub and the feature
// services over one database. Every feature's routes get this context; nothing here listens
// or starts a timer until `control.start()`.
import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import type { Db } from "../../db/client.ts";
import * as L from "../protocol/limits.ts";
import { resolveConfig, type RateSpec, type RelayConfig, type RelayConfigInput } from "./config.ts";
import { clientAddress, errorResponse, type AddressSource } from "./http.ts";
import { EnvelopeCache } from "./messages/cache.ts";
import { MessagesService } from "./messages/service.ts";
import { MessageStore, type StorageBounds } from "./messages/store.ts";
import { PresenceService } from "./presence/service.ts";
import { PushPins } from "./messages/push-pins.ts";
import { TokenBuckets } from "./rate-limit.ts";
import { SignalService } from "./signal/service.ts";
import { SignedRequests } from "./signed.ts";
import {
  after,
  type Maybe,
  type MessagesApi,
  type PresenceApi,
  type SignalApi,
  type SignedApi,
  type StorageStats,
} from "./storage.ts";
import { sqliteStats } from "./metrics.ts";
import { BlobService, type BlobsApi } from "./blobs/service.ts";
import { Hub } from "./ws/hub.ts";
import { TypingRelay } from "./ws/typing.ts";
import { logEvent } from "../peer/log.ts";
import { rangeMatcher } from "./cidr.ts";
import { RelayMetrics } from "./metrics.ts";

export interface RelayDeps {
  db: Db;
  /** Clock in Unix milliseconds (default Date.now); server times on the wire are whole seconds. */
  now?: () => number;
  config?: RelayConfigInput;
  /** Free bytes on the database's disk (default: fs.statfs of its directory; tests simulate a full disk). */
  freeBytes?: () => number;
}

/** Free space for an unprivileged writer where the database file lives; in-memory databases have no disk. */
export function diskFreeBytes(dbFile: string): () => number {
  if (!dbFile || dbFile === ":memory:" || dbFile.startsWith("file::memory:")) return () => Infinity;
  const dir = dirname(dbFile);
  return () => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
}

export interface PruneReport {
  presence: number;
  messages: number;
  signals: number;
}

/** The background side of a relay: expired rows are pruned while it runs. */
export interface RelayControl {
  start(): void;
  stop(): void;
  /** One prune pass now (what the timer does). */
  prune(): Maybe<PruneReport>;
  /** Close every WebSocket subscriber with 1001 "going away" (the server shuts down). */
  goingAway(): void;
  readonly running: boolean;
  readonly config: RelayConfig;
}
/** On SQLite a prune pass is synchronous. */
export interface SqliteRelayControl extends RelayControl {
  prune(): PruneReport;
}

export interface RelayContext {
  config: RelayConfig;
  nowMs: () => number;
  nowS: () => number;
  hub: Hub;
  /** typing notices of WebSocket subscribers that asked for them (ws/typing.ts) */
  typing: TypingRelay;
  messages: MessagesApi;
  presence: PresenceApi;
  signal: SignalApi;
  /** signed requests of nodes that registered a signing key (PROTOCOL-V1.md §6.5) */
  signed: SignedApi;
  /** stored envelopes and database size for /metrics */
  stats(): Maybe<StorageStats>;
  /** attachment chunks (PUT/GET /v1/blobs) */
  blobs: BlobsApi;
  /** The client address by the relay's proxy rule (null when unknown, e.g. app.handle in tests). */
  address(request: Request, server: AddressSource | null | undefined): string | null;
  /** Per-address request limit: a 429 to answer with, or undefined to go on. Null when off. */
  limitAddress: ((request: Request, server: AddressSource | null | undefined) => Response | undefined) | null;
  control: RelayControl;
  /** counters and histograms of /metrics */
  metrics: RelayMetrics;
  /** history push (POST /v1/messages/batch): pinned keys and their allowance (null: unlimited) */
  push: { pins: PushPins; rate: TokenBuckets | null };
}

/** What both storage backends share: settings, clock, in-process rate limiters, the hub, metrics. */
export interface RelayParts {
  config: RelayConfig;
  nowMs: () => number;
  nowS: () => number;
  /** Token buckets of this process (see README "Relay on PostgreSQL" for why they are per process). */
  limiters: Record<"ip" | "hint" | "push" | "signalNode" | "signalIp", TokenBuckets | null>;
  /** the push key pinned per circle_hint (docs/PROTOCOL.md §25) */
  pushPins: PushPins;
  hub: Hub;
  typing: TypingRelay;
  metrics: RelayMetrics;
}

/** A storage backend's services and its prune pass. */
export interface RelayBackend {
  messages: MessagesApi;
  presence: PresenceApi;
  signal: SignalApi;
  signed: SignedApi;
  blobs: BlobsApi;
  stats(): Maybe<StorageStats>;
  prune(nowS: number): Maybe<PruneReport>;
}

const buckets = (spec: RateSpec | null) => (spec ? new TokenBuckets(spec, L.RELAY_RATE_KEYS_MAX) : null);

export function relayParts(input: RelayConfigInput | undefined, now: (() => number) | undefined): RelayParts {
  const config = resolveConfig(input);
  const nowMs = now ?? Date.now;
  return {
    config,
    nowMs,
    nowS: () => Math.floor(nowMs() / 1000),
    limiters: {
      ip: buckets(config.rate.ip),
      hint: buckets(config.rate.hintMessages),
      push: buckets(config.rate.hintPush),
      signalNode: buckets(config.rate.signalNode),
      signalIp: buckets(config.rate.signalIp),
    },
    hub: new Hub(config.wsMaxPerIp, config.wsMaxTotal),
    typing: new TypingRelay(),
    pushPins: new PushPins(L.RELAY_RATE_KEYS_MAX),
    metrics: new RelayMetrics(),
  };
}

/** The SQLite backend (the default): services over bun:sqlite, synchronous. */
function sqliteBackend(deps: RelayDeps, p: RelayParts): RelayBackend & { prune(nowS: number): PruneReport } {
  const { config, nowS, nowMs, limiters, hub } = p;
  const freeBytes = deps.freeBytes ?? diskFreeBytes(deps.db.$client.filename);
  const bounds: StorageBounds = {
    get hintQuotaBytes() {
      return config.hintQuotaBytes;
    },
    get totalQuotaBytes() {
      return config.totalQuotaBytes;
    },
    get evictMinAgeS() {
      return config.evictMinAgeS;
    },
    get diskFreeMinBytes() {
      return config.diskFreeMinBytes;
    },
    freeBytes,
  };
  const store = new MessageStore(
    deps.db.$client,
    nowS,
    () => config.retentionS,
    () => bounds,
  );
  const cache = new EnvelopeCache(store, config.cacheBytes);
  const messages = new MessagesService({ store, cache, hub, hintRate: limiters.hint, nowMs });
  store.onEvicted = (seqs) => {
    cache.drop(seqs);
    messages.forgetPages();
  };
  const presence = new PresenceService(deps.db, nowS);
  const signed = new SignedRequests(deps.db, nowS);
  const blobs = new BlobService(
    deps.db.$client,
    nowS,
    () => config.retentionS,
    () => config.blobQuotaBytes,
  );
  const signal = new SignalService({ db: deps.db, nowMs, perNode: limiters.signalNode, perAddress: limiters.signalIp });
  store.onWrite = (s) => p.metrics.writes.observe(s);
  return {
    messages,
    presence,
    signal,
    signed,
    blobs,
    stats: () => sqliteStats(deps.db.$client),
    prune(now) {
      const report = {
        presence: presence.prune(now),
        messages: store.prune(now, L.RELAY_PRUNE_CHUNK),
        signals: signal.prune(now),
      };
      cache.dropExpired(now);
      signed.prune(now);
      blobs.prune(now);
      messages.forgetPages();
      return report;
    },
  };
}

export function createRelayContext(deps: RelayDeps): RelayContext & { control: SqliteRelayControl } {
  const parts = relayParts(deps.config, deps.now);
  return contextOf(parts, sqliteBackend(deps, parts)) as RelayContext & { control: SqliteRelayControl };
}

/** The context over a backend: address rules, the per-address limit and the prune timer. */
export function contextOf(parts: RelayParts, backend: RelayBackend): RelayContext {
  const { config, nowMs, nowS, limiters, hub, metrics } = parts;
  const trust = typeof config.trustProxy === "boolean" ? config.trustProxy : rangeMatcher(config.trustProxy);
  const address = (request: Request, server: AddressSource | null | undefined) => clientAddress(request, server, trust);

  const ipRate = limiters.ip;
  const limitAddress = ipRate
    ? (request: Request, server: AddressSource | null | undefined) => {
        const r = ipRate.take(address(request, server) ?? "unknown", nowMs());
        if (r.ok) return undefined;
        return errorResponse(
          "E_RATE_LIMITED",
          `Rate limit: too many requests from this address; retry in ${r.retryAfterS} s`,
          {
            "Retry-After": String(r.retryAfterS),
          },
        );
      }
    : null;

  let timer: ReturnType<typeof setInterval> | null = null;
  const prune = (): Maybe<PruneReport> =>
    after(backend.prune(nowS()), (report) => {
      for (const b of Object.values(limiters)) b?.sweep(nowMs());
      parts.pushPins.prune(nowS());
      return report;
    });
  // A locked or full database must not kill the process; the next pass retries.
  const failed = (e: unknown) =>
    logEvent("error", "relay.prune_failed", `felund relay: prune failed ${String(e)}`, { error: e });
  const control: RelayControl = {
    config,
    get running() {
      return timer !== null;
    },
    start() {
      if (timer) return;
      timer = setInterval(() => {
        try {
          const r = prune();
          if (r instanceof Promise) r.catch(failed);
        } catch (e) {
          failed(e);
        }
      }, config.pruneIntervalMs);
      (timer as { unref?: () => void }).unref?.();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    goingAway: () => hub.closeAll(L.WS_GOING_AWAY, "server shutting down"),
    prune,
  };
  return {
    config,
    nowMs,
    nowS,
    hub,
    typing: parts.typing,
    messages: backend.messages,
    presence: backend.presence,
    signal: backend.signal,
    signed: backend.signed,
    stats: () => backend.stats(),
    blobs: backend.blobs,
    address,
    limitAddress,
    control,
    metrics,
    push: { pins: parts.pushPins, rate: limiters.push },
  };
}
