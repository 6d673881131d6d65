// Progress of a streamed fill (docs/PROTOCOL.md §23, issue 17): what a peer receiving a history
// shows while it arrives ("syncing history: 42,000 of 100,000"). One tracker per peer (the
// node's; a relay-only browser's when its relay fills it), fed by the sessions' steps and read
// by every front end: the state they load (CircleView.fill), the "fill" event they follow, and
// `felund join`'s output. Newest messages come first, so the text names what is still missing.
import type { FillProgress } from "../sync/v2-types.ts";

export type FillView = FillProgress;

/** "syncing history: 42,000 of 100,000" (the same words in the web client, the TUI and the CLI) */
export const fillText = (p: Pick<FillView, "got" | "total">): string =>
  `syncing history: ${Math.min(p.got, p.total).toLocaleString("en-US")} of ${p.total.toLocaleString("en-US")}`;

export class FillTracker {
  private byCircle = new Map<string, FillView>();
  private waiting = new Map<string, (() => void)[]>();

  constructor(private changed: (p: FillView) => void = () => {}) {}

  /** The fill of a circle in progress, if any. */
  get(circleId: string): FillView | undefined {
    return this.byCircle.get(circleId);
  }

  /** A session reported progress; a done fill is forgotten (and told once, done). */
  update(p: FillView): void {
    const was = this.byCircle.get(p.circleId);
    if (!was && p.done) return;
    if (was && was.got === p.got && was.total === p.total && !p.done) return;
    if (p.done) this.byCircle.delete(p.circleId);
    else this.byCircle.set(p.circleId, { ...p });
    this.changed({ ...p });
    if (p.done) for (const fn of this.waiting.get(p.circleId)?.splice(0) ?? []) fn();
  }

  /** The session carrying a circle's fill ended before it was done: what arrived stays, the rest comes by reconciliation later. */
  stopped(circleId: string): void {
    const p = this.byCircle.get(circleId);
    if (p) this.update({ ...p, done: true });
  }

  /** Resolves when the circle has no fill in progress. */
  idle(circleId: string): Promise<void> {
    if (!this.byCircle.has(circleId)) return Promise.resolve();
    return new Promise((r) => {
      const list = this.waiting.get(circleId) ?? [];
      list.push(r);
      this.waiting.set(circleId, list);
    });
  }
}
