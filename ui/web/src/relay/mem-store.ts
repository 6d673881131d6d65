// The relay-only browser's working state, in memory: the SyncStoreV2 the pure code of src/sync
// works on (acceptSigned, composeText/Event, v2-admin, the admission engine, and the v1 merge
// for legacy circles), so signatures, channels, keys, names, invites and circle names follow
// exactly the node's rules. IndexedDB keeps the durable copy (persist.ts): the messages, and
// the derived tables as one StoreState (dump/restore), written together after each change.
//
// One class in three layers: the message rows (mem-messages.ts), the derived tables
// (mem-tables.ts), and here the circles, what spans all of them (removing a circle, the change
// set, the StoreState dump) and the parts of the store port the browser has no use for.
import type {
  ChannelRow,
  CircleRow,
  InviteRow,
  MemberCardRow,
  PeerRow,
  SyncStoreV2,
  V2ChannelRow,
} from "../../../../src/sync/store.ts";
import { byId, ck, own } from "./mem-messages.ts";
import { MemTables } from "./mem-tables.ts";

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

export class MemStore extends MemTables implements SyncStoreV2 {
  readonly circles = new Map<string, CircleRow>();
  /** the circle rows changed since the last takeChanges() */
  protected dirtyCircles = false;

  transaction<T>(fn: () => T): T {
    return fn();
  }

  takeChanges(): { msgIds: string[]; state: boolean; circles: boolean } {
    const c = { msgIds: [...this.dirtyMsgs], state: this.dirtyState, circles: this.dirtyCircles };
    this.dirtyMsgs.clear();
    this.dirtyState = this.dirtyCircles = false;
    return c;
  }

  // ---- circles ----

  getCircle(circleId: string) {
    return own(this.circles.get(circleId));
  }
  listCircles() {
    return [...this.circles.values()].sort((a, b) => a.joinedAt - b.joinedAt || byId(a.circleId, b.circleId)).map(own);
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
    if (!this.circles.has(circleId)) return;
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
  /** leaving a circle: mem-remove.ts, loaded with the leave (relay-leave.ts) */
  declare removeCircle: SyncStoreV2["removeCircle"];

  // Presence comes from the relay on demand; the browser keeps no peer table.
  listPeers(_circleId: string): PeerRow[] {
    return [];
  }
  getPeer(_circleId: string, _nodeId: string): PeerRow | undefined {
    return undefined;
  }
  putPeer(_p: PeerRow): void {}
  deletePeer(_circleId: string, _nodeId: string): void {}

  upsertAnchor(): void {}

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
      members: [...this.members],
      names: [...this.names],
    };
  }

  restore(s: StoreState): void {
    for (const [k, v] of s.owners ?? []) this.owners.set(k, v);
    // into an empty store (only circles and their owners come first)
    this.epochKeys = new Map(s.epochKeys);
    for (const c of s.cards ?? []) this.cards.set(ck(c.circleId, c.nodeId), c);
    this.removed = new Map(s.removed);
    for (const c of s.v2Channels ?? []) this.v2Channels.set(ck(c.circleId, c.channelId), c);
    this.channelKeys = new Map(s.channelKeys);
    for (const r of s.invites ?? []) this.invites.set(r.inviteId, r);
    this.admissions = new Set(s.admissions);
    for (const c of s.channels ?? []) this.createChannel(c);
    this.members = new Map(s.members);
    this.names = new Map(s.names);
    this.dirtyState = false;
  }
}
