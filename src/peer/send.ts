// Sending a chat message, apart from the other actions: it is the one a relay-only browser
// needs at first load (the actions are a chunk loaded later).
import { utf8Length } from "../protocol/bytes.ts";
import { normalizeChannelId } from "../protocol/channel-id.ts";
import { MAX_TEXT_BYTES } from "../protocol/limits.ts";
import type { StoredMessage } from "../sync/store.ts";
import { composeText } from "../sync/v2-apply.ts";
import { requireCircle, type PeerCtx, v2Ctx } from "./ctx.ts";
import { FelundError } from "../protocol/errors.ts";
import { rowOf } from "./ctx.ts";

/** Write a message in a channel: signed by this peer's key (v2; in a legacy circle it also carries its v1 MAC). */
export function sendMessage(ctx: PeerCtx, circleId: string, channel: string, text: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(channel || "general");
  if (!text.trim()) throw new FelundError("E_EMPTY", "message is empty");
  if (!ctx.store.getChannel(c.circleId, ch))
    throw new FelundError("E_UNKNOWN_CHANNEL", `unknown channel: #${ch} (create it first)`);
  if (utf8Length(text) > MAX_TEXT_BYTES)
    throw new FelundError("E_TOO_LONG", `message too long (max ${MAX_TEXT_BYTES} bytes)`);
  if (!ctx.v2) return ctx.postV1(c.circleId, ch, text);
  const r = composeText(v2Ctx(ctx), {
    circleId: c.circleId,
    channelId: ch,
    displayName: ctx.me().displayName,
    now: ctx.now(),
    nowMs: ctx.nowMs?.(),
    rng: ctx.rng,
    text,
  });
  if (!r.ok && r.reason === "no key for this channel")
    throw new FelundError(
      "E_NO_KEY",
      `you cannot write in #${ch} yet: join it with its key, or wait for the owner's approval`,
    );
  return rowOf(r);
}
