// The one relay client of a peer (PROTOCOL-V1.md §6, §7.2-7.3, with the felund relay's cursor),
// run by the node and by the relay-only browser: per circle, presence (and the members'
// endpoints it lists), push of what the host says is pending, paged pull behind a persisted
// cursor, and one WebSocket for the relay's push; polling every 5 s while a circle's socket is
// down, every 60 s while it is up (a safety net). A push the relay refuses is tried again with
// back-off. It moves envelopes: what they mean (sealing, opening, storing) is the host's.
// Runtime-neutral: fetch and the WebSocket constructor are injected, timers are the only clock besides `nowMs`.
import * as L from "../../protocol/limits.ts";
import { type MessagesPage, type PullCursor, RelayApi, type SignerOf } from "./api.ts";
import type { CircleLink, ConnectionState, RelayHost, RelaySyncOptions } from "./sync-types.ts";
import type { WsCtor, WsLike } from "./ws-like.ts";
import type { HistoryPush } from "./history-push.ts";

export type { WsCtor, WsLike } from "./ws-like.ts";
export type { CircleLink, ConnectionState, PushBatch, RelayHost, RelaySyncOptions } from "./sync-types.ts";

export class RelaySync {
  api: RelayApi;
  lastError = "";
  private links = new Map<string, CircleLink>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private httpOk: boolean | null = null;
  private lastHealth = 0;
  private state: ConnectionState = "connecting";
  private readonly nowMs: () => number;
  private readonly host: RelayHost;
  private readonly o: RelaySyncOptions;
  private readonly signer: SignerOf = (h) => this.host.signer?.(h);
  /** batched history pushes, for hosts that sign them (the node; loaded then: not in the browser's first load) */
  private history: HistoryPush | null = null;

  /** The circle's last presence, started now if there was none: then a relay that checks signatures knows our key. */
  async registered(circleId: string): Promise<void> {
    const l = this.link(circleId);
    if (l && !l.registered) l.lastPresence = this.nowMs();
    if (l) await (l.registered ??= this.presence(circleId, l));
  }

  constructor(base: string, host: RelayHost, o: RelaySyncOptions) {
    this.host = host;
    this.o = o;
    this.api = new RelayApi(base, o.nodeId, o.fetch, this.signer);
    this.nowMs = o.nowMs ?? Date.now;
  }

  /** Pull a circle now (after joining it through this relay); settles when the pull ends. */
  async pullNow(circleId: string): Promise<void> {
    const l = this.link(circleId);
    if (!l) return;
    await l.pulling;
    l.lastPoll = this.nowMs();
    await this.pull(circleId, l);
  }

  /** "live" while the relay answers (or a WebSocket is up) */
  get connection(): ConnectionState {
    return this.state;
  }

  /** Send a sealed typing notice on the circle's WebSocket when its relay carries them (a felund relay; original ones never). */
  typing(circleId: string, blob: string): boolean {
    const l = this.links.get(circleId);
    return !!(l?.ws && l.open && l.typing) && (l.ws.send(JSON.stringify({ t: "TYPING", blob })), true);
  }

  /** Per circle: whether its WebSocket is up, and when it was last polled. */
  circleStates(): { circleId: string; ws: boolean; lastPoll: number }[] {
    return [...this.links].map(([circleId, l]) => ({ circleId, ws: l.open, lastPoll: l.lastPoll }));
  }

  start(): void {
    this.running = true;
    this.tick();
  }

  /** Close the sockets and forget the circles (presence stays until goodbye() or its TTL). */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    for (const id of [...this.links.keys()]) this.drop(id);
  }

  /** Drop our presence on the relay for the circles we sync (best effort; also while a page unloads). */
  goodbye(): void {
    for (const l of this.links.values()) this.api.unregister(l.hint);
  }

  /** Another relay: drop our presence on the old one and start over (cursors are per relay). */
  restart(base: string): void {
    const was = this.running;
    this.goodbye();
    this.stop();
    this.api = new RelayApi(base, this.o.nodeId, this.o.fetch, this.signer);
    this.history = null;
    this.httpOk = null;
    this.setState();
    if (was) this.start();
  }

  /** The circles changed: look at them now. */
  poke(): void {
    this.schedule(0);
  }

  /** A circle left: close its socket, drop its presence. */
  remove(circleId: string, hint: string): void {
    this.drop(circleId);
    this.api.unregister(hint);
  }

  /** "push" while every circle has its WebSocket open, else "poll". */
  transport(): "push" | "poll" {
    const ls = [...this.links.values()];
    return ls.length > 0 && ls.every((l) => l.open) ? "push" : "poll";
  }

  /** Push what is pending for a circle (after a new message); one push at a time per circle. */
  pushSoon(circleId: string): void {
    const l = this.link(circleId);
    if (!l) return;
    if (l.pushing) {
      l.pushAgain = true;
      return;
    }
    // after the caller's own work (it may still be storing what it hands us)
    l.pushing = Promise.resolve()
      .then(() => this.push(circleId, l))
      .finally(() => {
        l.pushing = null;
        if (l.pushAgain) {
          l.pushAgain = false;
          this.pushSoon(circleId);
        }
      });
  }

  // ---- the scheduler ----

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  /** Keep presence fresh, poll what is due, keep the sockets open. */
  private tick(): void {
    if (!this.running) return;
    const now = this.nowMs();
    const cs = this.host.circles();
    const ids = new Set(cs.map((c) => c.circleId));
    for (const id of this.links.keys()) if (!ids.has(id)) this.drop(id);
    for (const c of cs) {
      const l = this.link(c.circleId)!;
      if (now - l.lastPresence >= L.RELAY_PRESENCE_MS) {
        l.lastPresence = now;
        l.registered = this.presence(c.circleId, l);
      }
      if (this.o.WebSocketImpl !== null && !l.ws && now >= l.wsRetryAt) this.openSocket(c.circleId, l);
      const every = l.open ? (this.o.idlePollMs ?? L.RELAY_POLL_WITH_WS_MS) : (this.o.pollMs ?? L.RELAY_POLL_MS);
      if (now - l.lastPoll >= every) {
        l.lastPoll = now;
        this.pushSoon(c.circleId);
        void this.pull(c.circleId, l);
      }
    }
    // with no circle, the status line still wants to know whether the relay answers
    if (!cs.length && this.host.connectionChanged && now - this.lastHealth >= (this.o.pollMs ?? L.RELAY_POLL_MS)) {
      this.lastHealth = now;
      this.api.health().then(
        () => this.ok(),
        (e) => this.fail("health", e),
      );
    }
    this.host.tick?.();
    this.schedule(Math.min(L.RELAY_TICK_MS, this.o.pollMs ?? L.RELAY_POLL_MS));
  }

  private link(circleId: string): CircleLink | undefined {
    let l = this.links.get(circleId);
    if (l) return l;
    const c = this.host.circles().find((x) => x.circleId === circleId);
    if (!c) return undefined;
    l = {
      hint: c.hint,
      ws: null,
      open: false,
      wsRetryAt: 0,
      lastPoll: 0,
      lastPresence: 0,
      pushing: null,
      pushAgain: false,
      pulling: null,
      retry: null,
      delayMs: 0,
    };
    this.links.set(circleId, l);
    return l;
  }

  private drop(circleId: string): void {
    const l = this.links.get(circleId);
    if (!l) return;
    this.links.delete(circleId);
    if (l.retry) clearTimeout(l.retry);
    if (l.ws) {
      l.ws.onclose = null;
      l.ws.close();
    }
    l.open = false;
    this.setState();
  }

  private ok(): void {
    this.httpOk = true;
    this.setState();
  }

  private fail(what: string, e: unknown): void {
    this.httpOk = false;
    this.lastError = `${what}: ${(e as Error).message}`;
    this.host.log(`relay ${this.api.base}: ${this.lastError}`);
    this.setState();
  }

  private setState(): void {
    const anyOpen = [...this.links.values()].some((l) => l.open);
    const s: ConnectionState =
      anyOpen || this.httpOk === true ? "live" : this.httpOk === false ? "offline" : "connecting";
    if (s === this.state) return;
    this.state = s;
    this.host.connectionChanged?.(s);
  }

  // ---- presence, push, pull ----

  private async presence(circleId: string, l: CircleLink): Promise<void> {
    try {
      const p = this.host.presence();
      await this.api.register(l.hint, p.endpoints, p.transport);
      this.host.peersSeen(circleId, await this.api.peers(l.hint));
    } catch (e) {
      this.fail("presence", e);
    }
  }

  /** Push what is pending, a batch at a time, until nothing is left; on failure, try again later. */
  private async push(circleId: string, l: CircleLink): Promise<void> {
    for (let round = 0; round < 1000 && this.links.get(circleId) === l; round++) {
      const signs = this.host.pushSigner;
      const h =
        signs &&
        (this.history ??= new (await import("./history-push.ts")).HistoryPush((x) => this.host.pushSigner?.(x)));
      const b = this.host.pending(circleId, h ? h.roundSize(l.hint) : L.RELAY_PUSH_BATCH);
      if (!b) return;
      try {
        if (h) await h.post(this.api, l.hint, b.envelopes);
        else
          for (let i = 0; i < b.envelopes.length; i += L.RELAY_PUSH_BATCH)
            await this.api.postMessages(l.hint, b.envelopes.slice(i, i + L.RELAY_PUSH_BATCH));
      } catch (e) {
        this.fail("push", e);
        return this.retryPush(circleId, l);
      }
      l.delayMs = 0;
      await b.ack();
    }
  }

  /** Try a failed push again soon (rate limited, relay restarting, network gone for a moment): 1 s, 2 s, 4 s ... 30 s. */
  private retryPush(circleId: string, l: CircleLink): void {
    if (l.retry || this.links.get(circleId) !== l) return;
    l.delayMs = Math.min(L.RELAY_PUSH_RETRY_MAX_MS, l.delayMs ? l.delayMs * 2 : L.RELAY_PUSH_RETRY_MS);
    l.retry = setTimeout(() => {
      l.retry = null;
      if (this.links.get(circleId) === l) this.pushSoon(circleId);
    }, l.delayMs);
  }

  /** Pull with the relay's monotonic cursor when it has one, else with since/server_time (1 s of overlap). */
  private pull(circleId: string, l: CircleLink): Promise<void> {
    l.pulling ??= this.pullPages(circleId, l)
      .then(
        () => this.ok(),
        (e) => this.fail("pull", e),
      )
      .finally(() => (l.pulling = null));
    return l.pulling;
  }

  private async pullPages(circleId: string, l: CircleLink): Promise<void> {
    await this.registered(circleId);
    const base = this.api.base;
    let cur = this.host.cursor(base, circleId);
    // newest first, for a host that asks (older.ts): a circle new on this relay, or older pages still to fetch
    const o = this.host.older;
    let first: MessagesPage | null = null;
    if (o && ((cur.cursor === undefined && !cur.since) || o.at(base, circleId))) {
      const live = () => this.links.get(circleId) === l;
      const n = await (await import("./older.ts")).older(this.api, this.host, circleId, l, cur, live, (e) =>
        this.fail("older", e),
      );
      if (!n) return;
      cur = n.cursor;
      first = n.page ?? null;
    }
    for (let page = 0; page < L.RELAY_PULL_PAGES_MAX; page++) {
      // (a relay without `before` answered a page since 0: the forward pull's own first page)
      const r = first ?? (await this.api.getMessages(l.hint, cur, L.RELAY_PULL_PAGE));
      first = null;
      await this.host.ingest(circleId, r.messages);
      const next: PullCursor =
        r.nextCursor !== undefined
          ? { cursor: r.nextCursor }
          : { since: Math.max(cur.since ?? 0, (r.serverTime ?? 0) - 1) };
      if (this.links.get(circleId) !== l) return; // left meanwhile
      await this.host.saveCursor(base, circleId, next);
      const moved = next.cursor !== cur.cursor || next.since !== cur.since;
      cur = next;
      if (!r.more || !moved) return;
    }
  }

  // ---- WebSocket push: one socket per circle, as the original ----

  private openSocket(circleId: string, l: CircleLink): void {
    const Ws = this.o.WebSocketImpl ?? (globalThis as { WebSocket?: WsCtor }).WebSocket;
    const later = () => (l.wsRetryAt = this.nowMs() + (this.o.reconnectMs ?? L.RELAY_WS_RETRY_MS));
    let ws: WsLike;
    try {
      ws = new Ws!(this.api.wsUrl(l.hint));
    } catch {
      later();
      return;
    }
    l.ws = ws;
    l.typing = false;
    ws.onopen = () => {
      l.open = true;
      this.setState();
      void this.pull(circleId, l);
    };
    ws.onmessage = (ev) => {
      let f: { t?: unknown; messages?: unknown; typing?: unknown; blob?: unknown } | null = null;
      try {
        f = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (f?.t === "MESSAGES" && Array.isArray(f.messages)) {
        const done = this.host.ingest(circleId, f.messages);
        if (done) done.catch((e) => this.fail("ingest", e));
      } else if (f?.t === "PING") ws.send(JSON.stringify({ t: "PONG" }));
      // a felund relay carries typing notices (docs/PROTOCOL.md §22); an original one never says so
      else if (f?.t === "FEATURES") l.typing = f.typing === true;
      else if (f?.t === "TYPING" && l.typing) this.host.typing?.(circleId, f.blob);
    };
    ws.onclose = () => {
      if (l.ws !== ws) return;
      const wasOpen = l.open;
      l.ws = null;
      l.open = false;
      later();
      this.setState();
      if (!wasOpen) return;
      // poll at once while the socket is down
      l.lastPoll = 0;
      this.schedule(0);
    };
    ws.onerror = () => {};
  }
}
