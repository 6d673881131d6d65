// The v1 half of relay envelopes (PROTOCOL-V1.md §4.4), for legacy circles only: what original
// clients read and write. Apart from relay-envelopes.ts so the browser loads it (with the rest of
// the v1 code) only when it holds such a circle; the node passes it in always.
import { messageKey, openEnvelope, sealEnvelope } from "../protocol/envelope.ts";
import { computeMac } from "../protocol/message.ts";
import { checkWireObject, storeVerified } from "./merge.ts";
import { type OpenDeps, shownId, type V1Codec } from "./relay-envelopes.ts";

/** the envelope key of each circle secret, derived once */
const keys = new WeakMap<Uint8Array, Uint8Array>();
function keyOf(secret: Uint8Array): Uint8Array {
  let k = keys.get(secret);
  if (!k) keys.set(secret, (k = messageKey(secret)));
  return k;
}

export const v1Envelopes: V1Codec = {
  seal: (secret, m, rng) => sealEnvelope(keyOf(secret), m, rng(12)),

  open(d: OpenDeps, secret: Uint8Array, circleId: string, raw: unknown) {
    const { store, calls, now } = d.ctx;
    const id = (raw as { msg_id?: unknown } | null)?.msg_id;
    if (typeof id === "string" && store.hasMessage(id)) return null;
    if (isWireObject(raw)) {
      // a newer original's whole message object (MAC'd clear fields and `enc`): checked as over TCP
      const w = checkWireObject(raw, circleId, secret, store);
      if (!w.ok) {
        if (w.kind === "reject") d.log?.(`relay: dropped ${shownId(raw)}: ${w.reason}`);
        return null;
      }
      return storeVerified(store, calls, w.value.msg, d.origin, now, w.value.v1Wire);
    }
    const v = openEnvelope(keyOf(secret), secret, circleId, raw);
    if (!v.ok) {
      d.log?.(`relay: dropped ${shownId(raw)}: ${v.reason}`);
      return null;
    }
    // an envelope that opens under the circle key proves membership as a v1 MAC does
    const m = v.value;
    return storeVerified(store, calls, { ...m, mac: m.mac ?? computeMac(secret, m) }, d.origin, now);
  },
};

/** A schema-2 message object (PROTOCOL-V1.md), not an envelope: it has the `enc` key and a MAC. */
const isWireObject = (raw: unknown): boolean =>
  !!raw && typeof raw === "object" && Object.hasOwn(raw, "enc") && Object.hasOwn(raw, "mac");
