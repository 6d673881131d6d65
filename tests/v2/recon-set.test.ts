// The bucketed reconciliation set (src/protocol/v2/recon-set.ts, issue 17) against the plain
// definition of §4.7: any range's fingerprint, order, lookups and the ids of a range stay right
// through random inserts and removals (buckets split and empty), and a range's fingerprint adds
// at most about a bucket of item hashes, whatever the set's size.
import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { sha256 } from "../../src/protocol/primitives.ts";
import { Writer } from "../../src/protocol/v2/codec.ts";
import { cmpItem, initialRanges, type Item, ItemSet, itemOf, processRanges } from "../../src/protocol/v2/recon.ts";
import { seededRng } from "./helpers.ts";

/** §4.7 written out: SHA-256(u32 count | Σ H(u64 ts | fixed16 id) mod 2^256)[0:16] */
function plainFingerprint(items: Item[]): string {
  const acc = new Uint32Array(8);
  for (const it of items) {
    const h = sha256(new Writer().u64(it.ts).fixed(it.id, 16).finish());
    const words = new Uint32Array(h.slice().buffer);
    let carry = 0;
    for (let j = 7; j >= 0; j--) {
      const s = acc[j]! + words[j]! + carry;
      acc[j] = s >>> 0;
      carry = s > 0xffffffff ? 1 : 0;
    }
  }
  const w = new Writer().u32(items.length);
  for (let j = 0; j < 8; j++) w.u32(acc[j]!);
  return toHex(sha256(w.finish()).slice(0, 16));
}

const randomItem = (r: (n: number) => Uint8Array, spread: number): Item =>
  itemOf(1_000_000 + ((r(2)[0]! * 256 + r(2)[1]!) % spread), toHex(r(16)));

describe("bucketed reconciliation set", () => {
  test("random inserts and removals: fingerprints, lower, at and ids match the plain definition", () => {
    const r = seededRng(7);
    const ref: Item[] = [];
    const set = new ItemSet();
    for (let step = 0; step < 2500; step++) {
      const roll = r(1)[0]!;
      if (roll < 200 || ref.length === 0) {
        const it = randomItem(r, 300); // many equal timestamps: order falls to the id
        expect(set.insert(it)).toBe(true);
        expect(set.insert({ ts: it.ts, id: it.id.slice() })).toBe(false);
        ref.push(it);
      } else {
        const k = (r(2)[0]! * 256 + r(2)[1]!) % ref.length;
        const [it] = ref.splice(k, 1);
        expect(set.remove(it!)).toBe(true);
        expect(set.remove(it!)).toBe(false);
      }
      if (step % 131 === 0 || step > 2495) {
        ref.sort(cmpItem);
        expect(set.size).toBe(ref.length);
        for (let t = 0; t < 8; t++) {
          const a = (r(2)[0]! * 256 + r(2)[1]!) % (ref.length + 1);
          const b = a + ((r(2)[0]! * 256 + r(2)[1]!) % (ref.length + 1 - a));
          expect(toHex(set.fingerprint(a, b))).toBe(plainFingerprint(ref.slice(a, b)));
          expect(set.ids(a, b).map(toHex)).toEqual(ref.slice(a, b).map((x) => toHex(x.id)));
          if (a < ref.length) {
            expect(set.lower(ref[a]!)).toBe(a);
            expect(toHex(set.at(a).id)).toBe(toHex(ref[a]!.id));
            expect(set.has(ref[a]!)).toBe(true);
          }
        }
        expect(toHex(set.fingerprint(0, ref.length))).toBe(plainFingerprint(ref));
        // consecutive ranges from one prefix per cut (what a mismatching range's split uses)
        const cuts = [0, 1, 2, 3].map(() => (r(2)[0]! * 256 + r(2)[1]!) % (ref.length + 1)).sort((x, y) => x - y);
        const fps = set.fingerprints(cuts).map(toHex);
        for (let i = 1; i < cuts.length; i++)
          expect(fps[i - 1]).toBe(plainFingerprint(ref.slice(cuts[i - 1], cuts[i])));
      }
    }
    expect(set.size).toBeGreaterThan(700); // enough to split buckets several times
  }, 30_000);

  test("a set built from a list equals one built item by item", () => {
    const r = seededRng(11);
    const items = Array.from({ length: 3000 }, () => randomItem(r, 5000));
    const built = new ItemSet(items);
    const grown = new ItemSet();
    for (const it of items) grown.insert(it);
    // loaded in order (the store's build), with a few items out of order among them
    const appended = new ItemSet();
    const sorted = [...items].sort(cmpItem);
    for (let i = 0; i < sorted.length; i++) if (i % 500 !== 7) expect(appended.append(sorted[i]!)).toBe(true);
    for (let i = 7; i < sorted.length; i += 500) expect(appended.append(sorted[i]!)).toBe(true);
    expect(appended.append(sorted[100]!)).toBe(false);
    for (const [a, b] of [
      [0, 3000],
      [1, 2999],
      [255, 257],
      [700, 2100],
    ] as const) {
      expect(toHex(built.fingerprint(a, b))).toBe(toHex(grown.fingerprint(a, b)));
      expect(toHex(appended.fingerprint(a, b))).toBe(toHex(grown.fingerprint(a, b)));
      expect(appended.ids(a, b).map(toHex)).toEqual(grown.ids(a, b).map(toHex));
    }
  });

  test("work per fingerprint is bounded by the buckets, not the set: 0 for the whole set", () => {
    const r = seededRng(13);
    const set = new ItemSet(Array.from({ length: 100_000 }, () => randomItem(r, 60_000)));
    set.work = 0;
    set.fingerprint(0, set.size);
    expect(set.work).toBe(0);
    for (const [a, b] of [
      [10, 99_990],
      [5_000, 60_000],
      [12_345, 12_999],
    ] as const) {
      set.work = 0;
      set.fingerprint(a, b);
      expect(set.work).toBeLessThanOrEqual(512);
    }
    // a whole reconciliation of 10 differences over 100,000 items: O(d · log n · bucket), well under n
    const other = new ItemSet();
    for (let i = 0; i < set.size; i++) if (i % 10_000 !== 5) other.insert(set.at(i));
    set.work = 0;
    other.work = 0;
    let ranges = initialRanges(set);
    let found = 0;
    for (let t = 0; ranges.length && t < 20; t++) {
      const res = processRanges(t % 2 === 0 ? other : set, ranges);
      found += res.want.length + res.give.length;
      ranges = res.out;
    }
    expect(found).toBe(10);
    console.error(`recon-set: 10 differences in 100,000 items: ${set.work + other.work} item hashes added, both sides`);
    expect(set.work + other.work).toBeLessThan(100_000);
  }, 60_000);
});
