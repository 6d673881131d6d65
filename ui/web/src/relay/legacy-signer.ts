// Which of the relay-only peer's circles sign their relay requests, and with what
// (PROTOCOL-V1.md §6.5): its legacy circles, as the node's (src/node/relay-client.ts). In the
// legacy chunk (legacy.ts), so pages without such a circle never load it.
import type { Rng } from "../../../../src/protocol/crypto.ts";
import type { RequestSigner } from "../../../../src/peer/relay/api.ts";
import { legacySigner } from "../../../../src/peer/relay/signer.ts";

/** per relay client (its links), by relay hint; kept after a circle is left, so its goodbye is signed too */
const signers = new WeakMap<object, Map<string, RequestSigner>>();

export function signerOf(
  links: Map<string, { hint: string; secret: Uint8Array }>,
  hint: string,
  mem: { getCircle(circleId: string): { mode: string } | undefined },
  nodeId: string,
  nowMs: () => number,
  rng: Rng,
): RequestSigner | null {
  let mine = signers.get(links);
  if (!mine) signers.set(links, (mine = new Map()));
  const known = mine.get(hint);
  if (known) return known;
  const [circleId, l] = [...links].find(([, x]) => x.hint === hint) ?? [];
  if (!circleId || !l || mem.getCircle(circleId)?.mode === "v2") return null;
  const s = legacySigner(l.secret, nodeId, () => nowMs() / 1000, rng);
  mine.set(hint, s);
  return s;
}
