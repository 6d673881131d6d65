// The compact reconciliation format, frame 0x0E RECON2 (docs/PROTOCOL.md §24, issue 17). Same
// ranges, items and fingerprint as RECON (§4.7, recon.ts); what changes is the cost of a range:
//   - the fingerprint is the first 8 bytes of §4.7's (16 before),
//   - the mode shares a byte with the bound's prefix length, counts are varints,
//   - a mismatching range splits into 4 (16 before) and is listed once it holds at most 4 items
//     (16 before): fewer fingerprints per difference and level, more levels.
// At 1,000,000 items and 10 + 10 differences this is about a third of RECON's ranges in bytes.
// A node offers it in HELLO ("rc": [2], §4.1) and answers a peer that offered it in RECON2;
// the initiator answers in whichever format reached it. Older v2 peers never see 0x0E.
//   u8 0x0E | uvar n | n × (bound | payload)
//   bound   = uvar(ts − previous bound ts + 1; 0 = ∞) | u8 (mode << 5 | prefix length) | prefix
//   payload = mode 0 skip: nothing | mode 1 fp: fixed8 | mode 2 ids: uvar k | k × fixed16 id
import { V2_RECON_LEAF, V2_RECON_BRANCH, V2_RECON_RANGES_MAX } from "../limits.ts";
import { type Reader, V2DecodeError, type Writer } from "./codec.ts";
import { INF, type Range, type ReconParams, readBound } from "./recon.ts";

/** RECON2's answer shape: see the file comment. */
export const RECON2: ReconParams = { branch: 4, leaf: 4, fpLen: 8 };
/** The value of HELLO's "rc" list that names this format. */
export const RECON2_OFFER = 2;

const MODE = { skip: 0, fp: 1, ids: 2 } as const;

export function encodeRanges2(w: Writer, ranges: Range[]): Writer {
  w.uvar(ranges.length);
  let prevTs = 0;
  for (const r of ranges) {
    const mode = MODE[r.mode] << 5;
    if (r.upper.ts === Infinity) w.uvar(0).u8(mode);
    else {
      w.uvar(r.upper.ts - prevTs + 1);
      prevTs = r.upper.ts;
      let len = 16;
      while (len > 0 && r.upper.id[len - 1] === 0) len--;
      w.u8(mode | len).raw(r.upper.id.subarray(0, len));
    }
    if (r.mode === "fp") w.fixed(r.fp, RECON2.fpLen);
    else if (r.mode === "ids") {
      w.uvar(r.ids.length);
      for (const id of r.ids) w.fixed(id, 16);
    }
  }
  return w;
}

export function decodeRanges2(r: Reader): Range[] {
  const n = r.uvar();
  if (n > V2_RECON_RANGES_MAX) throw new V2DecodeError(`recon: too many ranges (${n} > ${V2_RECON_RANGES_MAX})`);
  const ranges: Range[] = [];
  let prevTs = 0;
  let sawInf = false;
  for (let i = 0; i < n; i++) {
    if (sawInf) throw new V2DecodeError("recon: range after the infinite bound");
    const d = r.uvar();
    const packed = r.u8();
    const mode = packed >> 5;
    const upper = readBound(r, d, packed & 0x1f, prevTs);
    if (upper === INF) sawInf = true;
    else prevTs = upper.ts;
    if (mode === MODE.skip) ranges.push({ upper, mode: "skip" });
    else if (mode === MODE.fp) ranges.push({ upper, mode: "fp", fp: r.fixed(RECON2.fpLen) });
    else if (mode === MODE.ids) {
      const k = r.uvar();
      const max = V2_RECON_LEAF * V2_RECON_BRANCH;
      if (k > max) throw new V2DecodeError(`recon: too many ids (${k} > ${max})`);
      const ids: Uint8Array[] = [];
      for (let j = 0; j < k; j++) ids.push(r.fixed(16));
      ranges.push({ upper, mode: "ids", ids });
    } else throw new V2DecodeError("recon: unknown range mode");
  }
  if (n > 0 && !sawInf) throw new V2DecodeError("recon: ranges must end at the infinite bound");
  return ranges;
}
