// What a member does to circles, once for both shells (the node over SQLite, the relay-only
// browser over its in-memory store): create, join with a felund1 code or a legacy secret,
// enter a circle a felund2 admission gave, rename, invite, kick, announce a display name.
// Each returns the rows it stored; the shell publishes them (node: the fan-out; browser:
// flush to IndexedDB, then push). felund2 joins talk to the network and stay in the shells.
import { toHex } from "../protocol/bytes.ts";
import { circleNameText, renameText } from "../protocol/control.ts";
import { parseHostPort } from "../protocol/hostport.ts";
import { circleIdFromSecret, newSecretHex } from "../protocol/ids.ts";
import { cleanInviteCode, decodeInvite, encodeInvite, INVITE_PREFIX } from "../protocol/invite.ts";
import { CIRCLE_NAME_MAX, DISPLAY_NAME_MAX } from "../protocol/limits.ts";
import { CONTROL_CHANNEL } from "../protocol/message.ts";
import type { Admit } from "../protocol/v2/frames.ts";
import { INVITE2_PREFIX, type Invite2, type InviteView, inviteView } from "../protocol/v2/invite.ts";
import { type CircleRow, ensureGeneral, type StoredMessage } from "../sync/store.ts";
import * as admin from "../sync/v2-admin.ts";
import { isLegacy } from "../sync/v2-apply.ts";
import { composeEvent } from "../sync/v2-compose-event.ts";
import { publishCard } from "./card.ts";
import { requireCircle, type PeerCtx, v2Ctx, who } from "./ctx.ts";
import { FelundError } from "../protocol/errors.ts";
import { rowOf } from "./ctx.ts";
import { resolveMember } from "./members.ts";

export type { InviteView };

const isV2Only = (c: CircleRow) => !isLegacy(c);
const present = (r: StoredMessage | null): StoredMessage[] => (r ? [r] : []);

/**
 * Create a circle owned by this peer: v2-only (felund2 invites) unless `legacy`, which keeps it
 * compatible with original nodes and web clients (felund1 invites, v1 on the wire to them).
 */
export function createCircle(
  ctx: PeerCtx,
  name = "",
  opts: { legacy?: boolean } = {},
): { circleId: string; secretHex: string; legacy: boolean; rows: StoredMessage[] } {
  const secretHex = newSecretHex(ctx.rng);
  const circleId = circleIdFromSecret(secretHex);
  const now = ctx.now();
  const legacy = !!opts.legacy || !ctx.v2;
  const n = name.trim().slice(0, CIRCLE_NAME_MAX);
  const rows = ctx.store.transaction(() => {
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
    ctx.store.setCircleOwner(circleId, toHex(ctx.keys().edPublic));
    ensureGeneral(ctx.store, circleId, now);
    const out = present(publishCard(ctx, circleId));
    if (n)
      out.push(
        legacy
          ? ctx.postV1(circleId, CONTROL_CHANNEL, circleNameText(circleId, n))
          : rowOf(composeEvent(v2Ctx(ctx), { circleId, ...who(ctx), event: { t: "circle_name", name: n } })),
      );
    return out;
  });
  return { circleId, secretHex, legacy, rows };
}

/**
 * Join with a felund1 code, or a legacy secret and peer. `bootstrap`: the code's TCP peer, if
 * it names one. felund2 codes are redeemed over the network by the shell (then enterAdmitted).
 */
export function joinCircle(
  ctx: PeerCtx,
  input: { code?: string; secret?: string; peer?: string },
): { circleId: string; bootstrap: string; created: boolean; rows: StoredMessage[] } {
  let secretHex: string;
  let peer: string;
  let owner: string | undefined;
  if (input.code) input = { ...input, code: cleanInviteCode(input.code) };
  if (input.code?.startsWith(INVITE2_PREFIX))
    throw new FelundError(
      "E_REFUSED",
      "felund2. codes are redeemed with the inviter's node over the network: run this with a node (felund join does it)",
    );
  if (input.code) {
    const v = decodeInvite(input.code);
    if (!v.ok)
      throw new FelundError(
        "E_BAD_INVITE",
        input.code.startsWith(INVITE_PREFIX)
          ? `invalid invite code: ${v.reason}`
          : `invalid invite code: it must start with "${INVITE2_PREFIX}" or "${INVITE_PREFIX}"`,
      );
    ({ secretHex, peer } = v.value);
    owner = v.value.owner;
  } else if (input.secret) {
    secretHex = input.secret.trim().toLowerCase();
    if (!/^([0-9a-f]{2})+$/.test(secretHex)) throw new FelundError("E_BAD_INPUT", "secret must be hex");
    peer = (input.peer ?? "").trim();
    if (peer && !parseHostPort(peer)) throw new FelundError("E_BAD_INPUT", "peer must be HOST:PORT");
  } else throw new FelundError("E_BAD_INPUT", "give --code, or --secret with --peer");
  const circleId = circleIdFromSecret(secretHex);
  const bootstrap = parseHostPort(peer) ? peer : "";
  const now = ctx.now();
  return ctx.store.transaction(() => {
    const created = ctx.store.addCircle({
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
    // our felund1 codes name the owner's key, so its signed events (a kick's re-key) can be checked
    if (created && owner && !ctx.store.getCircleOwner(circleId)) ctx.store.setCircleOwner(circleId, owner);
    return { circleId, bootstrap, created, rows: created ? present(publishCard(ctx, circleId)) : [] };
  });
}

/** The circle a felund2 admission (obtained by the shell over the network) gave: stored, with #general and our card. */
export function enterAdmitted(
  ctx: PeerCtx,
  admit: Admit,
  circleId: string,
): { circleId: string; rows: StoredMessage[] } {
  if (circleIdFromSecret(toHex(admit.secret)) !== circleId)
    throw new FelundError("E_NOT_ADMITTED", "the inviter admitted us to another circle than the code names");
  return ctx.store.transaction(() => {
    admin.applyAdmit(ctx.store, admit, ctx.now());
    ensureGeneral(ctx.store, circleId, ctx.now());
    return { circleId, rows: present(publishCard(ctx, circleId)) };
  });
}

export function renameCircle(ctx: PeerCtx, circleId: string, name: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  if (!c.owned) throw new FelundError("E_OWNER_ONLY", "only the circle's owner can rename it");
  const n = name.trim().slice(0, CIRCLE_NAME_MAX);
  if (!n) throw new FelundError("E_EMPTY", "circle name is empty");
  if (!isV2Only(c)) return ctx.postV1(c.circleId, CONTROL_CHANNEL, circleNameText(c.circleId, n));
  return rowOf(composeEvent(v2Ctx(ctx), { circleId: c.circleId, ...who(ctx), event: { t: "circle_name", name: n } }));
}

/**
 * The invite code of a circle: a felund2 code (owner only; expiry and use limit) for a
 * v2-only circle, naming `peer` (default ctx.invitePeer()); the felund1 code of a legacy one.
 */
export function inviteCode(
  ctx: PeerCtx,
  circleId: string,
  opts: { ttlS?: number; maxUses?: number; peer?: string } = {},
): { code: string; invite: Invite2 | null } {
  const c = requireCircle(ctx, circleId);
  if (!isV2Only(c)) {
    if (opts.ttlS !== undefined || opts.maxUses !== undefined)
      throw new FelundError("E_REFUSED", "felund1. codes of legacy circles carry no expiry or use limit");
    // our felund1 codes also name the owner's key (originals ignore it), so members who join
    // with them can check the owner's signed events (a kick's re-key above all)
    const owner = ctx.v2 ? ctx.store.getCircleOwner(c.circleId) : undefined;
    return { code: encodeInvite(c.secretHex, ctx.invitePeer(), owner), invite: null };
  }
  const r = admin.issueInvite(v2Ctx(ctx), c.circleId, {
    peer: opts.peer ?? ctx.invitePeer(),
    ttlS: opts.ttlS,
    maxUses: opts.maxUses,
    now: ctx.now(),
    rng: ctx.rng,
  });
  if (!r.ok)
    throw r.reason === "only the circle owner issues felund2 invites"
      ? new FelundError("E_OWNER_ONLY", "only the circle's owner can invite to this circle (ask them for a code)")
      : new FelundError("E_UNKNOWN_CIRCLE", r.reason);
  return r.value;
}

/** The felund2 invites this peer issued for a circle, newest first, with what each is worth now. */
export function listInvites(ctx: PeerCtx, circleId: string): InviteView[] {
  const c = requireCircle(ctx, circleId);
  const now = ctx.now();
  return ctx.store.listInvites(c.circleId).map((r) => inviteView(r, now));
}

/** Revoke one invite (id or unique prefix): its code admits no one from now on. */
export function revokeInvite(ctx: PeerCtx, circleId: string, inviteId: string): InviteView {
  const c = requireCircle(ctx, circleId);
  const r = ctx.store.transaction(() => admin.revokeInvite(v2Ctx(ctx), c.circleId, inviteId, ctx.now()));
  if (!r.ok)
    throw new FelundError(
      /^no invite/.test(r.reason) ? "E_NOT_FOUND" : /already/.test(r.reason) ? "E_CONFLICT" : "E_AMBIGUOUS",
      r.reason,
    );
  return inviteView(r.value, ctx.now());
}

/** The owner removes members: the circle moves to a new key epoch sealed only to the others (and revokes every invite). */
export function kickMembers(ctx: PeerCtx, circleId: string, members: string[]): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const ids = members.map((m) => resolveMember(ctx, c.circleId, m));
  return rowOf(admin.kickMembers(v2Ctx(ctx), c.circleId, ids, who(ctx)));
}

/** A display name as stored: trimmed, bounded, never empty. */
export const displayNameOf = (name: string): string => name.trim().slice(0, DISPLAY_NAME_MAX) || "anon";

/**
 * Tell every circle this peer's display name (saved by the shell first, so ctx.me() has it):
 * the v1 rename event originals understand in legacy circles, a fresh member card in v2 ones.
 */
export function announceName(ctx: PeerCtx): StoredMessage[] {
  const { nodeId, displayName } = ctx.me();
  ctx.store.setDisplayName(nodeId, displayName, ctx.now());
  return ctx.store
    .listCircles()
    .flatMap((c) =>
      isV2Only(c)
        ? present(publishCard(ctx, c.circleId))
        : [
            ctx.postV1(
              c.circleId,
              CONTROL_CHANNEL,
              renameText({ circleId: c.circleId, nodeId, displayName, ts: ctx.now() }),
            ),
          ],
    );
}
