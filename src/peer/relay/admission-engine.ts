// felund2 admissions through a relay (docs/PROTOCOL.md §10.1) over its /v1/signal: joining with
// a felund2 code whose peer is a relay, and answering joins to circles this peer owns. A separate
// chunk in the browser, loaded on demand: it carries the v2 handshake engine, which only these need.
import type { Admit } from "../../protocol/v2/frames.ts";
import type { Invite2 } from "../../protocol/v2/invite.ts";
import type { Verdict } from "../../protocol/verdict.ts";
import {
  type AdmissionOutcome,
  AdmissionIssuer,
  joinViaRelay,
  pollAdmissions,
  type SignalIo,
  type SignalRow,
} from "../../sync/relay-admission.ts";
import type { V2Deps } from "../../sync/v2-exchange.ts";
import type { RelayApi } from "./api.ts";

/** /v1/signal of `api`'s relay as the transport of admissions (no node id header: a joiner's answers go to a throwaway id). */
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
