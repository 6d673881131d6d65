// Direct messages against the store (docs/PROTOCOL.md §21): the pairwise key from the other
// member's card, opening a DM for this peer, and the rules a kind-8 message
// meets on apply beyond its signature (a v2-only circle; a recipient still in the circle).
import { fromHex } from "../protocol/bytes.ts";
import { decodeDm, dmKey, dmProblem, openDm } from "../protocol/v2/dm.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import type { SignedMessage } from "../protocol/v2/message.ts";
import type { CircleRow, SyncStoreV2 } from "./store.ts";
import { installDmRules } from "./v2-apply.ts";
import { accept, reject } from "../protocol/verdict.ts";

/** The pairwise key with `other`, or null without its card. */
export function pairKey(store: SyncStoreV2, self: NodeKeys, circleId: string, other: string): Uint8Array | null {
  const card = store.getMemberCard(circleId, other);
  return card ? dmKey(self.xSecret, fromHex(card.xKey), circleId, self.nodeId, other) : null;
}

/** Why a (verified) DM cannot be stored here, or null: who may write it (§21), then the circle's rules. */
export function dmRefusal(store: SyncStoreV2, circle: CircleRow, m: SignedMessage): string | null {
  const p = dmProblem(m);
  if (p) return p;
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

/** Give the engine these rules (the node at start; the relay-only browser before its first DM). */
export const useDmRules = (): void =>
  installDmRules((store, circle, self, m) => {
    const no = dmRefusal(store, circle, m);
    return no ? reject(no) : accept(dmText(store, self, m));
  });
