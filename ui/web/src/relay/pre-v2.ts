// The one-time move of a browser's data from before felund v2 (an id without a key, v1 circles
// only) to its new signing identity. Loaded with the rest of the v1 code (legacy.ts), so the
// first load of every later visit does not carry it.
import { toHex } from "../../../../src/protocol/bytes.ts";
import { publishCard } from "../../../../src/peer/card.ts";
import type { PeerCtx } from "../../../../src/peer/ctx.ts";
import { storeVerified } from "../../../../src/sync/merge.ts";
import type { MessageRecord } from "./persist.ts";

/** What the user is told once: the node id changed, nothing was lost. */
export const preV2Notice = (oldId: string, newId: string): string =>
  `This browser now signs what it writes (felund v2): its node id changed from ${oldId.slice(0, 8)}… to ${newId.slice(0, 8)}…. Your circles and history are kept.`;

/** Circles from before v2: this browser owns the ones it created; every circle learns its key (our card). */
export function adoptPreV2Circles(peer: PeerCtx): void {
  const own = toHex(peer.keys().edPublic);
  for (const c of peer.store.listCircles()) {
    if (c.owned && !peer.store.getCircleOwner(c.circleId)) peer.store.setCircleOwner(c.circleId, own);
    publishCard(peer, c.circleId);
  }
}

/**
 * History saved before v2 (v1 messages only, without the derived tables): channels and names
 * rebuilt by applying it again, in the order it was stored. The ids already pushed to the relay.
 */
export function replayPreV2History(peer: PeerCtx, msgs: MessageRecord[]): string[] {
  const now = peer.now();
  const pushed: string[] = [];
  for (const m of msgs) {
    const { seq: _s, sortTs: _t, origin, receivedAt: _r, pushed: p, v2: _v, signed: _g, ...msg } = m;
    storeVerified(peer.store, peer.calls, msg, origin, now);
    if (p) pushed.push(m.msgId);
  }
  return pushed;
}
