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
// newer than the author's last (a replay).
import { toBase64 } from "../bytes.ts";
import { isValidChannelId } from "../channel-id.ts";
import { TYPING_RELAY_BLOB_MAX, TYPING_RELAY_SKEW_MS } from "../limits.ts";
import { accept, reject, type Verdict } from "../verdict.ts";
import { Reader, Writer, tagged } from "./codec.ts";
import { openEpochBlob, sealEpochBlob } from "./epoch-blob.ts";
import { kdf, nodeIdOf, sign, verifySig } from "./keys.ts";

export const TYPING_VERSION = 3;
const TAG = "felund2/typing";

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
const aadOf = (circleId: string, epoch: number) => tagged(TAG).str(circleId).u32(epoch).finish();
const signedOf = (n: TypingNotice) => tagged(TAG).str(n.circleId).str(n.channelId).u64(n.tsMs).finish();

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

/** Open and check a notice of `circleId` (its author, channel and date); `keyFor`: the circle's epoch keys. */
export function openTyping(
  b64: unknown,
  circleId: string,
  keyFor: (epoch: number) => Uint8Array | null,
  nowMs: number,
): Verdict<OpenedTyping> {
  if (typeof b64 !== "string") return reject("typing notice is not a string");
  if (b64.length > TYPING_RELAY_BLOB_MAX) return reject("typing notice too large");
  const o = openEpochBlob(b64, {
    what: "typing notice",
    version: TYPING_VERSION,
    keyFor: (ep) => {
      const k = keyFor(ep);
      return k ? typingKey(k, ep) : null;
    },
    aad: (ep) => aadOf(circleId, ep),
    failure: "typing notice failed authentication (not this circle's key)",
  });
  if (!o.ok) return o;
  let channelId: string;
  let tsMs: number;
  let pub: Uint8Array;
  let sig: Uint8Array;
  try {
    const r = new Reader(o.value.pt, "typing notice");
    channelId = r.str(128);
    tsMs = r.u64();
    pub = r.fixed(32);
    sig = r.fixed(64);
    r.end();
  } catch (e) {
    return reject((e as Error).message);
  }
  if (!isValidChannelId(channelId)) return reject("typing notice: invalid channel");
  if (Math.abs(tsMs - nowMs) > TYPING_RELAY_SKEW_MS) return reject("typing notice: dated too far from now");
  const n = { circleId, channelId, tsMs };
  if (!verifySig(sig, signedOf(n), pub)) return reject("typing notice: signature does not verify");
  return accept({ ...n, author: nodeIdOf(pub), epoch: o.value.epoch });
}
