// Calls on a node (docs/PROTOCOL.md §15): the control events that start, join, leave and end
// a call, and the path of its signals. The media runs in the user's browser (the web client,
// served by this node); the node is its trusted helper: it signs the call events, seals and
// signs each signal with its key, and carries signals
//
//   * over the live v2 session with the other participant's node (SIGNAL frame), when there is one;
//   * else through the relay's /v1/signal, when a relay is configured (src/peer/call-relay.ts, as
//     the relay-only browser does; those browsers are reached only this way; the relay sees sealed payloads);
//   * else through any live v2 session of the circle, whose node passes it on once.
//
// Arriving signals are opened and checked (circle key, sender's signature, recipient, age,
// replay, sender not removed, call known and this node in it) and handed to the page over the
// local WebSocket as {t: "call-signal"}. The page says every few seconds that it is still
// running the call; when it stops (tab closed), the node leaves the call on its user's behalf.
import { normalizeChannelId } from "../protocol/channel-id.ts";
import { CALL_ALIVE_TIMEOUT_S, CALL_SESSION_SIGNALS_PER_S } from "../protocol/limits.ts";
import type { CallSignalType } from "../protocol/v2/call-signal.ts";
import type { SignalFrame } from "../protocol/v2/frames.ts";
import { CallRelay } from "../peer/call-relay.ts";
import { RelayApi } from "../peer/relay/api.ts";
import { callView, type CallSession } from "../sync/call-registry.ts";
import { callAction, inCall, sealCallSignal, type ArrivedSignal, type CallView } from "../sync/calls.ts";
import type { StoredMessage } from "../sync/store.ts";
import * as svc from "./service.ts";
import { FelundError } from "../protocol/errors.ts";

export type CallOp = "start" | "join" | "view" | "leave" | "end" | "revoke";
export type { CallView };

/** What calls need from the node that runs them: an interface, so this file holds no reference back to it. */
export interface CallHost {
  readonly nodeId: string;
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

export class NodeCalls {
  /** call session -> when its page last said it runs the call (ms) */
  private alive = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private budget = new Map<string, { n: number; at: number }>();
  private api: RelayApi | null = null;
  private relay: CallRelay;

  constructor(private host: CallHost) {
    this.relay = new CallRelay({
      ctx: () => svc.v2Ctx(host.ctx),
      nowMs: Date.now,
      api: () => this.relayApi(),
      arrived: (s) => host.emit({ t: "call-signal", ...s }),
      log: (line) => host.log(line),
    });
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), 250);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.relay.stop();
  }

  /** The relay this node uses now, if any. */
  private relayApi(): RelayApi | null {
    const base = this.host.relayBase();
    if (!base) return null;
    if (this.api?.base !== base) this.api = new RelayApi(base, this.self);
    return this.api;
  }

  private get self(): string {
    return this.host.nodeId;
  }

  list(circleId?: string): CallView[] {
    const all = [...this.host.ctx.calls.sessions.values()];
    return (circleId ? all.filter((s) => s.circleId === circleId) : all).map(callView);
  }

  /** Start, join, view, leave or end a call, or revoke `target`; returns the call afterwards (null once it is over). */
  action(
    circleIdIn: string,
    op: CallOp,
    a: { sessionId?: string; channel?: string; target?: string } = {},
  ): CallView | null {
    const ctx = this.host.ctx;
    const circleId = svc.requireCircle(ctx, circleIdIn).circleId;
    const r = callAction(
      {
        ctx: svc.v2Ctx(ctx),
        rng: ctx.rng,
        displayName: svc.settings(ctx).displayName,
        v2: ctx.v2,
        postV1: ctx.postV1,
      },
      circleId,
      op,
      { sessionId: a.sessionId, channelId: normalizeChannelId(a.channel || "general"), target: a.target },
    );
    this.host.published(r.rows);
    if (op === "start" || op === "join" || op === "view") this.alive.set(r.sessionId, Date.now());
    else if (op !== "revoke") this.alive.delete(r.sessionId);
    return r.call;
  }

  /** The page that runs the call is still there. */
  keepAlive(circleId: string, sessionId: string): void {
    const s = this.host.ctx.calls.sessions.get(sessionId);
    if (!s || s.circleId !== svc.requireCircle(this.host.ctx, circleId).circleId)
      throw new FelundError("E_NOT_FOUND", "no such call (it ended?)");
    if (inCall(s, this.self)) this.alive.set(sessionId, Date.now());
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
    const payload = sealCallSignal(
      svc.v2Ctx(this.host.ctx),
      this.host.ctx.rng,
      circle.circleId,
      sessionId,
      to,
      type,
      data,
      Date.now(),
    );
    const frame = { hops: 0, to, sessionId, payload };
    if (this.host.signalToPeer(circle.circleId, to, frame)) return "session";
    const api = this.relayApi();
    if (api) {
      await this.relay.post(api, circle.circleId, sessionId, to, type, payload);
      return "relay";
    }
    if (this.host.signalToPeer(circle.circleId, null, frame)) return "forwarded";
    throw new FelundError(
      "E_UNREACHABLE",
      `no way to reach ${to.slice(0, 8)}: no connection to its node and no relay configured`,
    );
  }

  // ---- signals in ----

  /** A SIGNAL frame from a v2 session with `via`: ours to open, or to pass on once. */
  fromSession(circleId: string, via: string, f: SignalFrame): void {
    const now = Date.now();
    const b = this.budget.get(via);
    if (!b || now - b.at >= 1000) this.budget.set(via, { n: 1, at: now });
    else if (++b.n > CALL_SESSION_SIGNALS_PER_S) return;
    if (f.to !== this.self) {
      if (f.hops === 0) this.host.signalToPeer(circleId, f.to, { ...f, hops: 1 });
      return;
    }
    this.deliver(circleId, f.sessionId, f.payload);
  }

  /** Open and check a signal for this node (the relay's inbox: a signal is taken once by either path); hand it to the page. */
  private deliver(circleId: string, sessionId: string, payload: string): void {
    const r = this.relay.inbox.open(svc.v2Ctx(this.host.ctx), circleId, sessionId, payload, null, Date.now());
    if (!r.ok) return void (r.kind === "reject" && this.host.log(`call signal refused: ${r.reason}`));
    this.host.emit({ t: "call-signal", ...r.value });
  }

  private inAnyCall(): CallSession[] {
    return [...this.host.ctx.calls.sessions.values()].filter((s) => inCall(s, this.self));
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
    if (mine.length) this.relay.watch();
  }
}
