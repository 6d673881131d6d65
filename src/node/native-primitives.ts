// The node's crypto in native code: Bun's OpenSSL (node:crypto) for SHA-256, HMAC, HKDF,
// AES-256-GCM and Ed25519, installed under the protocol's primitives (src/protocol/primitives.ts)
// when the node loads. Measured here: Ed25519 verify 72 µs against noble's 720 µs, AES-GCM of
// a 400-byte frame 2.4 µs against 50 µs; every hop of a signed message and every session frame
// pays these. The bytes are the same as noble's. Verdicts too: OpenSSL checks Ed25519 by
// RFC 8032, which accepts a subset of what noble's ZIP-215 rules accept, so a signature OpenSSL
// refuses is asked of noble before it is refused (tests/protocol/primitives.test.ts).
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { Zip } from "../protocol/v2/fill.ts";
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";
import { noblePrimitives, usePrimitives, type Primitives } from "../protocol/primitives.ts";
import { toHex } from "../protocol/bytes.ts";
import { lazyVerifier } from "./verify-pool.ts";

const bytes = (b: Buffer | ArrayBuffer): Uint8Array =>
  b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.length);

const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
/** Key objects of the Ed25519 keys seen last (authors verify many messages; the node signs with one key). */
const KEYS_CACHED = 512;
const keys = new Map<string, KeyObject>();
function keyOf(kind: "pub" | "seed", raw: Uint8Array): KeyObject {
  const id = kind + toHex(raw);
  let k = keys.get(id);
  if (!k) {
    k =
      kind === "pub"
        ? createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: "der", type: "spki" })
        : createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, raw]), format: "der", type: "pkcs8" });
    if (keys.size >= KEYS_CACHED) keys.delete(keys.keys().next().value!);
    keys.set(id, k);
  }
  return k;
}

export const nativePrimitives: Partial<Primitives> = {
  sha256: (b) => bytes(createHash("sha256").update(b).digest()),
  hmacSha256: (key, msg) => bytes(createHmac("sha256", key).update(msg).digest()),
  hkdfSha256: (ikm, salt, info, len) => bytes(hkdfSync("sha256", ikm, salt, info, len)),
  gcmSeal: (key, nonce, pt, aad) => {
    if (key.length !== 32 || nonce.length !== 12) return noblePrimitives.gcmSeal(key, nonce, pt, aad);
    const c = createCipheriv("aes-256-gcm", key, nonce);
    if (aad) c.setAAD(aad);
    return bytes(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
  },
  gcmOpen: (key, nonce, ct, aad) => {
    if (key.length !== 32 || nonce.length !== 12 || ct.length < 16) return noblePrimitives.gcmOpen(key, nonce, ct, aad);
    const d = createDecipheriv("aes-256-gcm", key, nonce);
    if (aad) d.setAAD(aad);
    d.setAuthTag(ct.subarray(ct.length - 16));
    return bytes(Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]));
  },
  edSign: (msg, seed) =>
    seed.length === 32 ? bytes(sign(null, msg, keyOf("seed", seed))) : noblePrimitives.edSign(msg, seed),
  edVerify: (sig, msg, pub) => {
    if (sig.length === 64 && pub.length === 32) {
      try {
        if (verify(null, msg, keyOf("pub", pub), sig)) return true;
      } catch {
        /* a key OpenSSL will not load: noble decides */
      }
    }
    return noblePrimitives.edVerify(sig, msg, pub);
  },
};

let installed = false;
/** Put the native primitives under the protocol (once per process). */
export function installNativePrimitives(): void {
  if (installed) return;
  installed = true;
  usePrimitives(nativePrimitives);
}

/** deflate-raw for the streamed fill (docs/PROTOCOL.md §23), handed to the v2 engines (V2Deps.zip). */
export const nodeZip: Zip = {
  // level 1: most of a fill's size is signatures, keys and salts, which no level shrinks
  deflate: (b) => deflateRawSync(b, { level: 1 }),
  inflate: (b, max) => inflateRawSync(b, { maxOutputLength: Math.max(1, max) }),
};

/** Ed25519 checks of a streamed fill off the main thread (verify-pool.ts), handed to the v2 engines (V2Deps.verifier). */
export const nodeVerifier = lazyVerifier();
