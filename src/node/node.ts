// The running node, as a composition root: it builds the parts of the TCP shell (inbound.ts, dialer.ts,
// live-sessions.ts, gossip.ts, join-v2.ts), the relay client and calls, wires them through interfaces, and
// keeps the node's public API: the user operations of service.ts ("out on every path") and live notifications.
import type { NodeStore } from "../../db/node-store.ts";
import { noteHeld } from "../peer/delivery.ts";
import { logEvent } from "../peer/log.ts";
import { type Arrival, type FanOutPorts, fanOut } from "../peer/fan-out.ts";
import { type Rng, systemRng } from "../protocol/crypto.ts";
import { formatHostPort } from "../protocol/hostport.ts";
import { inertText, NEWLINE_MARK } from "../protocol/inert-text.ts";
import { CONNECT_TIMEOUT_MS, DEFAULT_INTERVAL_S } from "../protocol/limits.ts";
import type { SignalFrame } from "../protocol/v2/frames.ts";
import { INVITE2_PREFIX } from "../protocol/v2/invite.ts";
import { cleanInviteCode } from "../protocol/invite.ts";
import { type NodeKeys, nodeKeysFromSeed } from "../protocol/v2/keys.ts";
import { CallRegistry } from "../sync/control-apply.ts";
import { PeerKnowledge } from "../sync/knowledge.ts";
import type { StoredMessage } from "../sync/store.ts";
import type { ExchangeDeps, ExchangeResult } from "../sync/v1-exchange.ts";
import type { V2Deps } from "../sync/v2-exchange.ts";
import { NodeCalls } from "./calls.ts";
import { Dialer } from "./dialer.ts";
import { Gossip } from "./gossip.ts";
import { advertisedHost, loadIdentity, loadSettings } from "./identity.ts";
import { InboundListener } from "./inbound.ts";
import { DEFAULT_SLOT_LIMITS, InboundSlots } from "./inbound-slots.ts";
import { Joins } from "./join-v2.ts";
import { type ConnTimeouts, DEFAULT_TIMEOUTS, type LineConn } from "./line-conn.ts";
import { LiveSessions } from "./live-sessions.ts";
import { NodeAttachments } from "./attachments.ts";
import { FillTracker } from "../peer/fill-progress.ts";
import { installNativePrimitives, nodeVerifier, nodeZip } from "./native-primitives.ts";
import { Reach } from "./reach.ts";
import { nodeTyping } from "./typing.ts";
import { RelayClient } from "./relay-client.ts";
import { NodeMembers } from "./members.ts";
import { NodeMetrics } from "./metrics.ts";
import { SelfAddrs } from "./self-addrs.ts";
import * as svc from "./service.ts";
import type { NodeEvent, ShellPorts } from "./shell-ports.ts";

// the node runs its crypto in native code (same bytes and verdicts as the portable default)
installNativePrimitives();

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

/** how often the node re-checks its paths (the relay's state and v1 freshness change without an event) */
const REACH_CHECK_MS = 1000;
const trimBase = (base: string) => base.trim().replace(/\/+$/, "");

export class FelundNode {
  readonly store: NodeStore;
  readonly calls = new CallRegistry();
  /** call actions and signalling (calls.ts) */
  readonly callNet: NodeCalls;
  readonly knowledge: PeerKnowledge;
  readonly nodeId: string;
  readonly ctx: svc.Ctx;
  readonly keys: NodeKeys;
  /** inbound connections: strangers in their handshake, and authenticated sessions */
  readonly inboundSlots: InboundSlots<LineConn>;
  port = 0;
  relay: RelayClient | null = null;
  private listeners = new Set<(e: NodeEvent) => void>();
  private stopHooks: (() => void)[] = [];
  private stopped = false;
  private readonly self: SelfAddrs;
  private readonly sessions: LiveSessions; // live v2 sessions per circle
  /** files and images (attachments.ts); typing indicators (typing.ts) */
  readonly attachments = new NodeAttachments(this, () => this.sessions);
  readonly typing = nodeTyping(this, () => this.sessions);
  private readonly inbound: InboundListener;
  private readonly dialer: Dialer;
  private readonly gossip: Gossip;
  private readonly joins: Joins;
  readonly members: NodeMembers; // who is in each circle and who is online (members.ts)
  /** a live path to another member, per circle (the offline banner) */
  readonly reach: Reach;
  /** counters of /api/metrics (metrics.ts) */
  readonly metrics = new NodeMetrics();
  readonly fills = new FillTracker((p) => this.emit({ t: "fill", ...p })); // histories streaming in (§23)

  constructor(private opts: NodeOptions) {
    this.store = opts.store;
    this.nodeId = loadSettings(this.store).nodeId;
    this.keys = nodeKeysFromSeed(loadIdentity(this.store).secretKey);
    const nowMs = opts.nowMs ?? Date.now;
    this.knowledge = new PeerKnowledge(nowMs);
    this.ctx = svc.nodeCtx(this.store, {
      calls: this.calls,
      now: () => Math.floor(nowMs() / 1000),
      nowMs,
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
    const shell: ShellPorts = {
      store: this.store,
      now: () => this.ctx.now(),
      emit: (e) => this.emit(e),
      log: (line) => this.log(line),
      stopped: () => this.stopped,
      stored: (ms, from) => this.stored(ms, from),
      held: (ids, holder) => this.held(ids, holder),
      fills: this.fills,
    };
    const timeouts: ConnTimeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    const syncWith = (circleId: string, addr: string) => this.syncWith(circleId, addr);
    this.self = new SelfAddrs(this.nodeId, () => this.port);
    this.sessions = new LiveSessions({
      ...shell,
      signalArrived: (circleId, via, f) => this.callNet.fromSession(circleId, via, f),
      syncSoon: (circleId) => this.syncSoon(circleId),
      blobsArrived: (circleId, peer, arrivals) => this.attachments.arrived(circleId, peer, arrivals),
      typingArrived: (circleId, peer, chs) => chs.forEach((ch) => this.typing.fromSession(circleId, ch, peer)),
    });
    this.inboundSlots = new InboundSlots<LineConn>({ ...DEFAULT_SLOT_LIMITS, handshakeMs: timeouts.handshakeMs });
    this.inbound = new InboundListener({
      ...shell,
      deps: () => this.deps(),
      v2Deps: this.v2Enabled ? () => this.v2Deps() : null,
      timeouts,
      slots: this.inboundSlots,
      sessions: this.sessions,
    });
    this.dialer = new Dialer({
      ...shell,
      v2: this.v2Enabled,
      deps: () => this.deps(),
      v2Deps: () => this.v2Deps(),
      isSelfAddr: this.self.isSelfAddr,
      selfDial: (addr) => this.self.add(addr),
      timeouts,
      connectMs: opts.timeouts?.connectMs ?? CONNECT_TIMEOUT_MS,
      sessions: this.sessions,
    });
    this.gossip = new Gossip({
      ...shell,
      self: this.self,
      rng: this.ctx.rng,
      retentionDays: () => this.settings.retentionDays,
      sessionPeers: (circleId) => this.sessionPeers(circleId),
      resync: (circleId) => this.sessions.resync(circleId),
      syncWith,
    });
    this.members = new NodeMembers({
      ...shell,
      me: () => this.ctx.me(),
      sessionPeers: (circleId) => this.sessionPeers(circleId),
      relayPresent: (circleId) => this.relay?.presentIn(circleId) ?? [],
    });
    this.reach = new Reach({
      ...shell,
      sessionPeers: (circleId) => this.sessions.peers(circleId),
      relayLive: () => !!this.relay?.live,
    });
    this.joins = new Joins({
      ...shell,
      ctx: this.ctx,
      v2Deps: () => this.v2Deps(),
      timeouts,
      syncWith,
      configuredRelay: () => trimBase(this.opts.relay ?? this.settings.relayBase),
      relay: () => this.relay,
      listening: () => this.inbound.listening,
      configureRelay: (base) => this.configureRelay(base),
      relayNode: this,
    });
  }

  get settings() {
    return loadSettings(this.store);
  }

  /** host:port peers should dial; null before listening */
  get listenAddr(): string | null {
    return this.port ? formatHostPort(advertisedHost(this.opts.bind ?? this.settings.bind), this.port) : null;
  }

  get v2Enabled(): boolean {
    return this.opts.v2 !== false;
  }

  private deps(): ExchangeDeps {
    return {
      store: this.store,
      calls: this.calls,
      knowledge: this.knowledge,
      now: this.ctx.now,
      rng: this.ctx.rng,
      self: { nodeId: this.nodeId, isSelfAddr: this.self.isSelfAddr, listenAddr: this.listenAddr },
      encrypt: this.opts.encrypt,
      ext: this.opts.ext,
    };
  }

  /** deps of the v2 engine (also used by the relay client to answer admissions through the relay) */
  v2Deps(): V2Deps {
    return {
      store: this.store,
      calls: this.calls,
      now: this.ctx.now,
      rng: this.ctx.rng,
      self: { keys: this.keys, listenAddr: this.listenAddr, isSelfAddr: this.self.isSelfAddr },
      blobs: this.attachments.blobs,
      v1: this.deps(),
      zip: nodeZip,
      verifier: nodeVerifier,
    };
  }

  subscribe(fn: (e: NodeEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  emit(e: NodeEvent): void {
    for (const fn of this.listeners) fn(e);
    if (e.t === "peers") this.members.check(e.circleId);
    if (e.t === "peers" || e.t === "sync" || e.t === "circles") this.reach.check();
  }
  log(line: string): void {
    // a log line can carry a peer's words (a CLOSE reason, an ERROR text): nothing in it acts on the terminal
    if (this.opts.debug) logEvent("debug", "node", `[felund] ${inertText(line, NEWLINE_MARK)}`, { line });
    this.emit({ t: "debug", line });
  }

  async start(): Promise<void> {
    const s = this.settings;
    const hostname = this.opts.bind ?? s.bind;
    this.port = this.inbound.listen(hostname || "0.0.0.0", this.opts.port ?? s.port);
    this.self.add(formatHostPort("127.0.0.1", this.port));
    this.self.add(this.listenAddr!);
    this.gossip.start((this.opts.intervalS ?? DEFAULT_INTERVAL_S) * 1000);
    this.log(`listening on ${hostname}:${this.port} as ${this.nodeId}`);
    this.callNet.start();
    this.members.start();
    this.configureRelay(this.opts.relay ?? s.relayBase);
    this.reach.start(REACH_CHECK_MS);
  }

  /** Start (or stop, with "") the relay client for `base`. */
  configureRelay(base: string): void {
    const b = trimBase(base);
    if (this.relay?.base === b) return;
    this.relay?.stop();
    this.relay = null;
    if (b && !this.stopped) {
      this.relay = new RelayClient(this, b, { ws: this.opts.relayWs });
      this.relay.start();
      this.log(`using relay ${b}`);
    }
  }

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
    this.gossip.stop();
    this.members.stop();
    this.reach.stop();
    this.sessions.close(null, "shutdown");
    this.inbound.stop();
  }

  // ---- the parts' operations other code calls on the node ----
  /** One gossip round over every circle (periodic). */
  gossipRound(): void {
    this.gossip.round();
  }
  applyRetention(force = false): number {
    return this.gossip.applyRetention(force);
  }
  syncSoon(circleId: string, except?: string): void {
    this.gossip.syncSoon(circleId, except);
  }
  syncCircle(circleId: string, except?: string): Promise<ExchangeResult[]> {
    return this.gossip.syncCircle(circleId, except);
  }
  syncWith(circleId: string, addr: string): Promise<ExchangeResult | null> {
    return this.dialer.syncWith(circleId, addr);
  }
  addRelayPeer(circleId: string, nodeId: string, addr: string): boolean {
    return this.gossip.addRelayPeer(circleId, nodeId, addr);
  }
  signalToPeer(circleId: string, to: string | null, f: Omit<SignalFrame, "t">): boolean {
    return this.sessions.signal(circleId, to, f);
  }
  sessionPeers(circleId: string): string[] {
    return this.sessions.peers(circleId);
  }
  presenceSeen(circleId: string): void {
    this.members.check(circleId);
  }

  /** The paths a stored message leaves by (src/peer/fan-out.ts). */
  private readonly paths: FanOutPorts = {
    notify: (m) => this.emit({ t: "message", message: m }),
    sessions: (circleId) => this.sessions.ports(circleId),
    relay: (circleId) => this.relay?.schedulePush(circleId),
    v1: (circleId, except) => this.syncSoon(circleId, except),
  };

  /** Every arrival path ends here: messages this node stored, and where they came from. */
  stored(ms: readonly StoredMessage[], from: Arrival): void {
    this.metrics.arrived(this, ms, from);
    this.attachments.stored(ms);
    this.typing.stored(ms);
    fanOut(this.paths, ms, from);
    this.members.arrived(ms, from);
  }

  /** `holder` holds these messages: our own ones change delivery state (src/peer/delivery.ts) */
  held(msgIds: readonly string[], holder: string): void {
    for (const u of noteHeld(this.store, this.nodeId, msgIds, holder, this.ctx.now()))
      this.emit({ t: "delivery", ...u });
  }

  // ---- user operations (the peer's actions in service.ts + the fan-out + notifications) ----
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
  /** The circle's invite code; `viaRelay`: through this node's relay (service.ts inviteCode). */
  inviteCode(circleId: string, opts: { ttlS?: number; maxUses?: number; viaRelay?: boolean } = {}): string {
    const { viaRelay, ...limits } = opts;
    return svc.inviteCode(this.ctx, circleId, limits, viaRelay ? (this.relay?.base ?? null) : undefined);
  }
  /** Join by a felund1. code or secret (then a first sync with its node), or redeem a felund2. code (join-v2.ts). */
  async join(input: { code?: string; secret?: string; peer?: string }) {
    if (input.code) input = { ...input, code: cleanInviteCode(input.code) };
    if (input.code?.startsWith(INVITE2_PREFIX)) return this.joins.joinV2(input.code);
    const r = svc.joinCircle(this.ctx, input);
    this.emit({ t: "circles" });
    let synced: ExchangeResult | null = null;
    if (r.bootstrap) synced = await this.syncWith(r.circleId, r.bootstrap);
    return { ...r, synced: !!synced?.completed };
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
    this.sessions.close(id, "circle left");
    this.emit({ t: "circles" });
  }
}
