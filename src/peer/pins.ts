// Pinned messages of a channel (issue 16, docs/PROTOCOL.md §19): signed control event 11 by the
// circle owner or the owner of a key/invite channel (checked on apply, v2-apply.ts). The list is
// folded from the stored pin events, in the order of their signed time: nothing else is stored.
import { fromBase64, toHex } from "../protocol/bytes.ts";
import { normalizeChannelId } from "../protocol/channel-id.ts";
import { FelundError } from "../protocol/errors.ts";
import { MSG_ID_RE } from "../protocol/ids.ts";
import { decodeEvent } from "../protocol/v2/control.ts";
import { decodeMessage, KIND_CONTROL } from "../protocol/v2/message.ts";
import type { StoredMessage, SyncStoreV2 } from "../sync/store.ts";
import { composeEvent } from "../sync/v2-compose-event.ts";
import { type PeerCtx, requireCircle, rowOf, v2Ctx, who } from "./ctx.ts";
import { controlRows } from "./timeline.ts";
import { type MessageView, messageView } from "./views.ts";

export interface PinView {
  msgId: string;
  channelId: string;
  /** node id of who pinned it, and when (unix seconds) */
  pinnedBy: string;
  pinnedTs: number;
  /** the message, when this peer holds it */
  message?: MessageView;
}

/** The pins of a channel, oldest pin first: each pin event's msg id, undone by a later unpin. */
export function channelPins(store: SyncStoreV2, circleId: string, channelId: string): Omit<PinView, "message">[] {
  const events: { at: number; id: string; pinned: boolean; msgId: string; by: string; ts: number }[] = [];
  for (const m of controlRows(store, circleId)) {
    const wire = store.getV2Wire(m.msgId);
    if (!wire) continue;
    try {
      const sm = decodeMessage(fromBase64(wire));
      if (sm.kind !== KIND_CONTROL) continue;
      const e = decodeEvent(sm.body);
      if (e.t === "pin" && e.channelId === channelId)
        events.push({
          at: sm.createdMs ?? sm.createdTs * 1000,
          id: m.msgId,
          ...e,
          by: m.authorNodeId,
          ts: m.createdTs,
        });
    } catch {
      // a stored row was checked on arrival: an unreadable one pins nothing
    }
  }
  // the signed time orders them, the event's id breaks ties: the same list on every peer
  events.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  const pins = new Map<string, Omit<PinView, "message">>();
  for (const e of events) {
    pins.delete(e.msgId);
    if (e.pinned) pins.set(e.msgId, { msgId: e.msgId, channelId, pinnedBy: e.by, pinnedTs: e.ts });
  }
  return [...pins.values()];
}

/** A channel's pins with their messages (as this peer shows them). */
export function listPins(ctx: PeerCtx, circleId: string, channel: string): PinView[] {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(channel || "general");
  const pins = channelPins(ctx.store, c.circleId, ch);
  const rows = new Map(
    ctx.store
      .getMessages(
        c.circleId,
        pins.map((p) => p.msgId),
      )
      .map((r) => [r.msgId, r]),
  );
  const me = ctx.me().nodeId;
  return pins.map((p) => {
    const r = rows.get(p.msgId);
    return r ? { ...p, message: messageView(ctx.store, r, (id) => id === me) } : p;
  });
}

/** Pin (or unpin) a message of a channel: the circle owner, or the owner of a key/invite channel. */
export function pinMessage(
  ctx: PeerCtx,
  circleId: string,
  channel: string,
  msgId: string,
  pinned: boolean,
): StoredMessage {
  const c = requireCircle(ctx, circleId);
  if (c.mode !== "v2")
    throw new FelundError("E_REFUSED", "pins need a v2-only circle: original clients could not see them");
  const ch = normalizeChannelId(channel || "general");
  if (!ctx.store.getChannel(c.circleId, ch)) throw new FelundError("E_UNKNOWN_CHANNEL", `no channel #${ch}`);
  if (!MSG_ID_RE.test(msgId)) throw new FelundError("E_BAD_INPUT", "a message id is 32 hex digits");
  const m = ctx.store.getMessages(c.circleId, [msgId])[0];
  if (!m || m.channelId !== ch) throw new FelundError("E_NOT_FOUND", `no message ${msgId.slice(0, 12)} in #${ch}`);
  const me = toHex(ctx.keys().edPublic);
  const owner = ctx.store.getCircleOwner(c.circleId) === me;
  const v2ch = ctx.store.getV2Channel(c.circleId, ch);
  if (!owner && !(v2ch && v2ch.mode !== "public" && v2ch.ownerKey === me))
    throw new FelundError("E_OWNER_ONLY", "only the circle owner or the channel owner may pin");
  const held = channelPins(ctx.store, c.circleId, ch).some((p) => p.msgId === msgId);
  if (held === pinned)
    throw new FelundError(
      pinned ? "E_CONFLICT" : "E_NOT_FOUND",
      pinned ? "already pinned" : "that message is not pinned",
    );
  return rowOf(
    composeEvent(v2Ctx(ctx), { circleId: c.circleId, ...who(ctx), event: { t: "pin", pinned, channelId: ch, msgId } }),
  );
}
