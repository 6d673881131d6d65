// The sealed blob shared by relay envelopes and call signals:
//   version u8 | epoch u32 | nonce 12 | AES-GCM(key of that epoch, padded plaintext, aad)
// One codec, so both keep the same layout and the same rejection reasons.
import { fromBase64 } from "../bytes.ts";
import { accept, reject, type Verdict } from "../verdict.ts";
import { Reader, Writer } from "./codec.ts";
import { aeadOpen, aeadSeal } from "./keys.ts";

export function sealEpochBlob(
  version: number,
  epoch: number,
  key: Uint8Array,
  nonce: Uint8Array,
  pt: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  return new Writer()
    .u8(version)
    .u32(epoch)
    .fixed(nonce, 12)
    .raw(aeadSeal(key, nonce, pt, aad))
    .finish();
}

export interface OpenBlob {
  /** "envelope" | "signal": the word in the rejection reasons */
  what: string;
  version: number;
  maxBytes?: number;
  /** the AEAD key of an epoch, or null when this node holds no key for it */
  keyFor: (epoch: number) => Uint8Array | null;
  aad: (epoch: number) => Uint8Array;
  /** the reason given when the tag does not verify */
  failure: string;
}

/** Decode base64, check size and version, pick the epoch's key and decrypt. */
export function openEpochBlob(b64: string, o: OpenBlob): Verdict<{ epoch: number; pt: Uint8Array }> {
  let blob: Uint8Array;
  try {
    blob = fromBase64(b64);
  } catch {
    return reject(`${o.what} is not base64`);
  }
  if (o.maxBytes !== undefined && blob.length > o.maxBytes) return reject(`${o.what} too large`);
  if (blob.length < 1 + 4 + 12 + 16) return reject(`${o.what} truncated`);
  const r = new Reader(blob, o.what);
  if (r.u8() !== o.version) return reject(`unknown ${o.what} version`);
  const epoch = r.u32();
  const nonce = r.fixed(12);
  const key = o.keyFor(epoch);
  if (!key) return reject(`no key for epoch ${epoch}`);
  const pt = aeadOpen(key, nonce, r.rest(), o.aad(epoch));
  if (!pt) return reject(o.failure);
  return accept({ epoch, pt });
}
