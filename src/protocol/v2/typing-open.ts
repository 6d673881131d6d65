// Opening a typing notice that came through a relay (docs/PROTOCOL.md §22; the layout and the
// sealing side: typing.ts): its circle key, channel, date and author's signature are checked.
import { isValidChannelId } from "../channel-id.ts";
import { TYPING_RELAY_BLOB_MAX, TYPING_RELAY_SKEW_MS } from "../limits.ts";
import { accept, reject, type Verdict } from "../verdict.ts";
import { Reader } from "./codec.ts";
import { openEpochBlob } from "./epoch-blob.ts";
import { nodeIdOf, verifySig } from "./keys.ts";
import { aadOf, type OpenedTyping, signedOf, TYPING_VERSION, typingKey } from "./typing.ts";

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
