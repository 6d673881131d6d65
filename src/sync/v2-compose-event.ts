// Authoring a control event of this node (docs/PROTOCOL.md §6): apart from v2-apply.ts so the
// event encoder stays out of what a relay-only browser loads at start (its actions are a chunk).
import { CONTROL_CHANNEL } from "../protocol/message.ts";
import { accept, reject, type Verdict } from "../protocol/verdict.ts";
import type { V2Event } from "../protocol/v2/control.ts";
import { encodeEvent } from "../protocol/v2/control-encode.ts";
import { KIND_CONTROL, type SignedMessage } from "../protocol/v2/message.ts";
import type { StoredMessage } from "./store.ts";
import { acceptSigned, type Compose, signOwn } from "./v2-apply.ts";
import type { V2Ctx } from "./v2-events.ts";

/** Sign and apply a control event of this node. */
export function composeEvent(
  ctx: V2Ctx,
  c: Omit<Compose, "channelId"> & { event: V2Event },
): Verdict<{ signed: SignedMessage; row: StoredMessage }> {
  const circle = ctx.store.getCircle(c.circleId);
  if (!circle) return reject("unknown circle");
  const signed = signOwn(ctx, circle, { ...c, channelId: CONTROL_CHANNEL }, KIND_CONTROL, encodeEvent(c.event));
  const r = acceptSigned({ ...ctx, now: c.now }, circle, signed.wire, "local");
  if (!r.ok) return r;
  return accept({ signed, row: r.value });
}
