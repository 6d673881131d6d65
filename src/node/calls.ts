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
import { normalizeChannelId } from "../protocol/channel-id.ts";
import { circleHint } from "../protocol/ids.ts";
import { CALL_ALIVE_TIMEOUT_S, RELAY_SIGNAL_TTL_CANDIDATE_MAX_S, RELAY_SIGNAL_TTL_MAX_S } from "../protocol/limits.ts";
import type { Verdict } from "../protocol/verdict.ts";
import { relaySessionLabel, relaySignalType, type CallSignalType } from "../protocol/v2/call-signal.ts";
import { signalProof } from "../protocol/v2/signal-proof.ts";
import type { SignalFrame } from "../protocol/v2/frames.ts";
import { callView, type CallSession } from "../sync/control-apply.ts";
import {
  CallError,
  SignalInbox,
  callAction,
  sealCallSignal,
  type ArrivedSignal,
  type CallView,
} from "../sync/calls.ts";
import type { StoredMessage } from "../sync/store.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import { fetchJsonCapped } from "./capped-http.ts";
import * as svc from "./service.ts";
import { FelundError } from "../peer/errors.ts";
import { codeForStatus } from "../peer/error-status.ts";
import { relayUrl } from "../peer/relay-url.ts";
import { RELAY_HTTP_TIMEOUT_MS } from "../protocol/limits.ts";

export type CallOp = "start" | "join" | "leave" | "end";
export type { CallView };

/** What calls need from the node that runs them: an interface, so this file holds no reference back to it. */
export interface CallHost {
  readonly nodeId: string;
  readonly keys: NodeKeys;
  /** the node's context; its `calls` registry holds every call the circles' events describe */
  readonly ctx: svc.Ctx;
  /** the relay this node uses now, if any (it can change while the node runs) */
  relayBase(): string | null;
  /** call events authored here, out on every path */
  published(rows: StoredMessage[]): void;
  /** a SIGNAL frame over a live v2 session with `to`'s node (null: any session of the circle) */
  signalToPeer(circleId: string, to: string | null, f: Omit<SignalFrame, "t">): boolean;
  /** an opened, checked signal for the page */
  emit(e: { t: "call-signal" } & ArrivedSignal): void;
  log(line: string): void;
}

/** Relay signal polling while this node's user is in a call (the relay has no push for signals). */
const RELAY_POLL_MS = 700;
const RELAY_PAGES_MAX = 5;
/** Signals handled per second from one session peer before the rest are dropped (a member flooding us). */
const SESSION_SIGNALS_PER_S = 30;

export class NodeCalls {
  private inbox = new SignalInbox();
  /** call session -> when its page last said it runs the call (ms) */
  private alive = new Map<string, number>();
  /** since: the relay's signal id read up to; from: rows stored before it (relay clock) predate our listening */
  private relayCursor: { base: string; since: number; from: number | null } | null = null;
  private polling = false;
  private lastPoll = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private budget = new Map<string, { n: number; at: number }>();

  constructor(private host: CallHost) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), 250);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private get self(): string {
    return this.host.nodeId;
  }

  list(circleId?: string): CallView[] {
    const all = [...this.host.ctx.calls.sessions.values()];
    return (circleId ? all.filter((s) => s.circleId === circleId) : all).map(callView);
  }

  /** Start, join, leave or end a call; returns the call afterwards (null once it is over). */
  action(circleIdIn: string, op: CallOp, a: { sessionId?: string; channel?: string } = {}): CallView | null {
    const ctx = this.host.ctx;
    const circleId = svc.requireCircle(ctx, circleIdIn).circleId;
    let r: ReturnType<typeof callAction>;
    try {
      r = callAction(
        {
          ctx: svc.v2Ctx(ctx),
          rng: ctx.rng,
          displayName: svc.settings(ctx).displayName,
          v2: ctx.v2,
          postV1: ctx.postV1,
        },
        circleId,
        op,
        { sessionId: a.sessionId, channelId: normalizeChannelId(a.channel || "general") },
      );
    } catch (e) {
      if (e instanceof CallError) throw new FelundError(codeForStatus(e.status), e.message, e.status);
      throw e;
    }
    this.host.published(r.rows);
    if (op === "start" || op === "join") this.alive.set(r.sessionId, Date.now());
    else this.alive.delete(r.sessionId);
    return r.call;
  }

  /** The page that runs the call is still there. */
  keepAlive(circleId: string, sessionId: string): void {
    const s = this.host.ctx.calls.sessions.get(sessionId);
    if (!s || s.circleId !== svc.requireCircle(this.host.ctx, circleId).circleId)
      throw new FelundError("E_NOT_FOUND", "no such call (it ended?)");
    if (s.participants.has(this.self)) this.alive.set(sessionId, Date.now());
  }

  // ---- signals out ----

  /** Seal, sign and send one signal to another participant. Returns the path it took. */
  async send(
    circleIdIn: string,
    sessionId: string,
    to: string,
    type: CallSignalType,
    data: string,
  ): Promise<"session" | "relay" | "forwarded"> {
    const circle = svc.requireCircle(this.host.ctx, circleIdIn);
    let payload: string;
    try {
      payload = sealCallSignal(
        svc.v2Ctx(this.host.ctx),
        this.host.ctx.rng,
        circle.circleId,
        sessionId,
        to,
        type,
        data,
        Date.now(),
      );
    } catch (e) {
      if (e instanceof CallError) throw new FelundError(codeForStatus(e.status), e.message, e.status);
      throw e;
    }
    const frame = { hops: 0, to, sessionId, payload };
    if (this.host.signalToPeer(circle.circleId, to, frame)) return "session";
    const relay = this.host.relayBase();
    if (relay) {
      const body = {
        session_id: relaySessionLabel(sessionId, this.self, to),
        from_node_id: this.self,
        to_node_id: to,
        circle_hint: circleHint(circle.circleId),
        type: relaySignalType(type),
        payload,
        ttl_s: type === "candidates" ? RELAY_SIGNAL_TTL_CANDIDATE_MAX_S : RELAY_SIGNAL_TTL_MAX_S,
      };
      // proves the id is ours: the relay charges our own budget, which nobody else can drain
      await this.postRelay(relay, {
        ...body,
        node_proof: signalProof(body, this.host.keys, Math.floor(Date.now() / 1000)),
      });
      return "relay";
    }
    if (this.host.signalToPeer(circle.circleId, null, frame)) return "forwarded";
    throw new FelundError(
      "E_UNREACHABLE",
      `no way to reach ${to.slice(0, 8)}: no connection to its node and no relay configured`,
    );
  }

  private async relayHttp(base: string, method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetchJsonCapped(relayUrl(base, path), {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: RELAY_HTTP_TIMEOUT_MS,
    });
    const json = res.json;
    if (res.status === 429) return { retryAfterS: Number(res.headers.get("retry-after")) || 1 };
    if (!res.ok || !json || json.ok === false)
      throw new FelundError(
        "E_UNREACHABLE",
        `relay: ${method} /signal: HTTP ${res.status} ${json?.detail ?? json?.error ?? ""}`.trim(),
        502,
      );
    return json;
  }

  /** POST a signal; on 429 (the relay's 20-per-10-s budget) wait and retry a few times. */
  private async postRelay(base: string, body: unknown): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.relayHttp(base, "POST", "/signal", body).catch((e) => {
        if (e instanceof FelundError) throw e;
        throw new FelundError("E_UNREACHABLE", `relay unreachable: ${(e as Error).message}`, 502);
      });
      if (r.retryAfterS === undefined) return;
      if (attempt >= 4) throw new FelundError("E_RATE_LIMITED", "relay: too many signals; try again shortly");
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
      if (f.hops === 0) this.host.signalToPeer(circleId, f.to, { ...f, hops: 1 });
      return;
    }
    this.deliver(circleId, f.sessionId, f.payload);
  }

  /** Open and check a signal for this node; hand it to the page. */
  private deliver(circleId: string, sessionId: string, payload: string): void {
    this.handOn(this.inbox.open(svc.v2Ctx(this.host.ctx), circleId, sessionId, payload, null, Date.now()));
  }

  private handOn(r: Verdict<ArrivedSignal>): void {
    if (!r.ok) return void (r.kind === "reject" && this.host.log(`call signal refused: ${r.reason}`));
    this.host.emit({ t: "call-signal", ...r.value });
  }

  private inAnyCall(): CallSession[] {
    return [...this.host.ctx.calls.sessions.values()].filter((s) => s.participants.has(this.self));
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
        this.host.log(`call ${s.sessionId.slice(0, 8)}: the page running it is gone; leaving`);
        try {
          this.action(s.circleId, "leave", { sessionId: s.sessionId });
        } catch (e) {
          this.host.log(`call leave failed: ${(e as Error).message}`);
        }
      }
    }
    const relay = this.host.relayBase();
    if (!relay || !mine.length) {
      if (!mine.length) this.relayCursor = null;
      return;
    }
    if (this.polling || now - this.lastPoll < RELAY_POLL_MS) return;
    this.lastPoll = now;
    this.polling = true;
    void this.pollRelay(relay)
      .catch((e) => this.host.log(`call signals: ${(e as Error).message}`))
      .finally(() => (this.polling = false));
  }

  /** Signals addressed to this node on the relay (media-* only; other kinds belong to others). */
  private async pollRelay(base: string): Promise<void> {
    if (this.relayCursor?.base !== base) this.relayCursor = { base, since: 0, from: null };
    const cur = this.relayCursor;
    for (let page = 0; page < RELAY_PAGES_MAX; page++) {
      const r = await this.relayHttp(
        base,
        "GET",
        `/signal?to_node_id=${encodeURIComponent(this.self)}&since_id=${cur.since}`,
      );
      const rows: any[] = Array.isArray(r.signals) ? r.signals : [];
      // the relay's clock, not ours: a few seconds before its answer to our first poll
      cur.from ??= (typeof r.server_time === "number" ? r.server_time : Math.floor(Date.now() / 1000)) - 5;
      for (const row of rows) {
        if (!row || !Number.isSafeInteger(row.id)) continue;
        cur.since = Math.max(cur.since, row.id);
        // rows from before this node began to listen belong to an earlier call (or page)
        if (typeof row.created_at !== "number" || row.created_at < cur.from!) continue;
        this.handOn(this.inbox.openRelayRow(svc.v2Ctx(this.host.ctx), row, Date.now()));
      }
      if (rows.length < 200) break;
    }
  }
}
