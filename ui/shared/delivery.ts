// Delivery state in the front ends (issue 14 item 4): the words of a message's mark, and a
// "delivery" event applied to the loaded messages. Shared by the web client and the TUI
// (/info is in info-command.ts, loaded with the command registry). Kept small: the relay-only
// page loads it at start.
import type { Delivery, DeliveryUpdate } from "../../src/peer/delivery.ts";
import type { MessageView } from "./types.ts";

/** What a mark on an own message says, on hover and in /info. */
export const deliveryText = (d: Delivery): string =>
  d.state === "pending"
    ? "pending: not yet held by another member or the relay"
    : `sent: ${d.holders ? `held by ${d.holders} member(s)` : ""}${d.holders && d.relay ? ", " : ""}${d.relay ? "on the relay" : ""}`;

/** The loaded messages with one message's delivery replaced (the same object when it is not loaded). */
export function withDelivery(all: Record<string, MessageView[]>, u: DeliveryUpdate): Record<string, MessageView[]> {
  const out = { ...all };
  for (const k in all)
    if (all[k]!.some((m) => m.msgId === u.msgId))
      return { ...out, [k]: all[k]!.map((m) => (m.msgId === u.msgId ? { ...m, delivery: u.delivery } : m)) };
  return all;
}
