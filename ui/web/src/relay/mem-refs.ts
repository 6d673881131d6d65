// Replies, reactions, edits and deletes in the relay-only browser's store (docs/PROTOCOL.md §18):
// the port's refsTo and eraseMessage for MemStore, as NodeStore's. Loaded with their rules
// (src/sync/v2-refs.ts) when the browser first meets one, never at first load: importing this
// module gives every MemStore the methods (mem-messages.ts declares them), as mem-search.ts does.
import type { OrderKey, StoredMessage, V2MessageCols } from "../../../../src/sync/store.ts";
import { ck, MemMessages, own } from "./mem-messages.ts";

/** the rows and their bookkeeping (protected in MemMessages; this module is its extension) */
interface Rows {
  messages: Map<string, StoredMessage>;
  v2: Map<string, V2MessageCols>;
  dirtyMsgs: Set<string>;
}
const rowsOf = (m: MemMessages) => m as unknown as Rows;

// every row gets its kind, target and deleted flag, as NodeStore's (before this module loads no row is of kinds
// 3-6, and rows read back keep what they were saved with)
const { insertMessage, attachV2 } = MemMessages.prototype;
MemMessages.prototype.insertMessage = function (this: MemMessages, m, meta, v2) {
  const row = insertMessage.call(this, m, meta, v2);
  const kept = row && rowsOf(this).messages.get(row.msgId)!;
  if (!kept) return row;
  Object.assign(kept, { kind: v2?.kind ?? null, targetId: v2?.targetId ?? null, deleted: 0 });
  return own(kept);
};
MemMessages.prototype.attachV2 = function (this: MemMessages, msgId, v2) {
  const m = rowsOf(this).messages.get(msgId);
  if (m?.deleted || !attachV2.call(this, msgId, v2)) return false;
  Object.assign(m!, { kind: v2.kind, targetId: v2.targetId ?? null });
  return true;
};
const annotates = (m: StoredMessage) => m.kind === 4 || m.kind === 5 || m.kind === 6;

// reactions, edits and deletes (kinds 4-6) annotate another row: not listed (as NodeStore)
const cmp = (a: OrderKey, b: OrderKey) => a.sortMs - b.sortMs || a.seq - b.seq;
MemMessages.prototype.channelMessages = function (this: MemMessages, circleId, channelId, { limit, before }) {
  const list =
    (this as unknown as { byChannel: Map<string, StoredMessage[]> }).byChannel.get(ck(circleId, channelId)) ?? [];
  const out: StoredMessage[] = [];
  for (let i = list.length; i-- && out.length < limit; ) {
    const m = list[i]!;
    if ((!before || cmp(m, before) < 0) && !annotates(m)) out.unshift(own(m));
  }
  return out;
};

MemMessages.prototype.refRows = function (this: MemMessages) {
  return [...rowsOf(this).messages.values()]
    .filter((m) => (m.kind ?? 0) >= 3 && (m.kind ?? 0) <= 6 && !m.deleted)
    .map(own);
};

MemMessages.prototype.refsTo = function (this: MemMessages, circleId: string, targetIds: string[]) {
  const ids = new Set(targetIds);
  return [...rowsOf(this).messages.values()]
    .filter((m) => m.circleId === circleId && !!m.targetId && ids.has(m.targetId) && annotates(m) && !m.deleted)
    .sort((a, b) => a.seq - b.seq)
    .map(own);
};

/** as NodeStore: the row stays as a tombstone, its text, MAC and wires go (and its IndexedDB record is rewritten) */
MemMessages.prototype.eraseMessage = function (this: MemMessages, msgId: string) {
  const r = rowsOf(this);
  for (const m of r.messages.values()) {
    if (m.msgId !== msgId && !(m.targetId === msgId && (m.kind === 4 || m.kind === 5))) continue;
    m.text = "";
    m.mac = null;
    m.deleted = 1;
    m.signed = 0;
    r.v2.delete(m.msgId);
    r.dirtyMsgs.add(m.msgId);
  }
};
