// Vector family "recon2" (tests/vectors/v2-recon2.json, docs/PROTOCOL.md §24): two item sets and
// the RECON2 frame bodies (type byte 0x0E included) exchanged until the empty one, with what each
// side wants and gives; invalid frame bodies the decoder must refuse with the stated reason.
import { decodeFrame, encodeFrame } from "../../src/protocol/v2/frames.ts";
import { idHex, initialRanges, ItemSet, itemOf, processRanges, type Range } from "../../src/protocol/v2/recon.ts";
import { RECON2 } from "../../src/protocol/v2/recon2.ts";
import type { Family } from "./vector-cases.ts";
import { bytes, fill, hexOf, TS, type Json } from "./vector-inputs.ts";

const items = (seed: number, n: number, ts0: number) =>
  Array.from({ length: n }, (_, j) => ({
    ts: ts0 + Math.floor(j / 3),
    id: fill(seed + j * 7, 12) + seed.toString(16).padStart(4, "0") + j.toString(16).padStart(4, "0"),
  }));

const rangesOf = (hex: string): Range[] => {
  const f = decodeFrame(bytes(hex));
  if (f.t !== "recon2") throw new Error(`not a RECON2 frame: ${f.t}`);
  return f.ranges;
};

export const recon2: Family = {
  description:
    "Compact range reconciliation RECON2 (§24): two item sets; the frame bodies (0x0E ...) exchanged until the empty RECON2; what each side wants and gives. Invalid: bodies the decoder refuses.",
  valid: [
    { name: "small sets (one id list)", a: items(1, 3, TS), b: [...items(1, 2, TS), ...items(200, 2, TS + 10)] },
    {
      name: "60 common, 2 + 1 different (fingerprints, splits into 4, lists of at most 4)",
      a: [...items(3, 60, TS), ...items(150, 2, TS + 5)],
      b: [...items(3, 60, TS), ...items(170, 1, TS + 7)],
    },
  ],
  compute: (i) => {
    const A = new ItemSet(i.a.map((x: Json) => itemOf(x.ts, x.id)));
    const B = new ItemSet(i.b.map((x: Json) => itemOf(x.ts, x.id)));
    const frames: string[] = [];
    const got: Json = { a_wants: [], a_gives: [], b_wants: [], b_gives: [] };
    let ranges = initialRanges(A, RECON2);
    for (let turn = 0; ranges.length && turn < 30; turn++) {
      const hex = hexOf(encodeFrame({ t: "recon2", ranges }));
      frames.push(hex);
      const side = turn % 2 === 0 ? "b" : "a";
      const res = processRanges(side === "b" ? B : A, rangesOf(hex), RECON2);
      got[`${side}_wants`].push(...res.want.map(idHex));
      got[`${side}_gives`].push(...res.give.map(idHex));
      ranges = res.out;
    }
    frames.push(hexOf(encodeFrame({ t: "recon2", ranges: [] })));
    for (const k of Object.keys(got)) got[k].sort();
    return { frames, ...got };
  },
  invalid: [
    {
      name: "not ending at infinity",
      hex: "0e" + "01" + "05" + "00",
      reason: "recon: ranges must end at the infinite bound",
    },
    { name: "unknown mode", hex: "0e" + "01" + "00" + "60", reason: "recon: unknown range mode" },
    {
      name: "infinite bound with an id",
      hex: "0e" + "01" + "00" + "01" + "ab",
      reason: "recon: infinite bound with an id",
    },
    { name: "bound prefix too long", hex: "0e" + "01" + "05" + "11", reason: "recon: bound prefix too long" },
    { name: "too many ranges", hex: "0e" + "8110", reason: "recon: too many ranges (2049 > 2048)" },
    { name: "id list too long", hex: "0e" + "01" + "00" + "40" + "8102", reason: "recon: too many ids (257 > 256)" },
    {
      name: "range after infinity",
      hex: "0e" + "02" + "0000" + "0000",
      reason: "recon: range after the infinite bound",
    },
    { name: "truncated fingerprint", hex: "0e" + "01" + "00" + "20" + "01020304", reason: "frame: truncated" },
  ],
  check: (i) => {
    try {
      decodeFrame(bytes(i.hex));
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
};
