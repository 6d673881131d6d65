// One reconciliation round by coded symbols (SKETCH, docs/PROTOCOL.md §28) on the session's side:
// when to answer a round with symbols, what to send when asked for more, and the symbols
// received so far with the decision they lead to. V2Messages owns the frames.
import { V2DecodeError } from "../protocol/v2/codec.ts";
import type { ItemSet, Range } from "../protocol/v2/recon.ts";
import { type Peeled, peel, SKETCH_FIRST, SKETCH_MAX, type SketchPart, sketchPart } from "../protocol/v2/sketch.ts";

/**
 * Past this many items between the two sets' sizes, symbols cannot decode (a sketch of SKETCH_MAX
 * peels about 700 differences): reconcile by ranges (a new member gets its streamed fill there).
 */
export const SKETCH_SIZE_GAP = SKETCH_MAX / 2;

/**
 * The first symbols when a peer's round is one fingerprint over the whole set and it does not
 * match ours; null: answer by ranges (a round with a floor, ids listed, or the sets match).
 */
export function sketchFirst(set: ItemSet, ranges: Range[]): SketchPart | null {
  const r = ranges[0];
  if (ranges.length !== 1 || r?.mode !== "fp" || r.upper.ts !== Infinity) return null;
  const ours = set.fingerprint(0, set.size).subarray(0, r.fp.length);
  if (ours.length === r.fp.length && ours.every((b, i) => b === r.fp[i])) return null;
  return sketchPart(set.sketch, set.size, 0, SKETCH_FIRST);
}

/** The symbols a request asks for: from its `first` on, as many as it holds (to SKETCH_MAX). */
export function sketchMore(set: ItemSet, req: SketchPart): SketchPart {
  if (req.first === 0 || req.first >= SKETCH_MAX) throw new V2DecodeError("sketch: bad request");
  return sketchPart(set.sketch, set.size, req.first, Math.min(req.first, SKETCH_MAX - req.first));
}

/** The peer's symbols received in one round, in order from 0. */
export class SketchIn {
  private count = new Uint8Array(0);
  private xor = new Uint32Array(0);
  private size = 0;

  /** false: they do not continue the symbols held (a late answer of an overlapping round): dropped */
  add(p: SketchPart): boolean {
    if (p.first !== this.count.length) return false;
    const count = new Uint8Array(this.count.length + p.count.length);
    count.set(this.count);
    count.set(p.count, this.count.length);
    const xor = new Uint32Array(this.xor.length + p.xor.length);
    xor.set(this.xor);
    xor.set(p.xor, this.xor.length);
    this.count = count;
    this.xor = xor;
    this.size = p.size;
    return true;
  }

  /** The difference; "more": ask for more symbols; "ranges": symbols will not do. */
  peel(set: ItemSet): Peeled | "more" | "ranges" {
    if (Math.abs(this.size - set.size) > SKETCH_SIZE_GAP) return "ranges";
    const p = peel(set.sketch, this.count, this.xor);
    if (p) return p;
    return this.count.length >= SKETCH_MAX ? "ranges" : "more";
  }

  /** A request for the next symbols. */
  request(set: ItemSet): SketchPart {
    return { size: set.size, first: this.count.length, count: new Uint8Array(0), xor: new Uint32Array(0) };
  }
}
