// What a user can do with their node, as plain functions over the store: create and join
// circles, send, read, list. Used directly by one-shot CLI commands when no node runs, and
// by the running node (which adds gossip and live notifications around them).
import { fromHex } from "../protocol/bytes.ts";
import { systemRng, type Rng } from "../protocol/crypto.ts";
import { circleIdFromSecret, newMsgId, newSecretHex } from "../protocol/ids.ts";
import { decodeInvite, encodeInvite, INVITE_PREFIX } from "../protocol/invite.ts";
import { parseHostPort, formatHostPort } from "../protocol/hostport.ts";
import { newChannelIdProblem, normalizeChannelId } from "../protocol/channel-id.ts";
import {
  channelApproveText,
  channelCreateText,
  channelKeyHash,
  channelMemberText,
  circleNameText,
  renameText,
  type AccessMode,
} from "../protocol/control.ts";
import { computeMac, CONTROL_CHANNEL, type ChatMessage } from "../protocol/message.ts";
import { CIRCLE_NAME_MAX, DISPLAY_NAME_MAX, MAX_TEXT_BYTES } from "../protocol/limits.ts";
import { utf8Length } from "../protocol/bytes.ts";
import type { NodeStore } from "../../db/node-store.ts";
import { CallRegistry, ensureGeneral } from "../sync/control-apply.ts";
import { storeVerified } from "../sync/merge.ts";
import type { StoredMessage } from "../sync/store.ts";
import { advertisedHost, loadIdentity, loadSettings, type NodeSettings } from "./identity.ts";
import { nodeKeysFromSeed, type NodeKeys } from "../protocol/v2/keys.ts";
import { makeCardMessage } from "../protocol/v2/member-card.ts";
import { INVITE2_PREFIX, inviteView, type InviteView } from "../protocol/v2/invite.ts";
import { acceptSigned, composeEvent, composeText, type V2Ctx } from "../sync/v2-apply.ts";
import * as v2admin from "../sync/v2-admin.ts";
import { toHex } from "../protocol/bytes.ts";
import type { Verdict } from "../protocol/verdict.ts";

export class UserError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export interface Ctx {
  store: NodeStore;
  calls: CallRegistry;
  now: () => number;
  rng: Rng;
  listenPort?: number;
  keys?: NodeKeys;
  /** false = a v1-only node (no signatures, no member cards, legacy circles), as the original */
  v2?: boolean;
}

/** This node's v2 keys (derived from the stored Ed25519 seed; cached on the context). */
export function keysOf(ctx: Ctx): NodeKeys {
  return (ctx.keys ??= nodeKeysFromSeed(loadIdentity(ctx.store).secretKey));
}
export const v2Ctx = (ctx: Ctx): V2Ctx => ({ store: ctx.store, calls: ctx.calls, self: keysOf(ctx), now: ctx.now() });
const isV2Only = (c: { mode: string }) => c.mode === "v2";

/** Turn a v2 verdict into a stored row or a user error. */
function done<T extends { row: StoredMessage }>(v: Verdict<T>, status = 400): StoredMessage {
  if (!v.ok) throw new UserError(v.reason, /owner/.test(v.reason) ? 403 : status);
  return v.value.row;
}

/** Publish (or refresh) this node's member card in a circle: its Ed25519 + X25519 keys and name. */
export function publishCard(ctx: Ctx, circleId: string): StoredMessage | null {
  if (ctx.v2 === false) return null;
  const c = requireCircle(ctx, circleId);
  const k = keysOf(ctx);
  const card = makeCardMessage(k, {
    circleId: c.circleId,
    displayName: settings(ctx).displayName,
    ts: ctx.now(),
    epoch: c.keyEpoch,
    salt: ctx.rng(16),
  });
  const r = acceptSigned(v2Ctx(ctx), c, card.wire, "local");
  return r.ok ? r.value : null;
}

export const defaultCtx = (store: NodeStore): Ctx => ({
  store,
  calls: new CallRegistry(),
  now: () => Math.floor(Date.now() / 1000),
  rng: systemRng,
});

export function settings(ctx: Ctx): NodeSettings {
  return loadSettings(ctx.store);
}

export function requireCircle(ctx: Ctx, circleId: string) {
  const c =
    ctx.store.getCircle(circleId) ??
    ctx.store.listCircles().find((x) => x.circleId.startsWith(circleId) && circleId.length >= 4);
  if (!c) throw new UserError(`unknown circle: ${circleId}`, 404);
  return c;
}

export function invitePeer(ctx: Ctx): string {
  const s = settings(ctx);
  return formatHostPort(advertisedHost(s.bind), ctx.listenPort ?? s.port);
}

/**
 * The invite code of a circle: a signed felund2. code (owner only; expiry and use limit) for
 * v2-only circles, the felund1. code for legacy-compatible ones.
 */
export function inviteCode(ctx: Ctx, circleId: string, opts: { ttlS?: number; maxUses?: number } = {}): string {
  const c = requireCircle(ctx, circleId);
  if (!isV2Only(c)) {
    if (opts.ttlS !== undefined || opts.maxUses !== undefined)
      throw new UserError("felund1. codes of legacy circles carry no expiry or use limit");
    // our felund1. codes also name the owner's key (originals ignore it), so members who join
    // with them can check the owner's signed events (a kick's re-key above all)
    const owner = ctx.v2 === false ? undefined : ctx.store.getCircleOwner(c.circleId);
    return encodeInvite(c.secretHex, invitePeer(ctx), owner);
  }
  const r = v2admin.issueInvite(v2Ctx(ctx), c.circleId, {
    peer: invitePeer(ctx),
    ttlS: opts.ttlS,
    maxUses: opts.maxUses,
    now: ctx.now(),
    rng: ctx.rng,
  });
  if (!r.ok)
    throw new UserError(
      r.reason === "only the circle owner issues felund2 invites"
        ? "only the circle's owner can invite to this circle (ask them for a code)"
        : r.reason,
      403,
    );
  return r.value.code;
}

export type { InviteView };

/** The felund2 invites this node issued for a circle, newest first, with what each is worth now. */
export function listInvites(ctx: Ctx, circleId: string): InviteView[] {
  const c = requireCircle(ctx, circleId);
  const now = ctx.now();
  return ctx.store.listInvites(c.circleId).map((r) => inviteView(r, now));
}

/** Revoke one invite (id or unique prefix): its code admits no one from now on. */
export function revokeInvite(ctx: Ctx, circleId: string, inviteId: string): InviteView {
  const c = requireCircle(ctx, circleId);
  const r = ctx.store.transaction(() => v2admin.revokeInvite(v2Ctx(ctx), c.circleId, inviteId, ctx.now()));
  if (!r.ok) throw new UserError(r.reason, /^no invite/.test(r.reason) ? 404 : /already/.test(r.reason) ? 409 : 400);
  return inviteView(r.value, ctx.now());
}

/**
 * Create a circle owned by this node: v2-only (felund2. invites) unless `legacy`, which keeps it
 * compatible with original nodes and web clients (felund1. invites, v1 on the wire to them).
 */
export function createCircle(
  ctx: Ctx,
  name = "",
  opts: { legacy?: boolean; ttlS?: number; maxUses?: number } = {},
): { circleId: string; code: string; secretHex: string; legacy: boolean } {
  const secretHex = newSecretHex(ctx.rng);
  const circleId = circleIdFromSecret(secretHex);
  const now = ctx.now();
  const legacy = !!opts.legacy || ctx.v2 === false;
  const n = name.trim().slice(0, CIRCLE_NAME_MAX);
  ctx.store.transaction(() => {
    ctx.store.addCircle({
      circleId,
      secretHex,
      name: n,
      owned: true,
      bootstrap: "",
      mode: legacy ? "v1" : "v2",
      keyEpoch: 0,
      joinedAt: now,
    });
    ctx.store.setCircleOwner(circleId, toHex(keysOf(ctx).edPublic));
    ensureGeneral(ctx.store, circleId, now);
    publishCard(ctx, circleId);
    if (n) {
      if (legacy) postLocal(ctx, circleId, CONTROL_CHANNEL, circleNameText(circleId, n));
      else
        done(
          composeEvent(v2Ctx(ctx), {
            circleId,
            displayName: settings(ctx).displayName,
            now,
            rng: ctx.rng,
            event: { t: "circle_name", name: n },
          }),
        );
    }
  });
  return {
    circleId,
    secretHex,
    legacy,
    code: inviteCode(ctx, circleId, legacy ? {} : { ttlS: opts.ttlS, maxUses: opts.maxUses }),
  };
}

/** Join by invite code or by legacy secret + peer. Returns the circle and the TCP bootstrap (if any). */
export function joinCircle(
  ctx: Ctx,
  input: { code?: string; secret?: string; peer?: string },
): { circleId: string; bootstrap: string; created: boolean } {
  let secretHex: string;
  let peer: string;
  let owner: string | undefined;
  if (input.code?.trim().startsWith(INVITE2_PREFIX))
    throw new UserError(
      "felund2. codes are redeemed with the inviter's node over the network: run this with a node (felund join does it)",
    );
  if (input.code) {
    const v = decodeInvite(input.code);
    if (!v.ok)
      throw new UserError(
        input.code.trim().startsWith(INVITE_PREFIX)
          ? `invalid invite code: ${v.reason}`
          : `invalid invite code: it must start with "${INVITE2_PREFIX}" or "${INVITE_PREFIX}"`,
      );
    ({ secretHex, peer } = v.value);
    owner = v.value.owner;
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
    created = ctx.store.addCircle({
      circleId,
      secretHex,
      name: "",
      owned: false,
      bootstrap,
      mode: "v1",
      keyEpoch: 0,
      joinedAt: now,
    });
    ensureGeneral(ctx.store, circleId, now);
    if (created && owner && !ctx.store.getCircleOwner(circleId)) ctx.store.setCircleOwner(circleId, owner);
    if (created) publishCard(ctx, circleId);
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
    msgId: newMsgId(s.nodeId, now, ctx.rng),
    circleId: c.circleId,
    channelId,
    authorNodeId: s.nodeId,
    displayName: s.displayName,
    createdTs: now,
    text,
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
  if (utf8Length(text) > MAX_TEXT_BYTES) throw new UserError(`message too long (max ${MAX_TEXT_BYTES} bytes)`, 413);
  if (ctx.v2 === false) return postLocal(ctx, c.circleId, ch, text);
  // signed by this node's key (v2); in a legacy circle it also carries its v1 MAC for original peers
  const r = composeText(v2Ctx(ctx), {
    circleId: c.circleId,
    channelId: ch,
    displayName: settings(ctx).displayName,
    now: ctx.now(),
    rng: ctx.rng,
    text,
  });
  if (!r.ok && r.reason === "no key for this channel")
    throw new UserError(`you cannot write in #${ch} yet: join it with its key, or wait for the owner's approval`, 403);
  return done(r);
}

export function createChannel(
  ctx: Ctx,
  circleId: string,
  name: string,
  mode: AccessMode = "public",
  key = "",
): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(name);
  const problem = newChannelIdProblem(ch);
  if (problem) throw new UserError(problem);
  if (ctx.store.getChannel(c.circleId, ch)) throw new UserError(`#${ch} already exists`, 409);
  if (mode === "key" && !key) throw new UserError("a key channel needs a key");
  const s = settings(ctx);
  if (isV2Only(c)) {
    // v2: key channels are encrypted under a key derived from the passphrase; invite channels
    // under a random key the owner seals to each approved member
    return done(
      v2admin.createChannel(v2Ctx(ctx), c.circleId, ch, mode, {
        displayName: s.displayName,
        now: ctx.now(),
        rng: ctx.rng,
        passphrase: key,
      }),
    );
  }
  return postLocal(
    ctx,
    c.circleId,
    CONTROL_CHANNEL,
    channelCreateText({
      circleId: c.circleId,
      channelId: ch,
      accessMode: mode,
      keyHash: mode === "key" ? channelKeyHash(c.circleId, ch, key) : "",
      actor: s.nodeId,
      ts: ctx.now(),
    }),
  );
}

export function joinChannel(ctx: Ctx, circleId: string, name: string, key = ""): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(name);
  const row = ctx.store.getChannel(c.circleId, ch);
  if (!row) throw new UserError(`unknown channel: #${ch}`, 404);
  const s = settings(ctx);
  if (isV2Only(c)) {
    const who = { displayName: s.displayName, now: ctx.now(), rng: ctx.rng };
    if (row.accessMode === "key") {
      if (!key) throw new UserError(`#${ch} needs its key: /channel join ${ch} <key>`, 403);
      const r = v2admin.unlockKeyChannel(v2Ctx(ctx), c.circleId, ch, key, who);
      if (!r.ok && /passphrase/.test(r.reason)) throw new UserError("wrong channel key", 403);
      return done(r);
    }
    const t = row.accessMode === "invite" ? "channel_request" : "channel_join";
    return done(composeEvent(v2Ctx(ctx), { circleId: c.circleId, ...who, event: { t, channelId: ch } }));
  }
  if (row.accessMode === "key" && row.keyHash && channelKeyHash(c.circleId, ch, key) !== row.keyHash)
    throw new UserError("wrong channel key", 403);
  const op = row.accessMode === "invite" ? "request" : "join";
  return postLocal(
    ctx,
    c.circleId,
    CONTROL_CHANNEL,
    channelMemberText(op, { circleId: c.circleId, channelId: ch, nodeId: s.nodeId, actor: s.nodeId, ts: ctx.now() }),
  );
}

export function leaveChannel(ctx: Ctx, circleId: string, name: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(name);
  if (ch === "general") throw new UserError("#general cannot be left");
  if (!ctx.store.getChannel(c.circleId, ch)) throw new UserError(`unknown channel: #${ch}`, 404);
  const s = settings(ctx);
  if (isV2Only(c))
    return done(
      composeEvent(v2Ctx(ctx), {
        circleId: c.circleId,
        displayName: s.displayName,
        now: ctx.now(),
        rng: ctx.rng,
        event: { t: "channel_leave", channelId: ch },
      }),
    );
  return postLocal(
    ctx,
    c.circleId,
    CONTROL_CHANNEL,
    channelMemberText("leave", {
      circleId: c.circleId,
      channelId: ch,
      nodeId: s.nodeId,
      actor: s.nodeId,
      ts: ctx.now(),
    }),
  );
}

export function renameCircle(ctx: Ctx, circleId: string, name: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  if (!c.owned) throw new UserError("only the circle's owner can rename it", 403);
  const n = name.trim().slice(0, CIRCLE_NAME_MAX);
  if (!n) throw new UserError("circle name is empty");
  if (isV2Only(c))
    return done(
      composeEvent(v2Ctx(ctx), {
        circleId: c.circleId,
        displayName: settings(ctx).displayName,
        now: ctx.now(),
        rng: ctx.rng,
        event: { t: "circle_name", name: n },
      }),
    );
  return postLocal(ctx, c.circleId, CONTROL_CHANNEL, circleNameText(c.circleId, n));
}

/** The owner removes members: the circle moves to a new key epoch sent only to the others. */
export function kickMembers(ctx: Ctx, circleId: string, members: string[]): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ids = members.map((m) => resolveMember(ctx, c.circleId, m));
  return done(
    v2admin.kickMembers(v2Ctx(ctx), c.circleId, ids, {
      displayName: settings(ctx).displayName,
      now: ctx.now(),
      rng: ctx.rng,
    }),
  );
}

/** A member by node id, unique id prefix (4+), or display name. */
export function resolveMember(ctx: Ctx, circleId: string, who: string): string {
  const q = who.trim().replace(/^@/, "");
  const cards = ctx.store.listMemberCards(circleId);
  const peers = ctx.store.listPeers(circleId);
  const ids = [...new Set([...cards.map((x) => x.nodeId), ...peers.map((p) => p.nodeId)])];
  const exact = ids.find((id) => id === q);
  if (exact) return exact;
  const byPrefix = q.length >= 4 ? ids.filter((id) => id.startsWith(q)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  const byName = ids.filter((id) => (ctx.store.getDisplayName(id) ?? "").toLowerCase() === q.toLowerCase());
  if (byName.length === 1) return byName[0]!;
  if (byPrefix.length > 1 || byName.length > 1)
    throw new UserError(`"${who}" matches several members; use more of the node id`);
  throw new UserError(`no member "${who}" in this circle`, 404);
}

/** The channel owner lets a member into an invite channel. */
export function approveMember(ctx: Ctx, circleId: string, channel: string, member: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(channel);
  const id = resolveMember(ctx, c.circleId, member);
  if (isV2Only(c))
    return done(
      v2admin.approveMember(v2Ctx(ctx), c.circleId, ch, id, {
        displayName: settings(ctx).displayName,
        now: ctx.now(),
        rng: ctx.rng,
      }),
    );
  return postLocal(
    ctx,
    c.circleId,
    CONTROL_CHANNEL,
    channelApproveText({ circleId: c.circleId, channelId: ch, target: id, actor: settings(ctx).nodeId, ts: ctx.now() }),
  );
}

/** Set the display name and announce it to every circle (CHANNEL_EVT rename). */
export function setDisplayName(ctx: Ctx, name: string): StoredMessage[] {
  const n = name.trim().slice(0, DISPLAY_NAME_MAX) || "anon";
  const s = settings(ctx);
  ctx.store.setSetting("display_name", n);
  ctx.store.setDisplayName(s.nodeId, n, ctx.now());
  // legacy circles: the v1 rename event originals understand; v2 circles: a fresh member card
  return ctx.store
    .listCircles()
    .flatMap((c) =>
      isV2Only(c)
        ? [publishCard(ctx, c.circleId)].filter((x): x is StoredMessage => !!x)
        : [
            postLocal(
              ctx,
              c.circleId,
              CONTROL_CHANNEL,
              renameText({ circleId: c.circleId, nodeId: s.nodeId, displayName: n, ts: ctx.now() }),
            ),
          ],
    );
}

export interface MessageView {
  seq: number;
  msgId: string;
  circleId: string;
  channelId: string;
  authorNodeId: string;
  author: string;
  /** "sig": signed by its author (v2); "mac": only the circle's v1 MAC (unverified author); "none" */
  displayName: string;
  createdTs: number;
  sortTs: number;
  text: string;
  verified: "sig" | "mac" | "none";
  own: boolean;
}

export function viewMessage(ctx: Ctx, m: StoredMessage, selfId?: string): MessageView {
  const me = selfId ?? settings(ctx).nodeId;
  return {
    seq: m.seq,
    msgId: m.msgId,
    circleId: m.circleId,
    channelId: m.channelId,
    authorNodeId: m.authorNodeId,
    author: ctx.store.getDisplayName(m.authorNodeId) || m.displayName || m.authorNodeId.slice(0, 8),
    displayName: m.displayName,
    createdTs: m.createdTs,
    sortTs: m.sortTs,
    text: m.text,
    verified: m.signed ? "sig" : m.mac ? "mac" : "none",
    own: m.authorNodeId === me,
  };
}

export function inbox(
  ctx: Ctx,
  circleId: string,
  channel = "general",
  limit = 50,
  before?: { sortTs: number; msgId: string },
): MessageView[] {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(channel || "general");
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UserError("limit must be 1-1000");
  const me = settings(ctx).nodeId;
  return ctx.store.channelMessages(c.circleId, ch, { limit, before }).map((m) => viewMessage(ctx, m, me));
}

export function listCircles(ctx: Ctx) {
  const me = settings(ctx).nodeId;
  return ctx.store.listCircles().map((c) => ({
    circleId: c.circleId,
    name: c.name,
    owned: c.owned,
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

export function listChannels(ctx: Ctx, circleId: string) {
  const c = requireCircle(ctx, circleId);
  const me = settings(ctx).nodeId;
  return ctx.store.listChannels(c.circleId).map((ch) => {
    const members = ctx.store.channelMembers(c.circleId, ch.channelId);
    return {
      channelId: ch.channelId,
      accessMode: ch.accessMode,
      createdBy: ch.createdBy,
      createdTs: ch.createdTs,
      members: members.filter((m) => m.state === "member").map((m) => m.nodeId),
      requests: members.filter((m) => m.state === "requested").map((m) => m.nodeId),
      joined:
        ch.accessMode === "public" ||
        ch.createdBy === me ||
        members.some((m) => m.nodeId === me && m.state === "member"),
    };
  });
}
