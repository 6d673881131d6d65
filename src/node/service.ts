// What a user can do with their node, as plain functions over the store: create and join
// circles, send, read, list. Used directly by one-shot CLI commands when no node runs, and
// by the running node (which adds gossip and live notifications around them).
import { fromHex } from "../protocol/bytes.ts";
import { systemRng, type Rng } from "../protocol/crypto.ts";
import { circleIdFromSecret, newMsgId, newSecretHex } from "../protocol/ids.ts";
import { decodeInvite, encodeInvite } from "../protocol/invite.ts";
import { parseHostPort, formatHostPort } from "../protocol/hostport.ts";
import { isValidChannelId, normalizeChannelId } from "../protocol/channel-id.ts";
import { channelCreateText, channelKeyHash, channelMemberText, circleNameText, renameText, type AccessMode } from "../protocol/control.ts";
import { computeMac, CONTROL_CHANNEL, type ChatMessage } from "../protocol/message.ts";
import { CIRCLE_NAME_MAX, DISPLAY_NAME_MAX, MAX_TEXT_BYTES } from "../protocol/limits.ts";
import { utf8Length } from "../protocol/bytes.ts";
import type { NodeStore } from "../../db/node-store.ts";
import { CallRegistry, ensureGeneral } from "../sync/control-apply.ts";
import { storeVerified } from "../sync/merge.ts";
import type { StoredMessage } from "../sync/store.ts";
import { advertisedHost, loadSettings, type NodeSettings } from "./identity.ts";

export class UserError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
    this.name = "UserError";
  }
}

export interface Ctx { store: NodeStore; calls: CallRegistry; now: () => number; rng: Rng; listenPort?: number }

export const defaultCtx = (store: NodeStore): Ctx => ({ store, calls: new CallRegistry(), now: () => Math.floor(Date.now() / 1000), rng: systemRng });

export function settings(ctx: Ctx): NodeSettings {
  return loadSettings(ctx.store);
}

export function requireCircle(ctx: Ctx, circleId: string) {
  const c = ctx.store.getCircle(circleId) ?? ctx.store.listCircles().find((x) => x.circleId.startsWith(circleId) && circleId.length >= 4);
  if (!c) throw new UserError(`unknown circle: ${circleId}`, 404);
  return c;
}

export function invitePeer(ctx: Ctx): string {
  const s = settings(ctx);
  return formatHostPort(advertisedHost(s.bind), ctx.listenPort ?? s.port);
}

export function inviteCode(ctx: Ctx, circleId: string): string {
  return encodeInvite(requireCircle(ctx, circleId).secretHex, invitePeer(ctx));
}

export function createCircle(ctx: Ctx, name = ""): { circleId: string; code: string; secretHex: string } {
  const secretHex = newSecretHex(ctx.rng);
  const circleId = circleIdFromSecret(secretHex);
  const now = ctx.now();
  ctx.store.transaction(() => {
    ctx.store.addCircle({ circleId, secretHex, name: name.trim().slice(0, CIRCLE_NAME_MAX), owned: true, bootstrap: "", mode: "v1", keyEpoch: 0, joinedAt: now });
    ensureGeneral(ctx.store, circleId, now);
    if (name.trim()) postLocal(ctx, circleId, CONTROL_CHANNEL, circleNameText(circleId, name.trim().slice(0, CIRCLE_NAME_MAX)));
  });
  return { circleId, secretHex, code: inviteCode(ctx, circleId) };
}

/** Join by invite code or by legacy secret + peer. Returns the circle and the TCP bootstrap (if any). */
export function joinCircle(ctx: Ctx, input: { code?: string; secret?: string; peer?: string }): { circleId: string; bootstrap: string; created: boolean } {
  let secretHex: string;
  let peer: string;
  if (input.code) {
    const v = decodeInvite(input.code);
    if (!v.ok) throw new UserError(`invalid invite code: ${v.reason}`);
    ({ secretHex, peer } = v.value);
  } else if (input.secret) {
    secretHex = input.secret.trim().toLowerCase();
    if (!/^([0-9a-f]{2})+$/.test(secretHex)) throw new UserError("secret must be hex");
    peer = (input.peer ?? "").trim();
    if (peer && !parseHostPort(peer)) throw new UserError("peer must be HOST:PORT");
  } else throw new UserError("give --code, or --secret with --peer");
  const circleId = circleIdFromSecret(secretHex);
  const bootstrap = parseHostPort(peer) ? peer : "";
  const now = ctx.now();
  let created = false;
  ctx.store.transaction(() => {
    created = ctx.store.addCircle({ circleId, secretHex, name: "", owned: false, bootstrap, mode: "v1", keyEpoch: 0, joinedAt: now });
    ensureGeneral(ctx.store, circleId, now);
  });
  return { circleId, bootstrap, created };
}

export function leaveCircle(ctx: Ctx, circleId: string): void {
  ctx.store.removeCircle(requireCircle(ctx, circleId).circleId);
}

/** Author a message here: MAC'd, stored durably (the insert commits before we return). */
export function postLocal(ctx: Ctx, circleId: string, channelId: string, text: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const s = settings(ctx);
  if (utf8Length(text) > MAX_TEXT_BYTES) throw new UserError(`message too long (max ${MAX_TEXT_BYTES} bytes)`, 413);
  const now = ctx.now();
  const base = {
    msgId: newMsgId(s.nodeId, now, ctx.rng), circleId: c.circleId, channelId, authorNodeId: s.nodeId,
    displayName: s.displayName, createdTs: now, text,
  };
  const m: ChatMessage = { ...base, mac: computeMac(fromHex(c.secretHex), base) };
  const row = ctx.store.transaction(() => storeVerified(ctx.store, ctx.calls, m, "local", now));
  if (!row) throw new Error("message id collision");
  return row;
}

export function sendMessage(ctx: Ctx, circleId: string, channel: string, text: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(channel || "general");
  if (!text.trim()) throw new UserError("message is empty");
  if (!ctx.store.getChannel(c.circleId, ch)) throw new UserError(`unknown channel: #${ch} (create it first)`, 404);
  return postLocal(ctx, c.circleId, ch, text);
}

export function createChannel(ctx: Ctx, circleId: string, name: string, mode: AccessMode = "public", key = ""): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(name);
  if (!isValidChannelId(ch)) throw new UserError("channel names are 1-32 letters, digits, - or _ (not starting with __)");
  if (ctx.store.getChannel(c.circleId, ch)) throw new UserError(`#${ch} already exists`, 409);
  if (mode === "key" && !key) throw new UserError("a key channel needs a key");
  const s = settings(ctx);
  return postLocal(ctx, c.circleId, CONTROL_CHANNEL, channelCreateText({
    circleId: c.circleId, channelId: ch, accessMode: mode, keyHash: mode === "key" ? channelKeyHash(c.circleId, ch, key) : "", actor: s.nodeId, ts: ctx.now(),
  }));
}

export function joinChannel(ctx: Ctx, circleId: string, name: string, key = ""): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(name);
  const row = ctx.store.getChannel(c.circleId, ch);
  if (!row) throw new UserError(`unknown channel: #${ch}`, 404);
  const s = settings(ctx);
  if (row.accessMode === "key" && row.keyHash && channelKeyHash(c.circleId, ch, key) !== row.keyHash) throw new UserError("wrong channel key", 403);
  const op = row.accessMode === "invite" ? "request" : "join";
  return postLocal(ctx, c.circleId, CONTROL_CHANNEL, channelMemberText(op, { circleId: c.circleId, channelId: ch, nodeId: s.nodeId, actor: s.nodeId, ts: ctx.now() }));
}

export function leaveChannel(ctx: Ctx, circleId: string, name: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(name);
  if (ch === "general") throw new UserError("#general cannot be left");
  if (!ctx.store.getChannel(c.circleId, ch)) throw new UserError(`unknown channel: #${ch}`, 404);
  const s = settings(ctx);
  return postLocal(ctx, c.circleId, CONTROL_CHANNEL, channelMemberText("leave", { circleId: c.circleId, channelId: ch, nodeId: s.nodeId, actor: s.nodeId, ts: ctx.now() }));
}

export function renameCircle(ctx: Ctx, circleId: string, name: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  if (!c.owned) throw new UserError("only the circle's owner can rename it", 403);
  const n = name.trim().slice(0, CIRCLE_NAME_MAX);
  if (!n) throw new UserError("circle name is empty");
  return postLocal(ctx, c.circleId, CONTROL_CHANNEL, circleNameText(c.circleId, n));
}

/** Set the display name and announce it to every circle (CHANNEL_EVT rename). */
export function setDisplayName(ctx: Ctx, name: string): StoredMessage[] {
  const n = name.trim().slice(0, DISPLAY_NAME_MAX) || "anon";
  const s = settings(ctx);
  ctx.store.setSetting("display_name", n);
  ctx.store.setDisplayName(s.nodeId, n, ctx.now());
  return ctx.store.listCircles().map((c) => postLocal(ctx, c.circleId, CONTROL_CHANNEL, renameText({ circleId: c.circleId, nodeId: s.nodeId, displayName: n, ts: ctx.now() })));
}

export interface MessageView {
  seq: number; msgId: string; circleId: string; channelId: string; authorNodeId: string; author: string;
  displayName: string; createdTs: number; sortTs: number; text: string; verified: "mac" | "none"; own: boolean;
}

export function viewMessage(ctx: Ctx, m: StoredMessage, selfId?: string): MessageView {
  const me = selfId ?? settings(ctx).nodeId;
  return {
    seq: m.seq, msgId: m.msgId, circleId: m.circleId, channelId: m.channelId, authorNodeId: m.authorNodeId,
    author: ctx.store.getDisplayName(m.authorNodeId) || m.displayName || m.authorNodeId.slice(0, 8),
    displayName: m.displayName, createdTs: m.createdTs, sortTs: m.sortTs, text: m.text,
    verified: m.mac ? "mac" : "none", own: m.authorNodeId === me,
  };
}

export function inbox(ctx: Ctx, circleId: string, channel = "general", limit = 50, before?: { sortTs: number; msgId: string }): MessageView[] {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(channel || "general");
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UserError("limit must be 1-1000");
  const me = settings(ctx).nodeId;
  return ctx.store.channelMessages(c.circleId, ch, { limit, beforeSortTs: before?.sortTs, beforeMsgId: before?.msgId }).map((m) => viewMessage(ctx, m, me));
}

export function listCircles(ctx: Ctx) {
  return ctx.store.listCircles().map((c) => ({
    circleId: c.circleId, name: c.name, owned: c.owned, bootstrap: c.bootstrap,
    members: ctx.store.listPeers(c.circleId).length, messages: ctx.store.countMessages(c.circleId),
  }));
}

export function listPeers(ctx: Ctx, circleId?: string) {
  const circles = circleId ? [requireCircle(ctx, circleId)] : ctx.store.listCircles();
  return circles.flatMap((c) => ctx.store.listPeers(c.circleId).map((p) => ({
    circleId: c.circleId, nodeId: p.nodeId, name: ctx.store.getDisplayName(p.nodeId) ?? "", addr: p.addr,
    lastSeen: p.lastSeen, lastOk: p.lastOk, failures: p.failures, source: p.source, proto: p.proto,
  })));
}

export function listChannels(ctx: Ctx, circleId: string) {
  const c = requireCircle(ctx, circleId);
  const me = settings(ctx).nodeId;
  return ctx.store.listChannels(c.circleId).map((ch) => {
    const members = ctx.store.channelMembers(c.circleId, ch.channelId);
    return {
      channelId: ch.channelId, accessMode: ch.accessMode, createdBy: ch.createdBy, createdTs: ch.createdTs,
      members: members.filter((m) => m.state === "member").map((m) => m.nodeId),
      requests: members.filter((m) => m.state === "requested").map((m) => m.nodeId),
      joined: ch.accessMode === "public" || ch.createdBy === me || members.some((m) => m.nodeId === me && m.state === "member"),
    };
  });
}
