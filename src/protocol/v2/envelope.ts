// The v2 relay envelope (docs/PROTOCOL.md §9). What a relay stores is
//   {"msg_id": relay_id, "created_ts": hour, "v2": base64(blob)}
// relay_id = hex(HMAC(relay id key, msg_id)[0:16]) — stable per message (the relay dedupes on
// it) but not the msg_id; created_ts is floored to the hour; blob =
//   u8 2 | u32 epoch | fixed12 nonce | AES-256-GCM(envelope key(epoch), nonce, padded, aad)
//   padded = u32 len | signed message wire | zeros up to a bucket of V2_PAD_BUCKETS
//   aad = str "felund2/envelope" | str circle_id | u32 epoch | str relay_id
// So the relay sees the circle hint, the epoch number, a bucketed size and times; a tampered
// blob fails the tag, a blob moved to another relay_id fails the AAD and the id check, and the
// signed message inside still has to verify. Original clients ignore these envelopes (no enc,
// no circle_id).
import { fromBase64, toBase64, toHex } from "../bytes.ts";
import { V2_MESSAGE_MAX, V2_PAD_BUCKETS } from "../limits.ts";
import { accept, reject, type Verdict } from "../verdict.ts";
import { Reader, V2DecodeError, tagged } from "./codec.ts";
import { envelopeKey, mac32, relayIdKey } from "./keys.ts";
import { openEpochBlob, sealEpochBlob } from "./epoch-blob.ts";
import { fromHex } from "../bytes.ts";
import { decodeMessage, type SignedMessage } from "./message.ts";

export const ENVELOPE_VERSION = 2;
export interface RelayEnvelopeV2 {
  msg_id: string;
  created_ts: number;
  v2: string;
}

export const relayId = (secret: Uint8Array, msgId: string): string =>
  toHex(mac32(relayIdKey(secret), fromHex(msgId)).slice(0, 16));

export function padTo(data: Uint8Array): Uint8Array {
  const need = 4 + data.length;
  const size = V2_PAD_BUCKETS.find((b) => b >= need) ?? Math.ceil(need / 4096) * 4096;
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, data.length);
  out.set(data, 4);
  return out;
}
export function unpad(p: Uint8Array): Uint8Array {
  if (p.length < 4) throw new V2DecodeError("padding: truncated");
  const len = new DataView(p.buffer, p.byteOffset).getUint32(0);
  if (len > p.length - 4) throw new V2DecodeError("padding: length beyond the data");
  for (let i = 4 + len; i < p.length; i++) if (p[i] !== 0) throw new V2DecodeError("padding: non-zero pad bytes");
  return p.slice(4, 4 + len);
}

const aadOf = (circleId: string, epoch: number, rid: string) =>
  tagged("felund2/envelope").str(circleId).u32(epoch).str(rid).finish();

export function sealEnvelopeV2(
  a: { secret: Uint8Array; epoch: number; epochKey: Uint8Array; message: SignedMessage },
  nonce: Uint8Array,
): RelayEnvelopeV2 {
  const rid = relayId(a.secret, a.message.msgId);
  const blob = sealEpochBlob(
    ENVELOPE_VERSION,
    a.epoch,
    envelopeKey(a.epochKey, a.epoch),
    nonce,
    padTo(a.message.wire),
    aadOf(a.message.circleId, a.epoch, rid),
  );
  return { msg_id: rid, created_ts: Math.floor(a.message.createdTs / 3600) * 3600, v2: toBase64(blob) };
}

/** True for an object that claims to be a v2 envelope (so callers do not try v1 on it). */
export const isEnvelopeV2 = (o: unknown): boolean =>
  !!o && typeof o === "object" && typeof (o as { v2?: unknown }).v2 === "string";

/** Epoch an envelope claims (to pick the key), or null when malformed. */
export function envelopeEpoch(o: unknown): number | null {
  if (!isEnvelopeV2(o)) return null;
  try {
    const r = new Reader(fromBase64((o as RelayEnvelopeV2).v2), "envelope");
    if (r.u8() !== ENVELOPE_VERSION) return null;
    return r.u32();
  } catch {
    return null;
  }
}

/**
 * Open an envelope of circle `circleId` with the key of the epoch it names (`keyOf` returns
 * null for epochs this node does not hold). The signed message inside is decoded but not yet
 * verified: callers run verifyMessage (author signature, clock skew) as on every path.
 */
export function openEnvelopeV2(
  o: unknown,
  a: { secret: Uint8Array; circleId: string; keyOf: (epoch: number) => Uint8Array | null },
): Verdict<SignedMessage> {
  if (!isEnvelopeV2(o)) return reject("not a v2 envelope");
  const e = o as Record<string, unknown>;
  if (typeof e.msg_id !== "string" || !/^[0-9a-f]{32}$/.test(e.msg_id)) return reject("relay id must be 32 hex");
  const msgId = e.msg_id;
  const opened = openEpochBlob(e.v2 as string, {
    what: "envelope",
    version: ENVELOPE_VERSION,
    maxBytes: V2_MESSAGE_MAX + 4096,
    keyFor: (epoch) => {
      const ek = a.keyOf(epoch);
      return ek && envelopeKey(ek, epoch);
    },
    aad: (epoch) => aadOf(a.circleId, epoch, msgId),
    failure: "envelope does not decrypt (tampered, another circle or epoch)",
  });
  if (!opened.ok) return opened;
  const { epoch, pt } = opened.value;
  let m: SignedMessage;
  try {
    m = decodeMessage(unpad(pt));
  } catch (err) {
    return reject(`envelope content: ${(err as Error).message}`);
  }
  if (relayId(a.secret, m.msgId) !== e.msg_id) return reject("relay id does not match the message");
  if (m.keyEpoch !== epoch) return reject("message epoch differs from the envelope's");
  return accept(m);
}
