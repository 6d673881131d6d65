// The cryptographic primitives under the protocol, in one place: SHA-256, HMAC, HKDF,
// AES-256-GCM, Ed25519 and X25519 from the audited noble libraries. Everything is synchronous,
// so the sync engine stays a plain function. Bun and the tests use this file; the node installs
// native (OpenSSL) code under it at load (src/node/native-primitives.ts), and the web build
// swaps in primitives-web.ts (ui/web/vite.config.ts); both give the same bytes and verdicts
// (tests/protocol/primitives.test.ts holds them to noble's).
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { gcm } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

/**
 * The noble implementations (audited, pure JS, the same in every runtime): the default, and the
 * reference every faster implementation is held to, byte for byte and verdict for verdict.
 */
export const noblePrimitives = {
  sha256: (b: Uint8Array): Uint8Array => nobleSha256(b),
  hmacSha256: (key: Uint8Array, msg: Uint8Array): Uint8Array => hmac(nobleSha256, key, msg),
  hkdfSha256: (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, len: number): Uint8Array =>
    hkdf(nobleSha256, ikm, salt, info, len),
  /** ciphertext || tag (16 bytes) */
  gcmSeal: (key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad?: Uint8Array): Uint8Array =>
    gcm(key, nonce, aad).encrypt(pt),
  /** throws on a bad tag */
  gcmOpen: (key: Uint8Array, nonce: Uint8Array, ct: Uint8Array, aad?: Uint8Array): Uint8Array =>
    gcm(key, nonce, aad).decrypt(ct),
  /** Ed25519 (RFC 8032) public key of a 32-byte seed */
  edPublicKey: (seed: Uint8Array): Uint8Array => ed25519.getPublicKey(seed),
  edSign: (msg: Uint8Array, seed: Uint8Array): Uint8Array => ed25519.sign(msg, seed),
  /** ZIP-215 rules (noble's default); may throw on malformed input */
  edVerify: (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean => ed25519.verify(sig, msg, pub),
  /** X25519 (RFC 7748) public key of a secret */
  x25519Public: (secret: Uint8Array): Uint8Array => x25519.getPublicKey(secret),
  /** X25519 shared secret; throws for a low-order public key */
  x25519Shared: (secret: Uint8Array, pub: Uint8Array): Uint8Array => x25519.getSharedSecret(secret, pub),
};
export type Primitives = typeof noblePrimitives;

let impl: Primitives = noblePrimitives;
/**
 * A shell with faster native code for some of these installs it here (the node: Bun's OpenSSL,
 * src/node/native-primitives.ts). It must give the same bytes and the same verdicts
 * (tests/protocol/primitives.test.ts runs every implementation over the same vectors).
 */
export function usePrimitives(p: Partial<Primitives>): void {
  impl = { ...impl, ...p };
}

export const sha256 = (b: Uint8Array): Uint8Array => impl.sha256(b);
export const hmacSha256 = (key: Uint8Array, msg: Uint8Array): Uint8Array => impl.hmacSha256(key, msg);
export const hkdfSha256 = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, len: number): Uint8Array =>
  impl.hkdfSha256(ikm, salt, info, len);
/** ciphertext || tag (16 bytes) */
export const gcmSeal = (key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad?: Uint8Array): Uint8Array =>
  impl.gcmSeal(key, nonce, pt, aad);
/** throws on a bad tag */
export const gcmOpen = (key: Uint8Array, nonce: Uint8Array, ct: Uint8Array, aad?: Uint8Array): Uint8Array =>
  impl.gcmOpen(key, nonce, ct, aad);
export const edPublicKey = (seed: Uint8Array): Uint8Array => impl.edPublicKey(seed);
export const edSign = (msg: Uint8Array, seed: Uint8Array): Uint8Array => impl.edSign(msg, seed);
export const edVerify = (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean => impl.edVerify(sig, msg, pub);
export const x25519Public = (secret: Uint8Array): Uint8Array => impl.x25519Public(secret);
export const x25519Shared = (secret: Uint8Array, pub: Uint8Array): Uint8Array => impl.x25519Shared(secret, pub);

/** A signature to check ahead of the synchronous engine (see primitives-web.ts). */
export interface SigCheck {
  sig: Uint8Array;
  msg: Uint8Array;
  pub: Uint8Array;
}
/**
 * Check signatures before the engine asks for them, where a faster asynchronous verifier exists.
 * Here edVerify is synchronous and native where the shell installed it: nothing to gain.
 */
export const preverify = async (_items: SigCheck[]): Promise<void> => {};
/** Load the Ed25519 code before signing (the web build loads it on first need); here it is always loaded. */
export const edReady = async (): Promise<void> => {};
/** Calls that found the Ed25519 code not loaded: only the web build loads it late (primitives-web.ts). */
export const edStats: { unready: number; onUnready?: (e: Error) => void } = { unready: 0 };
/** Ready a seed's public key for edPublicKey (the web build asks WebCrypto); here nothing to do. */
export const edPrepare = async (_seed: Uint8Array): Promise<void> => {};
/**
 * Signatures another thread found valid (the browser's verifying Worker, ui/web/src/relay/sig-check.ts),
 * so edVerify does not check them again; here edVerify is native: nothing to remember.
 */
export const rememberVerified = (_items: SigCheck[]): void => {};
