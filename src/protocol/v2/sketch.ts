// SKETCH (frame 0x0F, docs/PROTOCOL.md §28): a rateless invertible Bloom lookup table over a
// reconciliation set (after Yang, Gilad and Alizadeh, "Practical Rateless Set Reconciliation",
// 2024). Every item of the set is xored into an infinite sequence of coded symbols, symbol 0
// holding all of them and symbol j about 2/(j+2) of them; a set keeps the first SKETCH_MAX.
// A peer that holds nearly the same set subtracts its own symbols from a prefix of the sender's
// and peels the difference: ~1.4–2 symbols per differing item, whatever the set's size, in one
// round trip (more symbols on request), where range fingerprints need d · 4 · log4(n) ranges.
//
//   symbol  = count (mod 2^8 on the wire) | xor of the items' 16-byte ids | xor of their checks
//   seed(id) = fmix(id words, SEED), check(id) = fmix(id words, CHECK)   (32-bit, below)
//   index sequence of an item: i0 = 0; with s the item's xorshift32 state (from its seed),
//     s ← xorshift32(s); u = (s + 1) / 2^32;  T = (i+1)(i+2)/u;
//     next = max(i + 1, floor((sqrt(1 + 4T) − 3) / 2) + 1)        (IEEE doubles)
//   which includes j > i with probability 2/(j+2), independently.
import { V2DecodeError, type Reader, type Writer } from "./codec.ts";

/** Symbols a set keeps and a session may ask for. */
export const SKETCH_MAX = 1024;
/** The first answer's symbols; each request asks for as many again as it holds. */
export const SKETCH_FIRST = 64;
/** HELLO's "rc" value that names SKETCH (§28). */
export const SKETCH_OFFER = 3;

const SEED = 0x9e3779b9;
const CHECK = 0x85ebca6b;

function fmix(a: number, b: number, c: number, d: number, k: number): number {
  let h = k;
  for (const w of [a, b, c, d]) {
    h = Math.imul(h ^ w, 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
    h = Math.imul(h, 0x1b873593) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const word = (id: Uint8Array, o: number) =>
  ((id[o]! << 24) | (id[o + 1]! << 16) | (id[o + 2]! << 8) | id[o + 3]!) >>> 0;

/** The symbol indices below `limit` an item with these id words is coded into, fed to `f`. */
function eachIndex(w0: number, w1: number, w2: number, w3: number, limit: number, f: (j: number) => void): void {
  let s = fmix(w0, w1, w2, w3, SEED) || 1;
  let i = 0;
  while (i < limit) {
    f(i);
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const u = (s + 1) / 4294967296;
    const t = ((i + 1) * (i + 2)) / u;
    i = Math.max(i + 1, Math.floor((Math.sqrt(1 + 4 * t) - 3) / 2) + 1);
  }
}

/** The first `n` coded symbols of a set (or of a difference). */
export class Sketch {
  /** count per symbol */
  readonly count: Int32Array;
  /** 5 words per symbol: the id xor (4 words, big-endian) and the check xor */
  readonly xor: Uint32Array;

  constructor(readonly n: number = SKETCH_MAX) {
    this.count = new Int32Array(n);
    this.xor = new Uint32Array(n * 5);
  }

  /** Add (sign 1) or remove (-1) the item whose id starts at `ids[o]`. */
  toggle(ids: Uint8Array, o: number, sign: 1 | -1): void {
    const w0 = word(ids, o);
    const w1 = word(ids, o + 4);
    const w2 = word(ids, o + 8);
    const w3 = word(ids, o + 12);
    const chk = fmix(w0, w1, w2, w3, CHECK);
    const { count, xor } = this;
    // eachIndex's sequence, inline: a million-item set is built without a closure per item
    let s = fmix(w0, w1, w2, w3, SEED) || 1;
    for (let j = 0; j < this.n; ) {
      count[j]! += sign;
      const p = j * 5;
      xor[p]! ^= w0;
      xor[p + 1]! ^= w1;
      xor[p + 2]! ^= w2;
      xor[p + 3]! ^= w3;
      xor[p + 4]! ^= chk;
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      const t = ((j + 1) * (j + 2)) / ((s + 1) / 4294967296);
      j = Math.max(j + 1, Math.floor((Math.sqrt(1 + 4 * t) - 3) / 2) + 1);
    }
  }
}

/** Symbols [first, first + n) of a peer's sketch as SKETCH carries them. */
export interface SketchPart {
  /** the sender's set size */
  size: number;
  first: number;
  count: Uint8Array;
  xor: Uint32Array;
}

/** Symbols [first, first + n) of `s` (n = 0: a request for the symbols from `first` on). */
export function sketchPart(s: Sketch, size: number, first: number, n: number): SketchPart {
  const count = new Uint8Array(n);
  for (let j = 0; j < n; j++) count[j] = s.count[first + j]! & 0xff;
  return { size, first, count, xor: s.xor.slice(first * 5, (first + n) * 5) };
}

//   0x0F SKETCH = uvar size | uvar first | uvar n | n × (u8 count mod 2^8 | fixed16 id xor | u32 check xor)
export function encodeSketch(w: Writer, p: SketchPart): Writer {
  w.uvar(p.size).uvar(p.first).uvar(p.count.length);
  for (let j = 0; j < p.count.length; j++) {
    w.u8(p.count[j]!);
    for (let k = 0; k < 5; k++) w.u32(p.xor[j * 5 + k]!);
  }
  return w;
}

export function decodeSketch(r: Reader): SketchPart {
  const size = r.uvar();
  const first = r.uvar();
  const n = r.uvar();
  if (first + n > SKETCH_MAX) throw new V2DecodeError(`sketch: symbols past ${SKETCH_MAX}`);
  const count = new Uint8Array(n);
  const xor = new Uint32Array(n * 5);
  for (let j = 0; j < n; j++) {
    count[j] = r.u8();
    for (let k = 0; k < 5; k++) xor[j * 5 + k] = r.u32();
  }
  return { size, first, count, xor };
}

export interface Peeled {
  /** ids in our set, not in the peer's */
  mine: Uint8Array[];
  /** ids in the peer's set, not in ours */
  theirs: Uint8Array[];
}

/**
 * Subtract the peer's first symbols (`count`/`xor`, symbols 0..n-1 in order) from ours and peel.
 * The difference when every symbol comes out empty, else null (more symbols are needed).
 */
export function peel(ours: Sketch, count: Uint8Array, xor: Uint32Array): Peeled | null {
  const n = count.length;
  if (n > ours.n) throw new RangeError("sketch: more symbols than kept");
  const c = new Int32Array(n);
  const x = new Uint32Array(n * 5);
  for (let j = 0; j < n; j++) {
    // counts travel mod 2^8: -128..127 is enough for a peelable difference
    c[j] = (((ours.count[j]! - count[j]!) & 0xff) << 24) >> 24;
    for (let k = 0; k < 5; k++) x[j * 5 + k] = (ours.xor[j * 5 + k]! ^ xor[j * 5 + k]!) >>> 0;
  }
  const out: Peeled = { mine: [], theirs: [] };
  const pure = (j: number) => {
    if (c[j] !== 1 && c[j] !== -1) return false;
    const p = j * 5;
    return fmix(x[p]!, x[p + 1]!, x[p + 2]!, x[p + 3]!, CHECK) === x[p + 4];
  };
  const queue: number[] = [];
  for (let j = 0; j < n; j++) if (pure(j)) queue.push(j);
  let steps = 0;
  while (queue.length) {
    const j = queue.pop()!;
    if (!pure(j)) continue;
    // a forged or colliding symbol could loop: an item is peeled at most once per symbol
    if (++steps > n * 4) return null;
    const p = j * 5;
    const [w0, w1, w2, w3, chk] = [x[p]!, x[p + 1]!, x[p + 2]!, x[p + 3]!, x[p + 4]!];
    const sign = c[j]!;
    let has = false;
    eachIndex(w0, w1, w2, w3, n, (i) => {
      if (i === j) has = true;
    });
    // a symbol that looks pure but whose id is not coded into it: not an item
    if (!has) continue;
    eachIndex(w0, w1, w2, w3, n, (i) => {
      c[i]! -= sign;
      const q = i * 5;
      x[q] = (x[q]! ^ w0) >>> 0;
      x[q + 1] = (x[q + 1]! ^ w1) >>> 0;
      x[q + 2] = (x[q + 2]! ^ w2) >>> 0;
      x[q + 3] = (x[q + 3]! ^ w3) >>> 0;
      x[q + 4] = (x[q + 4]! ^ chk) >>> 0;
      if (i !== j && pure(i)) queue.push(i);
    });
    const id = new Uint8Array(16);
    const dv = new DataView(id.buffer);
    dv.setUint32(0, w0);
    dv.setUint32(4, w1);
    dv.setUint32(8, w2);
    dv.setUint32(12, w3);
    (sign === 1 ? out.mine : out.theirs).push(id);
  }
  for (let j = 0; j < n; j++) if (c[j] !== 0 || x.subarray(j * 5, j * 5 + 5).some((v) => v !== 0)) return null;
  return out;
}
