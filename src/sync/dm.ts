// Direct messages against the store (docs/PROTOCOL.md §21): who the other member of a
// conversation is, the pairwise key from that member's card, and the rules a kind-8 message
// meets on apply beyond its signature (a v2-only circle; a recipient still in the circle).
import { fromHex } from "../protocol/bytes.ts";
import type { Rng } from "../protocol/crypto.ts";
import { decodeDm, dmChannelId, dmKey, openDm, sealDm } from "../protocol/v2/dm.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import type { SignedMessage } from "../protocol/v2/message.ts";
import type { CircleRow, SyncStoreV2 } from "./store.ts";

/** The member this peer talks to in a DM channel (from the member cards), or undefined. */
export const dmPeerOf = (store: SyncStoreV2, circleId: string, channelId: string, self: string) =>
  store.listMemberCards(circleId).find((c) => c.nodeId !== self && dmChannelId(circleId, self, c.nodeId) === channelId);

/** The pairwise key with `other`, or null without its card. */
export function pairKey(store: SyncStoreV2, self: NodeKeys, circleId: string, other: string): Uint8Array | null {
  const card = store.getMemberCard(circleId, other);
  return card ? dmKey(self.xSecret, fromHex(card.xKey), circleId, self.nodeId, other) : null;
}

/** Why a (verified) DM cannot be stored here, or null. */
export function dmRefusal(store: SyncStoreV2, circle: CircleRow, m: SignedMessage): string | null {
  if (circle.mode !== "v2") return "direct messages need a v2-only circle";
  const removed = store.removedAt(circle.circleId, decodeDm(m.body).to);
  return removed !== undefined && m.createdTs >= removed ? "recipient was removed from the circle" : null;
}

/** The text for this peer: open when it is the author or the recipient, else "" (stored, relayed, unread). */
export function dmText(store: SyncStoreV2, self: NodeKeys, m: SignedMessage): string {
  const to = decodeDm(m.body).to;
  const other = m.authorNodeId === self.nodeId ? to : to === self.nodeId ? m.authorNodeId : null;
  const key = other && pairKey(store, self, m.circleId, other);
  return (key && openDm(key, m.circleId, m.authorNodeId, m.body)) ?? "";
}

/** The sealed body of this peer's DM in `channelId`, or null without the other member's card. */
export function dmBody(
  store: SyncStoreV2,
  self: NodeKeys,
  a: { circleId: string; channelId: string; text: string; rng: Rng },
): Uint8Array | null {
  const to = dmPeerOf(store, a.circleId, a.channelId, self.nodeId)?.nodeId;
  const k = to && pairKey(store, self, a.circleId, to);
  return to && k ? sealDm(k, { circleId: a.circleId, author: self.nodeId, to, text: a.text }, a.rng(12)) : null;
}
