// The node's /api/metrics (Prometheus text, README "Metrics"), behind the local API's token like
// every /api route: peers by protocol, live v2 sessions, messages in and out by path, how long
// since each path last synced, and the relay's state. Counters are kept by `NodeMetrics`
// (fed from FelundNode.stored); the rest is read at scrape time.
import type { Arrival } from "../peer/fan-out.ts";
import { exposition, Family, gauge, PROMETHEUS_CONTENT_TYPE } from "../protocol/prometheus.ts";
import type { StoredMessage } from "../sync/store.ts";
import type { NodeStore } from "../../db/node-store.ts";
import { nodeVerifier } from "./native-primitives.ts";
import type { RelayStatus } from "./relay-client.ts";

/** What the metrics read of the node (FelundNode; an interface, so node.ts can import this file). */
export interface MetricsNode {
  store: Pick<NodeStore, "listPeers" | "listCircles">;
  sessionPeers(circleId: string): string[];
  relay: { status(): RelayStatus; readonly live: boolean } | null;
  metrics: NodeMetrics;
}

export class NodeMetrics {
  readonly messagesIn = new Family(
    "felund_node_messages_in_total",
    "messages newly stored, by the path they came by (local, v1, session, relay)",
    "counter",
  );
  readonly messagesOut = new Family(
    "felund_node_messages_out_total",
    "messages handed to an outgoing path (session: per live session; relay; v1: offered to v1 peers)",
    "counter",
  );

  /** Count `ms`, stored here from `from`, in and out (the fan-out's rule: every path but the one they came by). */
  arrived(node: MetricsNode, ms: readonly StoredMessage[], from: Arrival): void {
    if (!ms.length) return;
    this.messagesIn.inc({ path: from.path }, ms.length);
    const byCircle = new Map<string, number>();
    for (const m of ms) byCircle.set(m.circleId, (byCircle.get(m.circleId) ?? 0) + 1);
    for (const [circleId, n] of byCircle) {
      const sessions = node.sessionPeers(circleId).length - (from.path === "session" ? 1 : 0);
      if (sessions > 0) this.messagesOut.inc({ path: "session" }, n * sessions);
      if (node.relay && from.path !== "relay") this.messagesOut.inc({ path: "relay" }, n);
      const v1 = node.store.listPeers(circleId).some((p) => p.proto !== "v2" && p.nodeId !== fromPeer(from));
      if (v1) this.messagesOut.inc({ path: "v1" }, n);
    }
  }
}

const fromPeer = (from: Arrival) => (from.path === "v1" || from.path === "session" ? from.peer : undefined);

export function nodeMetricsText(node: MetricsNode, nowS = Math.floor(Date.now() / 1000)): string {
  const circles = node.store.listCircles().map((c) => c.circleId);
  const peers = new Map<string, number>();
  let sessions = 0;
  let v1Age = 0;
  for (const c of circles) {
    let newest = 0;
    let v1Peers = false;
    for (const p of node.store.listPeers(c)) {
      const proto = p.proto || "v1";
      peers.set(proto, (peers.get(proto) ?? 0) + 1);
      if (proto !== "v2") {
        v1Peers = true;
        newest = Math.max(newest, p.lastOk);
      }
    }
    if (v1Peers && newest > 0) v1Age = Math.max(v1Age, nowS - newest);
    sessions += node.sessionPeers(c).length;
  }
  const relay = node.relay?.status();
  const polls = relay?.circles ?? [];
  const pollAge = polls.reduce((a, s) => Math.max(a, s.lastPoll > 0 ? nowS - Math.floor(s.lastPoll / 1000) : 0), 0);
  return exposition([
    gauge("felund_node_circles", "circles this node is a member of", circles.length),
    gauge(
      "felund_node_peers",
      "known peers over all circles, by protocol",
      [...peers].map(([proto, n]) => [{ proto }, n]),
    ),
    gauge("felund_node_sessions", "live v2 sessions", sessions),
    node.metrics.messagesIn,
    node.metrics.messagesOut,
    gauge(
      "felund_node_sync_lag_seconds",
      "seconds since the last successful sync, worst circle, by path (v1: exchange with any v1 peer; relay: pull)",
      [
        [{ path: "v1" }, v1Age],
        [{ path: "relay" }, pollAge],
      ],
    ),
    gauge("felund_node_relay_configured", "1 when a relay is set", relay ? 1 : 0),
    gauge("felund_node_relay_up", "1 while the relay answers", node.relay?.live ? 1 : 0),
    gauge(
      "felund_node_relay_ws_open",
      "circles with the relay's WebSocket push open",
      polls.filter((s) => s.ws).length,
    ),
    gauge("felund_node_relay_error", "1 when the relay's last request failed", relay?.lastError ? 1 : 0),
    offThread(),
  ]);
}

/** Valid signatures of streamed history the worker pool checked (verify-pool.ts); the rest are checked inline. */
function offThread(): Family {
  const f = new Family(
    "felund_node_signature_checks_off_thread_total",
    "signatures of streamed history checked valid by the worker pool (the rest are checked on the main thread)",
    "counter",
  );
  f.set(nodeVerifier.stats.verified);
  return f;
}

export const nodeMetricsResponse = (node: MetricsNode): Response =>
  new Response(nodeMetricsText(node), { headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE } });
