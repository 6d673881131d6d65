// Naming a member of a circle the way a user does: node id, unique id prefix, or display name.
import type { PeerCtx } from "./ctx.ts";
import { FelundError } from "../protocol/errors.ts";

/** A member by node id, unique id prefix (4+), or display name, among cards and seen peers. */
export function resolveMember(ctx: PeerCtx, circleId: string, who: string): string {
  const q = who.trim().replace(/^@/, "");
  const ids = [...new Set([...ctx.store.listMemberCards(circleId).map((x) => x.nodeId), ...ctx.peerIds(circleId)])];
  if (ids.includes(q)) return q;
  const byPrefix = q.length >= 4 ? ids.filter((id) => id.startsWith(q)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  const byName = ids.filter((id) => (ctx.store.getDisplayName(id) ?? "").toLowerCase() === q.toLowerCase());
  if (byName.length === 1) return byName[0]!;
  if (byPrefix.length > 1 || byName.length > 1)
    throw new FelundError("E_AMBIGUOUS", `"${who}" matches several members; use more of the node id`);
  throw new FelundError("E_UNKNOWN_MEMBER", `no member "${who}" in this circle`);
}
