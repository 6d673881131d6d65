// Hashes, MACs, key derivation and AEAD over Uint8Array in the forms the v1 formats use.
// Synchronous (primitives.ts), so the sync engine stays a pure function and the same code runs
// in Bun and in the browser.
import { toHex, utf8 } from "./bytes.ts";
import { gcmOpen, gcmSeal, hkdfSha256 as hkdf, hmacSha256 as hmac, sha256 } from "./primitives.ts";

export const sha256Bytes = (b: Uint8Array): Uint8Array => sha256(b);
export const sha256Hex = (b: Uint8Array | string): string => toHex(sha256(typeof b === "string" ? utf8(b) : b));
export const hmacSha256 = (key: Uint8Array, msg: Uint8Array): Uint8Array => hmac(key, msg);
/** hex HMAC-SHA256 with raw key bytes over the UTF-8 bytes of `s` (ref conventions). */
export const hmacHex = (key: Uint8Array, s: string): string => toHex(hmac(key, utf8(s)));
export const hkdfSha256 = (ikm: Uint8Array, salt: Uint8Array, info: string, len = 32): Uint8Array =>
  hkdf(ikm, salt, utf8(info), len);

/** AES-256-GCM seal: ciphertext || tag (16 bytes). */
export const aesGcmSeal = (key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad?: Uint8Array): Uint8Array =>
  gcmSeal(key, nonce, pt, aad);
/** AES-256-GCM open; throws on a bad tag. */
export const aesGcmOpen = (key: Uint8Array, nonce: Uint8Array, ct: Uint8Array, aad?: Uint8Array): Uint8Array =>
  gcmOpen(key, nonce, ct, aad);

/** Constant-time comparison of two strings (both assumed ASCII, e.g. hex). */
export function timingSafeEqualStr(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/** Randomness source; injected wherever the protocol needs fresh bytes. */
export type Rng = (n: number) => Uint8Array;
export const systemRng: Rng = (n) => crypto.getRandomValues(new Uint8Array(n));
