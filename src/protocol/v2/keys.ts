// The v2 key schedule (docs/PROTOCOL.md §3): node keys, circle keys per epoch, and the sealed
// box used to give a key to one member. Everything derives with HKDF-SHA256 from named inputs,
// so each key has exactly one purpose.
import { concatBytes, fromHex, toHex, utf8 } from "../bytes.ts";
import type { Rng } from "../crypto.ts";
import { nodeIdFromPublicKey } from "../ids.ts";
import {
  edPublicKey,
  edSign,
  edVerify,
  gcmOpen,
  gcmSeal,
  hkdfSha256,
  hmacSha256,
  sha256,
  x25519Public as xPublic,
  x25519Shared,
} from "../primitives.ts";
import { TAG, Writer, tagged } from "./codec.ts";

/** HKDF-SHA256; results remembered (every relay envelope sealed or opened derived the same keys again) */
export function kdf(ikm: Uint8Array, salt: Uint8Array, info: string | Uint8Array, len = 32): Uint8Array {
  const id = `${toHex(ikm)}/${toHex(salt)}/${info}/${len}`;
  let k = derived.get(id);
  if (!k)
    derived.size < 512 || derived.clear(),
      derived.set(id, (k = hkdfSha256(ikm, salt, typeof info === "string" ? utf8(info) : info, len)));
  return k.slice();
}
const derived = new Map<string, Uint8Array>();
export const mac32 = (key: Uint8Array, data: Uint8Array): Uint8Array => hmacSha256(key, data);
export const h256 = (data: Uint8Array): Uint8Array => sha256(data);

/** Constant-time equality of two byte strings. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

const EMPTY = new Uint8Array(0);
const u32be = (n: number) => new Writer().u32(n).finish();

// ---- node keys ----

export interface NodeKeys {
  nodeId: string;
  edPublic: Uint8Array;
  edSecret: Uint8Array;
  xPublic: Uint8Array;
  xSecret: Uint8Array;
}

/**
 * A node's keys from its Ed25519 seed (the one secret src/node/identity.ts stores). The X25519
 * key is derived, not converted, so a signature key is never used for Diffie-Hellman.
 */
export function nodeKeysFromSeed(edSeed: Uint8Array): NodeKeys {
  const edPublic = edPublicKey(edSeed);
  const xSecret = kdf(edSeed, EMPTY, "felund2 x25519 from ed25519 seed");
  return { nodeId: nodeIdFromPublicKey(edPublic), edPublic, edSecret: edSeed, xPublic: xPublic(xSecret), xSecret };
}

export const sign = (secret: Uint8Array, msg: Uint8Array): Uint8Array => edSign(msg, secret);
export function verifySig(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  try {
    return sig.length === 64 && pub.length === 32 && edVerify(sig, msg, pub);
  } catch {
    return false;
  }
}
/** X25519; null for a low-order / invalid public key (an all-zero shared secret). */
export function dh(secret: Uint8Array, pub: Uint8Array): Uint8Array | null {
  try {
    return x25519Shared(secret, pub);
  } catch {
    return null;
  }
}
export const x25519Public = (secret: Uint8Array): Uint8Array => xPublic(secret);

// ---- circle keys ----

/** Key of the circle tag sent in HELLO instead of the circle_id (stable across epochs). */
export const tagKey = (secret: Uint8Array): Uint8Array => kdf(secret, EMPTY, "felund2 circle tag");
/** tag = HMAC(tagKey, initiator nonce)[0:12]: unlinkable per connection, found only by members. */
export const circleTag = (secret: Uint8Array, nonce: Uint8Array): Uint8Array =>
  mac32(tagKey(secret), nonce).slice(0, 12);
/** Key that marks the v1 HELLO nonce of a v2 node, so a stripped v2 offer is detected (§4.3). */
export const markKey = (secret: Uint8Array): Uint8Array => kdf(secret, EMPTY, "felund2 v1 nonce mark");
/** Relay id key: relay_id = HMAC(relayIdKey, msg_id)[0:16], so the relay never sees msg_ids. */
export const relayIdKey = (secret: Uint8Array): Uint8Array => kdf(secret, EMPTY, "felund2 relay id");
/** Epoch 0 key: derived from the circle secret. Later epochs are random, set by REKEY. */
export const epochZeroKey = (secret: Uint8Array): Uint8Array => kdf(secret, EMPTY, "felund2 epoch key 0");
/** Handshake authentication key of an epoch. */
export const authKey = (epochKey: Uint8Array, epoch: number): Uint8Array => kdf(epochKey, u32be(epoch), "felund2 auth");
/** Relay envelope key of an epoch. */
export const envelopeKey = (epochKey: Uint8Array, epoch: number): Uint8Array =>
  kdf(epochKey, u32be(epoch), "felund2 envelope");

/** A v1 HELLO nonce (16 bytes) that says "I also speak v2": r(8) || HMAC(markKey, r)[0:8]. */
export function markedV1Nonce(secret: Uint8Array, rng: Rng): string {
  const r = rng(8);
  return toHex(concatBytes(r, mac32(markKey(secret), r).slice(0, 8)));
}
export function isMarkedV1Nonce(secret: Uint8Array, nonceHex: string | undefined): boolean {
  if (nonceHex?.length !== 32) return false;
  const b = fromHex(nonceHex);
  return bytesEqual(mac32(markKey(secret), b.slice(0, 8)).slice(0, 8), b.slice(8));
}

// ---- sealed box: a key for one member ----

/**
 * seal(recipient X25519 pub, plaintext, context) = eph_pub(32) || AES-256-GCM(k, 0^12, pt, aad)
 * k = HKDF(X25519(eph, recipient), salt = eph_pub || recipient_pub, info = "felund2/seal" || context)
 * The context (e.g. "rekey", circle_id, epoch) is also the AAD, so a box cannot be moved.
 */
export function seal(recipientX: Uint8Array, pt: Uint8Array, context: Uint8Array, rng: Rng): Uint8Array {
  const eph = rng(32);
  const ephPub = xPublic(eph);
  const shared = dh(eph, recipientX);
  if (!shared) throw new RangeError("invalid recipient key");
  const k = kdf(shared, concatBytes(ephPub, recipientX), tagged(TAG.seal).bytes(context).finish());
  return concatBytes(ephPub, gcmSeal(k, new Uint8Array(12), pt, context));
}
/** null when the box is not for this key or was altered */
export function openSeal(recipientXSecret: Uint8Array, box: Uint8Array, context: Uint8Array): Uint8Array | null {
  if (box.length < 32 + 16) return null;
  const ephPub = box.subarray(0, 32);
  const shared = dh(recipientXSecret, ephPub);
  if (!shared) return null;
  const k = kdf(shared, concatBytes(ephPub, xPublic(recipientXSecret)), tagged(TAG.seal).bytes(context).finish());
  try {
    return gcmOpen(k, new Uint8Array(12), box.subarray(32), context);
  } catch {
    return null;
  }
}

export const aeadSeal = (key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad: Uint8Array): Uint8Array =>
  gcmSeal(key, nonce, pt, aad);
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, ct: Uint8Array, aad: Uint8Array): Uint8Array | null {
  if (ct.length < 16) return null;
  try {
    return gcmOpen(key, nonce, ct, aad);
  } catch {
    return null;
  }
}

export const nodeIdOf = (edPublic: Uint8Array): string => nodeIdFromPublicKey(edPublic);
