// Writing a direct message (docs/PROTOCOL.md §21): who the other member of a conversation is,
// and the body sealed to them. Apart from dm.ts (what every peer runs on apply), so the
// relay-only browser loads it with its actions chunk.
import type { Rng } from "../protocol/crypto.ts";
import { dmChannelId } from "../protocol/v2/dm.ts";
import { sealDm } from "../protocol/v2/dm-seal.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import { pairKey } from "./dm.ts";
import type { StoredMessage, SyncStoreV2 } from "./store.ts";
import { KIND_DM, type SignedMessage } from "../protocol/v2/message.ts";
import { reject, accept, type Verdict } from "../protocol/verdict.ts";
import { acceptSigned, type Compose, signOwn, type V2Ctx } from "./v2-apply.ts";

/** The member this peer talks to in a DM channel (from the member cards), or undefined. */
export const dmPeerOf = (store: SyncStoreV2, circleId: string, channelId: string, self: string) =>
  store.listMemberCards(circleId).find((c) => c.nodeId !== self && dmChannelId(circleId, self, c.nodeId) === channelId);

/** The sealed body of this peer's DM in `channelId`, or null without the other member's card. */
export function dmBody(
  store: SyncStoreV2,
  self: NodeKeys,
  a: { circleId: string; channelId: string; text: string; rng: Rng },
): Uint8Array | null {
  const to = dmPeerOf(store, a.circleId, a.channelId, self.nodeId)?.nodeId;
  const k = to && pairKey(store, self, a.circleId, to);
  return to && k ? sealDm(k, { circleId: a.circleId, author: self.nodeId, to, text: a.text }, a.rng(12)) : null;
}

/** Sign and apply this peer's DM in `channelId` (kind 8, the body sealed to the other member). */
export function composeDm(
  ctx: V2Ctx,
  c: Compose & { text: string },
): Verdict<{ signed: SignedMessage; row: StoredMessage }> {
  const circle = ctx.store.getCircle(c.circleId);
  const body = dmBody(ctx.store, ctx.self, { ...c });
  if (!circle || !body) return reject("no key for that member");
  const signed = signOwn(ctx, circle, c, KIND_DM, body);
  const r = acceptSigned({ ...ctx, now: c.now }, circle, signed.wire, "local");
  return r.ok ? accept({ signed, row: r.value }) : r;
}
