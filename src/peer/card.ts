// This peer's member card in a circle: its Ed25519 and X25519 keys (what sealed epoch and
// channel keys are sealed to) and its display name, signed.
import { makeCardMessage } from "../protocol/v2/member-card.ts";
import type { StoredMessage } from "../sync/store.ts";
import { acceptSigned, nextOrder } from "../sync/v2-apply.ts";
import { type PeerCtx, v2Ctx } from "./ctx.ts";

/** Publish (or refresh) the card; null on a v1-only node, or when the circle is gone. */
export function publishCard(ctx: PeerCtx, circleId: string): StoredMessage | null {
  const c = ctx.store.getCircle(circleId);
  if (!ctx.v2 || !c) return null;
  const v2 = v2Ctx(ctx);
  const card = makeCardMessage(ctx.keys(), {
    circleId: c.circleId,
    displayName: ctx.me().displayName,
    ts: ctx.now(),
    order: nextOrder(v2, c.circleId, ctx.nowMs?.() ?? ctx.now() * 1000),
    epoch: c.keyEpoch,
    salt: ctx.rng(16),
  });
  const r = acceptSigned(v2, c, card.wire, "local");
  return r.ok ? r.value : null;
}
