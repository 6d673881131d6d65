// felund2 admissions through the relay for the relay-only peer (docs/PROTOCOL.md §10.1):
// joining with a felund2 code, and answering joins to circles this browser owns. A separate
// chunk, loaded on demand: it carries the v2 handshake engine, which only these two need.
import type { Invite2 } from "../../../../src/protocol/v2/invite.ts";
import type { Verdict } from "../../../../src/protocol/verdict.ts";
import type { Admit } from "../../../../src/protocol/v2/frames.ts";
import {
  AdmissionIssuer,
  joinViaRelay,
  pollAdmissions,
  type AdmissionOutcome,
  type SignalIo,
  type SignalRow,
} from "../../../../src/sync/relay-admission.ts";
import type { V2Deps } from "../../../../src/sync/v2-exchange.ts";
import type { RelayApi } from "./relay-api.ts";

export function signalIo(api: RelayApi, nowMs: () => number): SignalIo {
  return {
    post: (s) => api.postSignal({ ...s }),
    list: async (q) => {
      const r = await api.getSignals(q);
      return { signals: r.signals as SignalRow[], serverTime: r.serverTime };
    },
    sleep: (ms) => new Promise((ok) => setTimeout(ok, ms)),
    nowMs,
  };
}

/** Redeem a felund2 code with its owner through `api`'s relay (at most 60 s). */
export const joinThroughRelay = (
  api: RelayApi,
  deps: V2Deps,
  inv: Invite2,
  nowMs: () => number,
): Promise<Verdict<Admit>> => joinViaRelay(signalIo(api, nowMs), deps, inv);

/** The owner's side: one poll answers the joins waiting on the relay. */
export class Admissions {
  private issuer: AdmissionIssuer;
  private io: SignalIo;

  /** `cursor`: the signals already read (none of them a join) */
  constructor(api: RelayApi, nodeId: string, deps: () => V2Deps, nowMs: () => number, cursor = 0) {
    this.issuer = new AdmissionIssuer(nodeId, deps);
    this.issuer.cursor = cursor;
    this.io = signalIo(api, nowMs);
  }

  /** joins half done (the next poll should come soon) */
  get active(): number {
    return this.issuer.active;
  }

  poll(onError: (e: unknown) => void): Promise<AdmissionOutcome[]> {
    return pollAdmissions(this.io, this.issuer, onError);
  }
}
