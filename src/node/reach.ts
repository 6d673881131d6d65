// Whether this node has a live path to another member of each circle (issue 14: the offline
// banner). A live path is one of: an open v2 session with a member of the circle; the relay
// answering (its last request succeeded, or its WebSocket is up); or an exchange with a member
// (v1: no lasting connection) that completed in the last REACH_FRESH_S. The front ends hear a "reach"
// event when a circle's answer changes; docs/PROTOCOL.md "Delivery state" says the same.
import { REACH_FRESH_S } from "../protocol/limits.ts";
import type { ShellPorts } from "./shell-ports.ts";

export interface ReachPorts extends Pick<ShellPorts, "store" | "now" | "emit"> {
  sessionPeers(circleId: string): string[];
  relayLive(): boolean;
}

export class Reach {
  private known = new Map<string, boolean>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private p: ReachPorts) {}

  reachable(circleId: string): boolean {
    const p = this.p;
    if (p.sessionPeers(circleId).length > 0 || p.relayLive()) return true;
    // the last completed exchange with each v1 peer of the circle (0 = never)
    const now = p.now();
    return p.store.listPeers(circleId).some((x) => x.proto !== "v2" && x.lastOk > 0 && now - x.lastOk < REACH_FRESH_S);
  }

  /** Compare every circle with what the front ends were told; tell them what changed. */
  check(): void {
    const circles = this.p.store.listCircles().map((c) => c.circleId);
    for (const id of [...this.known.keys()]) if (!circles.includes(id)) this.known.delete(id);
    for (const circleId of circles) {
      const reachable = this.reachable(circleId);
      const was = this.known.get(circleId);
      this.known.set(circleId, reachable);
      if (was !== undefined && was !== reachable) this.p.emit({ t: "reach", circleId, reachable });
    }
  }

  /** Check now and then (the relay's state and exchange freshness change without an event). */
  start(everyMs: number): void {
    this.check();
    this.timer ??= setInterval(() => this.check(), everyMs);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
