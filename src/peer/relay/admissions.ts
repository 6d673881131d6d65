// The owner's side of felund2 admissions through the relay (docs/PROTOCOL.md §10.1), node and
// relay-only browser alike: while this peer has unexpired invites, poll the signals addressed to
// it and answer the joins among them (relay-only browsers and nodes behind NAT cannot dial it).
// The handshake engine (admission-engine.ts, a chunk of its own in the browser) loads when a
// join is waiting, not to watch for one.
import { V2_RELAY_ADMISSION_BUSY_POLL_MS, V2_RELAY_ADMISSION_POLL_MS } from "../../protocol/limits.ts";
import { ADMISSION_PREFIX } from "../../sync/admission-signal.ts";
import type { V2Deps } from "../../sync/v2-exchange.ts";
import type { Admissions } from "./admission-engine.ts";
import type { RelayApi } from "./api.ts";

export interface AdmissionHost {
  readonly nodeId: string;
  /** the relay to poll (read at each round: the peer may move to another) */
  api(): RelayApi;
  liveInvites(): boolean;
  v2Deps(): V2Deps;
  log(line: string): void;
  /** after a poll (the browser writes what an admission changed) */
  polled?(): Promise<void>;
  /** before the engine starts (the browser loads the effects of control events: a joiner sends its card) */
  engineLoading?(): Promise<unknown>;
}

export class AdmissionWatch {
  private engine: Admissions | null = null;
  /** signals read before any join arrived (the engine starts after them) */
  private cursor = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    private host: AdmissionHost,
    private nowMs: () => number,
  ) {}

  /** Invites may have changed: poll now if any is live (the rounds stop by themselves when none is left). */
  poke(): void {
    if (this.closed || this.timer || !this.host.liveInvites()) return;
    this.timer = setTimeout(() => void this.round(), 0);
  }

  /** Another relay: its signal cursor starts over. */
  reset(): void {
    this.engine = null;
    this.cursor = 0;
  }

  stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async round(): Promise<void> {
    try {
      if (this.closed || !this.host.liveInvites()) return;
      if (!this.engine) {
        const api = this.host.api();
        const r = await api.getSignals({ toNodeId: this.host.nodeId, sinceId: this.cursor });
        const rows = r.signals as { id?: unknown; session_id?: unknown }[];
        if (!rows.some((s) => typeof s?.session_id === "string" && s.session_id.startsWith(ADMISSION_PREFIX))) {
          for (const s of rows) if (typeof s?.id === "number" && s.id > this.cursor) this.cursor = s.id;
          return;
        }
        await this.host.engineLoading?.();
        const { Admissions } = await import("./admission-engine.ts");
        this.engine = new Admissions(api, this.host.nodeId, () => this.host.v2Deps(), this.nowMs, this.cursor);
      }
      const ended = await this.engine.poll((e) => this.host.log(`relay admission: ${(e as Error).message}`));
      for (const x of ended)
        this.host.log(
          `relay admission ${x.sessionId.slice(0, 12)}: ${x.admitted ? `admitted ${x.peerNodeId} to ${x.circleId}` : `refused (${x.reason})`}`,
        );
      await this.host.polled?.();
    } catch (e) {
      this.host.log(`relay admission poll: ${(e as Error).message}`);
    } finally {
      this.timer = null;
      const busy = (this.engine?.active ?? 0) > 0;
      if (!this.closed && this.host.liveInvites())
        this.timer = setTimeout(
          () => void this.round(),
          busy ? V2_RELAY_ADMISSION_BUSY_POLL_MS : V2_RELAY_ADMISSION_POLL_MS,
        );
    }
  }
}
