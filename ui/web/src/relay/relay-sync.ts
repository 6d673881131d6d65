// How the relay-only peer stays in sync with its relay (PROTOCOL-V1.md §7.2-7.3, with the felund
// relay's cursor): per circle, presence every minute, push of our own envelopes, paged pull,
// and one WebSocket for push; polling every 5 s while a socket is down (30 s while all are
// up, as a safety net). It moves envelopes; what they mean is the host's business.
import type { ConnectionState } from "../../../shared/types.ts";
import type { PullCursor } from "./persist.ts";
import { RelayApi, type FetchLike, type RelayEndpoint, type RelayPeer } from "../../../../src/peer/relay/api.ts";
import type { WsCtor } from "../../../../src/peer/relay/sync.ts";

/** What the sync loop needs from the peer that owns the messages. */
export interface SyncHost {
  circles(): { circleId: string; hint: string }[];
  /** the next envelopes of ours the relay has not acknowledged (at most `max`; v1 and/or v2) */
  pending(circleId: string, max: number): { msgIds: string[]; envelopes: unknown[] };
  acknowledged(circleId: string, msgIds: string[]): Promise<void>;
  cursor(key: string): PullCursor;
  saveCursor(key: string, c: PullCursor): Promise<void>;
  /** open, verify and store envelopes; resolves once they are stored */
  ingest(circleId: string, raws: unknown[]): Promise<void>;
  peersSeen(circleId: string, peers: RelayPeer[]): void;
  connectionChanged(state: ConnectionState): void;
  debug(line: string): void;
}

export interface SyncOptions {
  nodeId: string;
  fetch?: FetchLike;
  WebSocketImpl?: WsCtor;
  endpoint?: RelayEndpoint | null;
  pollMs?: number;
  idlePollMs?: number;
  reconnectMs?: number;
  nowMs?: () => number;
}

/** Messages per POST (the relay's batch limit) and per GET page. */
const PUSH_BATCH = 50;
const PULL_PAGE = 200;
/** Pages pulled per circle in one round; the rest follows in the next round. */
const PULL_PAGES_MAX = 25;
const PRESENCE_EVERY_MS = 60_000;

interface Sock {
  ws: InstanceType<WsCtor> | null;
  open: boolean;
  retry: ReturnType<typeof setTimeout> | null;
}

export class RelaySync {
  api: RelayApi;
  private sockets = new Map<string, Sock>();
  private presenceAt = new Map<string, number>();
  private pushChains = new Map<string, Promise<void>>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private round: Promise<void> | null = null;
  private httpOk: boolean | null = null;
  private state: ConnectionState = "connecting";
  private running = false;
  private readonly nowMs: () => number;

  constructor(
    base: string,
    private host: SyncHost,
    private o: SyncOptions,
  ) {
    this.api = new RelayApi(base, o.nodeId, o.fetch);
    this.nowMs = o.nowMs ?? Date.now;
  }

  start(): void {
    this.running = true;
    for (const c of this.host.circles()) this.openSocket(c.circleId, c.hint);
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    for (const id of [...this.sockets.keys()]) this.closeSocket(id);
  }

  /** Another relay: drop our presence on the old one and start over (cursors are per relay). */
  restart(base: string): void {
    const was = this.running;
    this.stop();
    this.goodbye();
    this.api = new RelayApi(base, this.o.nodeId, this.o.fetch);
    this.presenceAt.clear();
    this.httpOk = null;
    this.setState();
    if (was) this.start();
  }

  addCircle(circleId: string, hint: string): void {
    if (!this.running) return;
    this.openSocket(circleId, hint);
    this.schedule(0);
  }

  removeCircle(circleId: string, hint: string): void {
    this.closeSocket(circleId);
    this.presenceAt.delete(circleId);
    this.api.unregister(hint);
  }

  /** Leaving the page: drop our presence (best effort). */
  goodbye(): void {
    for (const c of this.host.circles()) this.api.unregister(c.hint);
  }

  /** "push" while every circle has its WebSocket open, else "poll". */
  transport(): "push" | "poll" {
    const cs = this.host.circles();
    return cs.length > 0 && cs.every((c) => this.sockets.get(c.circleId)?.open) ? "push" : "poll";
  }

  cursorKey(circleId: string): string {
    return `${this.api.base}|${circleId}`;
  }

  /** Push our pending envelopes of a circle now (after a send); one push at a time per circle. */
  push(circleId: string, hint: string): Promise<void> {
    const prev = this.pushChains.get(circleId) ?? Promise.resolve();
    const next = prev
      .catch(() => {})
      .then(async () => {
        for (let i = 0; i < 1000; i++) {
          const b = this.host.pending(circleId, PUSH_BATCH);
          if (!b.msgIds.length) return;
          if (b.envelopes.length) await this.api.postMessages(hint, b.envelopes);
          await this.host.acknowledged(circleId, b.msgIds);
        }
      });
    this.pushChains.set(circleId, next);
    return next;
  }

  pushSoon(circleId: string, hint: string): void {
    this.push(circleId, hint).catch((e) => this.failed(e));
  }

  async peers(hint: string): Promise<RelayPeer[]> {
    return this.api.peers(hint);
  }

  // ---- rounds ----

  private failed(e: unknown) {
    this.httpOk = false;
    this.host.debug(`relay: ${(e as Error).message}`);
    this.setState();
  }

  private schedule(ms: number) {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick() {
    if (!this.running) return;
    this.round ??= this.syncAll().finally(() => (this.round = null));
    await this.round;
    this.setState();
    this.schedule(this.transport() === "push" ? (this.o.idlePollMs ?? 30_000) : (this.o.pollMs ?? 5_000));
  }

  private async syncAll() {
    let ok = true;
    const cs = this.host.circles();
    for (const c of cs) {
      try {
        await this.syncCircle(c.circleId, c.hint);
      } catch (e) {
        ok = false;
        this.host.debug(`relay: ${(e as Error).message}`);
      }
    }
    if (!cs.length) await this.api.health().catch(() => (ok = false));
    this.httpOk = ok;
  }

  private async syncCircle(circleId: string, hint: string) {
    const now = this.nowMs();
    if (now - (this.presenceAt.get(circleId) ?? -Infinity) >= PRESENCE_EVERY_MS) {
      await this.api.register(hint, this.o.endpoint ? [this.o.endpoint] : [], "ws");
      this.presenceAt.set(circleId, now);
      void this.api.peers(hint).then(
        (p) => this.host.peersSeen(circleId, p),
        () => {},
      );
    }
    await this.push(circleId, hint);
    await this.pull(circleId, hint);
  }

  private async pull(circleId: string, hint: string) {
    const key = this.cursorKey(circleId);
    let cur = this.host.cursor(key);
    for (let page = 0; page < PULL_PAGES_MAX; page++) {
      const r = await this.api.getMessages(hint, cur, PULL_PAGE);
      await this.host.ingest(circleId, r.messages);
      // felund relays page with a cursor; the originals only give their clock (one second of overlap)
      cur =
        r.nextCursor !== undefined
          ? { cursor: r.nextCursor }
          : { since: Math.max(cur.since ?? 0, (r.serverTime ?? 0) - 1) };
      if (!this.host.circles().some((c) => c.circleId === circleId)) return;
      await this.host.saveCursor(key, cur);
      if (r.nextCursor === undefined || !r.more) break;
    }
  }

  // ---- WebSocket push: one socket per circle, as the original ----

  private openSocket(circleId: string, hint: string) {
    if (!this.running || this.sockets.get(circleId)?.ws) return;
    const entry: Sock = this.sockets.get(circleId) ?? { ws: null, open: false, retry: null };
    this.sockets.set(circleId, entry);
    const retry = () => {
      entry.retry = setTimeout(() => {
        entry.retry = null;
        if (this.host.circles().some((c) => c.circleId === circleId)) this.openSocket(circleId, hint);
      }, this.o.reconnectMs ?? 5_000);
    };
    let ws: InstanceType<WsCtor>;
    try {
      ws = new (this.o.WebSocketImpl ?? (WebSocket as unknown as WsCtor))(this.api.wsUrl(hint));
    } catch {
      return retry();
    }
    entry.ws = ws;
    ws.onopen = () => {
      entry.open = true;
      this.setState();
    };
    ws.onmessage = (ev) => {
      let f: { t?: unknown; messages?: unknown } | null = null;
      try {
        f = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (f?.t === "MESSAGES" && Array.isArray(f.messages))
        this.host.ingest(circleId, f.messages).catch((e) => this.failed(e));
      else if (f?.t === "PING") ws.send(JSON.stringify({ t: "PONG" }));
    };
    ws.onclose = () => {
      const wasOpen = entry.open;
      entry.open = false;
      entry.ws = null;
      if (!this.running) return;
      this.setState();
      retry();
      if (wasOpen) this.schedule(0); // poll at once while the socket is down
    };
  }

  private closeSocket(circleId: string) {
    const e = this.sockets.get(circleId);
    if (!e) return;
    if (e.retry) clearTimeout(e.retry);
    if (e.ws) {
      e.ws.onclose = null;
      e.ws.close();
    }
    this.sockets.delete(circleId);
  }

  private setState() {
    const anyOpen = [...this.sockets.values()].some((s) => s.open);
    const s: ConnectionState =
      anyOpen || this.httpOk === true ? "live" : this.httpOk === false ? "offline" : "connecting";
    if (s === this.state) return;
    this.state = s;
    this.host.connectionChanged(s);
  }
}
