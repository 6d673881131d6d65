// One side's reconciliation items (docs/PROTOCOL.md §4.7) kept for range fingerprints that cost
// what a reconciliation looks at, not the whole history (issue 17). Items (created_ts, msg_id)
// sit in sorted buckets of at most BUCKET_MAX, each with its items' hashes and their sum; prefix
// sums over the buckets (rebuilt lazily after a change, one addition per bucket) make a range's
// sum two bucket prefixes plus at most half a bucket at each end. The whole set's fingerprint is
// kept as items come and go, so an idle heal round hashes nothing, and so are the set's first
// coded symbols for SKETCH (sketch.ts, §28). Items are stored in typed
// arrays (56 bytes each) rather than as objects, for a million-message circle.
//
// The fingerprint is the one of §4.7: SHA-256(u32 count | Σ H(u64 ts | fixed16 id) mod 2^256)[0:16],
// the hash words read in the platform's order as the original ItemSet did (wire compatible).
import { sha256 } from "../primitives.ts";
import { Writer } from "./codec.ts";
import { add, finish, sub } from "./recon-sum.ts";
import { Sketch } from "./sketch.ts";

export interface Item {
  ts: number;
  id: Uint8Array;
}
/** An exclusive upper bound; `id` is padded with zeros; ts = Infinity is the end. */
export interface Bound {
  ts: number;
  id: Uint8Array;
}

/** A bucket is split in two when it reaches this many items. */
const BUCKET_MAX = 512;
/** Items per bucket when a set is built from a list. */
const BUCKET_FILL = 256;

interface Bucket {
  len: number;
  ts: Float64Array;
  ids: Uint8Array;
  /** item hashes, 8 words each */
  h: Uint32Array;
  sum: Uint32Array;
}

function cmpId(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
export const cmpItem = (a: Bound, b: Bound): number => (a.ts !== b.ts ? (a.ts < b.ts ? -1 : 1) : cmpId(a.id, b.id));

/** item k of a bucket against a bound */
function cmpAt(bk: Bucket, k: number, b: Bound): number {
  const ts = bk.ts[k]!;
  if (ts !== b.ts) return ts < b.ts ? -1 : 1;
  const o = k * 16;
  for (let i = 0; i < 16; i++) if (bk.ids[o + i] !== b.id[i]) return bk.ids[o + i]! - b.id[i]!;
  return 0;
}

/** Room for BUCKET_MAX items in a bucket that was made smaller (a set loaded full holds 56 bytes an item, not twice that). */
function grow(bk: Bucket): void {
  const ts = new Float64Array(BUCKET_MAX);
  const ids = new Uint8Array(BUCKET_MAX * 16);
  const h = new Uint32Array(BUCKET_MAX * 8);
  ts.set(bk.ts.subarray(0, bk.len));
  ids.set(bk.ids.subarray(0, bk.len * 16));
  h.set(bk.h.subarray(0, bk.len * 8));
  bk.ts = ts;
  bk.ids = ids;
  bk.h = h;
}

function newBucket(cap: number): Bucket {
  return {
    len: 0,
    ts: new Float64Array(cap),
    ids: new Uint8Array(cap * 16),
    h: new Uint32Array(cap * 8),
    sum: new Uint32Array(8),
  };
}

export class ItemSet {
  /** item hashes computed or added into a fingerprint: what the set's users cost (tests and bench read it) */
  work = 0;
  /** the set's first coded symbols (§28), kept as items come and go */
  readonly sketch = new Sketch();
  private buckets: Bucket[] = [];
  private n = 0;
  private total = new Uint32Array(8);
  /** starts[k]: index of bucket k's first item; starts[buckets] = n (null: rebuild) */
  private starts: number[] | null = null;
  /** prefix[k*8..]: sum of buckets 0..k-1 (null: rebuild) */
  private prefix: Uint32Array | null = null;

  constructor(items: Item[] = []) {
    const sorted = [...items].sort(cmpItem);
    for (let i = 0; i < sorted.length; i += BUCKET_FILL) {
      const part = sorted.slice(i, i + BUCKET_FILL);
      const bk = newBucket(BUCKET_FILL);
      for (const it of part) this.place(bk, bk.len, it);
      this.buckets.push(bk);
    }
    this.n = sorted.length;
  }

  get size(): number {
    return this.n;
  }

  /** Write `it` at position k of `bk` (shifting the rest up), counting it in the sums. */
  private place(bk: Bucket, k: number, it: Item): void {
    if (bk.len === bk.ts.length) grow(bk);
    if (k < bk.len) {
      bk.ts.copyWithin(k + 1, k, bk.len);
      bk.ids.copyWithin((k + 1) * 16, k * 16, bk.len * 16);
      bk.h.copyWithin((k + 1) * 8, k * 8, bk.len * 8);
    }
    bk.ts[k] = it.ts;
    bk.ids.set(it.id.subarray(0, 16), k * 16);
    this.sketch.toggle(bk.ids, k * 16, 1);
    const hash = sha256(new Writer().u64(it.ts).fixed(it.id, 16).finish());
    new Uint8Array(bk.h.buffer, bk.h.byteOffset + k * 32, 32).set(hash);
    this.work++;
    bk.len++;
    add(bk.sum, bk.h, k * 8);
    add(this.total, bk.h, k * 8);
  }

  private ensure(): { starts: number[]; prefix: Uint32Array } {
    if (!this.starts || !this.prefix) {
      const nb = this.buckets.length;
      const starts = new Array<number>(nb + 1);
      const prefix = new Uint32Array((nb + 1) * 8);
      let s = 0;
      for (let k = 0; k < nb; k++) {
        starts[k] = s;
        s += this.buckets[k]!.len;
        prefix.copyWithin((k + 1) * 8, k * 8, k * 8 + 8);
        add(prefix.subarray((k + 1) * 8, (k + 2) * 8), this.buckets[k]!.sum, 0);
      }
      starts[nb] = s;
      this.starts = starts;
      this.prefix = prefix;
    }
    return { starts: this.starts, prefix: this.prefix };
  }

  /** bucket holding global index i (i < n), and the offset in it */
  private locate(i: number): [number, number] {
    const { starts } = this.ensure();
    let lo = 0;
    let hi = this.buckets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return [lo, i - starts[lo]!];
  }

  at(i: number): Item {
    const [k, o] = this.locate(i);
    const bk = this.buckets[k]!;
    return { ts: bk.ts[o]!, id: bk.ids.slice(o * 16, o * 16 + 16) };
  }

  /** the ids of items [from, to) */
  ids(from: number, to: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (from >= to) return out;
    let [k, o] = this.locate(from);
    for (let i = from; i < to; i++) {
      let bk = this.buckets[k]!;
      if (o >= bk.len) {
        k++;
        o = 0;
        bk = this.buckets[k]!;
      }
      out.push(bk.ids.slice(o * 16, o * 16 + 16));
      o++;
    }
    return out;
  }

  /** Which of `hexIds` are items in [from, to): one pass over the range, no copy of its ids. */
  idsAmong(from: number, to: number, hexIds: ReadonlySet<string>): Set<string> {
    const found = new Set<string>();
    if (from >= to || hexIds.size === 0) return found;
    const heads = new Set([...hexIds].map((h) => parseInt(h.slice(0, 8), 16)));
    let [k, o] = this.locate(from);
    for (let i = from; i < to; i++, o++) {
      if (o >= this.buckets[k]!.len) [k, o] = [k + 1, 0];
      const ids = this.buckets[k]!.ids;
      const p = o * 16;
      if (!heads.has(((ids[p]! << 24) | (ids[p + 1]! << 16) | (ids[p + 2]! << 8) | ids[p + 3]!) >>> 0)) continue;
      let hex = "";
      for (let j = 0; j < 16; j++) hex += ids[p + j]!.toString(16).padStart(2, "0");
      if (hexIds.has(hex)) found.add(hex);
    }
    return found;
  }

  /** first bucket whose last item is >= b (buckets.length if none), and the first index in it >= b */
  private find(b: Bound): [number, number] {
    let lo = 0;
    let hi = this.buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const bk = this.buckets[mid]!;
      if (cmpAt(bk, bk.len - 1, b) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.buckets.length) return [lo, 0];
    const bk = this.buckets[lo]!;
    let l = 0;
    let h = bk.len;
    while (l < h) {
      const mid = (l + h) >>> 1;
      if (cmpAt(bk, mid, b) < 0) l = mid + 1;
      else h = mid;
    }
    return [lo, l];
  }

  /** first index whose item is >= bound */
  lower(b: Bound): number {
    const [k, o] = this.find(b);
    if (k === this.buckets.length) return this.n;
    return this.ensure().starts[k]! + o;
  }

  has(it: Item): boolean {
    const [k, o] = this.find(it);
    return k < this.buckets.length && cmpAt(this.buckets[k]!, o, it) === 0;
  }

  /**
   * Add an item that is usually after every item held (a set loaded in order, without a sorted
   * copy of the whole list in memory); one that is not goes through insert().
   */
  append(it: Item): boolean {
    const last = this.buckets[this.buckets.length - 1];
    if (!last || cmpAt(last, last.len - 1, it) >= 0) return this.insert(it);
    let bk = last;
    if (bk.len >= BUCKET_FILL) {
      bk = newBucket(BUCKET_FILL);
      this.buckets.push(bk);
    }
    this.place(bk, bk.len, it);
    this.n++;
    this.starts = null;
    this.prefix = null;
    return true;
  }

  /** Add an item; false if the set holds it already. */
  insert(it: Item): boolean {
    let [k, o] = this.find(it);
    if (k < this.buckets.length && cmpAt(this.buckets[k]!, o, it) === 0) return false;
    if (this.buckets.length === 0) this.buckets.push(newBucket(BUCKET_FILL));
    if (k === this.buckets.length) {
      k--; // after every item: the end of the last bucket
      o = this.buckets[k]!.len;
    }
    const bk = this.buckets[k]!;
    this.place(bk, o, it);
    this.n++;
    if (bk.len >= BUCKET_MAX) this.split(k);
    this.starts = null;
    this.prefix = null;
    return true;
  }

  /** Remove an item; false if the set does not hold it. */
  remove(it: Item): boolean {
    const [k, o] = this.find(it);
    const bk = this.buckets[k];
    if (!bk || cmpAt(bk, o, it) !== 0) return false;
    this.sketch.toggle(bk.ids, o * 16, -1);
    sub(bk.sum, bk.h, o * 8);
    sub(this.total, bk.h, o * 8);
    bk.ts.copyWithin(o, o + 1, bk.len);
    bk.ids.copyWithin(o * 16, (o + 1) * 16, bk.len * 16);
    bk.h.copyWithin(o * 8, (o + 1) * 8, bk.len * 8);
    bk.len--;
    this.n--;
    if (bk.len === 0) this.buckets.splice(k, 1);
    this.starts = null;
    this.prefix = null;
    return true;
  }

  private split(k: number): void {
    const bk = this.buckets[k]!;
    const half = bk.len >>> 1;
    const hi = newBucket(BUCKET_FILL);
    hi.len = bk.len - half;
    hi.ts.set(bk.ts.subarray(half, bk.len));
    hi.ids.set(bk.ids.subarray(half * 16, bk.len * 16));
    hi.h.set(bk.h.subarray(half * 8, bk.len * 8));
    for (let i = 0; i < hi.len; i++) add(hi.sum, hi.h, i * 8);
    sub(bk.sum, hi.sum, 0);
    bk.len = half;
    this.work += hi.len;
    this.buckets.splice(k + 1, 0, hi);
  }

  /** Σ of item hashes in bucket k from offset a to b, from whichever side adds fewer */
  private partial(acc: Uint32Array, k: number, a: number, b: number): void {
    const bk = this.buckets[k]!;
    if (b - a <= bk.len - (b - a)) {
      for (let i = a; i < b; i++) add(acc, bk.h, i * 8);
      this.work += b - a;
    } else {
      add(acc, bk.sum, 0);
      for (let i = 0; i < a; i++) sub(acc, bk.h, i * 8);
      for (let i = b; i < bk.len; i++) sub(acc, bk.h, i * 8);
      this.work += bk.len - (b - a);
    }
  }

  /** SHA-256(u32 count | sum of item hashes mod 2^256)[0:16] over items [from, to) */
  fingerprint(from: number, to: number): Uint8Array {
    return finish(this.rangeSum(from, to), to - from);
  }

  /** Σ of the hashes of items [from, to) */
  private rangeSum(from: number, to: number): Uint32Array {
    let acc = new Uint32Array(8);
    if (from === 0 && to === this.n) acc = this.total.slice();
    else if (from < to) {
      const [ka, oa] = this.locate(from);
      const [kb, ob] = this.locate(to - 1);
      if (ka === kb) this.partial(acc, ka, oa, ob + 1);
      else {
        const { prefix } = this.ensure();
        this.partial(acc, ka, oa, this.buckets[ka]!.len);
        add(acc, prefix, kb * 8);
        sub(acc, prefix, (ka + 1) * 8);
        this.partial(acc, kb, 0, ob + 1);
      }
    }
    return acc;
  }

  /** Σ of the hashes of items [0, i): a bucket prefix and at most half a bucket */
  private prefixSum(i: number): Uint32Array {
    const acc = new Uint32Array(8);
    if (i <= 0) return acc;
    if (i >= this.n) return this.total.slice();
    const [k, o] = this.locate(i);
    const { prefix } = this.ensure();
    add(acc, prefix, k * 8);
    this.partial(acc, k, 0, o);
    return acc;
  }

  /** Fingerprints of the consecutive ranges [bounds[0], bounds[1]), [bounds[1], bounds[2]), …: each bound's prefix once. */
  fingerprints(bounds: number[]): Uint8Array[] {
    // a short step adds its items to the previous prefix; a long one takes its own prefix
    const sums: Uint32Array[] = [];
    for (let i = 0; i < bounds.length; i++) {
      const step = i ? bounds[i]! - bounds[i - 1]! : Infinity;
      if (step <= BUCKET_FILL / 2) {
        const acc = sums[i - 1]!.slice();
        add(acc, this.rangeSum(bounds[i - 1]!, bounds[i]!), 0);
        sums.push(acc);
      } else sums.push(this.prefixSum(bounds[i]!));
    }
    const out: Uint8Array[] = [];
    for (let i = 1; i < bounds.length; i++) {
      const acc = sums[i]!.slice();
      sub(acc, sums[i - 1]!, 0);
      out.push(finish(acc, bounds[i]! - bounds[i - 1]!));
    }
    return out;
  }
}
