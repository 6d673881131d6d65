// SHA-512 (FIPS 180-4) for the web build's Ed25519 (ed-noble.ts), its only user: a chunk loaded
// with it, on first need (primitives-web.ts). The constants and padding are sha2-web.ts's.
import { IV512, K512, M64, pad } from "./sha2-web.ts";

/** SHA-512 on BigInt words (only Ed25519 uses it: a few short messages per signature) */
export function sha512(msg: Uint8Array): Uint8Array<ArrayBuffer> {
  const { buf, view } = pad(msg, 128, 16);
  const h = IV512.slice();
  const w: bigint[] = [];
  const rotr = (x: bigint, n: bigint) => ((x >> n) | (x << (64n - n))) & M64;
  for (let off = 0; off < buf.length; off += 128) {
    for (let i = 0; i < 16; i++) w[i] = view.getBigUint64(off + 8 * i);
    for (let i = 16; i < 80; i++) {
      const a = w[i - 15]!,
        b = w[i - 2]!;
      w[i] =
        (w[i - 16]! + (rotr(a, 1n) ^ rotr(a, 8n) ^ (a >> 7n)) + w[i - 7]! + (rotr(b, 19n) ^ rotr(b, 61n) ^ (b >> 6n))) &
        M64;
    }
    let a = h[0]!,
      b = h[1]!,
      c = h[2]!,
      d = h[3]!,
      e = h[4]!,
      f = h[5]!,
      g = h[6]!,
      hh = h[7]!;
    for (let i = 0; i < 80; i++) {
      const t1 = hh + (rotr(e, 14n) ^ rotr(e, 18n) ^ rotr(e, 41n)) + ((e & f) ^ (~e & g)) + K512[i]! + w[i]!;
      const t2 = (rotr(a, 28n) ^ rotr(a, 34n) ^ rotr(a, 39n)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g;
      g = f;
      f = e;
      e = (d + t1) & M64;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) & M64;
    }
    [a, b, c, d, e, f, g, hh].forEach((x, i) => (h[i] = (h[i]! + x) & M64));
  }
  const out = new Uint8Array(64);
  const ov = new DataView(out.buffer);
  h.forEach((x, i) => ov.setBigUint64(8 * i, x));
  return out;
}
