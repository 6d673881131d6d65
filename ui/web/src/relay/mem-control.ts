// The writes of the relay-only browser's derived tables (mem-tables.ts) that only control events,
// invites and admissions make, and the invites' reads: members of access-controlled channels,
// member cards, removals, channels' access and keys, invites and admissions. Loaded with the code
// that makes them (control-soon.ts), never at first load: importing this module gives every
// MemStore the methods (mem-tables.ts declares them), as mem-refs.ts does its own.
import type { InviteRow, MemberCardRow, V2ChannelRow } from "../../../../src/sync/store.ts";
import { ck, own } from "./mem-messages.ts";
import { MemTables } from "./mem-tables.ts";

/** the tables (protected in MemTables; this module is its extension) */
interface Tables {
  members: Map<string, string>;
  cards: Map<string, MemberCardRow>;
  removed: Map<string, number>;
  v2Channels: Map<string, V2ChannelRow>;
  channelKeys: Map<string, string>;
  invites: Map<string, InviteRow>;
  admissions: Set<string>;
  touched(): void;
}
const t = (m: MemTables) => m as unknown as Tables;

Object.assign(MemTables.prototype, {
  setChannelMember(this: MemTables, circleId: string, channelId: string, nodeId: string, state: string | null) {
    const k = `${circleId}/${channelId}/${nodeId}`;
    if (state === null) t(this).members.delete(k);
    else t(this).members.set(k, state);
    t(this).touched();
  },
  putMemberCard(this: MemTables, c: MemberCardRow) {
    t(this).cards.set(ck(c.circleId, c.nodeId), { ...c });
    t(this).touched();
  },
  markRemoved(this: MemTables, circleId: string, nodeId: string, _epoch: number, removedTs: number) {
    const k = ck(circleId, nodeId);
    if (t(this).removed.has(k)) return;
    t(this).removed.set(k, removedTs);
    t(this).touched();
  },
  putV2Channel(this: MemTables, c: V2ChannelRow): boolean {
    const k = ck(c.circleId, c.channelId);
    if (t(this).v2Channels.has(k)) return false;
    t(this).v2Channels.set(k, { ...c });
    t(this).touched();
    return true;
  },
  putChannelKey(this: MemTables, circleId: string, channelId: string, version: number, keyHex: string) {
    t(this).channelKeys.set(`${circleId}/${channelId}/${version}`, keyHex);
    t(this).touched();
  },

  putInvite(this: MemTables, r: InviteRow) {
    if (t(this).invites.has(r.inviteId)) return;
    t(this).invites.set(r.inviteId, { ...r });
    t(this).touched();
  },
  getInvite(this: MemTables, inviteId: string) {
    return own(t(this).invites.get(inviteId));
  },
  inviteAdmitted(this: MemTables, inviteId: string, nodeId: string) {
    return t(this).admissions.has(`${inviteId}/${nodeId}`);
  },
  recordAdmission(this: MemTables, inviteId: string, nodeId: string, _now: number) {
    const k = `${inviteId}/${nodeId}`;
    const inv = t(this).invites.get(inviteId);
    if (t(this).admissions.has(k) || !inv) return;
    t(this).admissions.add(k);
    inv.uses++;
    t(this).touched();
  },
  listInvites(this: MemTables, circleId: string) {
    // newest first; within a second, the later issued first (the map keeps insertion order)
    return [...t(this).invites.values()]
      .filter((r) => r.circleId === circleId)
      .reverse()
      .sort((a, b) => b.createdTs - a.createdTs)
      .map(own);
  },
  revokeInvite(this: MemTables, inviteId: string, now: number) {
    const r = t(this).invites.get(inviteId);
    if (!r || r.revokedTs != null) return false;
    r.revokedTs = now;
    t(this).touched();
    return true;
  },
  revokeCircleInvites(this: MemTables, circleId: string, now: number) {
    return [...t(this).invites.values()].filter((r) => r.circleId === circleId && this.revokeInvite(r.inviteId, now))
      .length;
  },
} satisfies Partial<MemTables>);
