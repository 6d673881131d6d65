// Gossip rounds over TCP: the periodic round over every circle (retention, peer expiry, a heal
// resync of the live sessions every twelfth round), "sync now" debounced to one round per
// event-loop turn, the choice of peers a round dials, and the TCP endpoints a relay lists.
import type { Rng } from "../protocol/crypto.ts";
import { parseHostPort } from "../protocol/hostport.ts";
import { expirePeers, selectDials, type SelfInfo } from "../sync/peers.ts";
import type { ExchangeResult } from "../sync/v1-exchange.ts";
import type { ShellPorts } from "./shell-ports.ts";

/** Every how many rounds the live sessions reconcile their whole history again. */
const HEAL_EVERY_ROUNDS = 12;

export interface GossipHost extends ShellPorts {
  readonly self: SelfInfo;
  readonly rng: Rng;
  /** the retention setting (0: keep history forever) */
  retentionDays(): number;
  /** peers of the circle with a live v2 session (no need to dial them) */
  sessionPeers(circleId: string): string[];
  /** the live sessions of the circle reconcile their whole history again */
  resync(circleId: string): void;
  /** exchanges with one address until it has nothing more for us (dialer.ts) */
  syncWith(circleId: string, addr: string): Promise<ExchangeResult | null>;
}

export class Gossip {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** circles with a round due, each with the one peer it need not dial (or null) */
  private pendingRounds = new Map<string, string | null>();
  private roundTimer: ReturnType<typeof setTimeout> | null = null;
  private rounds = 0;
  private lastPrune = 0;
  /** when each circle's peer was last picked for a dial (ms) */
  private lastAttempt = new Map<string, number>();

  constructor(private host: GossipHost) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.round(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.roundTimer) clearTimeout(this.roundTimer);
  }

  /** One gossip round over every circle (periodic). */
  round(): void {
    const h = this.host;
    this.rounds++;
    this.applyRetention();
    const heal = this.rounds % HEAL_EVERY_ROUNDS === 0;
    for (const c of h.store.listCircles()) {
      if (heal) h.resync(c.circleId);
      expirePeers(h.store, c.circleId, h.now());
      void this.syncCircle(c.circleId);
    }
  }

  /** History is kept forever unless the retention setting says otherwise (checked hourly). */
  applyRetention(force = false): number {
    const now = this.host.now();
    if (!force && now - this.lastPrune < 3600) return 0;
    this.lastPrune = now;
    const days = this.host.retentionDays();
    if (!days || days <= 0) return 0;
    const n = this.host.store.pruneOlderThan(now - days * 86400);
    if (n) this.host.log(`retention: deleted ${n} message(s) older than ${days} day(s)`);
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
    const h = this.host;
    const c = h.store.getCircle(circleId);
    if (!c || h.stopped()) return [];
    const nowMs = Date.now();
    const live = new Set(h.sessionPeers(circleId));
    const peers = h.store.listPeers(circleId).filter((p) => p.nodeId !== except && !live.has(p.nodeId));
    const picks = selectDials(
      peers,
      h.self,
      (p) => Math.floor((this.lastAttempt.get(`${circleId}/${p.nodeId}`) ?? 0) / 1000),
      h.now(),
      h.rng,
    );
    const addrs = picks.map((p) => p.addr);
    if (addrs.length === 0 && live.size === 0 && !except && c.bootstrap && !h.self.isSelfAddr(c.bootstrap))
      addrs.push(c.bootstrap);
    for (const p of picks) this.lastAttempt.set(`${circleId}/${p.nodeId}`, nowMs);
    const results = await Promise.all(addrs.map((a) => h.syncWith(circleId, a)));
    return results.filter((r): r is ExchangeResult => r !== null);
  }

  /** A member's TCP endpoint learned from a relay's presence list. Returns true if new or changed. */
  addRelayPeer(circleId: string, nodeId: string, addr: string): boolean {
    const h = this.host;
    if (nodeId === h.self.nodeId || h.self.isSelfAddr(addr) || !parseHostPort(addr)) return false;
    const now = h.now();
    const cur = h.store.getPeer(circleId, nodeId);
    if (cur && cur.addr === addr) {
      h.store.putPeer({ ...cur, lastSeen: Math.max(cur.lastSeen, now) });
      return false;
    }
    if (cur && cur.lastOk > 0 && cur.failures < 3 && now - cur.lastOk < 3600) return false; // keep an address we verified
    h.store.putPeer({
      circleId,
      nodeId,
      addr,
      lastSeen: now,
      lastOk: cur?.lastOk ?? 0,
      failures: 0,
      source: "relay",
      proto: cur?.proto ?? "",
    });
    h.emit({ t: "peers", circleId });
    return true;
  }
}
