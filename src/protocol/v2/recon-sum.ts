// The 256-bit sums behind §4.7's range fingerprints (recon-set.ts): item hashes added mod 2^256,
// eight 32-bit words, word 0 most significant; a fingerprint hashes the count and the sum.
import { sha256 } from "../primitives.ts";
import { Writer } from "./codec.ts";

/** acc += words[o..o+8) mod 2^256 (word 0 most significant) */
export function add(acc: Uint32Array, words: Uint32Array, o: number): void {
  let carry = 0;
  for (let j = 7; j >= 0; j--) {
    const s = acc[j]! + words[o + j]! + carry;
    acc[j] = s >>> 0;
    carry = s > 0xffffffff ? 1 : 0;
  }
}
/** acc -= words[o..o+8) mod 2^256 */
export function sub(acc: Uint32Array, words: Uint32Array, o: number): void {
  let borrow = 0;
  for (let j = 7; j >= 0; j--) {
    const s = acc[j]! - words[o + j]! - borrow;
    borrow = s < 0 ? 1 : 0;
    acc[j] = s >>> 0;
  }
}

/** SHA-256(u32 count | sum)[0:16] */
export function finish(acc: Uint32Array, count: number): Uint8Array {
  const w = new Writer().u32(Math.max(0, count));
  for (let j = 0; j < 8; j++) w.u32(acc[j]!);
  return sha256(w.finish()).slice(0, 16);
}
