// Direct messages as a member sees them (docs/PROTOCOL.md §21): opening a conversation with a
// member by name or id, and the list of this peer's conversations in a circle (apart from the
// channels), and writing in one: a DM is a channel-like thread (order, delivery marks, drafts).
// Apart from send.ts so the relay-only browser loads it on first use.
import { utf8Length } from "../protocol/bytes.ts";
import { FelundError } from "../protocol/errors.ts";
import { MAX_TEXT_BYTES } from "../protocol/limits.ts";
import { dmChannelId, isDmChannelId } from "../protocol/v2/dm.ts";
import { useDmRules } from "../sync/dm.ts";
import { composeDm, dmPeerOf } from "../sync/dm-send.ts";
import type { StoredMessage, SyncStoreV2 } from "../sync/store.ts";
import { type PeerCtx, requireCircle, rowOf, v2Ctx, who } from "./ctx.ts";
import { resolveMember } from "./members.ts";

export { isDmChannelId, useDmRules };

/** A conversation with one member: its channel id, who, and its newest message (0: none yet). */
export interface DmView {
  channelId: string;
  nodeId: string;
  name: string;
  lastMs: number;
}

const view = (store: SyncStoreV2, circleId: string, me: string, nodeId: string): DmView => {
  const channelId = dmChannelId(circleId, me, nodeId);
  const last = store.channelMessages(circleId, channelId, { limit: 1 })[0];
  return { channelId, nodeId, name: store.getDisplayName(nodeId) ?? "", lastMs: last?.sortMs ?? 0 };
};

/** This peer's conversations in a circle that hold a message, newest first. */
export function dmViews(store: SyncStoreV2, circleId: string, me: string): DmView[] {
  if (store.getCircle(circleId)?.mode !== "v2") return [];
  return store
    .listMemberCards(circleId)
    .filter((c) => c.nodeId !== me)
    .map((c) => view(store, circleId, me, c.nodeId))
    .filter((d) => d.lastMs > 0)
    .sort((a, b) => b.lastMs - a.lastMs);
}

/** Why this peer cannot write to `nodeId` in the circle, or null. */
export function dmProblemWith(ctx: PeerCtx, circleId: string, nodeId: string): FelundError | null {
  const c = ctx.store.getCircle(circleId);
  if (!ctx.v2 || c?.mode !== "v2")
    return new FelundError("E_REFUSED", "direct messages need a v2-only circle (not available in legacy circles)");
  if (nodeId === ctx.me().nodeId) return new FelundError("E_BAD_INPUT", "a direct message needs another member");
  if (ctx.store.removedAt(circleId, nodeId) !== undefined)
    return new FelundError("E_REFUSED", "that member was removed from the circle");
  if (!ctx.store.getMemberCard(circleId, nodeId))
    return new FelundError("E_NO_KEY", "no key for that member yet (their member card has not arrived)");
  return null;
}

/** The conversation with a member named by node id, id prefix or display name. */
export function openDm(ctx: PeerCtx, circleId: string, who: string): DmView {
  const c = requireCircle(ctx, circleId);
  const nodeId = resolveMember(ctx, c.circleId, who);
  const err = dmProblemWith(ctx, c.circleId, nodeId);
  if (err) throw err;
  return view(ctx.store, c.circleId, ctx.me().nodeId, nodeId);
}

/** Write in a DM conversation (its channel id): sealed to the other member, signed by this peer. */
export function sendDm(ctx: PeerCtx, circleId: string, channelId: string, text: string): StoredMessage {
  useDmRules(); // (the relay-only browser loads them with this chunk)
  const c = requireCircle(ctx, circleId);
  if (!text.trim()) throw new FelundError("E_EMPTY", "message is empty");
  if (utf8Length(text) > MAX_TEXT_BYTES)
    throw new FelundError("E_TOO_LONG", `message too long (max ${MAX_TEXT_BYTES} bytes)`);
  const to = dmPeerOf(ctx.store, c.circleId, channelId, ctx.me().nodeId);
  if (!to) throw new FelundError("E_UNKNOWN_MEMBER", "no such conversation in this circle");
  const err = dmProblemWith(ctx, c.circleId, to.nodeId);
  if (err) throw err;
  return rowOf(composeDm(v2Ctx(ctx), { circleId: c.circleId, channelId, ...who(ctx), text }));
}
