// The v1 way to write (legacy circles: what original clients understand): an unsigned
// message under the circle's MAC, stored by the v1 path. Each shell plugs it into its
// PeerCtx.postV1; the browser loads it with the rest of its v1 code (ui/web/src/relay/legacy.ts).
import { fromHex, utf8Length } from "../protocol/bytes.ts";
import { newMsgId } from "../protocol/ids.ts";
import { MAX_TEXT_BYTES } from "../protocol/limits.ts";
import { type ChatMessage, computeMac } from "../protocol/message.ts";
import { storeVerified } from "../sync/merge.ts";
import type { StoredMessage } from "../sync/store.ts";
import { requireCircle, type PeerCtx } from "./ctx.ts";
import { FelundError } from "../protocol/errors.ts";

/** Author a v1 message here: MAC'd and stored (durably, on the node, before this returns). */
export function postV1(ctx: PeerCtx, circleId: string, channelId: string, text: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  if (utf8Length(text) > MAX_TEXT_BYTES)
    throw new FelundError("E_TOO_LONG", `message too long (max ${MAX_TEXT_BYTES} bytes)`);
  const { nodeId, displayName } = ctx.me();
  const now = ctx.now();
  const base = {
    msgId: newMsgId(nodeId, now, ctx.rng),
    circleId: c.circleId,
    channelId,
    authorNodeId: nodeId,
    displayName,
    createdTs: now,
    text,
  };
  const m: ChatMessage = { ...base, mac: computeMac(fromHex(c.secretHex), base) };
  const row = ctx.store.transaction(() => storeVerified(ctx.store, ctx.calls, m, "local", now));
  if (!row) throw new Error("message id collision");
  return row;
}
