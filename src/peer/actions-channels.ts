// Channels of a circle, once for both shells: create, join, leave (every access mode, in
// v2-only circles as signed events, in legacy ones as the v1 control messages originals
// understand) and the owner's approval into an invite channel. Each returns the stored row.
import { newChannelIdProblem, normalizeChannelId } from "../protocol/channel-id.ts";
import {
  type AccessMode,
  channelApproveText,
  channelCreateText,
  channelKeyHash,
  channelMemberText,
} from "../protocol/control.ts";
import { CONTROL_CHANNEL } from "../protocol/message.ts";
import type { StoredMessage } from "../sync/store.ts";
import * as admin from "../sync/v2-admin.ts";
import { isLegacy } from "../sync/v2-apply.ts";
import { composeEvent } from "../sync/v2-compose-event.ts";
import { requireCircle, type PeerCtx, v2Ctx, who } from "./ctx.ts";
import { FelundError } from "../protocol/errors.ts";
import { rowOf } from "./ctx.ts";
import { resolveMember } from "./members.ts";
import { channelMode } from "./views.ts";

export function createChannel(
  ctx: PeerCtx,
  circleId: string,
  name: string,
  mode: AccessMode = "public",
  key = "",
): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(name);
  const problem = newChannelIdProblem(ch);
  if (problem) throw new FelundError("E_BAD_INPUT", problem);
  if (ctx.store.getChannel(c.circleId, ch)) throw new FelundError("E_EXISTS", `#${ch} already exists`);
  if (mode === "key" && !key) throw new FelundError("E_BAD_INPUT", "a key channel needs a key");
  // v2: a key channel is encrypted under a key derived from its passphrase; an invite channel
  // under a random key its owner seals to each approved member
  if (!isLegacy(c))
    return rowOf(admin.createChannel(v2Ctx(ctx), c.circleId, ch, mode, { ...who(ctx), passphrase: key }));
  return ctx.postV1(
    c.circleId,
    CONTROL_CHANNEL,
    channelCreateText({
      circleId: c.circleId,
      channelId: ch,
      accessMode: mode,
      keyHash: mode === "key" ? channelKeyHash(c.circleId, ch, key) : "",
      actor: ctx.me().nodeId,
      ts: ctx.now(),
    }),
  );
}

/** Join a channel: a key channel with its key, an invite channel as a request its owner approves. */
export function joinChannel(ctx: PeerCtx, circleId: string, name: string, key = ""): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(name);
  const row = ctx.store.getChannel(c.circleId, ch);
  if (!row) throw new FelundError("E_UNKNOWN_CHANNEL", `unknown channel: #${ch}`);
  if (!isLegacy(c)) {
    const mode = channelMode(ctx.store, row);
    if (mode === "key") {
      if (!key) throw new FelundError("E_NO_KEY", `#${ch} needs its key: /channel join ${ch} <key>`);
      const r = admin.unlockKeyChannel(v2Ctx(ctx), c.circleId, ch, key, who(ctx));
      if (!r.ok && /passphrase/.test(r.reason)) throw new FelundError("E_WRONG_KEY", "wrong channel key");
      return rowOf(r);
    }
    const t = mode === "invite" ? "channel_request" : "channel_join";
    return rowOf(composeEvent(v2Ctx(ctx), { circleId: c.circleId, ...who(ctx), event: { t, channelId: ch } }));
  }
  if (row.accessMode === "key" && row.keyHash && channelKeyHash(c.circleId, ch, key) !== row.keyHash)
    throw new FelundError("E_WRONG_KEY", "wrong channel key");
  const me = ctx.me().nodeId;
  const op = row.accessMode === "invite" ? "request" : "join";
  return ctx.postV1(
    c.circleId,
    CONTROL_CHANNEL,
    channelMemberText(op, { circleId: c.circleId, channelId: ch, nodeId: me, actor: me, ts: ctx.now() }),
  );
}

export function leaveChannel(ctx: PeerCtx, circleId: string, name: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(name);
  if (ch === "general") throw new FelundError("E_REFUSED", "#general cannot be left");
  if (!ctx.store.getChannel(c.circleId, ch)) throw new FelundError("E_UNKNOWN_CHANNEL", `unknown channel: #${ch}`);
  if (!isLegacy(c))
    return rowOf(
      composeEvent(v2Ctx(ctx), { circleId: c.circleId, ...who(ctx), event: { t: "channel_leave", channelId: ch } }),
    );
  const me = ctx.me().nodeId;
  return ctx.postV1(
    c.circleId,
    CONTROL_CHANNEL,
    channelMemberText("leave", { circleId: c.circleId, channelId: ch, nodeId: me, actor: me, ts: ctx.now() }),
  );
}

/** The channel's owner lets a member into an invite channel (v2: the channel key sealed to its card). */
export function approveMember(ctx: PeerCtx, circleId: string, channel: string, member: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(channel);
  const id = resolveMember(ctx, c.circleId, member);
  if (!isLegacy(c)) return rowOf(admin.approveMember(v2Ctx(ctx), c.circleId, ch, id, who(ctx)));
  return ctx.postV1(
    c.circleId,
    CONTROL_CHANNEL,
    channelApproveText({ circleId: c.circleId, channelId: ch, target: id, actor: ctx.me().nodeId, ts: ctx.now() }),
  );
}
