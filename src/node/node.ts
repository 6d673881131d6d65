// The running node: TCP listener, gossip rounds, dialling, and the user operations of
// service.ts wrapped with "sync now" and live notifications for front ends.
import type { TCPSocketListener } from "bun";
import { systemRng, type Rng } from "../protocol/crypto.ts";
import { formatHostPort, parseHostPort } from "../protocol/hostport.ts";
import { CONNECT_TIMEOUT_MS, DEFAULT_INTERVAL_S, MAX_PARALLEL_DIALS } from "../protocol/limits.ts";
import type { NodeStore } from "../../db/node-store.ts";
import { CallRegistry } from "../sync/control-apply.ts";
import { PeerKnowledge } from "../sync/knowledge.ts";
import { expirePeers, recordDialFailure, selectDials, type SelfInfo } from "../sync/peers.ts";
import type { StoredMessage } from "../sync/store.ts";
import { V1Exchange, type ExchangeDeps, type ExchangeResult } from "../sync/v1-exchange.ts";
import { advertisedHost, loadIdentity, loadSettings, localAddresses, saveSettings } from "./identity.ts";
import { InboundRouter } from "../sync/inbound-router.ts";
import { V2Exchange, type V2Deps, type V2Step } from "../sync/v2-exchange.ts";
import { nodeKeysFromSeed, type NodeKeys } from "../protocol/v2/keys.ts";
import { decodeInvite2, INVITE2_PREFIX, type Invite2 } from "../protocol/v2/invite.ts";
import { isRelayUrl } from "../protocol/hostport.ts";
import { enterAdmitted, inviteCode } from "../peer/actions.ts";
import { FelundError } from "../peer/errors.ts";
import { DEFAULT_TIMEOUTS, LineConn, type ConnData, type ConnTimeouts } from "./line-conn.ts";
import * as svc from "./service.ts";
import { NodeCalls } from "./calls.ts";
import type { SignalFrame } from "../protocol/v2/frames.ts";
import { RelayClient } from "./relay-client.ts";
import { joinThroughRelay } from "../peer/relay/admission-engine.ts";
import { RelayApi } from "../peer/relay/api.ts";
import { inertText, NEWLINE_MARK } from "../protocol/inert-text.ts";
import { fanOut, type Arrival, type FanOutPorts, type SessionPort } from "../peer/fan-out.ts";
import { DEFAULT_SLOT_LIMITS, InboundSlots, type InboundSlot } from "./inbound-slots.ts";
import { installNativePrimitives } from "./native-primitives.ts";

// the node runs its crypto in native code (same bytes and verdicts as the portable default)
installNativePrimitives();

export type NodeEvent =
  | { t: "message"; message: StoredMessage }
  | { t: "peers"; circleId: string }
  | { t: "circles" }
  | {
      t: "sync";
      circleId: string;
      peer: string;
      addr: string;
      ok: boolean;
      stored: number;
      sent: number;
      detail: string;
    }
  | { t: "debug"; line: string }
  /** a call signal for this node's user, opened and checked (src/node/calls.ts) */
  | { t: "call-signal"; circleId: string; sessionId: string; from: string; type: string; data: string };

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
  /** speak felund v2 (default true); false = a v1-only node, as the original */
  v2?: boolean;
  /** use the relay's WebSocket push (default true) */
  relayWs?: boolean;
}

/** Errors that mean a bug in our own code rather than bad input or the network. */
export const isBug = (e: unknown): boolean =>
  e instanceof TypeError ||
  e instanceof ReferenceError ||
  e instanceof RangeError ||
  e instanceof SyntaxError ||
  e instanceof EvalError ||
  e instanceof URIError;

interface Session {
  conn: LineConn;
  ex: V2Exchange;
  addr: string;
}

/** Follow-up exchanges in a row with one peer while it still has more for us (bounded). */
const MAX_FOLLOW_UPS = 2000;
/** Immediate retries with a smaller request after a v1 peer failed to answer one. */
const MAX_RETRIES = 3;

export class FelundNode {
  readonly store: NodeStore;
  readonly calls = new CallRegistry();
  /** call actions and signalling (calls.ts) */
  readonly callNet: NodeCalls;
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
  /** inbound connections: strangers in their handshake, and authenticated sessions */
  readonly inboundSlots: InboundSlots<LineConn>;
  /** circles with a round due, each with the one peer it need not dial (or null) */
  private pendingRounds = new Map<string, string | null>();
  private roundTimer: ReturnType<typeof setTimeout> | null = null;
  private rounds = 0;
  private stopped = false;
  readonly ctx: svc.Ctx;
  port = 0;
  relay: RelayClient | null = null;
  readonly keys: NodeKeys;
  /** live v2 sessions per circle */
  private sessions = new Map<string, Set<Session>>();

  constructor(private opts: NodeOptions) {
    this.store = opts.store;
    const s = loadSettings(this.store);
    this.nodeId = s.nodeId;
    this.keys = nodeKeysFromSeed(loadIdentity(this.store).secretKey);
    const nowMs = opts.nowMs ?? Date.now;
    this.knowledge = new PeerKnowledge(nowMs);
    this.ctx = svc.nodeCtx(this.store, {
      calls: this.calls,
      now: () => Math.floor(nowMs() / 1000),
      rng: opts.rng ?? systemRng,
      v2: opts.v2 !== false,
      listenPort: () => this.port || undefined,
    });
    this.callNet = new NodeCalls({
      nodeId: this.nodeId,
      ctx: this.ctx,
      relayBase: () => this.relay?.base ?? null,
      published: (rows) => this.published(rows),
      signalToPeer: (circleId, to, f) => this.signalToPeer(circleId, to, f),
      emit: (e) => this.emit(e),
      log: (line) => this.log(line),
    });
    const t = this.connTimeouts();
    this.inboundSlots = new InboundSlots<LineConn>({ ...DEFAULT_SLOT_LIMITS, handshakeMs: t.handshakeMs });
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
      store: this.store,
      calls: this.calls,
      knowledge: this.knowledge,
      now: this.ctx.now,
      rng: this.ctx.rng,
      self: { ...this.selfInfo(), listenAddr: this.listenAddr },
      encrypt: this.opts.encrypt,
      ext: this.opts.ext,
    };
  }

  get v2Enabled(): boolean {
    return this.opts.v2 !== false;
  }

  /** deps of the v2 engine (also used by the relay client to answer admissions through the relay) */
  v2Deps(): V2Deps {
    return {
      store: this.store,
      calls: this.calls,
      now: this.ctx.now,
      rng: this.ctx.rng,
      self: { keys: this.keys, listenAddr: this.listenAddr, isSelfAddr: this.selfInfo().isSelfAddr },
      v1: this.deps(),
    };
  }

  /**
   * Bun hands exceptions thrown by our own socket handlers to `error`, next to network
   * errors. A network error is logged; a bug (TypeError and the like) is rethrown outside
   * the handler so it crashes loudly instead of leaving the connection hanging (STYLE 5).
   */
  private socketError(err: Error, where: string): void {
    if (isBug(err)) {
      queueMicrotask(() => {
        throw err;
      });
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
    // a log line can carry a peer's words (a CLOSE reason, an ERROR text): nothing in it acts on the terminal
    if (this.opts.debug) console.error(`[felund] ${inertText(line, NEWLINE_MARK)}`);
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
          const ip = sock.remoteAddress;
          const router = new InboundRouter(() => this.deps(), this.v2Enabled ? () => this.v2Deps() : null, ip);
          const conn: LineConn = new LineConn(
            sock,
            router,
            (l) => this.log(l),
            this.connTimeouts(),
            (step) => {
              if (!this.inboundAuthenticated(slot, router)) return;
              this.onStep(conn, router.session, step, ip);
            },
          );
          const slot = this.inboundSlots.admit(ip, conn);
          sock.data = { conn, release: () => this.inboundSlots.release(slot) };
          conn.finished.then((reason) => {
            const v2 = router.session;
            if (v2) this.afterSession(conn, v2, ip, false, reason);
            else if (router.v1Exchange) this.afterExchange(router.v1Exchange.result, ip, false);
            else if (router.refusal) this.log(`inbound ${ip}: refused (${router.refusal})`);
          });
        },
        data: (sock, chunk) => sock.data?.conn?.onData(chunk),
        drain: (sock) => sock.data?.conn?.onDrain(),
        close: (sock) => {
          sock.data?.release?.();
          if (sock.data?.conn) {
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
    this.callNet.start();
    this.configureRelay(this.opts.relay ?? s.relayBase);
  }

  /**
   * Strangers and members have separate inbound budgets (inbound-slots.ts): a connection moves
   * to the members' budget once its peer authenticated. False = it is closed (no session slot).
   */
  private inboundAuthenticated(slot: InboundSlot<LineConn>, router: InboundRouter): boolean {
    if (slot.stage !== "pre" || !router.authenticated) return slot.stage !== "gone";
    if (this.inboundSlots.promote(slot)) return true;
    slot.holder.fail("no free session slot");
    return false;
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

  private stopHooks: (() => void)[] = [];
  /** Run `fn` when the node stops (services mounted beside it). */
  onStop(fn: () => void): void {
    this.stopHooks.push(fn);
  }

  stop(): void {
    for (const fn of this.stopHooks.splice(0)) fn();
    this.stopped = true;
    this.callNet.stop();
    this.relay?.stop();
    this.relay = null;
    if (this.timer) clearInterval(this.timer);
    if (this.roundTimer) clearTimeout(this.roundTimer);
    for (const set of this.sessions.values()) for (const x of set) x.conn.shutdown(x.ex.close("shutdown"));
    this.sessions.clear();
    this.listener?.stop(true);
    this.listener = null;
  }

  /** One gossip round over every circle (periodic). */
  gossipRound(): void {
    this.rounds++;
    this.applyRetention();
    const heal = this.rounds % 12 === 0;
    for (const c of this.store.listCircles()) {
      if (heal) for (const x of this.sessions.get(c.circleId) ?? []) if (!x.conn.isClosed) x.conn.apply(x.ex.resync());
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
    const live = new Set(this.sessionPeers(circleId));
    const peers = this.store.listPeers(circleId).filter((p) => p.nodeId !== except && !live.has(p.nodeId));
    const picks = selectDials(
      peers,
      this.selfInfo(),
      (p) => Math.floor((this.lastAttempt.get(`${circleId}/${p.nodeId}`) ?? 0) / 1000),
      this.ctx.now(),
      this.ctx.rng,
    );
    const addrs = picks.map((p) => p.addr);
    if (addrs.length === 0 && live.size === 0 && !except && c.bootstrap && !this.selfInfo().isSelfAddr(c.bootstrap))
      addrs.push(c.bootstrap);
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
        if (!(last?.completed && ((last.more && progressed) || this.again.has(key)))) break;
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
    // v2 first (it carries a full v1 HELLO in legacy circles, so an original peer answers as v1)
    const v2 = this.v2Enabled ? V2Exchange.client(this.v2Deps(), circleId, addr) : null;
    const v1 = v2 ? null : V1Exchange.client(this.deps(), circleId, addr);
    const engine = (v2 ?? v1)!;
    const v1Result = () => v1?.result ?? v2?.v1Exchange?.result ?? null;
    let reconciled!: () => void;
    const firstSync = new Promise<void>((r) => (reconciled = r));
    try {
      let conn: LineConn | undefined;
      const connecting = Bun.connect<ConnData>({
        hostname: hp.host,
        port: hp.port,
        socket: {
          open: (sock) => {
            conn = new LineConn(
              sock,
              engine,
              (l) => this.log(`${addr}: ${l}`),
              this.connTimeouts(),
              (step) => {
                if (v2) this.onStep(conn!, v2, step, addr);
                if (v2?.result.reconciled) reconciled();
              },
            );
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
        new Promise<null>(
          (r) => (timeout = setTimeout(() => r(null), this.opts.timeouts?.connectMs ?? CONNECT_TIMEOUT_MS)),
        ),
      ]).catch(() => null);
      clearTimeout(timeout);
      if (!sock || !conn) {
        if (sock) sock.end();
        engine.abort("connect failed");
        const r = v1Result() ?? this.v2Result(v2!, circleId, [], false);
        this.afterExchange(r, addr, true, "connect failed");
        return r;
      }
      const c = conn;
      // a v1 exchange ends with the connection; a v2 session stays open: wait for its first reconciliation
      const reason = await Promise.race([c.finished, firstSync.then(() => "reconciled")]);
      const r1 = v1Result();
      if (r1 && (!v2 || v2.result.proto === "v1")) {
        const why = reason === "reconciled" ? await c.finished : reason;
        this.afterExchange(r1, addr, true, why);
        return r1;
      }
      if (reason !== "reconciled") this.afterSession(c, v2!, addr, true, reason);
      else c.finished.then((why) => this.afterSession(c, v2!, addr, true, why));
      const r = this.v2Result(v2!, circleId, [], v2!.result.reconciled);
      this.emit({
        t: "sync",
        circleId,
        peer: r.peerNodeId,
        addr,
        ok: r.completed,
        stored: v2!.result.stored,
        sent: 0,
        detail: r.completed ? "v2 session" : reason,
      });
      return r;
    } finally {
      release();
    }
  }

  /** An ExchangeResult view of a v2 session (stored messages were already announced step by step). */
  private v2Result(ex: V2Exchange, circleId: string, stored: StoredMessage[], completed: boolean): ExchangeResult {
    const r = ex.result;
    return {
      circleId: r.circleId || circleId,
      peerNodeId: r.peerNodeId,
      proto: "v2",
      encrypted: true,
      stored,
      rejected: r.rejected,
      sent: 0,
      more: false,
      peersChanged: 0,
      completed,
      selfDial: false,
    };
  }

  /** Every step of a v2 session: register it once live, announce and pass on what it stored. */
  private onStep(conn: LineConn, ex: V2Exchange | null, step: V2Step, addr: string): void {
    if (!ex) return;
    const circleId = ex.result.circleId;
    if (ex.live && circleId && !conn.isClosed) {
      let set = this.sessions.get(circleId);
      if (!set) this.sessions.set(circleId, (set = new Set()));
      if (![...set].some((x) => x.conn === conn)) {
        set.add({ conn, ex, addr });
        this.emit({ t: "peers", circleId });
      }
    }
    for (const f of step.signals ?? []) this.callNet.fromSession(circleId, ex.result.peerNodeId, f);
    // a legacy circle's original peer answered v1: what that exchange stored is fanned out when it ends (afterExchange)
    if (ex.result.proto !== "v2") return;
    this.stored(step.stored ?? [], { path: "session", session: conn, peer: ex.result.peerNodeId });
  }

  /** The paths a stored message leaves by (src/peer/fan-out.ts). */
  private readonly paths: FanOutPorts = {
    notify: (m) => this.emit({ t: "message", message: m }),
    sessions: (circleId) => {
      const out: SessionPort[] = [];
      for (const s of this.sessions.get(circleId) ?? [])
        if (!s.conn.isClosed) out.push({ handle: s.conn, push: (ms) => s.conn.apply(s.ex.push(ms)) });
      return out;
    },
    relay: (circleId) => this.relay?.schedulePush(circleId),
    v1: (circleId, except) => this.syncSoon(circleId, except),
  };

  /** Every arrival path ends here: messages this node stored, and where they came from. */
  stored(ms: readonly StoredMessage[], from: Arrival): void {
    fanOut(this.paths, ms, from);
  }

  private afterSession(conn: LineConn, ex: V2Exchange, addr: string, outbound: boolean, reason: string): void {
    const circleId = ex.result.circleId;
    const set = this.sessions.get(circleId);
    if (set) for (const s of set) if (s.conn === conn) set.delete(s);
    if (ex.result.rejected.length)
      this.log(
        `${addr}: rejected ${ex.result.rejected.length} message(s): ${ex.result.rejected
          .slice(0, 3)
          .map((x) => x.reason)
          .join("; ")}`,
      );
    if (!ex.result.established && outbound) {
      const p = this.store.listPeers(circleId).find((x) => x.addr === addr);
      if (p) recordDialFailure(this.store, circleId, p.nodeId, this.ctx.now());
    }
    if (circleId) this.emit({ t: "peers", circleId });
    this.log(
      `${outbound ? "to" : "from"} ${addr}: v2 session ${ex.result.established ? "ended" : "failed"} (${reason})`,
    );
    // a rekey ends sessions that run under the old epoch: reconnect under the new one
    if (outbound && !this.stopped && /rekeyed/.test(reason)) this.syncSoon(circleId);
  }

  /** Send a call signal on the live v2 session with `to` (null: on every live session of the circle, to be passed on). */
  signalToPeer(circleId: string, to: string | null, f: Omit<SignalFrame, "t">): boolean {
    let sent = false;
    for (const x of this.sessions.get(circleId) ?? []) {
      if (x.conn.isClosed || (to !== null && x.ex.result.peerNodeId !== to)) continue;
      x.conn.apply(x.ex.signal(f));
      sent = true;
      if (to !== null) break;
    }
    return sent;
  }

  /** Peers of a circle with a live v2 session now. */
  sessionPeers(circleId: string): string[] {
    return [...(this.sessions.get(circleId) ?? [])].filter((s) => !s.conn.isClosed).map((s) => s.ex.result.peerNodeId);
  }

  private afterExchange(r: ExchangeResult, addr: string, outbound: boolean, detail = ""): void {
    if (outbound && r.selfDial) this.selfAddrs.add(addr);
    if (outbound && !r.completed && r.peerNodeId)
      recordDialFailure(this.store, r.circleId, r.peerNodeId, this.ctx.now());
    else if (outbound && !r.completed) {
      const p = this.store.listPeers(r.circleId).find((x) => x.addr === addr);
      if (p) recordDialFailure(this.store, r.circleId, p.nodeId, this.ctx.now());
    }
    if (r.circleId) {
      this.emit({
        t: "sync",
        circleId: r.circleId,
        peer: r.peerNodeId,
        addr,
        ok: r.completed,
        stored: r.stored.length,
        sent: r.sent,
        detail,
      });
      if (r.rejected.length)
        this.log(
          `${addr}: rejected ${r.rejected.length} message(s): ${r.rejected
            .slice(0, 3)
            .map((x) => x.reason)
            .join("; ")}`,
        );
    }
    if (r.peersChanged) this.emit({ t: "peers", circleId: r.circleId });
    this.stored(r.stored, { path: "v1", peer: r.peerNodeId });
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
    this.store.putPeer({
      circleId,
      nodeId,
      addr,
      lastSeen: now,
      lastOk: cur?.lastOk ?? 0,
      failures: 0,
      source: "relay",
      proto: cur?.proto ?? "",
    });
    this.emit({ t: "peers", circleId });
    return true;
  }

  // ---- user operations (the peer's actions in service.ts + gossip + notifications) ----

  send(circleId: string, channel: string, text: string): StoredMessage {
    const m = svc.sendMessage(this.ctx, circleId, channel, text);
    this.published(m);
    return m;
  }
  /** A message authored here (incl. control events): out on every path at once. */
  published(m: StoredMessage | StoredMessage[]): void {
    this.stored(Array.isArray(m) ? m : [m], { path: "local" });
  }
  createCircle(name = "", opts: { legacy?: boolean; ttlS?: number; maxUses?: number } = {}) {
    const r = svc.createCircle(this.ctx, name, opts);
    this.emit({ t: "circles" });
    return r;
  }
  /**
   * The circle's invite code. `viaRelay`: a felund2 code whose peer is this node's relay, so a
   * joiner that cannot dial this node (a relay-only browser, a node elsewhere) is admitted
   * through the relay's /v1/signal. A relay-only browser on the same relay also tries that with
   * a plain (host:port) code.
   */
  inviteCode(circleId: string, opts: { ttlS?: number; maxUses?: number; viaRelay?: boolean } = {}): string {
    const { viaRelay, ...limits } = opts;
    if (!viaRelay) return svc.inviteCode(this.ctx, circleId, limits);
    if (!this.relay)
      throw new FelundError(
        "E_REFUSED",
        "this node uses no relay: set one (felund serve --relay URL) to invite through it",
      );
    if (svc.requireCircle(this.ctx, circleId).mode !== "v2")
      throw new FelundError(
        "E_REFUSED",
        "legacy circles use felund1. codes; invite through a relay is for v2-only circles",
      );
    return inviteCode(this.ctx, circleId, { ...limits, peer: this.relay.base }).code;
  }
  async join(input: { code?: string; secret?: string; peer?: string }) {
    if (input.code?.trim().startsWith(INVITE2_PREFIX)) return this.joinV2(input.code.trim());
    const r = svc.joinCircle(this.ctx, input);
    this.emit({ t: "circles" });
    let synced: ExchangeResult | null = null;
    if (r.bootstrap) synced = await this.syncWith(r.circleId, r.bootstrap);
    return { ...r, synced: !!synced?.completed };
  }

  /**
   * Redeem a felund2. code: a ticket-keyed v2 handshake with the inviter's node, which checks
   * expiry and use limit and answers with the circle's credentials (ADMIT); then a normal session.
   * When the code's peer is a relay URL (an owner without a TCP address, e.g. a relay-only
   * browser), the same handshake runs through the relay's /v1/signal, and the circle syncs
   * through that relay.
   */
  private async joinV2(
    code: string,
  ): Promise<{ circleId: string; bootstrap: string; created: boolean; synced: boolean }> {
    const v = decodeInvite2(code, this.ctx.now());
    if (!v.ok) throw new FelundError("E_BAD_INVITE", `invalid invite code: ${v.reason}`);
    const inv = v.value;
    const peer = inv.peer;
    if (isRelayUrl(peer)) return this.joinV2ViaRelay(inv);
    const hp = parseHostPort(peer);
    if (!hp) throw new FelundError("E_BAD_INVITE", "this invite names no reachable node (host:port)");
    const existed = !!this.store.getCircle(inv.circleId);
    if (!existed) {
      const ex = V2Exchange.joiner(
        this.v2Deps(),
        { inviteId: inv.inviteId, ticket: inv.ticket, circleId: inv.circleId },
        peer,
      );
      let conn: LineConn | undefined;
      const sock = await Bun.connect<ConnData>({
        hostname: hp.host,
        port: hp.port,
        socket: {
          open: (s) => {
            conn = new LineConn(s, ex, (l) => this.log(`${peer}: ${l}`), this.connTimeouts());
            s.data = { conn };
            conn.begin();
          },
          data: (s, chunk) => s.data?.conn?.onData(chunk),
          drain: (s) => s.data?.conn?.onDrain(),
          close: (s) => s.data?.conn?.onClose(),
          error: (_s, err) => this.socketError(err, peer),
          connectError: () => {},
        },
      }).catch(() => null);
      if (!sock || !conn)
        throw new FelundError(
          "E_UNREACHABLE",
          `cannot reach the inviter at ${peer}; try again when their node is online`,
        );
      const reason = await conn.finished;
      const admit = ex.result.admitted;
      if (!admit)
        throw new FelundError(
          "E_NOT_ADMITTED",
          `the inviter did not admit us: ${reason.replace(/^issuer refused: /, "")}`,
        );
      this.store.transaction(() => {
        enterAdmitted(this.ctx, admit, inv.circleId);
        this.store.updateCircleBootstrap(inv.circleId, peer);
      });
      this.emit({ t: "circles" });
    }
    const synced = await this.syncWith(inv.circleId, peer);
    return { circleId: inv.circleId, bootstrap: peer, created: !existed, synced: !!synced?.completed };
  }

  /** The admission of a felund2 code whose peer is a relay: over /v1/signal, then the relay syncs the circle. */
  private async joinV2ViaRelay(
    inv: Invite2,
  ): Promise<{ circleId: string; bootstrap: string; created: boolean; synced: boolean }> {
    const base = inv.peer.replace(/\/+$/, "");
    const existed = !!this.store.getCircle(inv.circleId);
    if (!existed) {
      const r = await joinThroughRelay(new RelayApi(base, this.nodeId), this.v2Deps(), inv, Date.now);
      if (!r.ok)
        throw new FelundError(
          /did not answer|relay:/.test(r.reason) ? "E_UNREACHABLE" : "E_NOT_ADMITTED",
          `the inviter did not admit us: ${r.reason}`,
        );
      enterAdmitted(this.ctx, r.value, inv.circleId);
      this.log(`joined ${inv.circleId} through the relay ${base}`);
      this.emit({ t: "circles" });
    }
    // the circle meets on that relay: a node without a relay starts using it (and keeps it)
    const configured = (this.opts.relay ?? this.settings.relayBase).trim().replace(/\/+$/, "");
    if (!configured) saveSettings(this.store, { relayBase: base });
    else if (configured !== base)
      this.log(`note: ${inv.circleId} was joined through ${base}, but this node syncs through ${configured}`);
    if (this.listener && !this.relay && !this.stopped) this.configureRelay(base);
    // a running node pulls with its client; a one-shot `felund join` pulls once with a temporary one
    const client = this.relay ?? new RelayClient(this, configured || base, { ws: false });
    let synced = false;
    await client.pullNow(inv.circleId).then(
      () => (synced = !client.lastError),
      () => {},
    );
    if (client !== this.relay) client.stop();
    return { circleId: inv.circleId, bootstrap: "", created: !existed, synced };
  }

  kick(circleId: string, members: string[]): StoredMessage {
    const m = svc.kickMembers(this.ctx, circleId, members);
    this.published(m);
    return m;
  }
  approve(circleId: string, channel: string, member: string): StoredMessage {
    const m = svc.approveMember(this.ctx, circleId, channel, member);
    this.published(m);
    return m;
  }
  leave(circleId: string): void {
    const id = svc.requireCircle(this.ctx, circleId).circleId;
    svc.leaveCircle(this.ctx, id);
    // a left circle keeps no connection open
    for (const x of this.sessions.get(id) ?? []) x.conn.shutdown(x.ex.close("circle left"));
    this.sessions.delete(id);
    this.emit({ t: "circles" });
  }
}
