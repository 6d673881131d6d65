// The cryptographic primitives under the protocol, in one place: SHA-256, HMAC, HKDF,
// AES-256-GCM, Ed25519 and X25519 from the audited noble libraries. Everything is synchronous,
// so the sync engine stays a plain function. Bun and the tests use this file; the web build
// swaps in primitives-web.ts (ui/web/vite.config.ts), which gives the same bytes from smaller
// code (tests/protocol/primitives.test.ts holds the two to each other).
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { gcm } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

export { sha256 };
export const hmacSha256 = (key: Uint8Array, msg: Uint8Array): Uint8Array => hmac(sha256, key, msg);
export const hkdfSha256 = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, len: number): Uint8Array =>
  hkdf(sha256, ikm, salt, info, len);
/** ciphertext || tag (16 bytes) */
export const gcmSeal = (key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad?: Uint8Array): Uint8Array =>
  gcm(key, nonce, aad).encrypt(pt);
/** throws on a bad tag */
export const gcmOpen = (key: Uint8Array, nonce: Uint8Array, ct: Uint8Array, aad?: Uint8Array): Uint8Array =>
  gcm(key, nonce, aad).decrypt(ct);

/** Ed25519 (RFC 8032) public key of a 32-byte seed */
export const edPublicKey = (seed: Uint8Array): Uint8Array => ed25519.getPublicKey(seed);
export const edSign = (msg: Uint8Array, seed: Uint8Array): Uint8Array => ed25519.sign(msg, seed);
/** ZIP-215 rules (noble's default); may throw on malformed input */
export const edVerify = (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean => ed25519.verify(sig, msg, pub);

/** X25519 (RFC 7748) public key of a secret */
export const x25519Public = (secret: Uint8Array): Uint8Array => x25519.getPublicKey(secret);
/** X25519 shared secret; throws for a low-order public key */
export const x25519Shared = (secret: Uint8Array, pub: Uint8Array): Uint8Array => x25519.getSharedSecret(secret, pub);

/** A signature to check ahead of the synchronous engine (see primitives-web.ts). */
export interface SigCheck { sig: Uint8Array; msg: Uint8Array; pub: Uint8Array }
/**
 * Check signatures before the engine asks for them, where a faster asynchronous verifier exists.
 * Here (Bun: @noble/curves, ~0.7 ms) there is nothing to gain: edVerify does the work.
 */
export const preverify = async (_items: SigCheck[]): Promise<void> => {};
