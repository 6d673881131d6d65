// The node's native crypto (src/node/native-primitives.ts: OpenSSL) and the web build's
// (src/protocol/primitives-web.ts: @noble/ed25519 in ed-noble.ts, an X25519 ladder, the compact SHA-2 / HMAC /
// HKDF of sha2-web.ts and the AES-GCM of aes-gcm-web.ts) against the portable reference (primitives.ts:
// @noble/curves, @noble/hashes), on the published vectors (tests/vectors/primitives.json) and on
// seeded random keys and messages of every length around the block sizes, and tampered
// signatures: same bytes out, same verdicts, same refusals.
import { describe, expect, test } from "bun:test";
import * as node from "../../src/protocol/primitives.ts";
import { noblePrimitives } from "../../src/protocol/primitives.ts";
import { nativePrimitives } from "../../src/node/native-primitives.ts";
import * as web from "../../src/protocol/primitives-web.ts";
import { fromHex as hex, toHex } from "../../src/protocol/bytes.ts";
import { sha512 as sha512Web } from "../../src/protocol/sha512-web.ts";
import { sha512 } from "@noble/hashes/sha2.js";
import { gcm } from "@noble/ciphers/aes.js";
import { loadVectors } from "./vectors.ts";

const v = loadVectors("primitives");
// the web build loads its Ed25519 code on first need (tests/protocol/ed-lazy.test.ts checks that); here, at once
await web.edReady();
/** noble (the reference), the node's native OpenSSL code over it, and the web build */
const impls = { noble: noblePrimitives, native: { ...noblePrimitives, ...nativePrimitives }, web } as const;

/** a small seeded generator (xorshift32), so a failure repeats */
function seeded(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 255;
    }
    return out;
  };
}
const outcome = (f: () => unknown): string => {
  try {
    const r = f();
    return r instanceof Uint8Array ? toHex(r) : String(r);
  } catch {
    return "throws";
  }
};

for (const [name, p] of Object.entries(impls)) {
  describe(`primitives (${name})`, () => {
    test("SHA-256, SHA-512, HMAC-SHA256 and HKDF-SHA256 vectors", () => {
      for (const c of v.sha) expect(toHex(p.sha256(hex(c.msg_hex)))).toBe(c.sha256_hex);
      for (const c of v.hmac_sha256) expect(toHex(p.hmacSha256(hex(c.key_hex), hex(c.data_hex)))).toBe(c.mac_hex);
      for (const c of v.hkdf_sha256)
        expect(toHex(p.hkdfSha256(hex(c.ikm_hex), hex(c.salt_hex), hex(c.info_hex), c.length))).toBe(c.okm_hex);
    });

    test("RFC 8032 Ed25519 vectors", () => {
      for (const c of v.ed25519) {
        expect(toHex(p.edPublicKey(hex(c.seed_hex)))).toBe(c.public_hex);
        expect(toHex(p.edSign(hex(c.msg_hex), hex(c.seed_hex)))).toBe(c.sig_hex);
        expect(p.edVerify(hex(c.sig_hex), hex(c.msg_hex), hex(c.public_hex))).toBe(true);
        expect(p.edVerify(hex(c.sig_hex), Uint8Array.of(...hex(c.msg_hex), 0), hex(c.public_hex))).toBe(false);
      }
    });

    test("RFC 7748 X25519 vectors; low-order public keys are refused", () => {
      for (const c of v.x25519) expect(toHex(p.x25519Shared(hex(c.scalar_hex), hex(c.u_hex)))).toBe(c.out_hex);
      for (const c of v.x25519.filter((c: { u_hex: string }) => c.u_hex.startsWith("09")))
        expect(toHex(p.x25519Public(hex(c.scalar_hex)))).toBe(c.out_hex);
      const k = seeded(7)(32);
      for (const u of v.x25519_low_order_u_hex) expect(() => p.x25519Shared(k, hex(u))).toThrow();
      expect(() => p.x25519Shared(k, new Uint8Array(31))).toThrow();
    });

    test("McGrew-Viega AES-GCM vectors (AES-128/192/256); altered ciphertext, tag or AAD is refused", () => {
      for (const c of v.aes_gcm) {
        const [key, nonce, pt] = [hex(c.key_hex), hex(c.nonce_hex), hex(c.pt_hex)];
        const aad = c.aad_hex ? hex(c.aad_hex) : undefined;
        const sealed = p.gcmSeal(key, nonce, pt, aad);
        expect(toHex(sealed), c.source).toBe(c.ct_hex + c.tag_hex);
        expect(toHex(p.gcmOpen(key, nonce, sealed, aad))).toBe(c.pt_hex);
        for (const at of [0, sealed.length - 16, sealed.length - 1]) {
          const bad = sealed.slice();
          bad[at]! ^= 0x80;
          expect(() => p.gcmOpen(key, nonce, bad, aad)).toThrow();
        }
        expect(() => p.gcmOpen(key, nonce, sealed, Uint8Array.of(...(aad ?? []), 0))).toThrow();
        expect(() => p.gcmOpen(key, nonce, sealed.subarray(0, 15), aad)).toThrow();
      }
    });
  });
}

const ref = noblePrimitives;
for (const [name, p] of [
  ["web", web],
  ["native", impls.native],
] as const)
  describe(`${name} matches noble`, () => {
    test("Ed25519: keys, signatures and verdicts on seeded random input, tampered and malleated signatures", () => {
      const rnd = seeded(2024);
      const L = 2n ** 252n + 27742317777372353535851937790883648493n;
      for (let i = 0; i < 40; i++) {
        const seed = rnd(32);
        const msg = rnd(i * 7);
        const pub = ref.edPublicKey(seed);
        expect(p.edPublicKey(seed)).toEqual(pub);
        const sig = ref.edSign(msg, seed);
        expect(p.edSign(msg, seed)).toEqual(sig);
        const flipped = sig.slice();
        flipped[i % 64]! ^= 1 << (i % 8);
        // s + L: the same point equation, refused by both (s must be below L)
        const sBig = BigInt("0x" + toHex(sig.slice(32).reverse())) + L;
        const malleated = Uint8Array.of(...sig.slice(0, 32), ...hex(sBig.toString(16).padStart(64, "0")).reverse());
        const otherPub = rnd(32);
        for (const [s, m, k] of [
          [sig, msg, pub],
          [flipped, msg, pub],
          [malleated, msg, pub],
          [sig, msg, otherPub],
          [sig.slice(0, 63), msg, pub],
        ] as const)
          expect(outcome(() => p.edVerify(s, m, k))).toBe(outcome(() => ref.edVerify(s, m, k)));
      }
    });

    test("X25519: public keys and shared secrets on seeded random input, including non-canonical u", () => {
      const rnd = seeded(99);
      for (let i = 0; i < 40; i++) {
        const a = rnd(32);
        const b = rnd(32);
        expect(p.x25519Public(a)).toEqual(ref.x25519Public(a));
        expect(p.x25519Shared(a, ref.x25519Public(b))).toEqual(ref.x25519Shared(a, ref.x25519Public(b)));
        const u = rnd(32); // random u, top bit set half the time (masked by both)
        expect(outcome(() => p.x25519Shared(a, u))).toBe(outcome(() => ref.x25519Shared(a, u)));
      }
    });

    test("SHA-256, SHA-512, HMAC and HKDF on every length from 0 to 300 bytes (keys up to 150, outputs up to 100)", () => {
      const rnd = seeded(11);
      for (let len = 0; len <= 300; len++) {
        const m = rnd(len);
        const k = rnd(len % 151);
        expect(toHex(p.sha256(m))).toBe(toHex(ref.sha256(m)));
        if (name === "web") expect(toHex(sha512Web(m))).toBe(toHex(sha512(m)));
        expect(toHex(p.hmacSha256(k, m))).toBe(toHex(ref.hmacSha256(k, m)));
        expect(toHex(p.hkdfSha256(m, k, k.subarray(0, 9), (len % 100) + 1))).toBe(
          toHex(ref.hkdfSha256(m, k, k.subarray(0, 9), (len % 100) + 1)),
        );
      }
      if (name === "web") for (const c of v.sha) expect(toHex(sha512Web(hex(c.msg_hex)))).toBe(c.sha512_hex);
    });

    test("AES-GCM: the same bytes and verdicts as noble on 240 seeded random inputs (0 to 5000 bytes, random AAD), tampered ones refused", () => {
      const rnd = seeded(5);
      const lengths = [0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 257, 4095, 4096, 4097, 5000];
      for (let i = 0; i < 240; i++) {
        const r = rnd(4);
        const k = rnd([16, 24, 32][i % 3]!),
          n = rnd(12),
          m = rnd(lengths[i] ?? ((r[0]! << 8) | r[1]!) % 5001),
          aad = i % 5 === 0 ? undefined : rnd(r[2]! % 80);
        const ct = p.gcmSeal(k, n, m, aad);
        expect(toHex(ct)).toBe(toHex(ref.gcmSeal(k, n, m, aad)));
        expect(toHex(p.gcmOpen(k, n, ct, aad))).toBe(toHex(m));
        const at = (r[3]! * 7919) % ct.length; // a byte of the ciphertext or of the tag
        const flipped = ct.slice();
        flipped[at]! ^= 1 << (i % 8);
        const otherAad = Uint8Array.of(...(aad ?? []), i & 255);
        for (const [c, a] of [
          [flipped, aad],
          [ct, otherAad],
          [ct.subarray(0, ct.length - 1), aad],
          [ct.subarray(0, i % 16), aad],
        ] as const) {
          expect(() => p.gcmOpen(k, n, c, a)).toThrow();
          expect(() => ref.gcmOpen(k, n, c, a)).toThrow();
        }
      }
    });
  });

test("web AES-GCM refuses what felund never uses: keys other than 16/24/32 bytes, nonces other than 12", () => {
  const m = new Uint8Array(20);
  for (const k of [0, 15, 20, 33]) expect(() => web.gcmSeal(new Uint8Array(k), new Uint8Array(12), m)).toThrow();
  // noble derives J0 by GHASH for nonces of 8 bytes or more; every felund caller passes 12
  for (const n of [0, 8, 11, 13, 16]) {
    expect(() => web.gcmSeal(new Uint8Array(32), new Uint8Array(n), m)).toThrow();
    expect(() => web.gcmOpen(new Uint8Array(32), new Uint8Array(n), new Uint8Array(36))).toThrow();
  }
});

test("web AES-GCM seals and opens 16 KiB (the largest padding bucket) as noble does (speed: bench/aead.ts)", () => {
  const rnd = seeded(16);
  const [k, n, m, aad] = [rnd(32), rnd(12), rnd(16384), rnd(40)];
  const sealed = web.gcmSeal(k, n, m, aad);
  expect(sealed).toEqual(gcm(k, n, aad).encrypt(m));
  expect(web.gcmOpen(k, n, sealed, aad)).toEqual(m);
});

describe("preverify (web build: WebCrypto checks a batch ahead of the synchronous engine)", () => {
  const rnd = seeded(77);
  const signed = (n: number) =>
    Array.from({ length: n }, () => {
      const seed = rnd(32);
      const msg = rnd(40 + (rnd(1)[0]! % 200));
      return { sig: node.edSign(msg, seed), msg, pub: node.edPublicKey(seed) };
    });

  test("valid triples are answered from the check, exactly once, and only for the same bytes", async () => {
    const batch = signed(20);
    await web.preverify(batch);
    const before = web.preverifyStats.hits;
    // another message under a remembered signature is still refused (the memo is byte for byte)
    const other = batch[0]!;
    expect(web.edVerify(other.sig, batch[1]!.msg, other.pub)).toBe(false);
    expect(web.edVerify(other.sig, other.msg, batch[1]!.pub)).toBe(false);
    for (const t of batch) expect(web.edVerify(t.sig, t.msg, t.pub)).toBe(true);
    expect(web.preverifyStats.hits - before).toBe(20);
    // asked again, the same triple is verified by @noble/ed25519 (still true), not the memo
    expect(web.edVerify(other.sig, other.msg, other.pub)).toBe(true);
    expect(web.preverifyStats.hits - before).toBe(20);
  });

  test("invalid signatures and refused keys are not remembered; verdicts stay those of @noble/ed25519", async () => {
    const [a, b] = signed(2);
    const bad = Uint8Array.from(a!.sig);
    bad[5]! ^= 1;
    const lowOrder = new Uint8Array(32); // the identity point: WebCrypto may refuse it, noble decides
    const cases = [
      { sig: bad, msg: a!.msg, pub: a!.pub },
      { sig: b!.sig, msg: a!.msg, pub: b!.pub },
      { sig: a!.sig, msg: a!.msg, pub: lowOrder },
      { sig: new Uint8Array(64), msg: a!.msg, pub: lowOrder },
    ];
    await web.preverify(cases);
    const before = web.preverifyStats.hits;
    for (const c of cases) expect(web.edVerify(c.sig, c.msg, c.pub)).toBe(node.edVerify(c.sig, c.msg, c.pub));
    expect(web.preverifyStats.hits).toBe(before);
  });

  test("the node build's preverify is a no-op and edVerify is unchanged", async () => {
    const [t] = signed(1);
    await node.preverify([t!]);
    expect(node.edVerify(t!.sig, t!.msg, t!.pub)).toBe(true);
  });
});

test("a v2 message's signatureCheck (what verifyMessage verifies, and what the relay-only browser preverifies) is answered from the check", async () => {
  const { signMessage, verifyMessage, signatureCheck } = await import("../../src/protocol/v2/message.ts");
  const seed = seeded(5)(32);
  const m = signMessage(seed, {
    circleId: "0123456789abcdef01234567",
    channelId: "general",
    authorKey: node.edPublicKey(seed),
    createdTs: 1_700_000_000,
    keyEpoch: 0,
    kind: 0,
    displayName: "ann",
    body: new TextEncoder().encode("hi"),
    salt: new Uint8Array(16),
  });
  expect(verifyMessage(m, m.circleId, 1_700_000_000).ok).toBe(true);
  const c = signatureCheck(m);
  await web.preverify([c]);
  const before = web.preverifyStats.hits;
  expect(web.edVerify(c.sig, c.msg, c.pub)).toBe(true);
  expect(web.preverifyStats.hits).toBe(before + 1);
});
