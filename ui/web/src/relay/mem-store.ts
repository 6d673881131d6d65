// The relay-only browser's working state, in memory: the SyncStoreV2 the pure code of src/sync
// works on (acceptSigned, composeText/Event, v2-admin, the admission engine, and the v1 merge
// for legacy circles), so signatures, channels, keys, names, invites and circle names follow
// exactly the node's rules. IndexedDB keeps the durable copy (persist.ts): the messages, and
// the derived tables as one StoreState (dump/restore), written together after each change.
import type { ChatMessage } from "../../../../src/protocol/message.ts";
import type {
  ChannelRow,
  CircleRow,
  InviteRow,
  MemberCardRow,
  MessageMeta,
  PeerRow,
  StoredMessage,
  SyncStoreV2,
  V2ChannelRow,
  V2Item,
  V2MessageCols,
} from "../../../../src/sync/store.ts";

const cmp = (a: StoredMessage, b: StoredMessage) =>
  a.sortTs - b.sortTs || (a.msgId < b.msgId ? -1 : a.msgId > b.msgId ? 1 : 0);
const ck = (circleId: string, channelId: string) => `${circleId}/${channelId}`;
const byKey = <T>(m: Map<string, T>, prefix: string) => [...m.keys()].filter((k) => k.startsWith(prefix));

/** Everything but messages and circles, as plain data (IndexedDB "state"). */
export interface StoreState {
  v: 1;
  owners: [string, string][];
  epochKeys: [string, string][];
  cards: MemberCardRow[];
  removed: [string, number][];
  v2Channels: V2ChannelRow[];
  channelKeys: [string, string][];
  invites: InviteRow[];
  admissions: string[];
  channels: ChannelRow[];
  members: [string, string][];
  names: [string, string][];
}

export class MemStore implements SyncStoreV2 {
  readonly circles = new Map<string, CircleRow>();
  private messages = new Map<string, StoredMessage>();
  private v2 = new Map<string, V2MessageCols>();
  private byChannel = new Map<string, StoredMessage[]>();
  private channels = new Map<string, Map<string, ChannelRow>>();
  /** "circle/channel" -> node -> state */
  private members = new Map<string, Map<string, string>>();
  private names = new Map<string, string>();
  private owners = new Map<string, string>();
  /** "circle/epoch" -> key hex */
  private epochKeys = new Map<string, string>();
  /** "circle/node" -> card */
  private cards = new Map<string, MemberCardRow>();
  /** "circle/node" -> removed_ts */
  private removed = new Map<string, number>();
  private v2Channels = new Map<string, V2ChannelRow>();
  /** "circle/channel/version" -> key hex */
  private channelKeys = new Map<string, string>();
  private invites = new Map<string, InviteRow>();
  /** "invite/node" */
  private admissions = new Set<string>();
  private seq = 0;
  /** what changed since the last takeChanges(): message rows, derived state, circle rows */
  private dirtyMsgs = new Set<string>();
  private dirtyState = false;
  private dirtyCircles = false;

  transaction<T>(fn: () => T): T {
    return fn();
  }

  takeChanges(): { msgIds: string[]; state: boolean; circles: boolean } {
    const c = { msgIds: [...this.dirtyMsgs], state: this.dirtyState, circles: this.dirtyCircles };
    this.dirtyMsgs.clear();
    this.dirtyState = this.dirtyCircles = false;
    return c;
  }
  private touched() {
    this.dirtyState = true;
  }

  // ---- circles ----

  getCircle(circleId: string) {
    return this.circles.get(circleId);
  }
  listCircles() {
    return [...this.circles.values()].sort((a, b) => a.joinedAt - b.joinedAt || (a.circleId < b.circleId ? -1 : 1));
  }
  addCircle(c: CircleRow): boolean {
    if (this.circles.has(c.circleId)) return false;
    this.circles.set(c.circleId, { ...c });
    this.dirtyCircles = true;
    return true;
  }
  private patchCircle(circleId: string, patch: Partial<CircleRow>) {
    const c = this.circles.get(circleId);
    if (!c) return;
    Object.assign(c, patch);
    this.dirtyCircles = true;
  }
  setCircleName(circleId: string, name: string) {
    this.patchCircle(circleId, { name });
  }
  setCircleMode(circleId: string, mode: "v1" | "v2") {
    this.patchCircle(circleId, { mode });
  }
  setCircleEpoch(circleId: string, epoch: number) {
    const c = this.circles.get(circleId);
    if (c && epoch > c.keyEpoch) this.patchCircle(circleId, { keyEpoch: epoch });
  }
  getCircleOwner(circleId: string) {
    return this.owners.get(circleId);
  }
  setCircleOwner(circleId: string, ownerKeyHex: string) {
    this.owners.set(circleId, ownerKeyHex);
    this.dirtyCircles = true;
    this.touched();
  }
  getEpochKey(circleId: string, epoch: number) {
    return this.epochKeys.get(`${circleId}/${epoch}`);
  }
  putEpochKey(circleId: string, epoch: number, keyHex: string, _now: number) {
    const k = `${circleId}/${epoch}`;
    if (this.epochKeys.has(k)) return;
    this.epochKeys.set(k, keyHex);
    this.touched();
  }
  removeCircle(circleId: string) {
    this.circles.delete(circleId);
    for (const [id, m] of this.messages)
      if (m.circleId === circleId) {
        this.messages.delete(id);
        this.v2.delete(id);
      }
    const p = circleId + "/";
    for (const map of [
      this.byChannel,
      this.members,
      this.epochKeys,
      this.cards,
      this.removed,
      this.v2Channels,
      this.channelKeys,
    ] as Map<string, unknown>[])
      for (const k of byKey(map, p)) map.delete(k);
    for (const [id, inv] of this.invites)
      if (inv.circleId === circleId) {
        this.invites.delete(id);
        for (const a of [...this.admissions]) if (a.startsWith(id + "/")) this.admissions.delete(a);
      }
    this.channels.delete(circleId);
    this.owners.delete(circleId);
    this.dirtyCircles = true;
    this.touched();
  }

  // ---- messages ----

  hasMessage(msgId: string) {
    return this.messages.has(msgId);
  }
  missingIds(ids: string[]) {
    return ids.filter((id) => !this.messages.has(id));
  }
  offerIds(circleId: string, opts: { minCreatedTs?: number; limit?: number }) {
    const all = [...this.messages.values()]
      .filter((m) => m.circleId === circleId && m.createdTs >= (opts.minCreatedTs ?? 0))
      .sort(cmp)
      .reverse();
    return all.slice(0, opts.limit ?? all.length).map((m) => m.msgId);
  }
  getMessages(circleId: string, ids: string[]) {
    return ids.map((id) => this.messages.get(id)).filter((m): m is StoredMessage => !!m && m.circleId === circleId);
  }
  getMessage(msgId: string) {
    return this.messages.get(msgId);
  }
  insertMessage(m: ChatMessage, meta: MessageMeta): StoredMessage | null {
    if (this.messages.has(m.msgId)) return null;
    return this.place({ ...m, seq: ++this.seq, sortTs: meta.sortTs, origin: meta.origin, receivedAt: meta.receivedAt });
  }
  /** a row read back from IndexedDB, with its seq and v2 columns (no rules applied: they were when it arrived) */
  loadRow(row: StoredMessage, v2?: V2MessageCols) {
    if (this.messages.has(row.msgId)) return;
    this.seq = Math.max(this.seq, row.seq);
    if (v2) this.v2.set(row.msgId, v2);
    this.place({ ...row, signed: v2 ? 1 : 0 });
    this.dirtyMsgs.delete(row.msgId);
  }
  private place(row: StoredMessage): StoredMessage {
    this.messages.set(row.msgId, row);
    const k = ck(row.circleId, row.channelId);
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
    this.dirtyMsgs.add(row.msgId);
    return row;
  }
  setMac(msgId: string, mac: string) {
    const m = this.messages.get(msgId);
    if (m && !m.mac) {
      m.mac = mac;
      this.dirtyMsgs.add(msgId);
    }
  }
  /** a page of a channel, oldest first, ending before `before` (exclusive) */
  channelMessages(
    circleId: string,
    channelId: string,
    limit: number,
    before?: { sortTs: number; msgId: string },
  ): StoredMessage[] {
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
    for (const [k, list] of this.byChannel)
      if (k.startsWith(circleId + "/") && !k.endsWith("/__control")) n += list.length;
    return n;
  }
  ownUnpushed(circleId: string, nodeId: string, pushed: Set<string>): StoredMessage[] {
    return [...this.messages.values()]
      .filter((m) => m.circleId === circleId && m.authorNodeId === nodeId && !pushed.has(m.msgId))
      .sort((a, b) => a.seq - b.seq);
  }
  v2Cols(msgId: string) {
    return this.v2.get(msgId);
  }

  v2Items(circleId: string, opts: { maxEpoch: number; legacy: boolean }): V2Item[] {
    const out: V2Item[] = [];
    for (const m of this.messages.values()) {
      if (m.circleId !== circleId) continue;
      const v = this.v2.get(m.msgId);
      if (v ? v.keyEpoch <= opts.maxEpoch : opts.legacy && !!m.mac)
        out.push({ ts: m.createdTs, msgId: m.msgId, signed: !!v });
    }
    return out.sort((a, b) => a.ts - b.ts || (a.msgId < b.msgId ? -1 : a.msgId > b.msgId ? 1 : 0));
  }
  getV2Wire(msgId: string) {
    return this.v2.get(msgId)?.wire;
  }
  insertV2Message(m: ChatMessage, v2: V2MessageCols, meta: MessageMeta): StoredMessage | null {
    if (this.messages.has(m.msgId)) return null;
    this.v2.set(m.msgId, { ...v2 });
    return this.place({
      ...m,
      mac: m.mac ?? null,
      seq: ++this.seq,
      sortTs: meta.sortTs,
      origin: meta.origin,
      receivedAt: meta.receivedAt,
      signed: 1,
    });
  }
  attachV2(msgId: string, v2: V2MessageCols): boolean {
    const m = this.messages.get(msgId);
    if (!m || this.v2.has(msgId)) return false;
    this.v2.set(msgId, { ...v2 });
    m.signed = 1;
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

  // Presence comes from the relay on demand; the browser keeps no peer table.
  listPeers(_circleId: string): PeerRow[] {
    return [];
  }
  getPeer(_circleId: string, _nodeId: string): PeerRow | undefined {
    return undefined;
  }
  putPeer(_p: PeerRow): void {}
  deletePeer(_circleId: string, _nodeId: string): void {}

  // ---- channels, names ----

  getChannel(circleId: string, channelId: string) {
    return this.channels.get(circleId)?.get(channelId);
  }
  listChannels(circleId: string) {
    return [...(this.channels.get(circleId)?.values() ?? [])].sort((a, b) =>
      a.channelId === "general" ? -1 : b.channelId === "general" ? 1 : a.channelId < b.channelId ? -1 : 1,
    );
  }
  createChannel(c: ChannelRow): boolean {
    const m = this.channels.get(c.circleId) ?? new Map<string, ChannelRow>();
    this.channels.set(c.circleId, m);
    if (m.has(c.channelId)) return false;
    m.set(c.channelId, { ...c });
    this.touched();
    return true;
  }
  setChannelMember(circleId: string, channelId: string, nodeId: string, state: "member" | "requested" | null) {
    const k = ck(circleId, channelId);
    const m = this.members.get(k) ?? new Map<string, string>();
    this.members.set(k, m);
    if (state === null) m.delete(nodeId);
    else m.set(nodeId, state);
    this.touched();
  }
  channelMembers(circleId: string, channelId: string) {
    return [...(this.members.get(ck(circleId, channelId)) ?? new Map<string, string>())]
      .map(([nodeId, state]) => ({ nodeId, state }))
      .sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
  }

  setDisplayName(nodeId: string, name: string, _now: number) {
    if (this.names.get(nodeId) === name) return;
    this.names.set(nodeId, name);
    this.touched();
  }
  getDisplayName(nodeId: string) {
    return this.names.get(nodeId);
  }

  upsertAnchor(): void {}

  // ---- v2: members, channel keys, invites ----

  putMemberCard(c: MemberCardRow) {
    this.cards.set(ck(c.circleId, c.nodeId), { ...c });
    this.touched();
  }
  getMemberCard(circleId: string, nodeId: string) {
    return this.cards.get(ck(circleId, nodeId));
  }
  listMemberCards(circleId: string) {
    return byKey(this.cards, circleId + "/")
      .map((k) => this.cards.get(k)!)
      .sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
  }
  markRemoved(circleId: string, nodeId: string, _epoch: number, removedTs: number) {
    const k = ck(circleId, nodeId);
    if (this.removed.has(k)) return;
    this.removed.set(k, removedTs);
    this.touched();
  }
  removedAt(circleId: string, nodeId: string) {
    return this.removed.get(ck(circleId, nodeId));
  }

  getV2Channel(circleId: string, channelId: string) {
    return this.v2Channels.get(ck(circleId, channelId));
  }
  putV2Channel(c: V2ChannelRow): boolean {
    const k = ck(c.circleId, c.channelId);
    if (this.v2Channels.has(k)) return false;
    this.v2Channels.set(k, { ...c });
    this.touched();
    return true;
  }
  putChannelKey(circleId: string, channelId: string, version: number, keyHex: string) {
    this.channelKeys.set(`${circleId}/${channelId}/${version}`, keyHex);
    this.touched();
  }
  getChannelKey(circleId: string, channelId: string, version: number) {
    return this.channelKeys.get(`${circleId}/${channelId}/${version}`);
  }
  latestChannelKey(circleId: string, channelId: string) {
    let best: { version: number; keyHex: string } | undefined;
    const p = `${circleId}/${channelId}/`;
    for (const [k, keyHex] of this.channelKeys) {
      if (!k.startsWith(p)) continue;
      const version = Number(k.slice(p.length));
      if (!best || version > best.version) best = { version, keyHex };
    }
    return best;
  }

  putInvite(r: InviteRow) {
    if (this.invites.has(r.inviteId)) return;
    this.invites.set(r.inviteId, { ...r });
    this.touched();
  }
  getInvite(inviteId: string) {
    const r = this.invites.get(inviteId);
    return r ? { ...r } : undefined;
  }
  inviteAdmitted(inviteId: string, nodeId: string) {
    return this.admissions.has(`${inviteId}/${nodeId}`);
  }
  recordAdmission(inviteId: string, nodeId: string, _now: number) {
    const k = `${inviteId}/${nodeId}`;
    const inv = this.invites.get(inviteId);
    if (this.admissions.has(k) || !inv) return;
    this.admissions.add(k);
    inv.uses++;
    this.touched();
  }
  listInvites(circleId: string) {
    // newest first; within a second, the later issued first (the map keeps insertion order)
    return [...this.invites.values()]
      .filter((r) => r.circleId === circleId)
      .reverse()
      .sort((a, b) => b.createdTs - a.createdTs)
      .map((r) => ({ ...r }));
  }
  revokeInvite(inviteId: string, now: number) {
    const r = this.invites.get(inviteId);
    if (!r || r.revokedTs != null) return false;
    r.revokedTs = now;
    this.touched();
    return true;
  }
  revokeCircleInvites(circleId: string, now: number) {
    return [...this.invites.values()].filter((r) => r.circleId === circleId && this.revokeInvite(r.inviteId, now))
      .length;
  }
  /** Forget invites expired before `before` (and their admissions). */
  pruneInvites(before: number) {
    for (const [id, r] of this.invites) {
      if (r.expiresTs >= before) continue;
      this.invites.delete(id);
      for (const a of [...this.admissions]) if (a.startsWith(id + "/")) this.admissions.delete(a);
      this.touched();
    }
  }
  /** Some invite this browser issued is unexpired: it answers admissions (revoked ones count: "invite revoked", not a timeout). */
  hasLiveInvites(now: number): boolean {
    for (const r of this.invites.values()) if (r.expiresTs > now) return true;
    return false;
  }

  // ---- persistence of the derived tables ----

  dump(): StoreState {
    return {
      v: 1,
      owners: [...this.owners],
      epochKeys: [...this.epochKeys],
      cards: [...this.cards.values()],
      removed: [...this.removed],
      v2Channels: [...this.v2Channels.values()],
      channelKeys: [...this.channelKeys],
      invites: [...this.invites.values()],
      admissions: [...this.admissions],
      channels: [...this.channels.values()].flatMap((m) => [...m.values()]),
      members: [...this.members].flatMap(([k, m]) =>
        [...m].map(([node, state]): [string, string] => [`${k}/${node}`, state]),
      ),
      names: [...this.names],
    };
  }

  restore(s: StoreState): void {
    for (const [k, v] of s.owners ?? []) this.owners.set(k, v);
    for (const [k, v] of s.epochKeys ?? []) this.epochKeys.set(k, v);
    for (const c of s.cards ?? []) this.cards.set(ck(c.circleId, c.nodeId), c);
    for (const [k, v] of s.removed ?? []) this.removed.set(k, v);
    for (const c of s.v2Channels ?? []) this.v2Channels.set(ck(c.circleId, c.channelId), c);
    for (const [k, v] of s.channelKeys ?? []) this.channelKeys.set(k, v);
    for (const r of s.invites ?? []) this.invites.set(r.inviteId, r);
    for (const a of s.admissions ?? []) this.admissions.add(a);
    for (const c of s.channels ?? []) this.createChannel(c);
    for (const [k, state] of s.members ?? []) {
      const i = k.lastIndexOf("/");
      const key = k.slice(0, i);
      const m = this.members.get(key) ?? new Map<string, string>();
      m.set(k.slice(i + 1), state);
      this.members.set(key, m);
    }
    for (const [k, v] of s.names ?? []) this.names.set(k, v);
    this.dirtyState = false;
  }
}
