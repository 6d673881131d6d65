// Compact rows in the relay-only browser's store (issue 17: its memory past 100,000 messages).
// Once IndexedDB holds a message in full (its commit is done), memory keeps of it only what the
// store's rules and views read: the row with its text, its ids interned (one string per circle,
// channel, author, name), and in place of its v2 columns one object shared by every compact row of
// the same epoch and kind. The signed wire, the signature and the author key (about two thirds
// of a row's bytes) stay in IndexedDB only. What needs a wire keeps it: control events (timeline,
// pins, re-keys), attachments (their descriptor), direct messages, rows whose text is not readable
// yet (a sealed channel's before its key), and our own until the relay holds them (pushed from
// their wire). A row changed later is written back with the wire IndexedDB holds (idb.ts's commit).
// A chunk of its own: loaded by the first older page (relay-fill.ts) and by a reload with a long
// history (idb.ts reads it in batches, each compact before the next).
import type { StoredMessage, V2MessageCols } from "../../../../src/sync/store.ts";
import { ck, MemMessages } from "./mem-messages.ts";
import type { MessageRecord } from "./persist.ts";

/** the rows and their bookkeeping (protected in MemMessages; this module is its extension) */
interface Rows {
  messages: Map<string, StoredMessage>;
  v2: Map<string, V2MessageCols>;
  byChannel: Map<string, StoredMessage[]>;
  dirtyMsgs: Set<string>;
}
const rowsOf = (m: MemMessages) => m as unknown as Rows;

/** a compact row's v2 columns: its wire, signature and key left in IndexedDB (`wire` empty) */
export const isCompact = (v: V2MessageCols | undefined): boolean => v?.wire === "";
const shared = new Map<string, V2MessageCols>();
const compactCols = (v: V2MessageCols): V2MessageCols => {
  const k = `${v.keyEpoch}/${v.kind}`;
  let c = shared.get(k);
  if (!c)
    shared.set(k, (c = Object.freeze({ authorKey: "", signature: "", wire: "", keyEpoch: v.keyEpoch, kind: v.kind })));
  return c;
};

/** A message whose wire memory need not keep: signed text, sealed text, a reply, reaction, edit or delete, readable,
 * in a channel (not __control, not a direct message), not ours before the relay holds it. */
export function compactable(r: Pick<MessageRecord, "channelId" | "text" | "origin" | "pushed">, v?: V2MessageCols) {
  return (
    !!v?.wire &&
    (v.kind <= 1 || (v.kind >= 3 && v.kind <= 6)) &&
    r.text !== "" &&
    r.channelId !== "__control" &&
    !r.channelId.startsWith("__dm") &&
    (r.origin !== "local" || r.pushed)
  );
}

const interned = new Map<string, string>();
const intern = (s: string) => {
  const x = interned.get(s);
  if (x !== undefined) return x;
  if (interned.size < 10_000) interned.set(s, s);
  return s;
};

/** The row again as one object of one shape (no properties added later), its repeated strings shared. */
const compactRow = (m: StoredMessage): StoredMessage => ({
  msgId: m.msgId,
  circleId: intern(m.circleId),
  channelId: intern(m.channelId),
  authorNodeId: intern(m.authorNodeId),
  displayName: intern(m.displayName),
  createdTs: m.createdTs,
  text: m.text,
  mac: m.mac,
  seq: m.seq,
  sortTs: m.sortTs,
  sortMs: m.sortMs,
  late: m.late,
  createdMs: m.createdMs,
  authorSeq: m.authorSeq,
  origin: intern(m.origin),
  receivedAt: m.receivedAt,
  signed: m.signed,
  kind: m.kind,
  targetId: m.targetId,
  deleted: m.deleted,
});

const cmp = (a: StoredMessage, b: StoredMessage) => a.sortMs - b.sortMs || a.seq - b.seq;

MemMessages.prototype.hasV2 = function (this: MemMessages, msgId: string) {
  return rowsOf(this).v2.has(msgId);
};

/** Rows saved before this chunk loaded (read back at start, or a circle's newest page before its first older one):
 * once the journal's writes so far are done, every row not changed since is in the persistence in full (ours: those
 * `pushed` names). Once per store. */
const swept = new WeakSet<MemMessages>();
export function compactSaved(mem: MemMessages, pushed?: ReadonlySet<string>): void {
  if (swept.has(mem)) return;
  swept.add(mem);
  mem.compact!([...rowsOf(mem).messages.keys()].map((msgId) => ({ msgId, pushed: !!pushed?.has(msgId) })));
}

MemMessages.prototype.compact = function (this: MemMessages, records = []) {
  const r = rowsOf(this);
  for (const rec of records) {
    const m = r.messages.get(rec.msgId);
    const v = r.v2.get(rec.msgId);
    // (changed again since that commit: compacted after the next one; read back compact: given its shape)
    if (!m || r.dirtyMsgs.has(rec.msgId) || !(isCompact(v) || compactable({ ...m, pushed: rec.pushed }, v))) continue;
    r.v2.set(m.msgId, compactCols(v!));
    const row = compactRow(m);
    r.messages.set(m.msgId, row);
    // the same row in its channel's list (by display order: a binary search)
    const list = r.byChannel.get(ck(m.circleId, m.channelId));
    if (list) {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cmp(list[mid]!, m) < 0) lo = mid + 1;
        else hi = mid;
      }
      if (list[lo] === m) list[lo] = row;
      else {
        const i = list.indexOf(m);
        if (i >= 0) list[i] = row;
      }
    }
  }
};

/** A record read back, compact as the store will keep it (before the next batch is read). */
const compactRecord = (rec: MessageRecord): MessageRecord => ({
  ...rec,
  circleId: intern(rec.circleId),
  channelId: intern(rec.channelId),
  authorNodeId: intern(rec.authorNodeId),
  displayName: intern(rec.displayName),
  origin: intern(rec.origin),
  v2: compactable(rec, rec.v2) ? compactCols(rec.v2!) : rec.v2,
});

/** A long history read back (idb.ts, after its `first` records): the rest in batches, each record compact before
 * the next batch is read, so the whole history is never in memory whole. */
export async function readCompact(db: IDBDatabase, first: MessageRecord[]): Promise<MessageRecord[]> {
  const out = first.map(compactRecord);
  for (let last = out.at(-1)?.msgId; last !== undefined; ) {
    const st = db.transaction("messages").objectStore("messages");
    const batch = await new Promise<MessageRecord[]>((ok, fail) => {
      const r = st.getAll(IDBKeyRange.lowerBound(last!, true), 2000);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    for (const rec of batch) out.push(compactRecord(rec));
    last = batch.length < 2000 ? undefined : batch.at(-1)!.msgId;
  }
  return out;
}
