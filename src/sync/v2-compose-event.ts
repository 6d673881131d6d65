// Authoring a control event of this node (docs/PROTOCOL.md §6): apart from v2-apply.ts so the
// event encoder stays out of what a relay-only browser loads at start (its actions are a chunk).
import { CONTROL_CHANNEL } from "../protocol/message.ts";
import { accept, reject, type Verdict } from "../protocol/verdict.ts";
import { encodeEvent, type V2Event } from "../protocol/v2/control.ts";
import { KIND_CONTROL, signMessage, type SignedMessage } from "../protocol/v2/message.ts";
import type { StoredMessage } from "./store.ts";
import { acceptSigned, type Compose, nextOrder } from "./v2-apply.ts";
import type { V2Ctx } from "./v2-events.ts";

/** Sign and apply a control event of this node. */
export function composeEvent(
  ctx: V2Ctx,
  c: Omit<Compose, "channelId"> & { event: V2Event },
): Verdict<{ signed: SignedMessage; row: StoredMessage }> {
  const circle = ctx.store.getCircle(c.circleId);
  if (!circle) return reject("unknown circle");
  const signed = signMessage(ctx.self.edSecret, {
    circleId: c.circleId,
    channelId: CONTROL_CHANNEL,
    authorKey: ctx.self.edPublic,
    ...nextOrder(ctx, c.circleId, c.nowMs ?? c.now * 1000),
    keyEpoch: circle.keyEpoch,
    kind: KIND_CONTROL,
    displayName: c.displayName,
    body: encodeEvent(c.event),
    salt: c.rng(16),
  });
  const r = acceptSigned({ ...ctx, now: c.now }, circle, signed.wire, "local");
  if (!r.ok) return r;
  return accept({ signed, row: r.value });
}
