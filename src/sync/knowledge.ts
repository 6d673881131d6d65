// What this node remembers, in memory, about each peer between exchanges: which message ids
// the peer is known to hold (so we offer only what it lacks, and a large history moves over
// several exchanges) and how many messages a v1 peer can send us in one frame (adapted).
import { V1_REQ_MAX, V1_REQ_MIN, V1_REQ_START } from "../protocol/limits.ts";

const HELD_TTL_MS = 30 * 60 * 1000;
const HELD_MAX = 200_000;
/** Successes in a row at a budget capped by a past failure before we probe above it again. */
const PROBE_AFTER = 16;

interface Entry {
  ids: Set<string>;
  since: number;
}

/**
 * Request budget towards one v1 peer. An original refuses (closes) when its MSGS_SEND would
 * exceed its frame limit, and how many messages fit depends on their sizes, so the budget
 * searches between the largest count that worked (`good`) and the smallest that failed
 * (`bad`, 0 = none yet) instead of growing past the limit again and again.
 */
interface Budget {
  cur: number;
  good: number;
  bad: number;
  streak: number;
}

export class PeerKnowledge {
  private held = new Map<string, Entry>();
  private budget = new Map<string, Budget>();

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

  private budgetOf(circleId: string, nodeId: string): Budget {
    const k = this.key(circleId, nodeId);
    let b = this.budget.get(k);
    if (!b) this.budget.set(k, (b = { cur: V1_REQ_START, good: 0, bad: 0, streak: 0 }));
    return b;
  }

  /**
   * Peers whose last non-empty MSGS_SEND showed them a newer original (objects with the `enc` key): offered
   * schema-2 objects as received. Nothing in the handshake says which release a peer runs, so a peer not
   * heard from yet gets plain v1 objects, which every release accepts; and an older answer clears the mark.
   */
  private newer = new Set<string>();
  noteWriter(circleId: string, nodeId: string, writesEnc: boolean): void {
    if (writesEnc) this.newer.add(this.key(circleId, nodeId));
    else this.newer.delete(this.key(circleId, nodeId));
  }
  isNewer(circleId: string, nodeId: string): boolean {
    return this.newer.has(this.key(circleId, nodeId));
  }

  reqBudget(circleId: string, nodeId: string): number {
    return this.budget.get(this.key(circleId, nodeId))?.cur ?? V1_REQ_START;
  }

  /** The peer delivered all `n` messages we asked for: ask for more next time, if `n` used the budget. */
  grow(circleId: string, nodeId: string, n: number): void {
    const b = this.budgetOf(circleId, nodeId);
    b.good = Math.max(b.good, n);
    if (n < b.cur) return; // a smaller request says nothing about the budget
    let next = b.cur + Math.max(4, b.cur >> 1);
    if (b.bad) {
      next = Math.min(next, Math.floor((b.cur + b.bad) / 2)); // halfway to what failed
      if (next <= b.cur && ++b.streak >= PROBE_AFTER) {
        b.bad += Math.max(1, b.bad >> 3); // sizes change: now and then try a little more
        b.streak = 0;
      }
    }
    b.cur = Math.min(V1_REQ_MAX, Math.max(b.cur, next));
  }

  /** The exchange died after our request (a v1 peer's frame was too large): ask for less. */
  shrink(circleId: string, nodeId: string): void {
    const b = this.budgetOf(circleId, nodeId);
    b.streak = 0;
    b.bad = b.bad ? Math.min(b.bad, b.cur) : b.cur;
    b.cur = Math.max(V1_REQ_MIN, b.good > 0 && b.good < b.cur ? b.good : b.cur >> 1);
    if (b.good >= b.bad) b.good = 0; // what worked before does not any more
  }
}
