// What this node remembers, in memory, about each peer between exchanges: which message ids
// the peer is known to hold (so we offer only what it lacks, and a large history moves over
// several exchanges) and how many messages a v1 peer can send us in one frame (adapted).
import { V1_REQ_MAX, V1_REQ_MIN, V1_REQ_START } from "../protocol/limits.ts";

const HELD_TTL_MS = 30 * 60 * 1000;
const HELD_MAX = 200_000;

interface Entry { ids: Set<string>; since: number }

export class PeerKnowledge {
  private held = new Map<string, Entry>();
  private budget = new Map<string, number>();

  constructor(private nowMs: () => number) {}

  private key = (circleId: string, nodeId: string) => `${circleId}/${nodeId}`;

  heldBy(circleId: string, nodeId: string): Set<string> {
    const k = this.key(circleId, nodeId);
    let e = this.held.get(k);
    const now = this.nowMs();
    if (!e || now - e.since > HELD_TTL_MS || e.ids.size > HELD_MAX) {
      e = { ids: new Set(), since: now };
      this.held.set(k, e);
    }
    return e.ids;
  }

  reqBudget(circleId: string, nodeId: string): number {
    return this.budget.get(this.key(circleId, nodeId)) ?? V1_REQ_START;
  }
  /** The peer delivered everything we asked: ask for more next time. */
  grow(circleId: string, nodeId: string): void {
    const b = this.reqBudget(circleId, nodeId);
    this.budget.set(this.key(circleId, nodeId), Math.min(V1_REQ_MAX, b + Math.max(4, b >> 1)));
  }
  /** The exchange died after our request (a v1 peer's frame was too large): ask for less. */
  shrink(circleId: string, nodeId: string): void {
    const b = this.reqBudget(circleId, nodeId);
    this.budget.set(this.key(circleId, nodeId), Math.max(V1_REQ_MIN, b >> 1));
  }
}
