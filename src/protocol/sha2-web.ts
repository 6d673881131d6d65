// SHA-256 (FIPS 180-4; SHA-512 is sha512-web.ts, with the Ed25519 code that alone uses it), HMAC-SHA256 (RFC 2104) and HKDF-SHA256 (RFC 5869) in
// compact form, for the web build only (primitives-web.ts). @noble/hashes gives the same bytes
// from ~13 KB of general code (streaming, every SHA-2 variant, input checks): ~5 KB of a
// first load that has a 45 KB budget. These are one-shot functions over whole messages, no
// secret-dependent branches or table lookups; the round constants are computed from their
// definition (fractional parts of roots of the first primes) instead of written out.
// tests/protocol/primitives.test.ts checks them against @noble/hashes on random inputs of
// every length around the block boundaries, and the FIPS / RFC 4231 / RFC 5869 vectors.

/** floor(n^(1/k)) by Newton's method from above */
function iroot(n: bigint, k: bigint): bigint {
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / Number(k)));
  for (;;) {
    const y = ((k - 1n) * x + n / x ** (k - 1n)) / k;
    if (y >= x) return x;
    x = y;
  }
}

export const M64 = (1n << 64n) - 1n;
const PRIMES: bigint[] = [];
for (let n = 2n; PRIMES.length < 80; n++) if (PRIMES.every((p) => n % p !== 0n)) PRIMES.push(n);
/** first 64 bits of the fractional parts of the cube roots (K) and square roots (IV) of the primes */
export const K512 = PRIMES.map((p) => iroot(p << 192n, 3n) & M64);
export const IV512 = PRIMES.slice(0, 8).map((p) => iroot(p << 128n, 2n) & M64);
// SHA-256's constants are the first 32 bits of the same fractions
const K256 = Uint32Array.from(K512.slice(0, 64), (k) => Number(k >> 32n));
const IV256 = Uint32Array.from(IV512, (k) => Number(k >> 32n));

/** message || 0x80 || zeros || bit length (big-endian, `lenBytes` wide), a multiple of `block` */
export function pad(msg: Uint8Array, block: number, lenBytes: number): { buf: Uint8Array; view: DataView } {
  const n = Math.ceil((msg.length + 1 + lenBytes) / block) * block;
  const buf = new Uint8Array(n);
  buf.set(msg);
  buf[msg.length] = 0x80;
  const view = new DataView(buf.buffer);
  view.setUint32(n - 4, msg.length * 8); // messages here are far below 512 MiB
  view.setUint32(n - 8, Math.floor(msg.length / 0x20000000));
  return { buf, view };
}

export function sha256(msg: Uint8Array): Uint8Array {
  const { buf, view } = pad(msg, 64, 8);
  const h = IV256.slice();
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < buf.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!,
        b = w[i - 2]!;
      w[i] = w[i - 16]! + (rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)) + w[i - 7]! + (rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10));
    }
    let a = h[0]!,
      b = h[1]!,
      c = h[2]!,
      d = h[3]!,
      e = h[4]!,
      f = h[5]!,
      g = h[6]!,
      hh = h[7]!;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i]! + w[i]!) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0]! += a;
    h[1]! += b;
    h[2]! += c;
    h[3]! += d;
    h[4]! += e;
    h[5]! += f;
    h[6]! += g;
    h[7]! += hh;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  h.forEach((x, i) => ov.setUint32(4 * i, x));
  return out;
}

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** HMAC-SHA256 (RFC 2104, block 64) */
export function hmacSha256(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const k = new Uint8Array(64);
  k.set(key.length > 64 ? sha256(key) : key);
  const inner = k.map((x) => x ^ 0x36);
  const outer = k.map((x) => x ^ 0x5c);
  return sha256(concat(outer, sha256(concat(inner, msg))));
}

/** HKDF-SHA256 (RFC 5869): extract with `salt` (empty: 32 zero bytes), expand to `len` bytes */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, len: number): Uint8Array {
  if (len > 255 * 32) throw new Error("hkdf: length too large");
  const prk = hmacSha256(salt.length ? salt : new Uint8Array(32), ikm);
  const out = new Uint8Array(len);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 0; i * 32 < len; i++) {
    t = hmacSha256(prk, concat(concat(t, info), Uint8Array.of(i + 1)));
    out.set(t.subarray(0, Math.min(32, len - i * 32)), i * 32);
  }
  return out;
}
