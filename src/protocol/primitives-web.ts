// The web build's crypto primitives (selected by ui/web/vite.config.ts in place of
// primitives.ts): the same functions and bytes from smaller code. Ed25519 signing, and verifying
// what WebCrypto did not vouch for, is @noble/ed25519 in a chunk of its own (ed-noble.ts, loaded by
// edReady()); public keys come from WebCrypto where it has Ed25519 (edPrepare).
// X25519 is the RFC 7748 ladder on BigInt, written as noble-curves' montgomery.ts does it
// (full-width mask swaps, low-order points refused before the ladder, inversion by a fixed
// exponent); no audited package offers X25519 alone in less.
// AES-GCM is the compact one of aes-gcm-web.ts (noble's gcm cost ~3 KB gzip of the first load);
// SHA-2, HMAC and HKDF are the compact one-shot functions of sha2-web.ts.
// tests/protocol/primitives.test.ts checks this file against primitives.ts and the published vectors.
import { toHex } from "./bytes.ts";
import type { SigCheck } from "./primitives.ts";
import { hkdfSha256, hmacSha256, sha256 } from "./sha2-web.ts";

export { hkdfSha256, hmacSha256, sha256 };
export { gcmOpen, gcmSeal } from "./aes-gcm-web.ts";

// ---- Ed25519 code on first need ----
// The engine is synchronous, so the code must be here before it signs or verifies: the relay-only
// shell awaits edReady() before anything that signs (its actions, a send, typing, control events'
// effects, calls, admissions: relay-backend.ts, control-soon.ts, typing-soon.ts), and preverify()
// loads it when a signature of its batch was not found valid by WebCrypto. Without it, edSign and an
// edVerify of a triple nobody checked throw (verifySig: false): a path that forgot to wait fails
// loudly (edStats: the relay-only shell logs it as an error), and nothing is ever accepted unchecked.

let ed: typeof import("./ed-noble.ts").ed | null = null;
let loading: Promise<void> | null = null;
/** Load the Ed25519 code (once). */
export const edReady = (): Promise<void> =>
  (loading ??= import("./ed-noble.ts").then((m) => {
    ed = m.ed;
  }));
/** calls that found the Ed25519 code not loaded (always 0, unless a path forgot edReady()); the shell may report each */
export const edStats: { unready: number; onUnready?: (e: Error) => void } = { unready: 0 };
function code(): NonNullable<typeof ed> {
  if (ed) return ed;
  edStats.unready++;
  const e = new Error("Ed25519 code not loaded: await edReady() first");
  edStats.onUnready?.(e);
  throw e;
}

const publicKeys = new Map<string, Uint8Array>();
/** Ready `seed`'s public key for edPublicKey: by WebCrypto (exported from the private key), else the Ed25519 code. */
export async function edPrepare(seed: Uint8Array): Promise<void> {
  if (await hasNative())
    try {
      const prefix = [48, 46, 2, 1, 0, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32]; // PKCS#8 of an Ed25519 seed (RFC 8410)
      const key = await crypto.subtle.importKey("pkcs8", new Uint8Array([...prefix, ...seed]), "Ed25519", true, [
        "sign",
      ]);
      const { x } = await crypto.subtle.exportKey("jwk", key);
      const b = atob((x ?? "").replace(/-/g, "+").replace(/_/g, "/"));
      if (b.length === 32)
        return void publicKeys.set(
          toHex(seed),
          Uint8Array.from({ length: 32 }, (_, i) => b.charCodeAt(i)),
        );
    } catch {
      /* the Ed25519 code decides */
    }
  await edReady();
}
export const edPublicKey = (seed: Uint8Array): Uint8Array =>
  publicKeys.get(toHex(seed))?.slice() ?? code().getPublicKey(seed);
export const edSign = (msg: Uint8Array, seed: Uint8Array): Uint8Array => code().sign(msg, seed);
/** ZIP-215 rules, as @noble/curves by default; a triple preverify() found valid is not redone */
export const edVerify = (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean =>
  wasVerified(sig, msg, pub) || code().verify(sig, msg, pub);

// ---- Ed25519 through WebCrypto, ahead of the engine ----
// @noble/ed25519 takes ~1.3 ms per verify in Chromium (@noble/curves 0.6 ms, WebCrypto 0.1 ms),
// which adds up when a relay-only browser first reads a long history. The engine is synchronous,
// so the relay backend hands each batch's signatures to preverify() first: WebCrypto checks them
// in parallel and the valid triples are remembered, byte for byte, for edVerify. WebCrypto's
// RFC 8032 check (cofactorless, canonical S) accepts a subset of what ZIP-215 accepts, so a
// remembered triple is one @noble/ed25519 would accept too; anything else is verified as before.

const VERIFIED_MAX = 4096;
const verified = new Map<string, SigCheck>();
/** how many edVerify calls a preverified triple answered (for tests) */
export const preverifyStats = { hits: 0 };
let native: Promise<boolean> | null = null;

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function wasVerified(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  const v = verified.size ? verified.get(toHex(sig)) : undefined;
  if (!v || !sameBytes(v.msg, msg) || !sameBytes(v.pub, pub)) return false;
  verified.delete(toHex(sig)); // the engine checks a message once; a second ask verifies again
  preverifyStats.hits++;
  return true;
}

/** Whether this browser's WebCrypto has Ed25519 (asked once, with RFC 8032's first public key). */
function hasNative(): Promise<boolean> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return Promise.resolve(false);
  const probe = Uint8Array.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".match(/../g)!, (h) =>
    parseInt(h, 16),
  );
  return (native ??= subtle.importKey("raw", probe, { name: "Ed25519" }, false, ["verify"]).then(
    () => true,
    () => false,
  ));
}

/** Remember triples found valid elsewhere (a Worker's WebCrypto: ui/web/src/relay/sig-check.ts). */
export function rememberVerified(items: SigCheck[]): void {
  for (const it of items) remember(it);
}
function remember(it: SigCheck): void {
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
  verified.set(toHex(it.sig), { sig: it.sig.slice(), msg: it.msg.slice(), pub: it.pub.slice() });
}

/** Check a batch of signatures with WebCrypto and remember the valid ones (never throws). */
export async function preverify(items: SigCheck[]): Promise<void> {
  if (!items.length) return;
  if (!(await hasNative())) return edReady();
  const subtle = globalThis.crypto.subtle;
  let missed = false;
  await Promise.all(
    items.map(async (it) => {
      try {
        const key = await subtle.importKey("raw", it.pub.slice(), { name: "Ed25519" }, false, ["verify"]);
        if (await subtle.verify("Ed25519", key, it.sig.slice(), it.msg.slice())) return remember(it);
      } catch {
        /* a key WebCrypto refuses */
      }
      missed = true; // edVerify decides by ZIP-215, with the Ed25519 code
    }),
  );
  if (missed) await edReady();
}

// ---- X25519 (RFC 7748 §5) ----

const P = 2n ** 255n - 19n;
const A24 = 121665n;
const modP = (n: bigint) => ((n % P) + P) % P;
/** u coordinates of the points of order dividing 8: no shared secret comes from them */
const LOW_ORDER = [
  0n,
  1n,
  P - 1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
];

function fromLE(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}
function toLE(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 255n);
  return out;
}

function copy32(b: Uint8Array, what: string): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== 32) throw new Error(`${what}: expected 32 bytes`);
  return b.slice();
}

/**
 * (mask, a, b) -> a or b first, by a full-width multiply: mask is P + bit, so d * mask is d
 * times the bit mod P, without BigInt's cheap 0n * v that a timer could see (noble-curves'
 * cmask / cswap).
 */
function swap(bit: bigint, a: bigint, b: bigint): [bigint, bigint] {
  const first = ((6n * P + b - a) * (P + bit) + a) % P;
  return [first, a + b - first];
}

/** z^(p-2): the inverse by a public exponent, so its time does not depend on z */
function invert(z: bigint): bigint {
  let r = 1n;
  for (let e = P - 2n, b = z; e > 0n; e >>= 1n, b = modP(b * b)) if (e & 1n) r = modP(r * b);
  return r;
}

function scalarMult(scalar: Uint8Array, uBytes: Uint8Array): Uint8Array {
  const ub = copy32(uBytes, "uCoordinate");
  ub[31]! &= 127;
  const u = modP(fromLE(ub));
  if (LOW_ORDER.includes(u)) throw new Error("invalid private or public key received");
  const kb = copy32(scalar, "scalar");
  kb[0]! &= 248;
  kb[31]! &= 127;
  kb[31]! |= 64;
  const k = fromLE(kb);
  const kx = k ^ (k >> 1n); // bit t: swap before step t (k_t xor k_t+1)
  let x2 = 1n,
    z2 = 0n,
    x3 = u,
    z3 = 1n;
  for (let t = 254n; t >= 0n; t--) {
    const bit = (kx >> t) & 1n;
    [x2, x3] = swap(bit, x2, x3);
    [z2, z3] = swap(bit, z2, z3);
    const A = x2 + z2,
      AA = modP(A * A),
      B = x2 - z2,
      BB = modP(B * B),
      E = AA - BB;
    const C = x3 + z3,
      D = x3 - z3,
      DA = modP(D * A),
      CB = modP(C * B);
    x3 = modP((DA + CB) * (DA + CB));
    z3 = modP(u * modP((DA - CB) * (DA - CB)));
    x2 = modP(AA * BB);
    z2 = modP(E * (AA + modP(A24 * E)));
  }
  // k is clamped: bit 0 is clear, so no last swap
  const out = modP(x2 * invert(z2));
  if (out === 0n) throw new Error("invalid private or public key received");
  return toLE(out);
}

const BASE = toLE(9n);
export const x25519Public = (secret: Uint8Array): Uint8Array => scalarMult(secret, BASE);
/** throws for a low-order public key */
export const x25519Shared = (secret: Uint8Array, pub: Uint8Array): Uint8Array => scalarMult(secret, pub);
