// Calls on a node (docs/PROTOCOL.md §15): the control events that start, join, leave and end
// a call, and the path of its signals. The media runs in the user's browser (the web client,
// served by this node); the node is its trusted helper: it signs the call events, seals and
// signs each signal with its key, and carries signals
//
//   * over the live v2 session with the other participant's node (SIGNAL frame), when there is one;
//   * else through the relay's /v1/signal, when a relay is configured (relay-only browsers are
//     reached only this way; the relay sees sealed payloads);
//   * else through any live v2 session of the circle, whose node passes it on once.
//
// Arriving signals are opened and checked (circle key, sender's signature, recipient, age,
// replay, sender not removed, call known and this node in it) and handed to the page over the
// local WebSocket as {t: "call-signal"}. The page says every few seconds that it is still
// running the call; when it stops (tab closed), the node leaves the call on its user's behalf.
import { toHex } from "../protocol/bytes.ts";
import { normalizeChannelId } from "../protocol/channel-id.ts";
import { callEventText } from "../protocol/control.ts";
import { circleHint } from "../protocol/ids.ts";
import { CALL_ALIVE_TIMEOUT_S, CALL_MAX_PARTICIPANTS, RELAY_SIGNAL_TTL_CANDIDATE_MAX_S, RELAY_SIGNAL_TTL_MAX_S } from "../protocol/limits.ts";
import { CONTROL_CHANNEL } from "../protocol/message.ts";
import { SeenSignals, SIGNAL_TYPES, callIdOfLabel, openSignal, relaySessionLabel, relaySignalType, sealSignal, type CallSignalType } from "../protocol/v2/call-signal.ts";
import type { SignalFrame } from "../protocol/v2/frames.ts";
import { callView, type CallSession } from "../sync/control-apply.ts";
import type { StoredMessage } from "../sync/store.ts";
import { callEvent } from "../sync/v2-admin.ts";
import { epochKey, isLegacy } from "../sync/v2-apply.ts";
import type { FelundNode } from "./node.ts";
import * as svc from "./service.ts";

export type CallOp = "start" | "join" | "leave" | "end";
export type CallView = ReturnType<typeof callView>;

/** Relay signal polling while this node's user is in a call (the relay has no push for signals). */
const RELAY_POLL_MS = 700;
const RELAY_PAGES_MAX = 5;
const HTTP_TIMEOUT_MS = 8_000;
/** Signals handled per second from one session peer before the rest are dropped (a member flooding us). */
const SESSION_SIGNALS_PER_S = 30;

const v1Url = (base: string, path: string) => {
  const b = base.trim().replace(/\/+$/, "");
  return /\/v1$/.test(b) ? `${b}${path}` : `${b}/v1${path}`;
};

export class NodeCalls {
  private seen = new SeenSignals();
  /** call session -> when its page last said it runs the call (ms) */
  private alive = new Map<string, number>();
  private relayCursor: { base: string; since: number; from: number } | null = null;
  private polling = false;
  private lastPoll = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private budget = new Map<string, { n: number; at: number }>();

  constructor(private node: FelundNode) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), 250);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private get self(): string {
    return this.node.nodeId;
  }

  list(circleId?: string): CallView[] {
    const all = [...this.node.calls.sessions.values()];
    return (circleId ? all.filter((s) => s.circleId === circleId) : all).map(callView);
  }

  private session(circleId: string, sessionId: string | undefined, channelId: string): CallSession {
    const s = sessionId ? this.node.calls.sessions.get(sessionId) : this.node.calls.inChannel(circleId, channelId);
    if (!s || s.circleId !== circleId) throw new svc.UserError(sessionId ? "no such call (it ended?)" : `no call in #${channelId}: /call start starts one`, 404);
    return s;
  }

  /** Start, join, leave or end a call; returns the call afterwards (null once it is over). */
  action(circleIdIn: string, op: CallOp, a: { sessionId?: string; channel?: string } = {}): CallView | null {
    const circle = svc.requireCircle(this.node.ctx, circleIdIn);
    const circleId = circle.circleId;
    const channelId = normalizeChannelId(a.channel || "general");
    const calls = this.node.calls;
    let sid: string;
    if (op === "start") {
      if (!this.node.store.getChannel(circleId, channelId)) throw new svc.UserError(`unknown channel: #${channelId}`, 404);
      const cur = calls.inChannel(circleId, channelId);
      if (cur) throw new svc.UserError(`a call is already running in #${channelId}: /call join joins it`, 409);
      sid = toHex(this.node.ctx.rng(16));
      this.publish(circleId, "create", sid, channelId);
    } else {
      const s = this.session(circleId, a.sessionId, channelId);
      sid = s.sessionId;
      const inIt = s.participants.has(this.self);
      if (op === "join") {
        if (!inIt) {
          if (s.participants.size >= CALL_MAX_PARTICIPANTS)
            throw new svc.UserError(`this call is full: a felund call is a mesh of at most ${CALL_MAX_PARTICIPANTS} participants`, 409);
          this.publish(circleId, "join", sid, s.channelId);
        }
      } else if (op === "leave") {
        if (!inIt) throw new svc.UserError("you are not in this call", 409);
        this.publish(circleId, "leave", sid, s.channelId);
      } else {
        if (s.hostNodeId !== this.self) throw new svc.UserError("only the host who started the call can end it for everyone (/call leave leaves it)", 403);
        this.publish(circleId, "end", sid, s.channelId);
      }
    }
    if (op === "start" || op === "join") this.alive.set(sid, Date.now());
    else this.alive.delete(sid);
    const after = calls.sessions.get(sid);
    return after ? callView(after) : null;
  }

  /**
   * Sign the event (v2) and, in a legacy circle, also post the CALL_EVT of the original web
   * client so that original clients see the call; felund nodes believe only the signed one.
   */
  private publish(circleId: string, op: "create" | "join" | "leave" | "end", sessionId: string, channelId: string): void {
    const ctx = this.node.ctx;
    const circle = this.node.store.getCircle(circleId)!;
    const rows: StoredMessage[] = [];
    if (ctx.v2 !== false) {
      const r = callEvent(svc.v2Ctx(ctx), circleId, op, sessionId, channelId, { displayName: svc.settings(ctx).displayName, now: ctx.now(), rng: ctx.rng });
      if (!r.ok) throw new svc.UserError(r.reason, /host/.test(r.reason) ? 403 : 400);
      rows.push(r.value.row);
    }
    if (isLegacy(circle)) {
      const s = this.node.calls.sessions.get(sessionId);
      const text = callEventText(op, {
        sessionId, actor: this.self, hostNodeId: op === "create" ? this.self : s?.hostNodeId ?? this.self, circleId, channelId, ts: ctx.now(),
      });
      rows.push(svc.postLocal(ctx, circleId, CONTROL_CHANNEL, text));
    }
    this.node.published(rows);
  }

  /** The page that runs the call is still there. */
  keepAlive(circleId: string, sessionId: string): void {
    const s = this.node.calls.sessions.get(sessionId);
    if (!s || s.circleId !== svc.requireCircle(this.node.ctx, circleId).circleId) throw new svc.UserError("no such call (it ended?)", 404);
    if (s.participants.has(this.self)) this.alive.set(sessionId, Date.now());
  }

  // ---- signals out ----

  /** Seal, sign and send one signal to another participant. Returns the path it took. */
  async send(circleIdIn: string, sessionId: string, to: string, type: CallSignalType, data: string): Promise<"session" | "relay" | "forwarded"> {
    const circle = svc.requireCircle(this.node.ctx, circleIdIn);
    const s = this.node.calls.sessions.get(sessionId);
    if (!s || s.circleId !== circle.circleId) throw new svc.UserError("no such call (it ended?)", 404);
    if (!s.participants.has(this.self)) throw new svc.UserError("join the call first", 409);
    if (!(type in SIGNAL_TYPES)) throw new svc.UserError("unknown signal type");
    if (to === this.self) throw new svc.UserError("a signal to yourself");
    const ek = epochKey(this.node.store, circle, circle.keyEpoch);
    if (!ek) throw new svc.UserError("no key for the circle's current epoch", 409);
    const keys = this.node.keys;
    let payload: string;
    try {
      payload = sealSignal(
        { circleId: circle.circleId, sessionId, from: keys.edPublic, to, type, tsMs: Date.now(), id: this.node.ctx.rng(16), data },
        { edSecret: keys.edSecret, epoch: circle.keyEpoch, epochKey: ek, nonce: this.node.ctx.rng(12) },
      );
    } catch (e) {
      throw new svc.UserError((e as Error).message, 413);
    }
    const frame = { hops: 0, to, sessionId, payload };
    if (this.node.signalToPeer(circle.circleId, to, frame)) return "session";
    const relay = this.node.relay;
    if (relay) {
      await this.postRelay(relay.base, {
        session_id: relaySessionLabel(sessionId, this.self, to), from_node_id: this.self, to_node_id: to, circle_hint: circleHint(circle.circleId),
        type: relaySignalType(type), payload, ttl_s: type === "candidates" ? RELAY_SIGNAL_TTL_CANDIDATE_MAX_S : RELAY_SIGNAL_TTL_MAX_S,
      });
      return "relay";
    }
    if (this.node.signalToPeer(circle.circleId, null, frame)) return "forwarded";
    throw new svc.UserError(`no way to reach ${to.slice(0, 8)}: no connection to its node and no relay configured`, 503);
  }

  private async relayHttp(base: string, method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(v1Url(base, path), {
      method, headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const json = (await res.json().catch(() => null)) as any;
    if (res.status === 429) return { retryAfterS: Number(res.headers.get("retry-after")) || 1 };
    if (!res.ok || !json || json.ok === false) throw new svc.UserError(`relay: ${method} /signal: HTTP ${res.status} ${json?.detail ?? json?.error ?? ""}`.trim(), 502);
    return json;
  }

  /** POST a signal; on 429 (the relay's 20-per-10-s budget) wait and retry a few times. */
  private async postRelay(base: string, body: unknown): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.relayHttp(base, "POST", "/signal", body).catch((e) => {
        if (e instanceof svc.UserError) throw e;
        throw new svc.UserError(`relay unreachable: ${(e as Error).message}`, 502);
      });
      if (r.retryAfterS === undefined) return;
      if (attempt >= 4) throw new svc.UserError("relay: too many signals; try again shortly", 429);
      await Bun.sleep(Math.min(5000, 500 * 2 ** attempt));
    }
  }

  // ---- signals in ----

  /** A SIGNAL frame from a v2 session with `via`: ours to open, or to pass on once. */
  fromSession(circleId: string, via: string, f: SignalFrame): void {
    const now = Date.now();
    const b = this.budget.get(via);
    if (!b || now - b.at >= 1000) this.budget.set(via, { n: 1, at: now });
    else if (++b.n > SESSION_SIGNALS_PER_S) return;
    if (f.to !== this.self) {
      if (f.hops === 0) this.node.signalToPeer(circleId, f.to, { ...f, hops: 1 });
      return;
    }
    this.deliver(circleId, f.sessionId, f.payload, null);
  }

  /** Open and check a signal for this node; hand it to the page. */
  private deliver(circleId: string, sessionId: string, payload: string, claimedFrom: string | null): boolean {
    const store = this.node.store;
    const circle = store.getCircle(circleId);
    const s = this.node.calls.sessions.get(sessionId);
    if (!circle || !s || s.circleId !== circleId || !s.participants.has(this.self)) return false;
    const nowMs = Date.now();
    const r = openSignal(payload, { circleId, sessionId, self: this.self, keyOf: (e) => epochKey(store, circle, e), nowMs });
    if (!r.ok) {
      this.node.log(`call signal refused: ${r.reason}`);
      return false;
    }
    const sig = r.value;
    if (claimedFrom !== null && claimedFrom !== sig.fromNodeId) return false;
    if (store.removedAt(circleId, sig.fromNodeId) !== undefined) return false;
    if (!this.seen.fresh(sig.id, nowMs)) return false;
    this.node.emit({ t: "call-signal", circleId, sessionId, from: sig.fromNodeId, type: sig.type, data: sig.data });
    return true;
  }

  private inAnyCall(): CallSession[] {
    return [...this.node.calls.sessions.values()].filter((s) => s.participants.has(this.self));
  }

  private tick(): void {
    const mine = this.inAnyCall();
    const now = Date.now();
    // the page that ran a call went away: leave it for the user
    for (const s of mine) {
      const last = this.alive.get(s.sessionId);
      if (last === undefined) this.alive.set(s.sessionId, now);
      else if (now - last > CALL_ALIVE_TIMEOUT_S * 1000) {
        this.alive.delete(s.sessionId);
        this.node.log(`call ${s.sessionId.slice(0, 8)}: the page running it is gone; leaving`);
        try {
          this.action(s.circleId, "leave", { sessionId: s.sessionId });
        } catch (e) {
          this.node.log(`call leave failed: ${(e as Error).message}`);
        }
      }
    }
    const relay = this.node.relay;
    if (!relay || !mine.length) {
      if (!mine.length) this.relayCursor = null;
      return;
    }
    if (this.polling || now - this.lastPoll < RELAY_POLL_MS) return;
    this.lastPoll = now;
    this.polling = true;
    void this.pollRelay(relay.base).catch((e) => this.node.log(`call signals: ${(e as Error).message}`)).finally(() => (this.polling = false));
  }

  /** Signals addressed to this node on the relay (media-* only; other kinds belong to others). */
  private async pollRelay(base: string): Promise<void> {
    if (this.relayCursor?.base !== base) this.relayCursor = { base, since: 0, from: Math.floor(Date.now() / 1000) - 5 };
    const cur = this.relayCursor;
    for (let page = 0; page < RELAY_PAGES_MAX; page++) {
      const r = await this.relayHttp(base, "GET", `/signal?to_node_id=${encodeURIComponent(this.self)}&since_id=${cur.since}`);
      const rows: any[] = Array.isArray(r.signals) ? r.signals : [];
      for (const row of rows) {
        if (!row || !Number.isSafeInteger(row.id)) continue;
        cur.since = Math.max(cur.since, row.id);
        // rows from before this node began to listen belong to an earlier call (or page)
        if (typeof row.created_at !== "number" || row.created_at < cur.from) continue;
        if (typeof row.type !== "string" || !row.type.startsWith("media-") || typeof row.payload !== "string" || typeof row.from_node !== "string") continue;
        const sid = callIdOfLabel(String(row.session_id));
        const s = sid ? this.node.calls.sessions.get(sid) : undefined;
        if (!s || row.session_id !== relaySessionLabel(s.sessionId, row.from_node, this.self)) continue;
        this.deliver(s.circleId, s.sessionId, row.payload, row.from_node);
      }
      if (rows.length < 200) break;
    }
  }
}
