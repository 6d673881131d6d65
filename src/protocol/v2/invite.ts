// felund2. invite codes (docs/PROTOCOL.md §10). Unlike felund1. codes they do not carry the
// circle secret: they carry a one-invite ticket (id + secret) that the issuing node — the
// circle owner's — checks when the joiner connects, so expiry and the use limit are enforced
// where they can be (that node counts admissions in its store). The joiner and the issuer run
// the normal v2 handshake keyed by the ticket; the issuer then sends the circle credentials
// (ADMIT frame) over that session.
//
//   payload = u8 2 | fixed16 invite_id | fixed32 ticket | str circle_id | str circle_name
//             | fixed32 owner_key | str peer | u64 issued_ts | u64 expires_ts | u32 max_uses
//             | fixed64 Ed25519(owner, str "felund2/invite" | payload-without-signature)
//   code    = "felund2." + base64url(payload)
//
// The compact form (first byte 3, invite-compact.ts) carries the same invite without the
// signature and the invite id (derived from the ticket), with a short check value instead; new
// codes use it, and the long form stays accepted. Whitespace anywhere in a code (a line break
// where a chat wrapped it) is dropped before decoding.
import { fromBase64Url, toBase64Url } from "../bytes.ts";
import { CIRCLE_ID_RE } from "../ids.ts";
import { isRelayUrl, parseHostPort } from "../hostport.ts";
import { V2_INVITE_CODE_MAX, V2_INVITE_TTL_MAX_S } from "../limits.ts";
import { accept, reject, type Verdict } from "../verdict.ts";
import { cleanInviteCode } from "../invite.ts";
import { Reader, TAG, Writer, tagged } from "./codec.ts";
import {
  COMPACT_VERSION,
  compactIntact,
  type Invite2,
  packable,
  packCompact,
  unpackCompact,
} from "./invite-compact.ts";
import { kdf, sign, verifySig } from "./keys.ts";

export type { Invite2 } from "./invite-compact.ts";
export { inviteIdOf } from "./invite-id.ts";

export const INVITE2_PREFIX = "felund2.";
const VERSION = 2;

const body = (i: Invite2): Uint8Array =>
  new Writer()
    .u8(VERSION)
    .fixed(i.inviteId, 16)
    .fixed(i.ticket, 32)
    .str(i.circleId)
    .str(i.circleName)
    .fixed(i.ownerKey, 32)
    .str(i.peer)
    .u64(i.issuedTs)
    .u64(i.expiresTs)
    .u32(i.maxUses)
    .finish();

const signedPart = (b: Uint8Array) => tagged(TAG.invite).raw(b).finish();

/** The long form (§10): what the vectors pin, and what every felund2 decoder reads. */
export function encodeInvite2(i: Invite2, ownerSecret: Uint8Array): string {
  const b = body(i);
  return (
    INVITE2_PREFIX +
    toBase64Url(
      new Writer()
        .raw(b)
        .fixed(sign(ownerSecret, signedPart(b)), 64)
        .finish(),
    )
  );
}

/**
 * The compact form (§10.3), unsigned: what a node or browser hands out. An invite whose id is not
 * the one its ticket gives (inviteIdOf), or whose circle id is unusual, gets the long form.
 */
export function encodeInvite2Compact(i: Invite2, ownerSecret: Uint8Array): string {
  if (!packable(i)) return encodeInvite2(i, ownerSecret);
  return INVITE2_PREFIX + toBase64Url(packCompact(i));
}

/** The reason a compact code whose check value does not match is refused. */
export const DAMAGED = "invite code is damaged (a character is wrong, missing or extra; copy it again)";

/**
 * Decode and check a code's form, lifetime and (long form) signature; expiry against `now`, the
 * reader's clock. A compact code is checked by its check value only: see §10.3 for why that is enough.
 */
export function decodeInvite2(code: string, now: number): Verdict<Invite2> {
  if (typeof code !== "string") return reject("invite code must be a string");
  if (code.length > 4 * V2_INVITE_CODE_MAX) return reject("invite code too long");
  const t = cleanInviteCode(code);
  if (!t.startsWith(INVITE2_PREFIX)) return reject(`invite code must start with "${INVITE2_PREFIX}"`);
  if (t.length > V2_INVITE_CODE_MAX) return reject("invite code too long");
  let raw: Uint8Array;
  try {
    raw = fromBase64Url(t.slice(INVITE2_PREFIX.length));
  } catch {
    // every character right but one missing or extra: the length cannot be base64url
    return reject(/^[A-Za-z0-9_-]*$/.test(t.slice(INVITE2_PREFIX.length)) ? DAMAGED : "invite code is not base64url");
  }
  if (raw[0] !== VERSION && raw[0] !== COMPACT_VERSION) return reject("unsupported invite version");
  if (raw[0] === COMPACT_VERSION && !compactIntact(raw)) return reject(DAMAGED);
  let inv: Invite2;
  let sig: Uint8Array | null = null;
  let signedBody: Uint8Array = new Uint8Array(0);
  try {
    if (raw[0] === COMPACT_VERSION) inv = unpackCompact(raw);
    else {
      const r = new Reader(raw, "invite");
      r.u8();
      inv = {
        inviteId: r.fixed(16),
        ticket: r.fixed(32),
        circleId: r.str(64),
        circleName: r.str(160),
        ownerKey: r.fixed(32),
        peer: r.str(300),
        issuedTs: r.u64(),
        expiresTs: r.u64(),
        maxUses: r.u32(),
      };
      signedBody = raw.subarray(0, r.offset);
      sig = r.fixed(64);
      r.end();
    }
  } catch (e) {
    return reject(`invite code: ${(e as Error).message}`);
  }
  if (!CIRCLE_ID_RE.test(inv.circleId)) return reject("invite circle_id is not valid");
  if (!inv.peer || (!isRelayUrl(inv.peer) && !parseHostPort(inv.peer)))
    return reject("invite peer: expected host:port or a relay URL");
  if (inv.expiresTs <= inv.issuedTs || inv.expiresTs - inv.issuedTs > V2_INVITE_TTL_MAX_S)
    return reject("invite lifetime out of range");
  if (sig && !verifySig(sig, signedPart(signedBody), inv.ownerKey))
    return reject("invite is not signed by the circle owner");
  if (now >= inv.expiresTs) return reject("invite expired");
  return accept(inv);
}

/** The handshake authentication key of a join connection (both sides hold the ticket). */
export const inviteAuthKey = (ticket: Uint8Array): Uint8Array => kdf(ticket, new Uint8Array(0), "felund2 invite auth");

/** What the issuing node stores per invite (db: v2_invites) and checks on every admission. */
export interface InviteRecord {
  inviteId: string;
  circleId: string;
  ticketHex: string;
  expiresTs: number;
  maxUses: number;
  uses: number;
  /** set once the owner revoked it (a kick revokes every invite of the circle) */
  revokedTs?: number | null;
}

/**
 * The issuer's admission rule: not revoked, within the lifetime by the issuer's clock, and either the same
 * joiner again (no new use) or a use left. The store applies it atomically (useInvite).
 */
export function admissionVerdict(rec: InviteRecord, now: number, alreadyAdmitted: boolean): Verdict<"again" | "new"> {
  // a revoked code admits no one, not even a node it admitted before: that node may be the
  // member a kick removed, back for the new epoch key
  if (rec.revokedTs != null) return reject("invite revoked");
  if (now >= rec.expiresTs) return reject("invite expired");
  if (alreadyAdmitted) return accept("again");
  if (rec.maxUses > 0 && rec.uses >= rec.maxUses) return reject("invite used up");
  return accept("new");
}

export type InviteState = "live" | "revoked" | "expired" | "used up";

/** What an invite is worth now, for the owner's listing (the same order of rules as admissionVerdict). */
export function inviteState(rec: InviteRecord, now: number): InviteState {
  if (rec.revokedTs != null) return "revoked";
  if (now >= rec.expiresTs) return "expired";
  if (rec.maxUses > 0 && rec.uses >= rec.maxUses) return "used up";
  return "live";
}

/** One invite as the owner's listings show it (CLI --list, local API, both UIs' F2 dialog). */
export interface InviteView {
  inviteId: string;
  createdTs: number;
  expiresTs: number;
  uses: number;
  maxUses: number;
  revokedTs: number | null;
  state: InviteState;
}

export const inviteView = (r: InviteRecord & { createdTs: number }, now: number): InviteView => ({
  inviteId: r.inviteId,
  createdTs: r.createdTs,
  expiresTs: r.expiresTs,
  uses: r.uses,
  maxUses: r.maxUses,
  revokedTs: r.revokedTs ?? null,
  state: inviteState(r, now),
});
