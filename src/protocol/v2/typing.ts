// Typing notices (docs/PROTOCOL.md §22), never stored. On a v2 session the frame TYPING
// (frames.ts) names the circle and channel, and its author is the session's authenticated peer.
// Through a relay a notice must prove its author and its circle by itself:
//
//   signed = str "felund2/typing" | str circle_id | str channel | u64 ts_ms
//   pt     = str channel | u64 ts_ms | fixed32 author Ed25519 key | fixed64 Ed25519(author, signed)
//   blob   = u8 3 | u32 epoch | fixed12 nonce | AES-256-GCM(K, nonce, pt, aad)
//   K      = HKDF(EK_epoch, u32 epoch, "felund2 typing")
//   aad    = str "felund2/typing" | str circle_id | u32 epoch
//
// sent as base64(blob). The relay sees a circle hint and a fixed size; outsiders cannot forge or
// read one (circle key), and no member can type for another (signature; node_id = H(key)[0:12]).
// A receiver drops a notice dated more than TYPING_RELAY_SKEW_MS from its clock, and one not
// newer than the author's last (a replay). Opening is in typing-open.ts: a sender (the browser
// on its first keystroke) fetches only this much.
import { toBase64 } from "../bytes.ts";
import { Writer, tagged } from "./codec.ts";
import { sealEpochBlob } from "./epoch-blob.ts";
import { kdf, sign } from "./keys.ts";

export const TYPING_VERSION = 3;
export const TAG = "felund2/typing";

export interface TypingNotice {
  circleId: string;
  channelId: string;
  tsMs: number;
}

export interface OpenedTyping extends TypingNotice {
  author: string;
  epoch: number;
}

const u32be = (n: number) => new Writer().u32(n).finish();
export const typingKey = (epochKey: Uint8Array, epoch: number): Uint8Array =>
  kdf(epochKey, u32be(epoch), "felund2 typing");
export const aadOf = (circleId: string, epoch: number) => tagged(TAG).str(circleId).u32(epoch).finish();
export const signedOf = (n: TypingNotice) => tagged(TAG).str(n.circleId).str(n.channelId).u64(n.tsMs).finish();

/** base64 of the sealed notice (`nonce`: 12 random bytes). */
export function sealTyping(
  n: TypingNotice,
  a: { epoch: number; epochKey: Uint8Array; edPublic: Uint8Array; edSecret: Uint8Array },
  nonce: Uint8Array,
): string {
  const pt = new Writer()
    .str(n.channelId)
    .u64(n.tsMs)
    .fixed(a.edPublic, 32)
    .fixed(sign(a.edSecret, signedOf(n)), 64)
    .finish();
  return toBase64(
    sealEpochBlob(TYPING_VERSION, a.epoch, typingKey(a.epochKey, a.epoch), nonce, pt, aadOf(n.circleId, a.epoch)),
  );
}
