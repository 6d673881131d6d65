// Direct messages (docs/PROTOCOL.md §21): a conversation of two members of a v2 circle, sealed
// under a key only those two can derive (static X25519 of their member cards + HKDF), in a
// channel whose id both derive from the pair. Every other member stores and relays the
// signed rows blind, and can still check that the author is one of the two.
//
//   channel_id = "__dm_" + hex(H(str "felund2/dm-id" | str circle_id | str lo | str hi)[0:12])
//   K          = HKDF(X25519(self.x, other.x), salt "", info = str "felund2/dm-key" | str circle_id | str lo | str hi)
//   body       = u8 1 | str recipient node_id | fixed12 nonce | bytes AEAD(K, nonce, text, aad)
//   aad        = str "felund2/dm-body" | str circle_id | str channel_id | str author node_id | str recipient node_id
// lo, hi: the two node ids sorted (as strings).
import { fromUtf8, toHex } from "../bytes.ts";
import { CIRCLE_ID_RE } from "../ids.ts";
import { Reader, V2DecodeError, tagged } from "./codec.ts";
import { aeadOpen, dh, h256, kdf } from "./keys.ts";

export { KIND_DM } from "./message.ts";
export const DM_PREFIX = "__dm_";
const NODE_RE = /^[0-9a-f]{24}$/;

export const isDmChannelId = (s: string): boolean => /^__dm_[0-9a-f]{24}$/.test(s);

const pair = (tag: string, circleId: string, a: string, b: string) =>
  tagged(tag)
    .str(circleId)
    .str(a < b ? a : b)
    .str(a < b ? b : a)
    .finish();

/** The channel of the conversation of members `a` and `b` (in either order). */
export const dmChannelId = (circleId: string, a: string, b: string): string =>
  DM_PREFIX + toHex(h256(pair("felund2/dm-id", circleId, a, b)).slice(0, 12));

/** The pairwise key, from this member's X25519 secret and the other's card key; null for a bad key. */
export function dmKey(selfXSecret: Uint8Array, otherX: Uint8Array, circleId: string, self: string, other: string) {
  const shared = dh(selfXSecret, otherX);
  return shared && kdf(shared, new Uint8Array(0), pair("felund2/dm-key", circleId, self, other));
}

export const dmAad = (circleId: string, author: string, to: string) =>
  tagged("felund2/dm-body")
    .str(circleId)
    .str(dmChannelId(circleId, author, to))
    .str(author)
    .str(to)
    .finish();

export interface DmBody {
  to: string;
  nonce: Uint8Array;
  ct: Uint8Array;
}

/** Structure of a DM body (throws V2DecodeError). */
export function decodeDm(body: Uint8Array): DmBody {
  const r = new Reader(body, "dm body");
  if (r.u8() !== 1) throw new V2DecodeError("dm body: unknown version");
  const to = r.str(24);
  const nonce = r.fixed(12);
  const ct = r.bytes();
  r.end();
  return { to, nonce, ct };
}

/**
 * Why a kind-8 message cannot stand (null when it can): its body must name another member as
 * recipient, and its channel must be the one of author and recipient, so only the two of them
 * can write it; every node checks this (after verifyMessage), whether or not it can read the text.
 */
export function dmProblem(m: { circleId: string; channelId: string; authorNodeId: string; body: Uint8Array }) {
  let b: DmBody;
  try {
    b = decodeDm(m.body);
  } catch (e) {
    return (e as Error).message;
  }
  if (!NODE_RE.test(b.to) || b.to === m.authorNodeId || !CIRCLE_ID_RE.test(m.circleId))
    return "dm: recipient is not another member";
  return m.channelId === dmChannelId(m.circleId, m.authorNodeId, b.to)
    ? null
    : "only the two members of a direct message may write it";
}

/** The text, or null when this key does not open it. */
export function openDm(key: Uint8Array, circleId: string, author: string, body: Uint8Array): string | null {
  try {
    const b = decodeDm(body);
    const pt = aeadOpen(key, b.nonce, b.ct, dmAad(circleId, author, b.to));
    return pt && fromUtf8(pt);
  } catch {
    return null;
  }
}
