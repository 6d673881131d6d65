// What the parts of the node's TCP shell (inbound.ts, dialer.ts, live-sessions.ts, gossip.ts,
// join-v2.ts) share of the node: an interface each part extends with what it needs, so no part
// holds a reference back to FelundNode (node.ts builds them and wires them together).
import type { NodeStore } from "../../db/node-store.ts";
import type { DeliveryUpdate } from "../peer/delivery.ts";
import type { Arrival } from "../peer/fan-out.ts";
import type { FillTracker, FillView } from "../peer/fill-progress.ts";
import type { SyncReport } from "../peer/views.ts";
import type { StoredMessage } from "../sync/store.ts";

/** What the node tells its front ends (local API, terminal UI, CLI). */
export type NodeEvent =
  | { t: "message"; message: StoredMessage }
  | { t: "peers"; circleId: string }
  /** who is online in a circle changed (src/node/members.ts) */
  | { t: "members"; circleId: string }
  | { t: "circles" }
  | ({ t: "sync" } & SyncReport)
  /** one of this node's own messages is held by one more member or the relay (src/peer/delivery.ts) */
  | ({ t: "delivery" } & DeliveryUpdate)
  /** this node has (or lost) a live path to another member of the circle (src/node/reach.ts) */
  | { t: "reach"; circleId: string; reachable: boolean }
  /** who types in a channel now (node ids), after a change (src/peer/typing.ts) */
  | { t: "typing"; circleId: string; channelId: string; who: string[] }
  | { t: "debug"; line: string }
  /** a history streaming in changed (docs/PROTOCOL.md §23; src/peer/fill-progress.ts) */
  | ({ t: "fill" } & FillView)
  /** a call signal for this node's user, opened and checked (src/node/calls.ts) */
  | { t: "call-signal"; circleId: string; sessionId: string; from: string; type: string; data: string };

export interface ShellPorts {
  readonly store: NodeStore;
  /** the node's clock, in seconds */
  now(): number;
  emit(e: NodeEvent): void;
  log(line: string): void;
  /** true once the node stopped: nothing new starts */
  stopped(): boolean;
  /** histories streaming in (§23: a join's fill), shown as "syncing history" */
  readonly fills?: FillTracker;
  /** the node's fan-out of stored messages (src/peer/fan-out.ts) */
  stored(ms: readonly StoredMessage[], from: Arrival): void;
  /** `holder` (a member's node id, or "relay") holds these messages: delivery state of our own (src/peer/delivery.ts) */
  held(msgIds: readonly string[], holder: string): void;
}

/** Errors that mean a bug in our own code rather than bad input or the network. */
export const isBug = (e: unknown): boolean =>
  e instanceof TypeError ||
  e instanceof ReferenceError ||
  e instanceof RangeError ||
  e instanceof SyntaxError ||
  e instanceof EvalError ||
  e instanceof URIError;

/**
 * Bun hands exceptions thrown by our own socket handlers to `error`, next to network
 * errors. A network error is logged; a bug (TypeError and the like) is rethrown outside
 * the handler so it crashes loudly instead of leaving the connection hanging (STYLE 5).
 */
export function socketError(err: Error, where: string, log: (line: string) => void): void {
  if (isBug(err)) {
    queueMicrotask(() => {
      throw err;
    });
    return;
  }
  log(`${where}: socket error ${err.message}`);
}
