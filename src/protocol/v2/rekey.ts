// Member removal (docs/PROTOCOL.md §8): the circle owner moves the circle to epoch n+1 with a
// signed REKEY event whose new epoch key is sealed to each remaining member's X25519 key (from
// their member card). The removed member can open none of the boxes, so it cannot derive the
// new handshake or envelope keys, and can read nothing written under the new epoch.
import type { Rng } from "../crypto.ts";
import { tagged } from "./codec.ts";
import type { RekeyEvt, RekeySeal } from "./control.ts";
import { openSeal, seal } from "./keys.ts";

const rekeyContext = (circleId: string, epoch: number, recipientEd: Uint8Array): Uint8Array =>
  tagged("felund2/rekey").str(circleId).u32(epoch).fixed(recipientEd, 32).finish();

export interface Recipient {
  edKey: Uint8Array;
  xKey: Uint8Array;
}

/** Build the REKEY event body (sign it as a control message of the owner, under the old epoch). */
export function buildRekey(
  a: { circleId: string; epoch: number; epochKey: Uint8Array; removed: string[]; recipients: Recipient[] },
  rng: Rng,
): RekeyEvt {
  const seals: RekeySeal[] = a.recipients.map((m) => ({
    recipient: m.edKey,
    box: seal(m.xKey, a.epochKey, rekeyContext(a.circleId, a.epoch, m.edKey), rng),
  }));
  return { t: "rekey", epoch: a.epoch, removed: [...a.removed].sort(), seals, v2Only: true };
}

/** This member's new epoch key from a REKEY, or null (not a recipient: removed, or joined later). */
export function openRekey(
  e: RekeyEvt,
  circleId: string,
  self: { edKey: Uint8Array; xSecret: Uint8Array },
): Uint8Array | null {
  for (const s of e.seals) {
    if (s.recipient.length !== 32 || !s.recipient.every((b, i) => b === self.edKey[i])) continue;
    const k = openSeal(self.xSecret, s.box, rekeyContext(circleId, e.epoch, self.edKey));
    if (k && k.length === 32) return k;
  }
  return null;
}
