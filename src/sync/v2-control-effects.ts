// A control event's authority (who may sign it) and its effects (docs/PROTOCOL.md §6-§8), once
// acceptSigned (v2-apply.ts) stored it: member cards, channels and their keys, names, rekey, calls. Apart from v2-events.ts (what a
// plain or sealed chat message needs) so the relay-only browser's first load leaves it out: its
// web build loads this module when it first meets a control event (ui/web/src/relay/control-soon.ts).
import { toHex } from "../protocol/bytes.ts";
import { CIRCLE_NAME_MAX, DISPLAY_NAME_MAX } from "../protocol/limits.ts";
import { DEFAULT_CHANNEL } from "../protocol/message.ts";
import { openChannelKey } from "../protocol/v2/channel-keys.ts";
import type { V2Event } from "../protocol/v2/control.ts";
import type { SignedMessage } from "../protocol/v2/message.ts";
import { cardIsNewer, cardOf } from "../protocol/v2/member-card.ts";
import { openRekey } from "../protocol/v2/rekey.ts";
import { ensureGeneral, type CircleRow, type SyncStoreV2 } from "./store.ts";
import { openLockedBacklog, type V2Ctx } from "./v2-events.ts";

/**
 * Who may sign an event: anyone (about themself), the circle owner, the channel owner, the call
 * host (end, revoke), or for a pin the circle owner or the owner of a key/invite channel.
 */
function authorityOf(e: V2Event): "self" | "circle_owner" | "channel_owner" | "call_host" | "pin" {
  switch (e.t) {
    case "pin":
      return "pin";
    case "circle_name":
    case "rekey":
    case "history":
      return "circle_owner";
    case "channel_approve":
      return "channel_owner";
    case "call":
      return e.op === "end" || e.op === "revoke" ? "call_host" : "self";
    default:
      return "self";
  }
}

/** Check the event's authority against the signer; null when allowed. */
export function authorityError(ctx: V2Ctx, m: SignedMessage, e: V2Event): string | null {
  const a = authorityOf(e);
  if (a === "circle_owner") {
    const owner = ctx.store.getCircleOwner(m.circleId);
    return owner && owner === toHex(m.authorKey) ? null : "only the circle owner may sign this event";
  }
  if (a === "channel_owner") {
    const ch = ctx.store.getV2Channel(m.circleId, (e as { channelId: string }).channelId);
    if (!ch) return "approval for an unknown channel";
    return ch.ownerKey === toHex(m.authorKey) ? null : "only the channel owner may approve";
  }
  if (a === "pin" && e.t === "pin") {
    // the circle owner, or the owner of a key/invite channel (a public channel has none but the circle's)
    const ch = ctx.store.getV2Channel(m.circleId, e.channelId);
    const key = toHex(m.authorKey);
    return ctx.store.getCircleOwner(m.circleId) === key || (ch?.mode !== "public" && ch?.ownerKey === key)
      ? null
      : "only the circle owner or the channel owner may sign this event";
  }
  if (a === "call_host" && e.t === "call") {
    const s = ctx.calls.sessions.get(e.sessionId);
    if (s && s.hostNodeId !== m.authorNodeId)
      return `only the call host may ${e.op === "end" ? "end the call" : "revoke"}`;
  }
  return null;
}

export function applyEvent(ctx: V2Ctx, circle: CircleRow, m: SignedMessage, e: V2Event): void {
  const { store } = ctx;
  const cid = circle.circleId;
  const me = m.authorNodeId;
  ensureGeneral(store, cid, ctx.now);
  switch (e.t) {
    case "card": {
      const card = cardOf(m)!;
      const cur = store.getMemberCard(cid, me);
      if (cardIsNewer(card, cur ? { issuedTs: cur.issuedTs, msgId: cur.msgId } : undefined))
        store.putMemberCard({
          circleId: cid,
          nodeId: me,
          edKey: toHex(card.edKey),
          xKey: toHex(card.xKey),
          displayName: card.displayName,
          issuedTs: card.issuedTs,
          msgId: card.msgId,
        });
      const name = card.displayName.trim().slice(0, DISPLAY_NAME_MAX);
      if (name) store.setDisplayName(me, name, ctx.now);
      return;
    }
    case "channel_create": {
      const inserted = store.putV2Channel({
        circleId: cid,
        channelId: e.channelId,
        ownerKey: toHex(m.authorKey),
        mode: e.mode,
        scryptLogN: e.scryptLogN,
        keyCheck: toHex(e.keyCheck),
        createdTs: m.createdTs,
        msgId: m.msgId,
      });
      if (inserted) {
        store.createChannel({
          circleId: cid,
          channelId: e.channelId,
          createdBy: me,
          createdTs: m.createdTs,
          accessMode: e.mode,
          keyHash: "",
        });
        store.setChannelMember(cid, e.channelId, me, "member");
      }
      return;
    }
    case "channel_request":
      if (!store.channelMembers(cid, e.channelId).some((x) => x.nodeId === me))
        store.setChannelMember(cid, e.channelId, me, "requested");
      return;
    case "channel_join":
      store.setChannelMember(cid, e.channelId, me, "member");
      return;
    case "channel_leave":
      if (e.channelId !== DEFAULT_CHANNEL) store.setChannelMember(cid, e.channelId, me, null);
      return;
    case "channel_approve": {
      const target = cardOwner(store, cid, e.target);
      if (target) store.setChannelMember(cid, e.channelId, target, "member");
      if (toHex(e.target) === toHex(ctx.self.edPublic)) {
        const k = openChannelKey(e.sealedKey, {
          circleId: cid,
          channelId: e.channelId,
          keyVersion: e.keyVersion,
          selfEd: ctx.self.edPublic,
          selfXSecret: ctx.self.xSecret,
        });
        if (k) {
          store.putChannelKey(cid, e.channelId, e.keyVersion, toHex(k));
          openLockedBacklog(store, cid, e.channelId);
        }
      }
      return;
    }
    case "rename": {
      const name = e.displayName.trim().slice(0, DISPLAY_NAME_MAX);
      if (name) store.setDisplayName(me, name, ctx.now);
      return;
    }
    case "circle_name": {
      const name = e.name.trim().slice(0, CIRCLE_NAME_MAX);
      if (name) store.setCircleName(cid, name);
      return;
    }
    case "history":
      store.setCircleHistory?.(cid, { days: e.days, ts: m.createdTs, msgId: m.msgId, seq: m.authorSeq });
      return;
    case "rekey": {
      for (const id of e.removed)
        if (store.removedAt(cid, id) === undefined) store.markRemoved(cid, id, e.epoch, m.createdTs);
      if (e.v2Only) store.setCircleMode(cid, "v2");
      const key = openRekey(e, cid, { edKey: ctx.self.edPublic, xSecret: ctx.self.xSecret });
      if (key && !store.getEpochKey(cid, e.epoch)) {
        store.putEpochKey(cid, e.epoch, toHex(key), ctx.now);
        const cur = store.getCircle(cid);
        if (cur && e.epoch > cur.keyEpoch) store.setCircleEpoch(cid, e.epoch);
      }
      return;
    }
    case "call": {
      // the actor is the signer: host = creator, join/view/leave about the signer, end and revoke only by the host
      ctx.calls.apply(
        cid,
        {
          t: "CALL_EVT",
          op: e.op,
          sessionId: e.sessionId,
          hostNodeId: me,
          circleId: cid,
          channelId: e.channelId,
          nodeId: me,
          actorNodeId: me,
          createdTs: m.createdTs,
          targetNodeId: e.target ?? "",
        },
        ctx.now,
        undefined,
        { signed: true, eventTs: m.createdTs },
      );
      return;
    }
  }
}

function cardOwner(store: SyncStoreV2, circleId: string, edKey: Uint8Array): string | null {
  const hex = toHex(edKey);
  return store.listMemberCards(circleId).find((c) => c.edKey === hex)?.nodeId ?? null;
}
