// Sealing a direct message's body (docs/PROTOCOL.md §21; the layout is in dm.ts). Apart from
// dm.ts, which every peer needs to check and open DMs, so the relay-only browser loads the
// writing side only when its user first writes one.
import { utf8 } from "../bytes.ts";
import { Writer } from "./codec.ts";
import { dmAad } from "./dm.ts";
import { aeadSeal } from "./keys.ts";

export function sealDm(
  key: Uint8Array,
  a: { circleId: string; author: string; to: string; text: string },
  nonce: Uint8Array,
): Uint8Array {
  const ct = aeadSeal(key, nonce, utf8(a.text), dmAad(a.circleId, a.author, a.to));
  return new Writer().u8(1).str(a.to).fixed(nonce, 12).bytes(ct).finish();
}
