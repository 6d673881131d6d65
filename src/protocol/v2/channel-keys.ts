// Channel keys (docs/PROTOCOL.md §7). `key` channels: K = scrypt(passphrase, salt bound to the
// circle and channel) with the cost the creator signed into CHANNEL_CREATE, plus a 16-byte key
// check so a joiner knows a passphrase is right. `invite` channels: K is random, chosen by the
// channel owner and sealed to each approved member's X25519 key in a signed CHANNEL_APPROVE.
// Either way a message in such a channel carries its text sealed under K (kind 1), so members
// without K — and relays — cannot read it.
// The passphrase KDF (scrypt) is in channel-passphrase.ts: only creating or unlocking a key
// channel needs it, so the web client loads it then.
import { fromUtf8, utf8 } from "../bytes.ts";
import type { Rng } from "../crypto.ts";
import { Reader, V2DecodeError, Writer, tagged } from "./codec.ts";
import { aeadOpen, aeadSeal, bytesEqual, mac32, openSeal, seal } from "./keys.ts";

/** Published in CHANNEL_CREATE: lets a joiner test a passphrase (each guess costs one scrypt). */
export const keyCheck = (channelKey: Uint8Array): Uint8Array =>
  mac32(channelKey, utf8("felund2 channel key check")).slice(0, 16);
export const keyMatches = (channelKey: Uint8Array, check: Uint8Array): boolean =>
  bytesEqual(keyCheck(channelKey), check);

// ---- invite channels: the key sealed to one member ----

const approveContext = (circleId: string, channelId: string, keyVersion: number, targetEd: Uint8Array): Uint8Array =>
  tagged("felund2/channel-key").str(circleId).str(channelId).u32(keyVersion).fixed(targetEd, 32).finish();

export const sealChannelKey = (
  key: Uint8Array,
  a: { circleId: string; channelId: string; keyVersion: number; targetEd: Uint8Array; targetX: Uint8Array },
  rng: Rng,
): Uint8Array => seal(a.targetX, key, approveContext(a.circleId, a.channelId, a.keyVersion, a.targetEd), rng);

export function openChannelKey(
  sealed: Uint8Array,
  a: { circleId: string; channelId: string; keyVersion: number; selfEd: Uint8Array; selfXSecret: Uint8Array },
): Uint8Array | null {
  const k = openSeal(a.selfXSecret, sealed, approveContext(a.circleId, a.channelId, a.keyVersion, a.selfEd));
  return k && k.length === 32 ? k : null;
}

// ---- sealed message body (kind 1) ----
//   body = u8 1 | u32 key_version | fixed12 nonce | bytes AES-256-GCM(K, nonce, text, aad)
//   aad  = str "felund2/channel-body" | str circle_id | str channel_id | u32 key_version

export interface SealedBody {
  keyVersion: number;
  nonce: Uint8Array;
  ct: Uint8Array;
}

export const bodyAad = (circleId: string, channelId: string, keyVersion: number) =>
  tagged("felund2/channel-body").str(circleId).str(channelId).u32(keyVersion).finish();

export function sealBody(
  key: Uint8Array,
  a: { circleId: string; channelId: string; keyVersion: number; text: string },
  nonce: Uint8Array,
): Uint8Array {
  const ct = aeadSeal(key, nonce, utf8(a.text), bodyAad(a.circleId, a.channelId, a.keyVersion));
  return new Writer().u8(1).u32(a.keyVersion).fixed(nonce, 12).bytes(ct).finish();
}

export function decodeSealedBody(body: Uint8Array): SealedBody {
  const r = new Reader(body, "sealed body");
  if (r.u8() !== 1) throw new V2DecodeError("sealed body: unknown version");
  const keyVersion = r.u32();
  const nonce = r.fixed(12);
  const ct = r.bytes();
  r.end();
  return { keyVersion, nonce, ct };
}

/** The text, or null when this key does not open it. */
export function openBody(key: Uint8Array, circleId: string, channelId: string, body: Uint8Array): string | null {
  let sb: SealedBody;
  try {
    sb = decodeSealedBody(body);
  } catch {
    return null;
  }
  const pt = aeadOpen(key, sb.nonce, sb.ct, bodyAad(circleId, channelId, sb.keyVersion));
  if (!pt) return null;
  try {
    return fromUtf8(pt);
  } catch {
    return null;
  }
}
