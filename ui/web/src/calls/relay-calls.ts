// Calls of the relay-only browser (docs/PROTOCOL.md §15): it is its own peer, so it signs its
// call events and seals and signs its signals itself (src/sync/calls.ts, as a node does), and
// carries them through the relay's /v1/signal — the only path it has — polling the relay for
// signals addressed to it while it is in a call (src/peer/call-relay.ts, shared with the node).
// Used by relay/relay-backend.ts (the relay chunk).
import type { BackendEvent, CallOp, CallSignalType } from "../../../shared/types.ts";
import { normalizeChannelId } from "../../../../src/protocol/channel-id.ts";
import type { Rng } from "../../../../src/protocol/crypto.ts";
import { CallRelay } from "../../../../src/peer/call-relay.ts";
import type { RelayApi } from "../../../../src/peer/relay/api.ts";
import { callAction, sealCallSignal, type CallView } from "../../../../src/sync/calls.ts";
import type { StoredMessage } from "../../../../src/sync/store.ts";
import type { V2Ctx } from "../../../../src/sync/v2-apply.ts";

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

export class RelayCalls {
  private relay: CallRelay;

  constructor(private h: RelayCallsHost) {
    this.relay = new CallRelay({
      ctx: () => h.ctx(),
      nowMs: () => h.nowMs(),
      api: () => h.api(),
      arrived: (s) => h.emit({ t: "call-signal", ...s }),
      log: (line) => h.debug(line),
    });
  }

  async action(
    circleId: string,
    op: CallOp,
    a: { sessionId?: string; channel?: string; target?: string },
  ): Promise<CallView | null> {
    const r = callAction(
      {
        ctx: this.h.ctx(),
        rng: this.h.rng,
        displayName: this.h.displayName(),
        postV1: (c, ch, t) => this.h.postV1(c, ch, t),
      },
      circleId,
      op,
      { sessionId: a.sessionId, channelId: normalizeChannelId(a.channel || "general"), target: a.target },
    );
    await this.h.publish(circleId, r.rows);
    this.relay.watch();
    return r.call;
  }

  async send(circleId: string, sessionId: string, to: string, type: CallSignalType, data: string): Promise<void> {
    const payload = sealCallSignal(this.h.ctx(), this.h.rng, circleId, sessionId, to, type, data, this.h.nowMs());
    await this.relay.post(this.h.api(), circleId, sessionId, to, type, payload);
  }

  stop(): void {
    this.relay.stop();
  }
}
