// Call signals through a relay's /v1/signal (docs/PROTOCOL.md §15), for the node and the
// relay-only browser alike: post a sealed signal (with a node_proof, so the relay charges our
// own budget; on 429 wait and try again a few times), and while this peer is in a call, poll
// for the signals addressed to it and hand each one, opened and checked, to the shell. The
// node tries its v2 sessions before this path; the browser has only this one.
import { circleHint } from "../protocol/ids.ts";
import {
  CALL_RELAY_FLOOR_SLACK_S,
  CALL_RELAY_POLL_MS,
  CALL_RELAY_POLL_PAGES_MAX,
  CALL_RELAY_RETRIES,
  CALL_RELAY_RETRY_MAX_MS,
  CALL_RELAY_RETRY_MS,
  RELAY_SIGNAL_PAGE_MAX,
  RELAY_SIGNAL_TTL_CANDIDATE_MAX_S,
  RELAY_SIGNAL_TTL_MAX_S,
} from "../protocol/limits.ts";
import { type CallSignalType, relaySessionLabel, relaySignalType } from "../protocol/v2/call-signal.ts";
import { signalProof } from "../protocol/v2/signal-proof.ts";
import { type ArrivedSignal, inCall, SignalInbox } from "../sync/calls.ts";
import type { V2Ctx } from "../sync/v2-apply.ts";
import { FelundError } from "../protocol/errors.ts";
import type { RelayApi } from "./relay/api.ts";

/** What the shell gives: its state, clock and relay, and where opened signals and refusals go. */
export interface CallRelayHost {
  /** the peer's state now (store, call registry, keys) */
  ctx(): V2Ctx;
  nowMs(): number;
  /** the relay this peer uses now (null: none; the node's relay can change while it runs) */
  api(): RelayApi | null;
  /** an opened, checked signal addressed to this peer */
  arrived(s: ArrivedSignal): void;
  log(line: string): void;
  /** waits between posts the relay refused (tests shorten them) */
  sleep?(ms: number): Promise<void>;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class CallRelay {
  /** since: the relay's signal id read up to; from: rows stored before it (relay clock) predate our listening */
  private cursor: { base: string; since: number; from: number | null } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private stopped = false;

  /** `inbox`: shared with the shell's other paths, so a signal is taken once whichever way it came */
  constructor(
    private host: CallRelayHost,
    readonly inbox = new SignalInbox(),
  ) {}

  /** POST a sealed signal to `to` through `api`; a refusal the user sees is a FelundError. */
  async post(
    api: RelayApi,
    circleId: string,
    sessionId: string,
    to: string,
    type: CallSignalType,
    payload: string,
  ): Promise<void> {
    const self = this.host.ctx().self;
    const fields = {
      session_id: relaySessionLabel(sessionId, self.nodeId, to),
      from_node_id: self.nodeId,
      to_node_id: to,
      circle_hint: circleHint(circleId),
      type: relaySignalType(type),
      payload,
      ttl_s: type === "candidates" ? RELAY_SIGNAL_TTL_CANDIDATE_MAX_S : RELAY_SIGNAL_TTL_MAX_S,
    };
    // proves the id is ours: the relay charges our own budget, which nobody else can drain
    const body = { ...fields, node_proof: signalProof(fields, self, Math.floor(this.host.nowMs() / 1000)) };
    for (let attempt = 0; ; attempt++) {
      try {
        return await api.postSignal(body);
      } catch (e) {
        // the relay's failure (E_UNREACHABLE) as it is; a 429 is waited out a few times
        if (!(e instanceof FelundError) || e.code !== "E_RATE_LIMITED") throw e;
        if (attempt >= CALL_RELAY_RETRIES)
          throw new FelundError("E_RATE_LIMITED", "relay: too many signals; try again shortly");
        await (this.host.sleep ?? wait)(Math.min(CALL_RELAY_RETRY_MAX_MS, CALL_RELAY_RETRY_MS * 2 ** attempt));
      }
    }
  }

  /** Poll for signals while this peer is in a call (call after each call action; the loop ends by itself). */
  watch(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.timer = setTimeout(() => void this.poll(), 0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = false;
  }

  private inCall(ctx: V2Ctx): boolean {
    return [...ctx.calls.sessions.values()].some((s) => inCall(s, ctx.self.nodeId));
  }

  private async poll(): Promise<void> {
    const api = this.host.api();
    const inCall = this.inCall(this.host.ctx());
    if (this.stopped || !api || !inCall) {
      if (!inCall) this.cursor = null;
      this.timer = null;
      this.running = false;
      return;
    }
    try {
      await this.read(api);
    } catch (e) {
      if (!(e instanceof FelundError)) throw e;
      this.host.log(`call signals: ${e.message}`);
    } finally {
      if (!this.stopped) this.timer = setTimeout(() => void this.poll(), CALL_RELAY_POLL_MS);
    }
  }

  /** Signals addressed to this peer on the relay (media-* only; other kinds belong to admissions). */
  private async read(api: RelayApi): Promise<void> {
    if (this.cursor?.base !== api.base) this.cursor = { base: api.base, since: 0, from: null };
    const cur = this.cursor;
    const me = this.host.ctx().self.nodeId;
    for (let page = 0; page < CALL_RELAY_POLL_PAGES_MAX; page++) {
      const { signals, serverTime } = await api.getSignals({ toNodeId: me, sinceId: cur.since });
      // the relay's clock, not ours: a few seconds before its answer to our first poll
      cur.from ??= (serverTime ?? Math.floor(this.host.nowMs() / 1000)) - CALL_RELAY_FLOOR_SLACK_S;
      for (const row of signals as { id?: unknown; created_at?: unknown }[]) {
        if (!row || !Number.isSafeInteger(row.id)) continue;
        cur.since = Math.max(cur.since, row.id as number);
        // rows from before this peer began to listen belong to an earlier call (or page)
        if (typeof row.created_at !== "number" || row.created_at < cur.from) continue;
        const v = this.inbox.openRelayRow(this.host.ctx(), row, this.host.nowMs());
        if (v.ok) this.host.arrived(v.value);
        else if (v.reason !== "not a call signal") this.host.log(`call signal refused: ${v.reason}`);
      }
      if (signals.length < RELAY_SIGNAL_PAGE_MAX) break;
    }
  }
}
