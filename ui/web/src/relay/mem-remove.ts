// Removing a circle from the relay-only browser's store (the port's removeCircle: its messages,
// channels and members, keys, cards, removals, invites and admissions; names stay): loaded with
// the leave (relay-leave.ts), never at first load. Importing it gives every MemStore the method.
import { byKey } from "./mem-messages.ts";
import { MemStore } from "./mem-store.ts";

/** the tables (protected in MemStore; this module is its extension) */
type Tables = Record<
  | "messages"
  | "v2"
  | "holders"
  | "byChannel"
  | "members"
  | "epochKeys"
  | "cards"
  | "removed"
  | "v2Channels"
  | "channelKeys"
  | "channels"
  | "owners",
  Map<string, unknown>
> & {
  invites: Map<string, { circleId: string }>;
  rows(circleId: string): { msgId: string }[];
  dropInvite(id: string): void;
  touched(): void;
  dirtyCircles: boolean;
};

MemStore.prototype.removeCircle = function (this: MemStore, circleId: string) {
  const t = this as unknown as Tables;
  this.circles.delete(circleId);
  for (const m of t.rows(circleId)) {
    t.messages.delete(m.msgId);
    t.v2.delete(m.msgId);
    t.holders.delete(m.msgId);
  }
  const p = circleId + "/";
  for (const map of [t.byChannel, t.members, t.epochKeys, t.cards, t.removed, t.v2Channels, t.channelKeys])
    for (const k of byKey(map, p)) map.delete(k);
  for (const [id, inv] of t.invites) if (inv.circleId === circleId) t.dropInvite(id);
  t.channels.delete(circleId);
  t.owners.delete(circleId);
  t.dirtyCircles = true;
  t.touched();
};
