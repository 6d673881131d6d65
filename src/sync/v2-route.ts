// Which circle and which engine an inbound connection is for, read from its first line (HELLO):
// decided before any engine runs, so a refusal costs nothing and reveals nothing.
import { fromHex } from "../protocol/bytes.ts";
import { parseHello, parseJsonFrame } from "../protocol/frames.ts";
import { bytesEqual, circleTag, isMarkedV1Nonce } from "../protocol/v2/keys.ts";
import type { CircleRow, SyncStoreV2 } from "./store.ts";
import { isKnownV2, isLegacy } from "./v2-apply.ts";

/**
 * The circle a v2 HELLO names: by its id (a peer that still sees the circle as legacy-compatible
 * sends it), or by the per-connection tag (v2-only form).
 */
export function findCircle(store: SyncStoreV2, circleField: string, nonce: Uint8Array): CircleRow | undefined {
  const direct = store.getCircle(circleField);
  if (direct) return direct;
  if (!/^[0-9a-f]{24}$/.test(circleField)) return undefined;
  const tag = fromHex(circleField);
  return store.listCircles().find((c) => bytesEqual(circleTag(fromHex(c.secretHex), nonce), tag));
}

/**
 * Which engine serves an inbound connection, decided on its first line (HELLO): v2 when it
 * carries an offer; v1 only for a legacy circle, from a node not known to speak v2, whose
 * nonce is not v2-marked (a marked nonce without an offer = the offer was stripped). A refusal
 * looks like the v1 answers ("Unknown circle_id" for v2-only circles, so nothing is revealed).
 */
export function routeInbound(
  line: string,
  store: SyncStoreV2,
): { engine: "v2" | "v1" } | { engine: "refuse"; send: string[]; reason: string } {
  let f: Record<string, unknown>;
  try {
    f = parseJsonFrame(line);
  } catch {
    return { engine: "v1" };
  }
  if (f.t === "HELLO" && f.v2 !== undefined) return { engine: "v2" };
  if (f.t !== "HELLO") return { engine: "v1" };
  let h: ReturnType<typeof parseHello>;
  try {
    h = parseHello(f);
  } catch {
    return { engine: "v1" };
  }
  const c = store.getCircle(h.circle_id);
  if (!c) return { engine: "v1" };
  const refuse = (reason: string, err: string) => ({
    engine: "refuse" as const,
    send: [JSON.stringify({ t: "ERROR", err })],
    reason,
  });
  if (!isLegacy(c)) return refuse("v1 HELLO for a v2-only circle", "Unknown circle_id");
  if (isMarkedV1Nonce(fromHex(c.secretHex), h.nonce))
    return refuse("downgrade detected: a v2 node's HELLO arrived without its v2 offer", "v2 required");
  if (isKnownV2(store, c.circleId, h.node_id))
    return refuse("downgrade detected: this node is known to speak v2", "v2 required");
  return { engine: "v1" };
}
