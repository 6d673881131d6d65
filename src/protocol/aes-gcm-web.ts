// AES-GCM (NIST SP 800-38D) for the web build, in place of @noble/ciphers' gcm (~3 KB gzip
// of aes.js, _polyval.js and utils.js on the first load; this file is ~1.2 KB gzip).
// Synchronous, because the sync engine is. Same bytes and the same refusals as noble's for
// what felund uses: AES-128/192/256 keys, 12-byte nonces (other lengths throw; every caller
// passes 12), a 16-byte tag appended to the ciphertext, optional AAD; open throws on a short
// input or a wrong tag (compared over all 16 bytes, without an early exit) and checks the
// tag before it decrypts anything. tests/protocol/primitives.test.ts holds it to the
// published vectors and to noble on random input.
// Only the forward cipher is needed: GCM encrypts a counter in both directions.
// Timing: AES here is table-based (the usual 4 x 256-word round tables), so, like
// noble's aes.js (also table-based), its memory accesses depend on key and data and are not
// constant-time against a cache-timing attacker on the same machine. That is exactly the
// exposure of the library it replaces (the web build has run table-based AES all along), so
// this file adds none; a constant-time AES in JS would be several times larger and slower.
// GHASH multiplies bit by bit with masks (no table, no branch on secret bits).

/** S-box, round tables T[0..3] (SubBytes + ShiftRows column + MixColumns, rotated), last-round tables F[0..3] */
const S = new Uint8Array(256);
const T = [0, 1, 2, 3].map(() => new Int32Array(256));
const F = [0, 1, 2, 3].map(() => new Int32Array(256));
const xtime = (x: number) => ((x << 1) ^ ((x >> 7) * 0x11b)) & 255;
{
  // the S-box from its definition: inverse in GF(2^8) (by log tables over the generator 3), then the affine map
  const exp = new Uint8Array(255);
  const log = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++, x ^= xtime(x)) exp[(log[x] = i)] = x;
  for (let i = 0; i < 256; i++) {
    const inv = i && exp[(255 - log[i]!) % 255]!;
    let s = inv ^ 0x63;
    for (let k = 1; k < 5; k++) s ^= ((inv << k) | (inv >> (8 - k))) & 255;
    S[i] = s;
    const w = (xtime(s) << 24) | (s << 16) | (s << 8) | (xtime(s) ^ s);
    for (let k = 0; k < 4; k++) {
      T[k]![i] = (w >>> (8 * k)) | (w << (32 - 8 * k));
      F[k]![i] = s << (24 - 8 * k);
    }
  }
}

/** the big-endian 32-bit word at b[j..j+4], zero past the end */
const word = (b: Uint8Array, j: number) =>
  ((b[j] ?? 0) << 24) | ((b[j + 1] ?? 0) << 16) | ((b[j + 2] ?? 0) << 8) | (b[j + 3] ?? 0);

const subWord = (t: number) => F[0]![t >>> 24]! | F[1]![(t >>> 16) & 255]! | F[2]![(t >>> 8) & 255]! | S[t & 255]!;

/** FIPS 197 key expansion: 4 * (rounds + 1) words */
function expandKey(key: Uint8Array): Int32Array {
  const nk = key.length / 4;
  if (nk !== 4 && nk !== 6 && nk !== 8) throw new Error("aes: key must be 16, 24 or 32 bytes");
  const xk = new Int32Array(4 * (nk + 7));
  for (let i = 0, rcon = 1; i < xk.length; i++) {
    let t = i < nk ? word(key, 4 * i) : xk[i - 1]!;
    if (i >= nk) {
      if (i % nk === 0) {
        t = subWord((t << 8) | (t >>> 24)) ^ (rcon << 24);
        rcon = xtime(rcon);
      } else if (nk > 6 && i % nk === 4) t = subWord(t);
      t ^= xk[i - nk]!;
    }
    xk[i] = t;
  }
  return xk;
}

/** one output column of a round: tables t, input columns w x y z (ShiftRows order), round key word xk[k] */
const column = (t: Int32Array[], w: number, x: number, y: number, z: number, xk: Int32Array, k: number) =>
  t[0]![w >>> 24]! ^ t[1]![(x >>> 16) & 255]! ^ t[2]![(y >>> 8) & 255]! ^ t[3]![z & 255]! ^ xk[k]!;

/** AES encryption of one block given as four big-endian words */
function encryptBlock(xk: Int32Array, block: number[]): number[] {
  let [a, b, c, d] = block.map((w, i) => w ^ xk[i]!) as [number, number, number, number];
  for (let k = 4; ; k += 4) {
    const t = k < xk.length - 4 ? T : F; // the last round has no MixColumns
    [a, b, c, d] = [
      column(t, a, b, c, d, xk, k),
      column(t, b, c, d, a, xk, k + 1),
      column(t, c, d, a, b, xk, k + 2),
      column(t, d, a, b, c, xk, k + 3),
    ];
    if (t === F) return [a, b, c, d];
  }
}

/** y = y * h in GF(2^128), GCM's bit order (SP 800-38D algorithm 1), branch-free */
function mulH(y: number[], h: number[]): void {
  let [v0, v1, v2, v3] = h as [number, number, number, number];
  let z0 = 0,
    z1 = 0,
    z2 = 0,
    z3 = 0;
  for (let i = 0; i < 128; i++) {
    const m = -((y[i >> 5]! >>> (31 - (i & 31))) & 1);
    z0 ^= v0 & m;
    z1 ^= v1 & m;
    z2 ^= v2 & m;
    z3 ^= v3 & m;
    const r = -(v3 & 1);
    v3 = (v3 >>> 1) | (v2 << 31);
    v2 = (v2 >>> 1) | (v1 << 31);
    v1 = (v1 >>> 1) | (v0 << 31);
    v0 = (v0 >>> 1) ^ (0xe1000000 & r);
  }
  y.splice(0, 4, z0, z1, z2, z3);
}

/** GHASH over data zero-padded to whole blocks */
function ghash(y: number[], h: number[], data: Uint8Array): void {
  for (let o = 0; o < data.length; o += 16) {
    for (let c = 0; c < 4; c++) y[c]! ^= word(data, o + 4 * c);
    mulH(y, h);
  }
}

/** the cipher state for one (key, nonce): round keys, H, the nonce words, and the tag */
function setup(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array = new Uint8Array(0)) {
  if (nonce.length !== 12) throw new Error("aes-gcm: nonce must be 12 bytes");
  const xk = expandKey(key);
  const h = encryptBlock(xk, [0, 0, 0, 0]);
  const n = [word(nonce, 0), word(nonce, 4), word(nonce, 8)];
  /** keystream XOR: counter block n || (2 + i) for block i (J0 = n || 1 masks the tag) */
  const ctr = (data: Uint8Array) => {
    const out = new Uint8Array(data.length);
    for (let o = 0; o < data.length; o += 16) {
      const ks = encryptBlock(xk, [...n, (2 + o / 16) | 0]);
      for (let j = o; j < o + 16 && j < data.length; j++)
        out[j] = data[j]! ^ (ks[(j >> 2) & 3]! >>> (24 - 8 * (j & 3)));
    }
    return out;
  };
  const tag = (ct: Uint8Array) => {
    const y = [0, 0, 0, 0];
    ghash(y, h, aad);
    ghash(y, h, ct);
    [aad.length >>> 29, aad.length << 3, ct.length >>> 29, ct.length << 3].forEach((w, c) => (y[c]! ^= w));
    mulH(y, h);
    const mask = encryptBlock(xk, [...n, 1]);
    return Uint8Array.from({ length: 16 }, (_, j) => (y[j >> 2]! ^ mask[j >> 2]!) >>> (24 - 8 * (j & 3)));
  };
  return { ctr, tag };
}

/** ciphertext || 16-byte tag */
export function gcmSeal(key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad?: Uint8Array): Uint8Array {
  const { ctr, tag } = setup(key, nonce, aad);
  const ct = ctr(pt);
  const out = new Uint8Array(ct.length + 16);
  out.set(ct);
  out.set(tag(ct), ct.length);
  return out;
}

/** the plaintext; throws when the input is shorter than a tag or the tag is wrong */
export function gcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  const { ctr, tag } = setup(key, nonce, aad);
  if (sealed.length < 16) throw new Error("aes-gcm: input shorter than the tag");
  const ct = sealed.subarray(0, -16);
  const want = tag(ct);
  let diff = 0;
  for (let j = 0; j < 16; j++) diff |= want[j]! ^ sealed[ct.length + j]!;
  if (diff) throw new Error("aes-gcm: invalid tag");
  return ctr(ct);
}
