// v2 relay envelopes of an epoch this peer does not hold yet. The REKEY that brings that epoch's
// key can reach the relay after them (a member that got it by another path wrote first), and
// the pull cursor has moved past them by then, so dropping them would lose those messages: they
// are kept, a bounded number per circle, and opened again once the circle's epoch has risen.
// Used by both relay peers: the node's relay client and the relay-only browser.
import { V2_RELAY_AHEAD_MAX } from "../protocol/limits.ts";
import { envelopeEpoch } from "../protocol/v2/envelope.ts";

export class AheadEnvelopes {
  private held: unknown[] = [];
  /** the circle's epoch when the first of them was kept */
  private epoch = 0;

  get size(): number {
    return this.held.length;
  }

  /** Keep `raw` if it names a newer epoch than the circle's `epoch`; false when it is not kept. */
  hold(raw: unknown, epoch: number): boolean {
    const ep = envelopeEpoch(raw);
    if (ep === null || ep <= epoch || this.held.length >= V2_RELAY_AHEAD_MAX) return false;
    if (!this.held.length) this.epoch = epoch;
    this.held.push(raw);
    return true;
  }

  /** The kept envelopes, handed over and forgotten, once the circle's epoch is above what it was when they were kept. */
  takeIfRisen(epoch: number): unknown[] {
    if (!this.held.length || epoch <= this.epoch) return [];
    const held = this.held;
    this.held = [];
    return held;
  }
}
