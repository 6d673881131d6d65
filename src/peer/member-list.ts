// The one membership model of a circle, the same on every member's screen: who is in it (signed
// member cards, known authors, peers; less removed members), who is online now and by which path
// (a live TCP session, presence on the circle's relay, recent traffic), and when each was last
// seen. Pure: the shell (the node, the relay-only browser) hands in what it knows of presence.
import { MEMBER_RECENT_S } from "../protocol/limits.ts";
import type { SyncStoreV2 } from "../sync/store.ts";

/** How this peer reaches a member now: a live TCP session, the relay's presence, or recent traffic. */
export type MemberPath = "tcp" | "relay" | "recent";

export interface MemberView {
  nodeId: string;
  /** best known display name ("" when none is known) */
  name: string;
  /** this peer's own user */
  you: boolean;
  online: boolean;
  /** null: offline, or you */
  path: MemberPath | null;
  /** the protocol of a "tcp" path ("v2": a live session; "v1": an exchange within MEMBER_RECENT_S); "" otherwise */
  proto: "v1" | "v2" | "";
  /** unix seconds of the last sign of them here (now while online; 0: never) */
  lastSeen: number;
}

/** What a shell knows of presence in one circle. */
export interface Presence {
  /** unix seconds */
  now: number;
  /** peers with a live v2 session now */
  live: readonly string[];
  /** members the circle's relay lists as present now, with when it last saw them (unix s) */
  relay: readonly { nodeId: string; seen: number }[];
  /** when something last arrived from a member by a path without a session (a relay pull or push) */
  heard: ReadonlyMap<string, number>;
  /** the shell's memory of when each member was last online (memberList keeps it up to date) */
  seen?: Map<string, number>;
}

export const NO_PRESENCE = (now: number): Presence => ({ now, live: [], relay: [], heard: new Map() });

const byName = (a: MemberView, b: MemberView) => {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;
};

/** The members of a circle, by name (then node id), you among them. */
export function memberList(
  store: SyncStoreV2,
  circleId: string,
  me: { nodeId: string; displayName: string },
  p: Presence,
): MemberView[] {
  const seen = new Map<string, number>();
  const note = (id: string, ts: number) => {
    if (id) seen.set(id, Math.max(seen.get(id) ?? 0, ts || 0));
  };
  const cards = store.listMemberCards(circleId);
  for (const c of cards) note(c.nodeId, 0);
  for (const a of store.circleAuthors(circleId)) note(a.nodeId, Math.min(a.lastTs, p.now));
  const peers = store.listPeers(circleId);
  for (const r of peers) note(r.nodeId, Math.max(r.lastOk, r.lastSeen));
  for (const r of p.relay) note(r.nodeId, Math.min(r.seen, p.now));
  for (const [id, ts] of p.heard) if (seen.has(id)) note(id, ts);
  for (const [id, ts] of p.seen ?? []) if (seen.has(id)) note(id, ts);
  const live = new Set(p.live);
  const present = new Set(p.relay.map((r) => r.nodeId));
  const out: MemberView[] = [];
  for (const [nodeId, last] of seen) {
    if (nodeId === me.nodeId || store.removedAt(circleId, nodeId) !== undefined) continue;
    const name = store.getDisplayName(nodeId) || cards.find((c) => c.nodeId === nodeId)?.displayName.trim() || "";
    const v1 = peers.find((r) => r.nodeId === nodeId && r.proto !== "v2" && p.now - r.lastOk < MEMBER_RECENT_S);
    const heard = p.heard.get(nodeId) ?? 0;
    const path: MemberPath | null = live.has(nodeId)
      ? "tcp"
      : present.has(nodeId)
        ? "relay"
        : v1
          ? "tcp"
          : p.now - heard < MEMBER_RECENT_S
            ? "recent"
            : null;
    const proto = live.has(nodeId) ? "v2" : path === "tcp" ? "v1" : "";
    if (path) p.seen?.set(nodeId, p.now);
    out.push({ nodeId, name, you: false, online: !!path, path, proto, lastSeen: path ? p.now : last });
  }
  out.push({
    nodeId: me.nodeId,
    name: me.displayName,
    you: true,
    online: true,
    path: null,
    proto: "",
    lastSeen: p.now,
  });
  return out.sort(byName);
}

/** How many members other than you are online. */
export const onlineCount = (list: readonly MemberView[]): number => list.filter((m) => m.online && !m.you).length;
