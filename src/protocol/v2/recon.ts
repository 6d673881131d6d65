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
import { sha256 } from "../primitives.ts";
import { type Reader, V2DecodeError, Writer } from "./codec.ts";

export interface Item {
  ts: number;
  id: Uint8Array;
}
/** An exclusive upper bound; `id` is padded with zeros; ts = Infinity is the end. */
export interface Bound {
  ts: number;
  id: Uint8Array;
}
export type Range =
  | { upper: Bound; mode: "skip" }
  | { upper: Bound; mode: "fp"; fp: Uint8Array }
  | { upper: Bound; mode: "ids"; ids: Uint8Array[] };

export const INF: Bound = { ts: Infinity, id: new Uint8Array(16) };

function cmpId(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
export const cmpItem = (a: Bound, b: Bound): number => (a.ts !== b.ts ? (a.ts < b.ts ? -1 : 1) : cmpId(a.id, b.id));

export const itemOf = (ts: number, msgId: string): Item => ({ ts, id: fromHex(msgId) });
export const idHex = (id: Uint8Array): string => toHex(id);

/** One side's sorted items with per-item hashes, for fingerprints over any index range. */
export class ItemSet {
  readonly items: Item[];
  private hashes: Uint32Array[];
  private index = new Set<string>();

  constructor(items: Item[]) {
    this.items = [...items].sort(cmpItem);
    this.hashes = this.items.map((it) => {
      const h = sha256(new Writer().u64(it.ts).fixed(it.id, 16).finish());
      return new Uint32Array(h.buffer, h.byteOffset, 8);
    });
    for (const it of this.items) this.index.add(toHex(it.id));
  }
  has(id: Uint8Array): boolean {
    return this.index.has(toHex(id));
  }
  /** first index whose item is >= bound */
  lower(b: Bound): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpItem(this.items[mid]!, b) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  /** SHA-256(u32 count | sum of item hashes mod 2^256)[0:16] */
  fingerprint(from: number, to: number): Uint8Array {
    const acc = new Uint32Array(8);
    for (let i = from; i < to; i++) {
      const h = this.hashes[i]!;
      let carry = 0;
      for (let j = 7; j >= 0; j--) {
        const s = acc[j]! + h[j]! + carry;
        acc[j] = s >>> 0;
        carry = s > 0xffffffff ? 1 : 0;
      }
    }
    const w = new Writer().u32(to - from);
    for (let j = 0; j < 8; j++) w.u32(acc[j]!);
    return sha256(w.finish()).slice(0, 16);
  }
}

/** Smallest bound b with items[i-1] < b <= items[i] (shortest id prefix). */
function boundBetween(prev: Item | undefined, next: Item): Bound {
  if (!prev || prev.ts !== next.ts) return { ts: next.ts, id: new Uint8Array(16) };
  let k = 0;
  while (k < 16 && prev.id[k] === next.id[k]) k++;
  const id = new Uint8Array(16);
  id.set(next.id.subarray(0, Math.min(16, k + 1)));
  return { ts: next.ts, id };
}

export function initialRanges(set: ItemSet): Range[] {
  const n = set.items.length;
  if (n <= V2_RECON_LEAF) return [{ upper: INF, mode: "ids", ids: set.items.map((i) => i.id) }];
  return [{ upper: INF, mode: "fp", fp: set.fingerprint(0, n) }];
}

export interface ReconOutcome {
  /** ranges to send back; empty when every range matched (reconciliation finished) */
  out: Range[];
  /** ids the peer has and we lack */
  want: Uint8Array[];
  /** ids we have and the peer lacks */
  give: Uint8Array[];
}

/** Answer a peer's ranges against our set. */
export function processRanges(set: ItemSet, ranges: Range[]): ReconOutcome {
  const out: Range[] = [];
  const want: Uint8Array[] = [];
  const give: Uint8Array[] = [];
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
    if (r.mode === "skip") pushSkip(r.upper);
    else if (r.mode === "fp") {
      if (equalFp(set.fingerprint(lowerIdx, upperIdx), r.fp)) pushSkip(r.upper);
      else {
        const count = upperIdx - lowerIdx;
        if (count <= V2_RECON_LEAF)
          out.push({ upper: r.upper, mode: "ids", ids: set.items.slice(lowerIdx, upperIdx).map((i) => i.id) });
        else {
          const per = Math.ceil(count / V2_RECON_BRANCH);
          for (let s = lowerIdx; s < upperIdx; s += per) {
            const e = Math.min(upperIdx, s + per);
            const upper = e === upperIdx ? r.upper : boundBetween(set.items[e - 1], set.items[e]!);
            out.push({ upper, mode: "fp", fp: set.fingerprint(s, e) });
          }
        }
      }
    } else {
      const theirs = new Set(r.ids.map(toHex));
      for (const id of r.ids) if (!set.has(id)) want.push(id);
      for (let i = lowerIdx; i < upperIdx; i++) if (!theirs.has(toHex(set.items[i]!.id))) give.push(set.items[i]!.id);
      pushSkip(r.upper);
    }
    lowerIdx = upperIdx;
    prevUpper = r.upper;
  }
  if (out.every((r) => r.mode === "skip")) return { out: [], want, give };
  return { out, want, give };
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

export function decodeRanges(r: Reader): Range[] {
  const n = r.count(V2_RECON_RANGES_MAX);
  const ranges: Range[] = [];
  let prevTs = 0;
  let sawInf = false;
  for (let i = 0; i < n; i++) {
    if (sawInf) throw new V2DecodeError("recon: range after the infinite bound");
    const d = r.uvar();
    let upper: Bound;
    const len = r.u8();
    if (d === 0) {
      if (len !== 0) throw new V2DecodeError("recon: infinite bound with an id");
      upper = INF;
      sawInf = true;
    } else {
      if (len > 16) throw new V2DecodeError("recon: bound prefix too long");
      const ts = prevTs + d - 1;
      if (!Number.isSafeInteger(ts)) throw new V2DecodeError("recon: bound out of range");
      const id = new Uint8Array(16);
      id.set(r.fixed(len));
      upper = { ts, id };
      prevTs = ts;
    }
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
