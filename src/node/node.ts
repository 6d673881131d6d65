// The running node: TCP listener, gossip rounds, dialling, and the user operations of
// service.ts wrapped with "sync now" and live notifications for front ends.
import type { Socket, TCPSocketListener } from "bun";
import { systemRng, type Rng } from "../protocol/crypto.ts";
import { formatHostPort, parseHostPort } from "../protocol/hostport.ts";
import { CONNECT_TIMEOUT_MS, DEFAULT_INTERVAL_S, MAX_INBOUND_CONNECTIONS, MAX_PARALLEL_DIALS } from "../protocol/limits.ts";
import type { NodeStore } from "../../db/node-store.ts";
import { CallRegistry } from "../sync/control-apply.ts";
import { PeerKnowledge } from "../sync/knowledge.ts";
import { expirePeers, recordDialFailure, selectDials, type SelfInfo } from "../sync/peers.ts";
import type { StoredMessage } from "../sync/store.ts";
import { V1Exchange, type ExchangeDeps, type ExchangeResult } from "../sync/v1-exchange.ts";
import { advertisedHost, loadSettings, localAddresses } from "./identity.ts";
import { DEFAULT_TIMEOUTS, LineConn, type ConnData, type ConnTimeouts } from "./line-conn.ts";
import * as svc from "./service.ts";
import { RelayClient } from "./relay-client.ts";

export type NodeEvent =
  | { t: "message"; message: StoredMessage }
  | { t: "peers"; circleId: string }
  | { t: "circles" }
  | { t: "sync"; circleId: string; peer: string; addr: string; ok: boolean; stored: number; sent: number; detail: string }
  | { t: "debug"; line: string };

export interface NodeOptions {
  store: NodeStore;
  /** listen address; defaults from settings */
  bind?: string;
  port?: number;
  intervalS?: number;
  encrypt?: boolean;
  ext?: boolean;
  rng?: Rng;
  nowMs?: () => number;
  debug?: boolean;
  /** shorter per-frame / per-exchange / connect timeouts (tests); default: the values in limits.ts */
  timeouts?: Partial<ConnTimeouts & { connectMs: number }>;
  /** relay base URL; overrides the stored setting for this run */
  relay?: string;
  /** use the relay's WebSocket push (default true) */
  relayWs?: boolean;
}

/** Errors that mean a bug in our own code rather than bad input or the network. */
export const isBug = (e: unknown): boolean =>
  e instanceof TypeError || e instanceof ReferenceError || e instanceof RangeError || e instanceof SyntaxError || e instanceof EvalError || e instanceof URIError;

/** Follow-up exchanges in a row with one peer while it still has more for us (bounded). */
const MAX_FOLLOW_UPS = 2000;
/** Immediate retries with a smaller request after a v1 peer failed to answer one. */
const MAX_RETRIES = 3;

export class FelundNode {
  readonly store: NodeStore;
  readonly calls = new CallRegistry();
  readonly knowledge: PeerKnowledge;
  readonly nodeId: string;
  private listener: TCPSocketListener<ConnData> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private listeners = new Set<(e: NodeEvent) => void>();
  private inflight = new Map<string, Promise<ExchangeResult | null>>();
  private again = new Set<string>();
  private lastAttempt = new Map<string, number>();
  private selfAddrs = new Set<string>();
  private localHosts = new Set(localAddresses());
  private active = 0;
  private waiting: (() => void)[] = [];
  private inbound = 0;
  /** circles with a round due, each with the one peer it need not dial (or null) */
  private pendingRounds = new Map<string, string | null>();
  private roundTimer: ReturnType<typeof setTimeout> | null = null;
  private rounds = 0;
  private stopped = false;
  readonly ctx: svc.Ctx;
  port = 0;
  relay: RelayClient | null = null;

  constructor(private opts: NodeOptions) {
    this.store = opts.store;
    const s = loadSettings(this.store);
    this.nodeId = s.nodeId;
    const nowMs = opts.nowMs ?? Date.now;
    this.knowledge = new PeerKnowledge(nowMs);
    this.ctx = { store: this.store, calls: this.calls, now: () => Math.floor(nowMs() / 1000), rng: opts.rng ?? systemRng };
  }

  get settings() {
    return loadSettings(this.store);
  }

  /** host:port peers should dial; null before listening */
  get listenAddr(): string | null {
    return this.port ? formatHostPort(advertisedHost(this.opts.bind ?? this.settings.bind), this.port) : null;
  }

  private selfInfo(): SelfInfo {
    return {
      nodeId: this.nodeId,
      isSelfAddr: (addr) => {
        if (this.selfAddrs.has(addr)) return true;
        const hp = parseHostPort(addr);
        return !!hp && hp.port === this.port && this.localHosts.has(hp.host);
      },
    };
  }

  private connTimeouts(): ConnTimeouts {
    return { ...DEFAULT_TIMEOUTS, ...this.opts.timeouts };
  }

  private deps(): ExchangeDeps {
    return {
      store: this.store, calls: this.calls, knowledge: this.knowledge, now: this.ctx.now, rng: this.ctx.rng,
      self: { ...this.selfInfo(), listenAddr: this.listenAddr }, encrypt: this.opts.encrypt, ext: this.opts.ext,
    };
  }

  /**
   * Bun hands exceptions thrown by our own socket handlers to `error`, next to network
   * errors. A network error is logged; a bug (TypeError and the like) is rethrown outside
   * the handler so it crashes loudly instead of leaving the connection hanging (STYLE 5).
   */
  private socketError(err: Error, where: string): void {
    if (isBug(err)) {
      queueMicrotask(() => { throw err; });
      return;
    }
    this.log(`${where}: socket error ${err.message}`);
  }

  subscribe(fn: (e: NodeEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  emit(e: NodeEvent): void {
    for (const fn of this.listeners) fn(e);
  }
  log(line: string): void {
    if (this.opts.debug) console.error(`[felund] ${line}`);
    this.emit({ t: "debug", line });
  }

  async start(): Promise<void> {
    const s = this.settings;
    const hostname = this.opts.bind ?? s.bind;
    const port = this.opts.port ?? s.port;
    this.listener = Bun.listen<ConnData>({
      hostname: hostname || "0.0.0.0",
      port,
      socket: {
        open: (sock) => {
          if (this.inbound >= MAX_INBOUND_CONNECTIONS) {
            sock.end();
            return;
          }
          this.inbound++;
          const conn = new LineConn(sock, V1Exchange.server(this.deps(), sock.remoteAddress), (l) => this.log(l), this.connTimeouts());
          sock.data = { conn };
          conn.finished.then(() => this.afterExchange(conn.exchange.result, sock.remoteAddress, false));
        },
        data: (sock, chunk) => sock.data?.conn?.onData(chunk),
        drain: (sock) => sock.data?.conn?.onDrain(),
        close: (sock) => {
          if (sock.data?.conn) {
            this.inbound--;
            sock.data.conn.onClose();
            sock.data.conn = undefined;
          }
        },
        error: (_sock, err) => this.socketError(err, "inbound"),
      },
    });
    this.port = this.listener.port;
    this.selfAddrs.add(formatHostPort("127.0.0.1", this.port));
    this.selfAddrs.add(this.listenAddr!);
    const interval = (this.opts.intervalS ?? DEFAULT_INTERVAL_S) * 1000;
    this.timer = setInterval(() => this.gossipRound(), interval);
    this.log(`listening on ${hostname}:${this.port} as ${this.nodeId}`);
    this.configureRelay(this.opts.relay ?? s.relayBase);
  }

  /** Start (or stop, with "") the relay client for `base`. */
  configureRelay(base: string): void {
    const b = base.trim().replace(/\/+$/, "");
    if (this.relay?.base === b) return;
    this.relay?.stop();
    this.relay = null;
    if (b && !this.stopped) {
      this.relay = new RelayClient(this, b, { ws: this.opts.relayWs });
      this.relay.start();
      this.log(`using relay ${b}`);
    }
  }

  stop(): void {
    this.stopped = true;
    this.relay?.stop();
    this.relay = null;
    if (this.timer) clearInterval(this.timer);
    if (this.roundTimer) clearTimeout(this.roundTimer);
    this.listener?.stop(true);
    this.listener = null;
  }

  /** One gossip round over every circle (periodic). */
  gossipRound(): void {
    this.rounds++;
    this.applyRetention();
    for (const c of this.store.listCircles()) {
      expirePeers(this.store, c.circleId, this.ctx.now());
      void this.syncCircle(c.circleId);
    }
  }

  private lastPrune = 0;
  /** History is kept forever unless the retention setting says otherwise (checked hourly). */
  applyRetention(force = false): number {
    const now = this.ctx.now();
    if (!force && now - this.lastPrune < 3600) return 0;
    this.lastPrune = now;
    const days = this.settings.retentionDays;
    if (!days || days <= 0) return 0;
    const n = this.store.pruneOlderThan(now - days * 86400);
    if (n) this.log(`retention: deleted ${n} message(s) older than ${days} day(s)`);
    return n;
  }

  /**
   * Sync a circle now (debounced to one round per event-loop turn). `except` is a peer known
   * to hold everything new (it just sent it to us); the round skips it unless another request
   * in the same turn has no such exception.
   */
  syncSoon(circleId: string, except?: string): void {
    const prev = this.pendingRounds.get(circleId);
    this.pendingRounds.set(circleId, prev === undefined ? (except ?? null) : prev === except ? prev : null);
    if (this.roundTimer) return;
    this.roundTimer = setTimeout(() => {
      this.roundTimer = null;
      const due = [...this.pendingRounds];
      this.pendingRounds.clear();
      for (const [id, skip] of due) void this.syncCircle(id, skip ?? undefined);
    }, 0);
  }

  /** One round for a circle: dial the selected peers (all but `except`) in parallel. */
  async syncCircle(circleId: string, except?: string): Promise<ExchangeResult[]> {
    const c = this.store.getCircle(circleId);
    if (!c || this.stopped) return [];
    const nowMs = Date.now();
    const peers = this.store.listPeers(circleId).filter((p) => p.nodeId !== except);
    const picks = selectDials(peers, this.selfInfo(), (p) => Math.floor((this.lastAttempt.get(`${circleId}/${p.nodeId}`) ?? 0) / 1000), this.ctx.now(), this.ctx.rng);
    const addrs = picks.map((p) => p.addr);
    if (addrs.length === 0 && !except && c.bootstrap && !this.selfInfo().isSelfAddr(c.bootstrap)) addrs.push(c.bootstrap);
    for (const p of picks) this.lastAttempt.set(`${circleId}/${p.nodeId}`, nowMs);
    const results = await Promise.all(addrs.map((a) => this.syncWith(circleId, a)));
    return results.filter((r): r is ExchangeResult => r !== null);
  }

  /** Run exchanges with one address until it has nothing more for us (or it fails). */
  syncWith(circleId: string, addr: string): Promise<ExchangeResult | null> {
    const key = `${circleId}@${addr}`;
    const cur = this.inflight.get(key);
    if (cur) {
      this.again.add(key);
      return cur;
    }
    const run = (async () => {
      let last: ExchangeResult | null = null;
      let retries = 0;
      for (let i = 0; i < MAX_FOLLOW_UPS && !this.stopped; i++) {
        this.again.delete(key);
        last = await this.dialOnce(circleId, addr);
        // a v1 peer that could not send what we asked for: ask for less at once (bounded)
        if (last && !last.completed && last.retry && retries++ < MAX_RETRIES) continue;
        const progressed = !!last && last.completed && (last.stored.length > 0 || last.sent > 0);
        if (!(last && last.completed && ((last.more && progressed) || this.again.has(key)))) break;
        retries = 0;
      }
      return last;
    })();
    this.inflight.set(key, run);
    run.finally(() => this.inflight.delete(key));
    return run;
  }

  private async slot(): Promise<() => void> {
    if (this.active >= MAX_PARALLEL_DIALS) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    return () => {
      this.active--;
      this.waiting.shift()?.();
    };
  }

  private async dialOnce(circleId: string, addr: string): Promise<ExchangeResult | null> {
    const hp = parseHostPort(addr);
    if (!hp || this.selfInfo().isSelfAddr(addr)) return null;
    const release = await this.slot();
    const ex = V1Exchange.client(this.deps(), circleId, addr);
    try {
      let conn: LineConn | undefined;
      const connecting = Bun.connect<ConnData>({
        hostname: hp.host,
        port: hp.port,
        socket: {
          open: (sock) => {
            conn = new LineConn(sock, ex, (l) => this.log(`${addr}: ${l}`), this.connTimeouts());
            sock.data = { conn };
            conn.begin();
          },
          data: (sock, chunk) => sock.data?.conn?.onData(chunk),
          drain: (sock) => sock.data?.conn?.onDrain(),
          close: (sock) => sock.data?.conn?.onClose(),
          error: (_sock, err) => this.socketError(err, addr),
          connectError: () => {},
        },
      });
      let timeout: ReturnType<typeof setTimeout> | undefined;
      const sock = await Promise.race([
        connecting,
        new Promise<null>((r) => (timeout = setTimeout(() => r(null), this.opts.timeouts?.connectMs ?? CONNECT_TIMEOUT_MS))),
      ]).catch(() => null);
      clearTimeout(timeout);
      if (!sock || !conn) {
        if (sock) sock.end();
        ex.abort("connect failed");
        this.afterExchange(ex.result, addr, true, "connect failed");
        return ex.result;
      }
      const reason = await conn.finished;
      this.afterExchange(ex.result, addr, true, reason);
      return ex.result;
    } finally {
      release();
    }
  }

  private afterExchange(r: ExchangeResult, addr: string, outbound: boolean, detail = ""): void {
    if (outbound && r.selfDial) this.selfAddrs.add(addr);
    if (outbound && !r.completed && r.peerNodeId) recordDialFailure(this.store, r.circleId, r.peerNodeId, this.ctx.now());
    else if (outbound && !r.completed) {
      const p = this.store.listPeers(r.circleId).find((x) => x.addr === addr);
      if (p) recordDialFailure(this.store, r.circleId, p.nodeId, this.ctx.now());
    }
    if (r.circleId) {
      this.emit({ t: "sync", circleId: r.circleId, peer: r.peerNodeId, addr, ok: r.completed, stored: r.stored.length, sent: r.sent, detail });
      if (r.rejected.length) this.log(`${addr}: rejected ${r.rejected.length} message(s): ${r.rejected.slice(0, 3).map((x) => x.reason).join("; ")}`);
    }
    for (const m of r.stored) this.emit({ t: "message", message: m });
    if (r.peersChanged) this.emit({ t: "peers", circleId: r.circleId });
    // pass new messages on to the other peers at once, not back to the peer they came from
    if (r.stored.length && r.circleId) this.syncSoon(r.circleId, r.peerNodeId || undefined);
  }

  /** Messages that arrived by another path (relay): notify and pass on to TCP peers. */
  received(ms: StoredMessage[]): void {
    const circles = new Set<string>();
    for (const m of ms) {
      this.emit({ t: "message", message: m });
      circles.add(m.circleId);
    }
    for (const c of circles) this.syncSoon(c);
  }

  /** A member's TCP endpoint learned from a relay's presence list. Returns true if new or changed. */
  addRelayPeer(circleId: string, nodeId: string, addr: string): boolean {
    if (nodeId === this.nodeId || this.selfInfo().isSelfAddr(addr) || !parseHostPort(addr)) return false;
    const now = this.ctx.now();
    const cur = this.store.getPeer(circleId, nodeId);
    if (cur && cur.addr === addr) {
      this.store.putPeer({ ...cur, lastSeen: Math.max(cur.lastSeen, now) });
      return false;
    }
    if (cur && cur.lastOk > 0 && cur.failures < 3 && now - cur.lastOk < 3600) return false; // keep an address we verified
    this.store.putPeer({ circleId, nodeId, addr, lastSeen: now, lastOk: cur?.lastOk ?? 0, failures: 0, source: "relay", proto: cur?.proto ?? "" });
    this.emit({ t: "peers", circleId });
    return true;
  }

  // ---- user operations (service.ts + gossip + notifications) ----

  private withListen<T>(fn: (ctx: svc.Ctx) => T): T {
    return fn({ ...this.ctx, listenPort: this.port || undefined });
  }

  send(circleId: string, channel: string, text: string): StoredMessage {
    const m = svc.sendMessage(this.ctx, circleId, channel, text);
    this.published(m);
    return m;
  }
  /** A message authored here (incl. control events): notify and gossip at once. */
  published(m: StoredMessage | StoredMessage[]): void {
    for (const x of Array.isArray(m) ? m : [m]) {
      this.emit({ t: "message", message: x });
      this.syncSoon(x.circleId);
    }
  }
  createCircle(name = "") {
    const r = this.withListen((ctx) => svc.createCircle(ctx, name));
    this.emit({ t: "circles" });
    return r;
  }
  inviteCode(circleId: string): string {
    return this.withListen((ctx) => svc.inviteCode(ctx, circleId));
  }
  async join(input: { code?: string; secret?: string; peer?: string }) {
    const r = svc.joinCircle(this.ctx, input);
    this.emit({ t: "circles" });
    let synced: ExchangeResult | null = null;
    if (r.bootstrap) synced = await this.syncWith(r.circleId, r.bootstrap);
    return { ...r, synced: !!synced?.completed };
  }
  leave(circleId: string): void {
    svc.leaveCircle(this.ctx, circleId);
    this.emit({ t: "circles" });
  }
}
