// Owner and member actions of v2 (docs/PROTOCOL.md §7, §8, §10), as pure functions over the
// store that sign the right event and record the keys: kick (rekey), felund2 invites and
// admission records, key and invite channels, approvals, calls. The CLI / UIs call these
// through the node, then push the returned rows to sessions and relays like any new message.
import { fromHex, toHex } from "../protocol/bytes.ts";
import { circleIdFromSecret } from "../protocol/ids.ts";
import type { Rng } from "../protocol/crypto.ts";
import { V2_INVITE_TTL_DEFAULT_S, V2_SCRYPT_LOGN_DEFAULT } from "../protocol/limits.ts";
import { accept, reject, type Verdict } from "../protocol/verdict.ts";
import { keyCheck, keyMatches, sealChannelKey } from "../protocol/v2/channel-keys.ts";
import { passphraseKey } from "../protocol/v2/channel-passphrase.ts";
import type { V2AccessMode, V2CallOp } from "../protocol/v2/control.ts";
import { encodeInvite2Compact, type Invite2, inviteIdOf } from "../protocol/v2/invite.ts";
import { buildRekey } from "../protocol/v2/rekey.ts";
import type { SignedMessage } from "../protocol/v2/message.ts";
import type { InviteRow, StoredMessage } from "./store.ts";
import type { V2Ctx } from "./v2-apply.ts";
import { composeEvent } from "./v2-compose-event.ts";
import { openLockedBacklog } from "./v2-events.ts";

type Done = Verdict<{ signed: SignedMessage; row: StoredMessage }>;
interface Who {
  displayName: string;
  now: number;
  rng: Rng;
}

const isOwner = (ctx: V2Ctx, circleId: string) => ctx.store.getCircleOwner(circleId) === toHex(ctx.self.edPublic);

/**
 * Remove members: a new random epoch key sealed to every other member with a card (minus the
 * removed), signed by the owner under the current epoch; the circle becomes v2-only.
 */
export function kickMembers(ctx: V2Ctx, circleId: string, removed: string[], w: Who): Done {
  const circle = ctx.store.getCircle(circleId);
  if (!circle) return reject("unknown circle");
  if (!isOwner(ctx, circleId)) return reject("only the circle owner can remove members");
  if (removed.includes(ctx.self.nodeId)) return reject("the owner cannot remove itself");
  const out = new Set(removed);
  const recipients = ctx.store
    .listMemberCards(circleId)
    .filter((c) => !out.has(c.nodeId) && ctx.store.removedAt(circleId, c.nodeId) === undefined)
    .map((c) => ({ edKey: fromHex(c.edKey), xKey: fromHex(c.xKey) }));
  if (!recipients.some((r) => toHex(r.edKey) === toHex(ctx.self.edPublic)))
    recipients.push({ edKey: ctx.self.edPublic, xKey: ctx.self.xPublic });
  const event = buildRekey({ circleId, epoch: circle.keyEpoch + 1, epochKey: w.rng(32), removed, recipients }, w.rng);
  // every outstanding invite goes with the old epoch: the removed member knows the code he
  // joined with and would otherwise come back under a fresh identity for the new key. In one
  // transaction with the REKEY, so no admission sees the new epoch with an old code.
  return ctx.store.transaction(() => {
    const r = composeEvent(ctx, { circleId, displayName: w.displayName, now: w.now, rng: w.rng, event });
    if (r.ok) ctx.store.revokeCircleInvites(circleId, w.now);
    return r;
  });
}

/** Owner: revoke one invite of a circle, by its id or a unique prefix (4+ hex) as listed. */
export function revokeInvite(ctx: V2Ctx, circleId: string, id: string, now: number): Verdict<InviteRow> {
  const q = id.trim().toLowerCase();
  const hits = ctx.store
    .listInvites(circleId)
    .filter((r) => r.inviteId === q || (q.length >= 4 && r.inviteId.startsWith(q)));
  if (hits.length > 1 && !hits.some((r) => r.inviteId === q))
    return reject(`invite id "${id}" matches several invites; give more of it`);
  const inv = hits.find((r) => r.inviteId === q) ?? hits[0];
  if (!inv) return reject(`no invite "${id}" in this circle`);
  if (inv.revokedTs != null) return reject(`invite ${inv.inviteId} is already revoked`);
  ctx.store.revokeInvite(inv.inviteId, now);
  return accept({ ...inv, revokedTs: now });
}

/** Issue a felund2 code (owner only) and remember its ticket and limits for admissions. */
export function issueInvite(
  ctx: V2Ctx,
  circleId: string,
  a: { peer: string; ttlS?: number; maxUses?: number; now: number; rng: Rng },
): Verdict<{ code: string; invite: Invite2 }> {
  const circle = ctx.store.getCircle(circleId);
  if (!circle) return reject("unknown circle");
  if (!isOwner(ctx, circleId)) return reject("only the circle owner issues felund2 invites");
  // the id comes from the ticket (§10.3), so the compact code need not carry it
  const ticket = a.rng(32);
  const invite: Invite2 = {
    inviteId: inviteIdOf(ticket),
    ticket,
    circleId,
    circleName: circle.name,
    ownerKey: ctx.self.edPublic,
    peer: a.peer,
    issuedTs: a.now,
    expiresTs: a.now + (a.ttlS ?? V2_INVITE_TTL_DEFAULT_S),
    maxUses: a.maxUses ?? 0,
  };
  const code = encodeInvite2Compact(invite, ctx.self.edSecret);
  ctx.store.putInvite({
    inviteId: toHex(invite.inviteId),
    circleId,
    ticketHex: toHex(invite.ticket),
    expiresTs: invite.expiresTs,
    maxUses: invite.maxUses,
    uses: 0,
    createdTs: a.now,
  });
  return accept({ code, invite });
}

/** Create a channel; key mode derives and keeps the key from the passphrase, invite mode picks a random key (version 0). */
export function createChannel(
  ctx: V2Ctx,
  circleId: string,
  channelId: string,
  mode: V2AccessMode,
  w: Who & { passphrase?: string; scryptLogN?: number },
): Done {
  let key: Uint8Array | null = null;
  let logN = 0;
  if (mode === "key") {
    logN = w.scryptLogN ?? V2_SCRYPT_LOGN_DEFAULT;
    const k = passphraseKey(w.passphrase ?? "", circleId, channelId, logN);
    if (!k.ok) return k;
    key = k.value;
  } else if (mode === "invite") key = w.rng(32);
  if (ctx.store.getV2Channel(circleId, channelId)) return reject("channel exists");
  const r = composeEvent(ctx, {
    circleId,
    displayName: w.displayName,
    now: w.now,
    rng: w.rng,
    event: {
      t: "channel_create",
      channelId,
      mode,
      scryptLogN: logN,
      keyCheck: mode === "key" ? keyCheck(key!) : new Uint8Array(16),
    },
  });
  if (r.ok && key) ctx.store.putChannelKey(circleId, channelId, 0, toHex(key));
  return r;
}

/** Join a key channel with its passphrase: checked against the creator's key check, then kept. */
export function unlockKeyChannel(ctx: V2Ctx, circleId: string, channelId: string, passphrase: string, w: Who): Done {
  const ch = ctx.store.getV2Channel(circleId, channelId);
  if (ch?.mode !== "key") return reject("not a key channel");
  const k = passphraseKey(passphrase, circleId, channelId, ch.scryptLogN);
  if (!k.ok) return k;
  if (!keyMatches(k.value, fromHex(ch.keyCheck))) return reject("wrong passphrase");
  ctx.store.putChannelKey(circleId, channelId, 0, toHex(k.value));
  openLockedBacklog(ctx.store, circleId, channelId);
  return composeEvent(ctx, {
    circleId,
    displayName: w.displayName,
    now: w.now,
    rng: w.rng,
    event: { t: "channel_join", channelId },
  });
}

/** Channel owner approves a member of an invite channel: the newest channel key, sealed to its card's X25519 key. */
export function approveMember(ctx: V2Ctx, circleId: string, channelId: string, nodeId: string, w: Who): Done {
  const ch = ctx.store.getV2Channel(circleId, channelId);
  if (ch?.mode !== "invite") return reject("not an invite channel");
  if (ch.ownerKey !== toHex(ctx.self.edPublic)) return reject("only the channel owner approves");
  const card = ctx.store.getMemberCard(circleId, nodeId);
  if (!card) return reject("no member card for that node yet");
  const k = ctx.store.latestChannelKey(circleId, channelId);
  if (!k) return reject("channel key missing");
  const targetEd = fromHex(card.edKey);
  const sealedKey = sealChannelKey(
    fromHex(k.keyHex),
    { circleId, channelId, keyVersion: k.version, targetEd, targetX: fromHex(card.xKey) },
    w.rng,
  );
  return composeEvent(ctx, {
    circleId,
    displayName: w.displayName,
    now: w.now,
    rng: w.rng,
    event: { t: "channel_approve", channelId, target: targetEd, keyVersion: k.version, sealedKey },
  });
}

export const callEvent = (
  ctx: V2Ctx,
  circleId: string,
  op: V2CallOp,
  sessionId: string,
  channelId: string,
  w: Who,
  target?: string,
): Done =>
  composeEvent(ctx, {
    circleId,
    displayName: w.displayName,
    now: w.now,
    rng: w.rng,
    event: { t: "call", op, sessionId, channelId, ...(op === "revoke" ? { target } : {}) },
  });

/** A joiner stores what the issuer's ADMIT frame gave it: the circle, its mode, owner and current epoch key. */
export function applyAdmit(
  store: V2Ctx["store"],
  admit: import("../protocol/v2/frames.ts").Admit,
  now: number,
): string {
  const secretHex = toHex(admit.secret);
  const circleId = circleIdFromSecret(secretHex);
  store.addCircle({
    circleId,
    secretHex,
    name: admit.name,
    owned: false,
    bootstrap: "",
    mode: admit.v2Only ? "v2" : "v1",
    keyEpoch: admit.epoch,
    joinedAt: now,
  });
  store.setCircleOwner(circleId, toHex(admit.ownerKey));
  if (admit.epoch > 0) store.putEpochKey(circleId, admit.epoch, toHex(admit.epochKey), now);
  store.setCircleEpoch(circleId, admit.epoch);
  return circleId;
}
