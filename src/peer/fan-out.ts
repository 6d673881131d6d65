// The one fan-out of stored messages (issue 11). Every message a peer stores, whatever path
// brought it (a v1 exchange in either direction, a v2 session push or reconciliation, a relay
// pull or WebSocket push, the local API, a browser), leaves at once on every other path of its
// circle that can carry it: the front ends, the live v2 sessions, the circle's relay, and the
// v1 peers. Never back to where it came from; each message leaves each path once (a session
// remembers what its peer holds, the relay client pushes behind a persisted cursor, a v1
// exchange offers only what the other side lacks).
//
// Runtime-neutral: the paths are ports handed in by the shell (src/node today).
import type { StoredMessage } from "../sync/store.ts";

/** Where a batch of stored messages came from (so it is not sent back there). */
export type Arrival =
  /** written here: the local API, a front end, a one-shot command */
  | { path: "local" }
  /** a v1 exchange with `peer` (inbound or outbound) */
  | { path: "v1"; peer: string }
  /** a v2 session (push or reconciliation); `session` is its handle, `peer` its node id */
  | { path: "session"; session: unknown; peer: string }
  /** the circle's relay (pull or WebSocket push) */
  | { path: "relay" };

/** A live v2 session of a circle, as the fan-out sees it. */
export interface SessionPort {
  readonly handle: unknown;
  /** send these messages unless the peer holds them already */
  push(ms: StoredMessage[]): void;
}

export interface FanOutPorts {
  /** tell the front ends (one event per newly stored message) */
  notify(m: StoredMessage): void;
  /** the live v2 sessions of a circle */
  sessions(circleId: string): Iterable<SessionPort>;
  /** hand new messages of a circle to its relay (no-op without one) */
  relay(circleId: string): void;
  /** offer the circle's new messages to its v1-reachable peers now; `except` already holds them */
  v1(circleId: string, except?: string): void;
}

/** Fan `stored` out on every path but the one it arrived by. */
export function fanOut(ports: FanOutPorts, stored: readonly StoredMessage[], from: Arrival): void {
  if (!stored.length) return;
  const byCircle = new Map<string, StoredMessage[]>();
  for (const m of stored) {
    ports.notify(m);
    const list = byCircle.get(m.circleId);
    if (list) list.push(m);
    else byCircle.set(m.circleId, [m]);
  }
  for (const [circleId, ms] of byCircle) {
    for (const s of ports.sessions(circleId)) if (!(from.path === "session" && s.handle === from.session)) s.push(ms);
    if (from.path !== "relay") ports.relay(circleId);
    ports.v1(circleId, from.path === "v1" || from.path === "session" ? from.peer || undefined : undefined);
  }
}
