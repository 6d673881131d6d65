// The relay-only browser's working state, in memory: the SyncStore the pure merge and
// control-event code of src/sync works on (so channels, names and circle names follow the
// same rules as in the node). IndexedDB keeps the durable copy (persist.ts).
import type { ChatMessage } from "../../../../src/protocol/message.ts";
import type { ChannelRow, CircleRow, MessageMeta, PeerRow, StoredMessage, SyncStore } from "../../../../src/sync/store.ts";

const cmp = (a: StoredMessage, b: StoredMessage) => a.sortTs - b.sortTs || (a.msgId < b.msgId ? -1 : a.msgId > b.msgId ? 1 : 0);
const ck = (circleId: string, channelId: string) => `${circleId}/${channelId}`;

export class MemStore implements SyncStore {
  readonly circles = new Map<string, CircleRow>();
  private messages = new Map<string, StoredMessage>();
  private byChannel = new Map<string, StoredMessage[]>();
  private channels = new Map<string, Map<string, ChannelRow>>();
  private members = new Map<string, Map<string, string>>();
  private names = new Map<string, string>();
  private seq = 0;
  /** called when a circle row changed (name), so it can be saved */
  onCircleChange: (c: CircleRow) => void = () => {};

  transaction<T>(fn: () => T): T {
    return fn();
  }

  getCircle(circleId: string) { return this.circles.get(circleId); }
  listCircles() { return [...this.circles.values()].sort((a, b) => a.joinedAt - b.joinedAt || (a.circleId < b.circleId ? -1 : 1)); }
  addCircle(c: CircleRow): boolean {
    if (this.circles.has(c.circleId)) return false;
    this.circles.set(c.circleId, c);
    return true;
  }
  setCircleName(circleId: string, name: string) {
    const c = this.circles.get(circleId);
    if (!c) return;
    c.name = name;
    this.onCircleChange(c);
  }
  removeCircle(circleId: string) {
    this.circles.delete(circleId);
    for (const [id, m] of this.messages) if (m.circleId === circleId) this.messages.delete(id);
    for (const k of [...this.byChannel.keys()]) if (k.startsWith(circleId + "/")) this.byChannel.delete(k);
    for (const k of [...this.members.keys()]) if (k.startsWith(circleId + "/")) this.members.delete(k);
    this.channels.delete(circleId);
  }

  hasMessage(msgId: string) { return this.messages.has(msgId); }
  missingIds(ids: string[]) { return ids.filter((id) => !this.messages.has(id)); }
  offerIds(circleId: string, opts: { minCreatedTs?: number; limit?: number }) {
    const all = [...this.messages.values()].filter((m) => m.circleId === circleId && m.createdTs >= (opts.minCreatedTs ?? 0)).sort(cmp).reverse();
    return all.slice(0, opts.limit ?? all.length).map((m) => m.msgId);
  }
  getMessages(circleId: string, ids: string[]) {
    return ids.map((id) => this.messages.get(id)).filter((m): m is StoredMessage => !!m && m.circleId === circleId);
  }
  getMessage(msgId: string) { return this.messages.get(msgId); }
  insertMessage(m: ChatMessage, meta: MessageMeta): StoredMessage | null {
    if (this.messages.has(m.msgId)) return null;
    const row: StoredMessage = { ...m, seq: ++this.seq, sortTs: meta.sortTs, origin: meta.origin, receivedAt: meta.receivedAt };
    this.messages.set(m.msgId, row);
    const k = ck(m.circleId, m.channelId);
    const list = this.byChannel.get(k) ?? [];
    // binary search: new messages usually go at the end
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(list[mid]!, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, row);
    this.byChannel.set(k, list);
    return row;
  }
  setMac(msgId: string, mac: string) {
    const m = this.messages.get(msgId);
    if (m) m.mac = mac;
  }
  /** a page of a channel, oldest first, ending before `before` (exclusive) */
  channelMessages(circleId: string, channelId: string, limit: number, before?: { sortTs: number; msgId: string }): StoredMessage[] {
    const list = this.byChannel.get(ck(circleId, channelId)) ?? [];
    let end = list.length;
    if (before) {
      const b = { sortTs: before.sortTs, msgId: before.msgId } as StoredMessage;
      while (end > 0 && cmp(list[end - 1]!, b) >= 0) end--;
    }
    return list.slice(Math.max(0, end - limit), end);
  }
  countMessages(circleId: string): number {
    let n = 0;
    for (const [k, list] of this.byChannel) if (k.startsWith(circleId + "/") && !k.endsWith("/__control")) n += list.length;
    return n;
  }
  ownUnpushed(circleId: string, nodeId: string, pushed: Set<string>): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.circleId === circleId && m.authorNodeId === nodeId && !pushed.has(m.msgId)).sort((a, b) => a.seq - b.seq);
  }

  // Presence comes from the relay on demand; the browser keeps no peer table.
  listPeers(_circleId: string): PeerRow[] { return []; }
  getPeer(_circleId: string, _nodeId: string): PeerRow | undefined { return undefined; }
  putPeer(_p: PeerRow): void {}
  deletePeer(_circleId: string, _nodeId: string): void {}

  getChannel(circleId: string, channelId: string) { return this.channels.get(circleId)?.get(channelId); }
  listChannels(circleId: string) {
    return [...(this.channels.get(circleId)?.values() ?? [])].sort((a, b) =>
      a.channelId === "general" ? -1 : b.channelId === "general" ? 1 : a.channelId < b.channelId ? -1 : 1);
  }
  createChannel(c: ChannelRow): boolean {
    const m = this.channels.get(c.circleId) ?? new Map<string, ChannelRow>();
    this.channels.set(c.circleId, m);
    if (m.has(c.channelId)) return false;
    m.set(c.channelId, { ...c });
    return true;
  }
  setChannelMember(circleId: string, channelId: string, nodeId: string, state: "member" | "requested" | null) {
    const k = ck(circleId, channelId);
    const m = this.members.get(k) ?? new Map<string, string>();
    this.members.set(k, m);
    if (state === null) m.delete(nodeId);
    else m.set(nodeId, state);
  }
  channelMembers(circleId: string, channelId: string) {
    return [...(this.members.get(ck(circleId, channelId)) ?? new Map<string, string>())].map(([nodeId, state]) => ({ nodeId, state })).sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
  }

  setDisplayName(nodeId: string, name: string, _now: number) { this.names.set(nodeId, name); }
  getDisplayName(nodeId: string) { return this.names.get(nodeId); }

  upsertAnchor(): void {}
}
