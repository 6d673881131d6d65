// Delivery state of a peer's own messages (issue 14, docs/PROTOCOL.md "Delivery state"):
// "pending" until another member or the circle's relay is known to hold one, then "sent", with
// how many members hold it. Each path tells the peer who holds what (a v2 session's HELD
// frame, a v1 peer's MSGS_HAVE or a completed MSGS_SEND, a push the relay accepted); the
// store keeps it, so a pending message stays pending across a restart.
import { RELAY_HOLDER, type SyncStoreV2 } from "../sync/store.ts";

export interface Delivery {
  state: "pending" | "sent";
  /** how many other members are known to hold it */
  holders: number;
  /** the circle's relay holds it */
  relay: boolean;
}

/** A change of one own message's delivery state, for the front ends (a "delivery" event). */
export interface DeliveryUpdate {
  circleId: string;
  msgId: string;
  delivery: Delivery;
}

export function deliveryOf(store: SyncStoreV2, msgId: string): Delivery {
  const h = store.holdersOf(msgId);
  const relay = h.includes(RELAY_HOLDER);
  const holders = h.length - (relay ? 1 : 0);
  return { state: holders > 0 || relay ? "sent" : "pending", holders, relay };
}

/**
 * `holder` (a member's node id, or RELAY_HOLDER) holds these messages: record it for the ones
 * `me` wrote, and return what changed. A member never counts as holding its own message.
 */
export function noteHeld(
  store: SyncStoreV2,
  me: string,
  msgIds: readonly string[],
  holder: string,
  now: number,
): DeliveryUpdate[] {
  if (!msgIds.length || !holder || holder === me) return [];
  const fresh = store.addHolders(me, [...new Set(msgIds)], holder, now);
  return fresh.flatMap((msgId) => {
    const m = store.getMessage(msgId);
    return m ? [{ circleId: m.circleId, msgId, delivery: deliveryOf(store, msgId) }] : [];
  });
}
