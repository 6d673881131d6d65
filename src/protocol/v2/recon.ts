// Range-based set reconciliation (docs/PROTOCOL.md §4.7), after Meyer's RBSR / negentropy.
// Items are (created_ts, msg_id) in ascending order. A RECON frame covers [0, ∞) with ranges
// that are Skip (same on both sides), Fingerprint (16 bytes over the range) or IdList (the
// sender's ids in the range). A mismatching fingerprint is answered with BRANCH sub-range
// fingerprints, or with an id list once a range holds at most LEAF items; an id list is
// answered with Skip, the receiver then knows both sides of that range: it asks (WANT) for
// what it lacks and sends what the other lacks. Traffic grows with the difference times
// log(history), not with the history.
import { fromHex, toHex } from "../bytes.ts";
import { V2_RECON_BRANCH, V2_RECON_LEAF, V2_RECON_RANGES_MAX } from "../limits.ts";
import { type Reader, V2DecodeError, type Writer } from "./codec.ts";

import { type Bound, cmpItem, type Item, type ItemSet } from "./recon-set.ts";

export { type Bound, cmpItem, type Item, ItemSet } from "./recon-set.ts";

export type Range =
  | { upper: Bound; mode: "skip" }
  | { upper: Bound; mode: "fp"; fp: Uint8Array }
  | { upper: Bound; mode: "ids"; ids: Uint8Array[] };

export const INF: Bound = { ts: Infinity, id: new Uint8Array(16) };

export const itemOf = (ts: number, msgId: string): Item => ({ ts, id: fromHex(msgId) });
export const idHex = (id: Uint8Array): string => toHex(id);

/** Smallest bound b with items[i-1] < b <= items[i] (shortest id prefix). */
function boundBetween(prev: Item | undefined, next: Item): Bound {
  if (!prev || prev.ts !== next.ts) return { ts: next.ts, id: new Uint8Array(16) };
  let k = 0;
  while (k < 16 && prev.id[k] === next.id[k]) k++;
  const id = new Uint8Array(16);
  id.set(next.id.subarray(0, Math.min(16, k + 1)));
  return { ts: next.ts, id };
}

/** How a side answers: the split and list thresholds and the fingerprint length (per format, §4.7 and §24). */
export interface ReconParams {
  branch: number;
  leaf: number;
  fpLen: number;
}
/** The RECON format (0x01, §4.7). */
export const RECON1: ReconParams = { branch: V2_RECON_BRANCH, leaf: V2_RECON_LEAF, fpLen: 16 };

/**
 * A round's first ranges. `floor` (> 0: a history policy, §24.2): items before it are not
 * reconciled, [0, floor) is sent as Skip.
 */
export function initialRanges(set: ItemSet, p: ReconParams = RECON1, floor = 0): Range[] {
  const from = floor > 0 ? set.lower(floorBound(floor)) : 0;
  const n = set.size;
  const head: Range[] = floor > 0 ? [{ upper: floorBound(floor), mode: "skip" }] : [];
  if (n - from <= p.leaf) return [...head, { upper: INF, mode: "ids", ids: set.ids(from, n) }];
  return [...head, { upper: INF, mode: "fp", fp: set.fingerprint(from, n).slice(0, p.fpLen) }];
}

const floorBound = (ts: number): Bound => ({ ts, id: new Uint8Array(16) });

export interface ReconOutcome {
  /** ranges to send back; empty when every range matched (reconciliation finished) */
  out: Range[];
  /** ids the peer has and we lack */
  want: Uint8Array[];
  /** ids we have and the peer lacks */
  give: Uint8Array[];
  /** ranges the peer lacks nearly all of (only with opts.fillMin): served as a streamed fill (§23), not listed */
  fills: FillRange[];
}

/** Our items in [lower, upper) the peer lacks, but for `except` (hex ids it listed): `count` of them. */
export interface FillRange {
  lower: Bound;
  upper: Bound;
  count: number;
  except: Set<string>;
}

/**
 * Answer a peer's ranges against our set. `floor` (> 0, §24.2): what lies before it is answered
 * Skip whatever the peer sent (neither wanted nor given), and a range across it is answered for
 * its part from the floor on, so a difference the policy creates never comes back. `fillMin`
 * (§23): a range the peer lists its few ids of, where we hold more than this many items, comes
 * back as a fill range instead of a list of ids.
 */
export function processRanges(
  set: ItemSet,
  ranges: Range[],
  p: ReconParams = RECON1,
  floor = 0,
  fillMin?: number,
): ReconOutcome {
  const fl = floorBound(floor);
  const out: Range[] = [];
  const want: Uint8Array[] = [];
  const give: Uint8Array[] = [];
  const fills: FillRange[] = [];
  let lowerIdx = 0;
  let prevUpper: Bound = { ts: 0, id: new Uint8Array(16) };
  const pushSkip = (upper: Bound) => {
    const last = out[out.length - 1];
    if (last && last.mode === "skip") last.upper = upper;
    else out.push({ upper, mode: "skip" });
  };
  for (const r of ranges) {
    if (cmpItem(r.upper, prevUpper) < 0) throw new V2DecodeError("recon: ranges out of order");
    const upperIdx = set.lower(r.upper);
    // a range across the floor: its part before is Skip, the rest is answered as a mismatch
    const across = floor > 0 && cmpItem(prevUpper, fl) < 0 && cmpItem(r.upper, fl) > 0;
    if (across) pushSkip(fl);
    const from = across ? set.lower(fl) : lowerIdx;
    if (r.mode === "skip" || (floor > 0 && cmpItem(r.upper, fl) <= 0)) pushSkip(r.upper);
    else if (r.mode === "fp") {
      if (!across && equalFp(set.fingerprint(lowerIdx, upperIdx).subarray(0, r.fp.length), r.fp)) pushSkip(r.upper);
      else {
        const count = upperIdx - from;
        if (count <= p.leaf) out.push({ upper: r.upper, mode: "ids", ids: set.ids(from, upperIdx) });
        else {
          const per = Math.ceil(count / p.branch);
          const cuts = [from];
          for (let s = from; s < upperIdx; s += per) cuts.push(Math.min(upperIdx, s + per));
          // each cut's prefix sum once, rather than two partial sums per sub-range
          const fps = set.fingerprints(cuts);
          for (let i = 1; i < cuts.length; i++) {
            const e = cuts[i]!;
            const upper = e === upperIdx ? r.upper : boundBetween(set.at(e - 1), set.at(e));
            out.push({ upper, mode: "fp", fp: fps[i - 1]!.slice(0, p.fpLen) });
          }
        }
      }
    } else if (fillMin !== undefined && upperIdx - from > fillMin) {
      // the peer holds at most a leaf of a large range of ours (a new member): no list of our ids
      const theirs = new Set(r.ids.map(toHex));
      const found = set.idsAmong(lowerIdx, upperIdx, theirs);
      for (const id of r.ids) if (!found.has(toHex(id))) want.push(id);
      const inFloor = set.idsAmong(from, upperIdx, theirs).size;
      fills.push({ lower: across ? fl : prevUpper, upper: r.upper, count: upperIdx - from - inFloor, except: found });
      pushSkip(r.upper);
    } else {
      // the peer listed its items of this range: an item of ours is in the same range on both sides
      const theirs = new Set(r.ids.map(toHex));
      const ours = new Set(set.ids(lowerIdx, upperIdx).map(toHex));
      for (const id of r.ids) if (!ours.has(toHex(id))) want.push(id);
      for (const id of set.ids(from, upperIdx)) if (!theirs.has(toHex(id))) give.push(id);
      pushSkip(r.upper);
    }
    lowerIdx = upperIdx;
    prevUpper = r.upper;
  }
  if (out.every((r) => r.mode === "skip")) return { out: [], want, give, fills };
  return { out, want, give, fills };
}

const equalFp = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

// ---- wire form ----
//   u32 count | per range: bound | u8 mode (0 skip, 1 fp, 2 ids) | fixed16 fp  or  u32 n | n x fixed16
//   bound = uvar (ts delta from the previous bound + 1; 0 = ∞) | u8 prefix length | prefix bytes
// An empty list means "all ranges matched: reconciliation is complete".

export function encodeRanges(w: Writer, ranges: Range[]): Writer {
  w.u32(ranges.length);
  let prevTs = 0;
  for (const r of ranges) {
    if (r.upper.ts === Infinity) w.uvar(0).u8(0);
    else {
      w.uvar(r.upper.ts - prevTs + 1);
      prevTs = r.upper.ts;
      let len = 16;
      while (len > 0 && r.upper.id[len - 1] === 0) len--;
      w.u8(len).raw(r.upper.id.subarray(0, len));
    }
    if (r.mode === "skip") w.u8(0);
    else if (r.mode === "fp") w.u8(1).fixed(r.fp, 16);
    else {
      w.u8(2).u32(r.ids.length);
      for (const id of r.ids) w.fixed(id, 16);
    }
  }
  return w;
}

/**
 * A range's upper bound as RECON and RECON2 carry it: `d` the ts delta from the previous bound
 * plus one (0 = ∞), then `len` bytes of the id's prefix, read from `r`.
 */
export function readBound(r: Reader, d: number, len: number, prevTs: number): Bound {
  if (d === 0) {
    if (len !== 0) throw new V2DecodeError("recon: infinite bound with an id");
    return INF;
  }
  if (len > 16) throw new V2DecodeError("recon: bound prefix too long");
  const ts = prevTs + d - 1;
  if (!Number.isSafeInteger(ts)) throw new V2DecodeError("recon: bound out of range");
  const id = new Uint8Array(16);
  id.set(r.fixed(len));
  return { ts, id };
}

export function decodeRanges(r: Reader): Range[] {
  const n = r.count(V2_RECON_RANGES_MAX);
  const ranges: Range[] = [];
  let prevTs = 0;
  let sawInf = false;
  for (let i = 0; i < n; i++) {
    if (sawInf) throw new V2DecodeError("recon: range after the infinite bound");
    const d = r.uvar();
    const upper = readBound(r, d, r.u8(), prevTs);
    if (upper === INF) sawInf = true;
    else prevTs = upper.ts;
    const mode = r.u8();
    if (mode === 0) ranges.push({ upper, mode: "skip" });
    else if (mode === 1) ranges.push({ upper, mode: "fp", fp: r.fixed(16) });
    else if (mode === 2) {
      const k = r.count(V2_RECON_LEAF * V2_RECON_BRANCH);
      const ids: Uint8Array[] = [];
      for (let j = 0; j < k; j++) ids.push(r.fixed(16));
      ranges.push({ upper, mode: "ids", ids });
    } else throw new V2DecodeError("recon: unknown range mode");
  }
  if (n > 0 && !sawInf) throw new V2DecodeError("recon: ranges must end at the infinite bound");
  return ranges;
}
