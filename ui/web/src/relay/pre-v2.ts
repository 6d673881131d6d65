// The one-time move of a browser's data from before felund v2 (an id without a key, v1 circles
// only) to its signing identity. Loaded with the rest of the v1 code (legacy.ts), so the first
// load of every later visit does not carry it.
import { toHex } from "../../../../src/protocol/bytes.ts";
import type { CallRegistry } from "../../../../src/sync/call-registry.ts";
import { storeVerified } from "../../../../src/sync/merge.ts";
import type { MemStore } from "./mem-store.ts";
import type { MessageRecord } from "./persist.ts";

/** What the user is told once: the node id changed, nothing was lost. */
export const preV2Notice = (oldId: string, newId: string): string =>
  `This browser now signs what it writes (felund v2): its node id changed from ${oldId.slice(0, 8)}… to ${newId.slice(0, 8)}…. Your circles and history are kept.`;

/** Messages saved before v2 (v1 only): channels and names are rebuilt by applying them again. */
export function replayPreV2(
  mem: MemStore,
  calls: CallRegistry,
  msgs: MessageRecord[],
  pushed: Set<string>,
  now: number,
): void {
  for (const m of msgs) {
    const { seq: _s, sortTs: _t, origin, receivedAt: _r, pushed: p, v2: _v, signed: _g, ...msg } = m;
    storeVerified(mem, calls, msg, origin, now);
    if (p) pushed.add(m.msgId);
  }
}

/** Circles from before v2: this browser owns the ones it created; every circle learns its key (our card). */
export function adoptPreV2Circles(mem: MemStore, edPublic: Uint8Array, publishCard: (circleId: string) => void): void {
  const own = toHex(edPublic);
  for (const c of mem.listCircles()) {
    if (c.owned && !mem.getCircleOwner(c.circleId)) mem.setCircleOwner(c.circleId, own);
    publishCard(c.circleId);
  }
}
