// Calls of the relay-only browser (docs/PROTOCOL.md §15): it is its own peer, so it signs its
// call events and seals and signs its signals itself (src/sync/calls.ts, as a node does), and
// carries them through the relay's /v1/signal — the only path it has. While it is in a call it
// polls the relay for signals addressed to it. Used by relay/relay-backend.ts (the relay chunk).
import { FelundError } from "../../../../src/peer/errors.ts";
import { codeForStatus } from "../../../../src/peer/error-status.ts";
import type { BackendEvent, CallOp, CallSignalType } from "../../../shared/types.ts";
import { normalizeChannelId } from "../../../../src/protocol/channel-id.ts";
import type { Rng } from "../../../../src/protocol/crypto.ts";
import { circleHint } from "../../../../src/protocol/ids.ts";
import { RELAY_SIGNAL_TTL_CANDIDATE_MAX_S, RELAY_SIGNAL_TTL_MAX_S } from "../../../../src/protocol/limits.ts";
import { relaySessionLabel, relaySignalType } from "../../../../src/protocol/v2/call-signal.ts";
import { signalProof } from "../../../../src/protocol/v2/signal-proof.ts";
import { CallError, SignalInbox, callAction, sealCallSignal, type CallView } from "../../../../src/sync/calls.ts";
import type { StoredMessage } from "../../../../src/sync/store.ts";
import type { V2Ctx } from "../../../../src/sync/v2-apply.ts";
import { RelayError, type RelayApi } from "../../../../src/peer/relay/api.ts";

export interface RelayCallsHost {
  ctx(): V2Ctx;
  rng: Rng;
  nowMs(): number;
  displayName(): string;
  api(): RelayApi;
  /** an unsigned v1 control message (legacy circles: the original client's CALL_EVT) */
  postV1(circleId: string, channelId: string, text: string): StoredMessage;
  /** store rows written here, show them, push them to the relay */
  publish(circleId: string, rows: StoredMessage[]): Promise<void>;
  emit(e: BackendEvent): void;
  debug(line: string): void;
}

const POLL_MS = 700;
const PAGES_MAX = 5;

const userError = (e: unknown): unknown =>
  e instanceof CallError ? new FelundError(codeForStatus(e.status), e.message, e.status) : e;

export class RelayCalls {
  private inbox = new SignalInbox();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** since: the relay's signal id read up to; from: rows stored before it (relay clock) predate our listening */
  private cursor: { base: string; since: number; from: number | null } | null = null;
  private stopped = false;

  constructor(private h: RelayCallsHost) {}

  async action(circleId: string, op: CallOp, a: { sessionId?: string; channel?: string }): Promise<CallView | null> {
    let r: ReturnType<typeof callAction>;
    try {
      r = callAction(
        {
          ctx: this.h.ctx(),
          rng: this.h.rng,
          displayName: this.h.displayName(),
          postV1: (c, ch, t) => this.h.postV1(c, ch, t),
        },
        circleId,
        op,
        { sessionId: a.sessionId, channelId: normalizeChannelId(a.channel || "general") },
      );
    } catch (e) {
      throw userError(e);
    }
    await this.h.publish(circleId, r.rows);
    this.watch();
    return r.call;
  }

  async send(circleId: string, sessionId: string, to: string, type: CallSignalType, data: string): Promise<void> {
    const ctx = this.h.ctx();
    let payload: string;
    try {
      payload = sealCallSignal(ctx, this.h.rng, circleId, sessionId, to, type, data, this.h.nowMs());
    } catch (e) {
      throw userError(e);
    }
    const me = ctx.self.nodeId;
    const fields = {
      session_id: relaySessionLabel(sessionId, me, to),
      from_node_id: me,
      to_node_id: to,
      circle_hint: circleHint(circleId),
      type: relaySignalType(type),
      payload,
      ttl_s: type === "candidates" ? RELAY_SIGNAL_TTL_CANDIDATE_MAX_S : RELAY_SIGNAL_TTL_MAX_S,
    };
    // proves the id is ours: the relay charges our own budget, which nobody else can drain
    const body = { ...fields, node_proof: signalProof(fields, ctx.self, Math.floor(this.h.nowMs() / 1000)) };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.h.api().postSignal(body);
      } catch (e) {
        // the relay's budget (20 signals per 10 s per node): wait and try again a few times
        if (!(e instanceof RelayError && e.status === 429) || attempt >= 4)
          throw new FelundError(
            e instanceof RelayError && e.status === 429 ? "E_RATE_LIMITED" : "E_UNREACHABLE",
            (e as Error).message,
            (e as RelayError).status ?? 0,
          );
        await new Promise((r) => setTimeout(r, Math.min(5000, 500 * 2 ** attempt)));
      }
    }
  }

  /** Poll for signals while this browser is in a call (started again by the next action). */
  private watch(): void {
    if (!this.timer && !this.stopped) this.timer = setTimeout(() => void this.poll(), 0);
  }

  private async poll(): Promise<void> {
    const ctx = this.h.ctx();
    const me = ctx.self.nodeId;
    if (this.stopped || ![...ctx.calls.sessions.values()].some((s) => s.participants.has(me))) {
      this.timer = null;
      this.cursor = null;
      return;
    }
    const api = this.h.api();
    if (this.cursor?.base !== api.base) this.cursor = { base: api.base, since: 0, from: null };
    const cur = this.cursor;
    try {
      for (let page = 0; page < PAGES_MAX; page++) {
        const { signals, serverTime } = await api.getSignals({ toNodeId: me, sinceId: cur.since });
        // the relay's clock, not ours: a few seconds before its answer to our first poll
        cur.from ??= (serverTime ?? Math.floor(this.h.nowMs() / 1000)) - 5;
        for (const row of signals as { id?: unknown; created_at?: unknown }[]) {
          if (!row || typeof row.id !== "number") continue;
          cur.since = Math.max(cur.since, row.id);
          // rows from before this page began to listen belong to an earlier call or page
          if (typeof row.created_at !== "number" || row.created_at < cur.from!) continue;
          const v = this.inbox.openRelayRow(this.h.ctx(), row, this.h.nowMs());
          if (v.ok) this.h.emit({ t: "call-signal", ...v.value });
          else if (v.reason !== "not a call signal") this.h.debug(`call signal refused: ${v.reason}`);
        }
        if (signals.length < 200) break;
      }
    } catch (e) {
      this.h.debug(`call signals: ${(e as Error).message}`);
    } finally {
      this.timer = this.stopped ? null : setTimeout(() => void this.poll(), POLL_MS);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
