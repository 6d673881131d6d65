// What only a v1 TCP exchange asks of a store (src/sync/v1-exchange.ts, v1-offer.ts): the relay-only
// browser runs none, so these are out of its first load; they come with the legacy code
// (legacy.ts), so the store answers the whole port wherever v1 is loaded (and in tests).
import type { StoredMessage } from "../../../../src/sync/store.ts";
import { byId, MemMessages } from "./mem-messages.ts";

const rows = (m: MemMessages) => (m as unknown as { messages: Map<string, StoredMessage> }).messages;

MemMessages.prototype.missingIds = function (this: MemMessages, ids: string[]) {
  return ids.filter((id) => !rows(this).has(id));
};

/** what a v1 peer can be offered, as NodeStore: MAC'd rows, newest (created_ts, msg_id) first */
MemMessages.prototype.offerIds = function (this: MemMessages, circleId, opts) {
  const all = [...rows(this).values()]
    .filter((m) => m.circleId === circleId && m.mac && m.createdTs >= (opts.minCreatedTs ?? 0))
    .sort((a, b) => b.createdTs - a.createdTs || byId(b.msgId, a.msgId));
  return all.slice(0, opts.limit ?? all.length).map((m) => m.msgId);
};
