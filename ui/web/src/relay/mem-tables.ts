// The derived tables of the relay-only browser's store (MemStore, mem-store.ts): channels and
// their members, display names, and the v2 tables (owners, epoch keys, member cards, removals,
// access-controlled channels and their keys, invites and admissions).
import type { ChannelRow, InviteRow, MemberCardRow, SyncStoreV2, V2ChannelRow } from "../../../../src/sync/store.ts";
import { byId, byKey, ck, MemMessages, own } from "./mem-messages.ts";

export class MemTables extends MemMessages {
  protected channels = new Map<string, Map<string, ChannelRow>>();
  /** "circle/channel/node" -> state */
  protected members = new Map<string, string>();
  protected names = new Map<string, string>();
  protected owners = new Map<string, string>();
  /** "circle/epoch" -> key hex */
  protected epochKeys = new Map<string, string>();
  /** "circle/node" -> card */
  protected cards = new Map<string, MemberCardRow>();
  /** "circle/node" -> removed_ts */
  protected removed = new Map<string, number>();
  protected v2Channels = new Map<string, V2ChannelRow>();
  /** "circle/channel/version" -> key hex */
  protected channelKeys = new Map<string, string>();
  protected invites = new Map<string, InviteRow>();
  /** "invite/node" */
  protected admissions = new Set<string>();
  /** a derived table changed since the last takeChanges() */
  protected dirtyState = false;

  protected touched() {
    this.dirtyState = true;
  }

  // written only by control events, invites and admissions (and read back by the latter): mem-control.ts,
  // loaded with their code (control-soon.ts), gives every MemStore these methods
  declare setChannelMember: SyncStoreV2["setChannelMember"];
  declare putMemberCard: SyncStoreV2["putMemberCard"];
  declare markRemoved: SyncStoreV2["markRemoved"];
  declare putV2Channel: SyncStoreV2["putV2Channel"];
  declare putChannelKey: SyncStoreV2["putChannelKey"];
  declare putInvite: SyncStoreV2["putInvite"];
  declare getInvite: SyncStoreV2["getInvite"];
  declare inviteAdmitted: SyncStoreV2["inviteAdmitted"];
  declare recordAdmission: SyncStoreV2["recordAdmission"];
  declare listInvites: SyncStoreV2["listInvites"];
  declare revokeInvite: SyncStoreV2["revokeInvite"];
  declare revokeCircleInvites: SyncStoreV2["revokeCircleInvites"];

  // ---- channels, names ----

  getChannel(circleId: string, channelId: string) {
    return own(this.channels.get(circleId)?.get(channelId));
  }
  listChannels(circleId: string) {
    return [...(this.channels.get(circleId)?.values() ?? [])]
      .sort((a, b) => (a.channelId === "general" ? -1 : b.channelId === "general" ? 1 : byId(a.channelId, b.channelId)))
      .map(own);
  }
  createChannel(c: ChannelRow): boolean {
    const m = this.channels.get(c.circleId) ?? new Map<string, ChannelRow>();
    this.channels.set(c.circleId, m);
    if (m.has(c.channelId)) return false;
    m.set(c.channelId, { ...c });
    this.touched();
    return true;
  }
  channelMembers(circleId: string, channelId: string) {
    const p = `${circleId}/${channelId}/`;
    return byKey(this.members, p)
      .map((k) => ({ nodeId: k.slice(p.length), state: this.members.get(k)! }))
      .sort((a, b) => byId(a.nodeId, b.nodeId));
  }

  setDisplayName(nodeId: string, name: string, _now: number) {
    if (this.names.get(nodeId) === name) return;
    this.names.set(nodeId, name);
    this.touched();
  }
  getDisplayName(nodeId: string) {
    return this.names.get(nodeId);
  }

  // ---- v2: members, channel keys, invites ----

  getMemberCard(circleId: string, nodeId: string) {
    return own(this.cards.get(ck(circleId, nodeId)));
  }
  listMemberCards(circleId: string) {
    return byKey(this.cards, circleId + "/")
      .map((k) => own(this.cards.get(k)!))
      .sort((a, b) => byId(a.nodeId, b.nodeId));
  }
  removedAt(circleId: string, nodeId: string) {
    return this.removed.get(ck(circleId, nodeId));
  }

  getV2Channel(circleId: string, channelId: string) {
    return this.v2Channels.get(ck(circleId, channelId));
  }
  getChannelKey(circleId: string, channelId: string, version: number) {
    return this.channelKeys.get(`${circleId}/${channelId}/${version}`);
  }
  /** any channel key held (the sealed channels' code must be loaded: sealed-soon.ts) */
  hasChannelKeys(): boolean {
    return this.channelKeys.size > 0;
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

  /** Forget invites expired before `before` (and their admissions). */
  pruneInvites(before: number) {
    for (const [id, r] of this.invites) if (r.expiresTs < before) this.dropInvite(id);
  }
  protected dropInvite(id: string) {
    this.invites.delete(id);
    for (const a of this.admissions) if (a.startsWith(id + "/")) this.admissions.delete(a);
    this.touched();
  }
  /** Some invite this browser issued is unexpired: it answers admissions (revoked ones count: "invite revoked", not a timeout). */
  hasLiveInvites(now: number): boolean {
    return [...this.invites.values()].some((r) => r.expiresTs > now);
  }
}
