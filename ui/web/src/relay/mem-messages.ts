// The message rows of the relay-only browser's store (MemStore, mem-store.ts): each row, its v2
// columns, each channel's rows in display order, and which rows changed since the last save.
import type { ChatMessage } from "../../../../src/protocol/message.ts";
import type {
  MessageMeta,
  OrderKey,
  StoredMessage,
  SyncStore,
  V2Item,
  V2MessageCols,
} from "../../../../src/sync/store.ts";

/** Ids (msg, circle, channel, node) in SQLite's text order. */
export const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Display order, as NodeStore's: (sortMs, then seq, the order this peer stored them). */
const cmp = (a: OrderKey, b: OrderKey) => a.sortMs - b.sortMs || a.seq - b.seq;
/** Key of a per-channel (or per-member) entry: "circle/channel". */
export const ck = (circleId: string, channelId: string) => `${circleId}/${channelId}`;
/** The keys of a map that start with `prefix` (all of a circle's entries: "circle/"). */
export const byKey = <T>(m: Map<string, T>, prefix: string) => [...m.keys()].filter((k) => k.startsWith(prefix));
/** A copy of a row handed out: rows read are snapshots, as SQLite's are (the store changes its own in place). */
export const own = <T>(row: T): T => row && { ...row };

export class MemMessages {
  protected messages = new Map<string, StoredMessage>();
  protected v2 = new Map<string, V2MessageCols>();
  protected byChannel = new Map<string, StoredMessage[]>();
  private seq = 0;
  /** message rows changed since the last takeChanges() */
  protected dirtyMsgs = new Set<string>();

  hasMessage(msgId: string) {
    return this.messages.has(msgId);
  }
  /** the rows of a circle, in arrival order */
  protected rows(circleId: string) {
    return [...this.messages.values()].filter((m) => m.circleId === circleId);
  }
  /** what a v1 TCP exchange asks (the browser runs none): mem-v1.ts, with the legacy code (legacy.ts) */
  declare offerIds: SyncStore["offerIds"];
  declare missingIds: SyncStore["missingIds"];
  getMessages(circleId: string, ids: string[]) {
    return ids
      .map((id) => own(this.messages.get(id)))
      .filter((m): m is StoredMessage => !!m && m.circleId === circleId);
  }
  getMessage(msgId: string) {
    return own(this.messages.get(msgId));
  }
  /** delivery state of own messages: msg id -> holders (the browser's one path is the relay: saved as the row's pushed flag) */
  protected holders = new Map<string, Set<string>>();
  addHolders(author: string, msgIds: string[], holder: string, _now: number): string[] {
    return msgIds.filter((id) => {
      if (this.messages.get(id)?.authorNodeId !== author) return false;
      const h = this.holders.get(id) ?? new Set<string>();
      this.holders.set(id, h);
      return !h.has(holder) && !!h.add(holder);
    });
  }
  holdersOf(msgId: string): string[] {
    return [...(this.holders.get(msgId) ?? [])].sort(byId);
  }
  insertMessage(m: ChatMessage, meta: MessageMeta, v2?: V2MessageCols): StoredMessage | null {
    if (this.messages.has(m.msgId)) return null;
    if (v2) this.v2.set(m.msgId, { ...v2 });
    const order = { createdMs: v2?.createdMs ?? null, authorSeq: v2?.authorSeq ?? null };
    return own(this.place({ ...m, ...meta, ...order, late: meta.late ? 1 : 0, seq: ++this.seq, signed: v2 ? 1 : 0 }));
  }
  insertV2Message(m: ChatMessage, v2: V2MessageCols, meta: MessageMeta) {
    return this.insertMessage(m, meta, v2);
  }
  /** a row read back from IndexedDB, with its seq and v2 columns (no rules applied: they were when it arrived) */
  loadRow(row: Omit<StoredMessage, "sortMs"> & { sortMs?: number }, v2?: V2MessageCols) {
    if (this.messages.has(row.msgId)) return;
    this.seq = Math.max(this.seq, row.seq);
    if (v2) this.v2.set(row.msgId, v2);
    // rows saved before display order had milliseconds: their second, then the order they were stored
    const sortMs = row.sortMs ?? row.sortTs * 1000;
    this.place({
      ...row,
      sortMs,
      createdMs: v2?.createdMs ?? null,
      authorSeq: v2?.authorSeq ?? null,
      signed: v2 ? 1 : 0,
    });
    this.dirtyMsgs.delete(row.msgId);
  }
  /** while set (relay-fill.ts, a page of older history), a row placed goes to it, not into its channel's list */
  declare held?: (row: StoredMessage, key: string) => void;
  private place(row: StoredMessage): StoredMessage {
    this.messages.set(row.msgId, row);
    const k = ck(row.circleId, row.channelId);
    this.dirtyMsgs.add(row.msgId);
    if (this.held) return (this.held(row, k), row);
    const list = this.byChannel.get(k) ?? [];
    // binary search: new messages usually go at the end
    let lo = 0,
      hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(list[mid]!, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, row);
    this.byChannel.set(k, list);
    return row;
  }
  lastAuthored(circleId: string, authorNodeId: string) {
    let createdMs = 0;
    let authorSeq = 0;
    for (const m of this.messages.values())
      if (m.circleId === circleId && m.authorNodeId === authorNodeId && m.authorSeq) {
        createdMs = Math.max(createdMs, m.createdMs!);
        authorSeq = Math.max(authorSeq, m.authorSeq);
      }
    return { createdMs, authorSeq };
  }
  setMac(msgId: string, mac: string) {
    const m = this.messages.get(msgId);
    if (m && !m.mac) {
      m.mac = mac;
      this.dirtyMsgs.add(msgId);
    }
  }
  channelMessages(
    circleId: string,
    channelId: string,
    { limit, before }: { limit: number; before?: OrderKey },
  ): StoredMessage[] {
    const list = this.byChannel.get(ck(circleId, channelId)) ?? [];
    let end = list.length;
    if (before) while (end > 0 && cmp(list[end - 1]!, before) >= 0) end--;
    // (mem-refs.ts leaves out reactions, edits and deletes: none is stored before it loads)
    return list.slice(Math.max(0, end - limit), end).map(own);
  }
  /** Replies, reactions, edits and deletes: mem-refs.ts replaces these two when it loads with their rules (not in
   * the first load). Until then no reaction, edit or delete is stored here, so none refers to anything. */
  refsTo(_circleId: string, _targetIds: string[]): StoredMessage[] {
    return [];
  }
  eraseMessage(_msgId: string): void {
    throw new Error("mem-refs.ts is not loaded");
  }
  declare refRows: () => StoredMessage[];
  /** Compact rows (mem-cold.ts, a chunk loaded by a fill or a reload with history): these rows are in IndexedDB in
   * full, memory keeps what it needs of them; `hasV2`: a signed copy is stored (its wire maybe in IndexedDB only). */
  declare compact?: (records?: readonly { msgId: string; pushed: boolean }[]) => void;
  declare hasV2?: (msgId: string) => boolean;
  /** The port's full-text search, a scan with the matcher of src/sync/search.ts: defined by the search chunk
   * (mem-search.ts) when it first loads, so the matcher stays out of the first load. */
  declare searchMessages: SyncStore["searchMessages"];
  countChatMessages(circleId: string): number {
    let n = 0;
    for (const [k, list] of this.byChannel)
      if (k.startsWith(circleId + "/") && !k.endsWith("/__control")) n += list.length;
    return n;
  }
  circleAuthors(circleId: string): { nodeId: string; lastTs: number }[] {
    const last = new Map<string, number>();
    for (const m of this.rows(circleId)) last.set(m.authorNodeId, Math.max(last.get(m.authorNodeId) ?? 0, m.createdTs));
    return [...last].sort((a, b) => byId(a[0], b[0])).map(([nodeId, lastTs]) => ({ nodeId, lastTs }));
  }
  ownUnpushed(circleId: string, nodeId: string, pushed: Set<string>): StoredMessage[] {
    return this.rows(circleId)
      .filter((m) => m.authorNodeId === nodeId && !pushed.has(m.msgId))
      .sort((a, b) => a.seq - b.seq);
  }
  v2Cols(msgId: string) {
    return this.v2.get(msgId);
  }

  v2Items(circleId: string, opts: { maxEpoch: number; legacy: boolean }): V2Item[] {
    const out: V2Item[] = [];
    for (const m of this.rows(circleId)) {
      const v = this.v2.get(m.msgId);
      if (v ? v.keyEpoch <= opts.maxEpoch : opts.legacy && !!m.mac)
        out.push({ ts: m.createdTs, msgId: m.msgId, signed: !!v });
    }
    return out.sort((a, b) => a.ts - b.ts || byId(a.msgId, b.msgId));
  }
  getV2Wire(msgId: string) {
    return this.v2.get(msgId)?.wire;
  }
  attachV2(msgId: string, v2: V2MessageCols): boolean {
    const m = this.messages.get(msgId);
    if (!m || this.v2.has(msgId)) return false;
    this.v2.set(msgId, { ...v2 });
    m.signed = 1;
    m.createdMs = v2.createdMs ?? null;
    m.authorSeq = v2.authorSeq ?? null;
    this.dirtyMsgs.add(msgId);
    return true;
  }
  private wires(circleId: string, channelId: string, keep: (m: StoredMessage) => boolean) {
    return (this.byChannel.get(ck(circleId, channelId)) ?? [])
      .filter(keep)
      .map((m) => ({ msgId: m.msgId, wire: this.v2.get(m.msgId)!.wire }));
  }
  lockedMessages(circleId: string, channelId: string) {
    return this.wires(circleId, channelId, (m) => m.text === "" && this.v2.get(m.msgId)?.kind === 1);
  }
  rekeyWires(circleId: string) {
    return this.wires(
      circleId,
      "__control",
      (m) => m.text.startsWith('{"t":"V2_REKEY"') && this.v2.get(m.msgId)?.kind === 2,
    ).map((x) => x.wire);
  }
  setMessageText(msgId: string, text: string) {
    const m = this.messages.get(msgId);
    if (!m) return;
    m.text = text;
    this.dirtyMsgs.add(msgId);
  }
}
