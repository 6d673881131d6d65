// How the end of an exchange with a peer is recorded: a dial that failed counts against the
// peer's address, rejected messages are logged, front ends hear of the sync, and what the
// exchange stored goes out on every other path (the fan-out).
import type { ExchangeResult } from "../sync/v1-exchange.ts";
import type { NodeStore } from "../../db/node-store.ts";
import { recordDialFailure } from "../sync/peers.ts";
import type { ShellPorts } from "./shell-ports.ts";

/** A failed dial of `addr` counts against the peer known at that address, if any. */
export function failedDial(store: NodeStore, circleId: string, addr: string, now: number): void {
  const p = store.listPeers(circleId).find((x) => x.addr === addr);
  if (p) recordDialFailure(store, circleId, p.nodeId, now);
}

export function logRejected(log: (line: string) => void, addr: string, rejected: readonly { reason: string }[]): void {
  if (rejected.length)
    log(
      `${addr}: rejected ${rejected.length} message(s): ${rejected
        .slice(0, 3)
        .map((x) => x.reason)
        .join("; ")}`,
    );
}

/** A v1 exchange (or a v2 dial that never got going) ended. */
export function exchangeEnded(p: ShellPorts, r: ExchangeResult, addr: string, outbound: boolean, detail = ""): void {
  if (outbound && !r.completed && r.peerNodeId) recordDialFailure(p.store, r.circleId, r.peerNodeId, p.now());
  else if (outbound && !r.completed) failedDial(p.store, r.circleId, addr, p.now());
  if (r.circleId) {
    p.emit({
      t: "sync",
      circleId: r.circleId,
      peer: r.peerNodeId,
      addr,
      ok: r.completed,
      stored: r.stored.length,
      sent: r.sent,
      detail,
    });
    logRejected((l) => p.log(l), addr, r.rejected);
  }
  if (r.peersChanged) p.emit({ t: "peers", circleId: r.circleId });
  if (r.peerHolds?.length && r.peerNodeId) p.held(r.peerHolds, r.peerNodeId);
  p.stored(r.stored, { path: "v1", peer: r.peerNodeId });
}
