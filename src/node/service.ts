// What a user can do with their node: the peer's actions (src/peer, re-exported here as the
// node's front ends call them) over the node's SQLite store, plus what only a node has (its
// settings, reads for the CLI and the local API). Used directly by one-shot CLI commands when
// no node runs, and by the running node, which publishes what they store (FelundNode.published).
import type { NodeStore } from "../../db/node-store.ts";
import { type Rng, systemRng } from "../protocol/crypto.ts";
import { formatHostPort } from "../protocol/hostport.ts";
import { normalizeChannelId } from "../protocol/channel-id.ts";
import { type NodeKeys, nodeKeysFromSeed } from "../protocol/v2/keys.ts";
import { CallRegistry } from "../sync/control-apply.ts";
import type { OrderKey, StoredMessage } from "../sync/store.ts";
import * as peer from "../peer/actions.ts";
import { type PeerCtx, requireCircle } from "../peer/ctx.ts";
import { FelundError } from "../protocol/errors.ts";
import { postV1 } from "../peer/post-v1.ts";
import { channelLog, circleTimeline, useV1ControlParser } from "../peer/timeline.ts";
import { parseControlEvent } from "../protocol/control.ts";
import { type ChannelView, channelViews, type MessageView, messageView, useRefsView } from "../peer/views.ts";
import { advertisedHost, loadIdentity, loadSettings, type NodeSettings } from "./identity.ts";

export { approveMember, createChannel, joinChannel, leaveChannel } from "../peer/actions-channels.ts";
export { kickMembers, listInvites, renameCircle, revokeInvite, type InviteView } from "../peer/actions.ts";
export { historyPolicy, setHistoryPolicy } from "../peer/history.ts";
export { resolveMember } from "../peer/members.ts";
export { publishCard } from "../peer/card.ts";
export { requireCircle, v2Ctx } from "../peer/ctx.ts";
import { sendMessage as sendInChannel } from "../peer/send.ts";
import { isDmChannelId, sendDm } from "../peer/dm.ts";
export { dmViews, openDm } from "../peer/dm.ts";
import { useDmRules } from "../sync/dm.ts";

useDmRules(); // the node applies direct messages from the start (docs/PROTOCOL.md §21)

/** Write in a channel or a DM conversation (docs/PROTOCOL.md §21). */
export const sendMessage = (ctx: Ctx, circleId: string, channel: string, text: string): StoredMessage =>
  isDmChannelId(channel) ? sendDm(ctx, circleId, channel, text) : sendInChannel(ctx, circleId, channel, text);
import { refsHook } from "../peer/refs-view.ts";
import "../sync/v2-refs.ts"; // the node applies replies, reactions, edits and deletes always (ref-hook.ts)

// the node shows replies, reactions, edits and deletes always (the browser loads this on demand)
useV1ControlParser(parseControlEvent); // timeline lines of legacy circles
useRefsView(refsHook);
export type { MessageView };

/** The peer's context over the node's store. */
export interface Ctx extends PeerCtx {
  store: NodeStore;
}

/**
 * A node's context. `listenPort`: the port it listens on now (invite codes name it; the
 * configured one otherwise); `v2: false` makes a v1-only node, as the original.
 */
export function nodeCtx(
  store: NodeStore,
  o: {
    calls?: CallRegistry;
    now?: () => number;
    nowMs?: () => number;
    rng?: Rng;
    v2?: boolean;
    listenPort?: () => number | undefined;
  } = {},
): Ctx {
  let keys: NodeKeys | undefined;
  const ctx: Ctx = {
    store,
    calls: o.calls ?? new CallRegistry(),
    now: o.now ?? (() => Math.floor(Date.now() / 1000)),
    nowMs: o.nowMs ?? (o.now ? undefined : Date.now),
    rng: o.rng ?? systemRng,
    v2: o.v2 !== false,
    keys: () => (keys ??= nodeKeysFromSeed(loadIdentity(store).secretKey)),
    me: () => loadSettings(store),
    invitePeer: () => {
      const s = loadSettings(store);
      return formatHostPort(advertisedHost(s.bind), o.listenPort?.() ?? s.port);
    },
    peerIds: (circleId) => store.listPeers(circleId).map((p) => p.nodeId),
    postV1: (circleId, channelId, text) => postV1(ctx, circleId, channelId, text),
  };
  return ctx;
}

export const defaultCtx = (store: NodeStore): Ctx => nodeCtx(store);

export function settings(ctx: Ctx): NodeSettings {
  return loadSettings(ctx.store);
}

/**
 * The invite code of a circle (felund2 for v2-only circles, naming this node's address). With
 * `relayBase`, a felund2 code whose peer is this node's relay, so a joiner that cannot dial this
 * node (a relay-only browser, a node elsewhere) is admitted through the relay's /v1/signal (null:
 * this node uses no relay).
 */
export function inviteCode(
  ctx: Ctx,
  circleId: string,
  opts: { ttlS?: number; maxUses?: number } = {},
  relayBase?: string | null,
): string {
  if (relayBase === undefined) return peer.inviteCode(ctx, circleId, opts).code;
  if (!relayBase)
    throw new FelundError(
      "E_REFUSED",
      "this node uses no relay: set one (felund serve --relay URL) to invite through it",
    );
  if (requireCircle(ctx, circleId).mode !== "v2")
    throw new FelundError(
      "E_REFUSED",
      "legacy circles use felund1. codes; invite through a relay is for v2-only circles",
    );
  return peer.inviteCode(ctx, circleId, { ...opts, peer: relayBase }).code;
}

/** Create a circle owned by this node, and its first invite code. */
export function createCircle(
  ctx: Ctx,
  name = "",
  opts: { legacy?: boolean; ttlS?: number; maxUses?: number } = {},
): { circleId: string; code: string; secretHex: string; legacy: boolean } {
  const { circleId, secretHex, legacy } = peer.createCircle(ctx, name, opts);
  const code = inviteCode(ctx, circleId, legacy ? {} : { ttlS: opts.ttlS, maxUses: opts.maxUses });
  return { circleId, secretHex, legacy, code };
}

/** Join by felund1 code or by legacy secret + peer. Returns the circle and the TCP bootstrap (if any). */
export function joinCircle(
  ctx: Ctx,
  input: { code?: string; secret?: string; peer?: string },
): { circleId: string; bootstrap: string; created: boolean } {
  const { circleId, bootstrap, created } = peer.joinCircle(ctx, input);
  return { circleId, bootstrap, created };
}

export function leaveCircle(ctx: Ctx, circleId: string): void {
  ctx.store.removeCircle(requireCircle(ctx, circleId).circleId);
}

/** Save the display name and announce it to every circle; the rows to publish. */
export function setDisplayName(ctx: Ctx, name: string): StoredMessage[] {
  ctx.store.setSetting("display_name", peer.displayNameOf(name));
  return peer.announceName(ctx);
}

export function viewMessage(ctx: Ctx, m: StoredMessage, selfId?: string): MessageView {
  const me = selfId ?? settings(ctx).nodeId;
  const events = m.channelId === "__control" ? circleTimeline(ctx.store, m.circleId) : undefined;
  return messageView(ctx.store, m, (id) => id === me, events);
}

/** `events`: with the timeline events among the messages (the front ends' log; timeline.ts) */
export function inbox(
  ctx: Ctx,
  circleId: string,
  channel = "general",
  limit = 50,
  before?: OrderKey,
  events = false,
): MessageView[] {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(channel || "general");
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new FelundError("E_BAD_INPUT", "limit must be 1-1000");
  const me = settings(ctx).nodeId;
  if (!events) return ctx.store.channelMessages(c.circleId, ch, { limit, before }).map((m) => viewMessage(ctx, m, me));
  const log = channelLog(ctx.store, c.circleId, ch, { limit, before });
  return log.messages.map((m) => messageView(ctx.store, m, (id) => id === me, log.events));
}

export function listCircles(ctx: Ctx) {
  const me = settings(ctx).nodeId;
  return ctx.store.listCircles().map((c) => ({
    circleId: c.circleId,
    name: c.name,
    owned: c.owned,
    legacy: c.mode !== "v2",
    bootstrap: c.bootstrap,
    members: memberCount(ctx, c.circleId, me),
    messages: ctx.store.countChatMessages(c.circleId),
  }));
}

/** Members as far as this node knows: itself, signed member cards and peers, less removed ones. */
function memberCount(ctx: Ctx, circleId: string, me: string): number {
  const ids = new Set([me]);
  for (const card of ctx.store.listMemberCards(circleId)) ids.add(card.nodeId);
  for (const p of ctx.store.listPeers(circleId)) ids.add(p.nodeId);
  for (const id of ids) if (id !== me && ctx.store.removedAt(circleId, id) !== undefined) ids.delete(id);
  return ids.size;
}

export function listPeers(ctx: Ctx, circleId?: string) {
  const circles = circleId ? [requireCircle(ctx, circleId)] : ctx.store.listCircles();
  return circles.flatMap((c) =>
    ctx.store.listPeers(c.circleId).map((p) => ({
      circleId: c.circleId,
      nodeId: p.nodeId,
      name: ctx.store.getDisplayName(p.nodeId) ?? "",
      addr: p.addr,
      lastSeen: p.lastSeen,
      lastOk: p.lastOk,
      failures: p.failures,
      source: p.source,
      proto: p.proto,
    })),
  );
}

export function listChannels(ctx: Ctx, circleId: string): ChannelView[] {
  const c = requireCircle(ctx, circleId);
  return channelViews(ctx.store, c.circleId, settings(ctx).nodeId);
}
