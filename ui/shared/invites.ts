// The owner's invite list as both UIs' F2 dialog shows it: short cells per invite, which
// invite the shown code belongs to, and what a felund1 (legacy) code means after a kick.
import { fromBase64Url, toHex } from "../../src/protocol/bytes.ts";
import { inviteIdOf } from "../../src/protocol/v2/invite-id.ts";
import type { InviteView } from "./types.ts";

/** (src/protocol/v2/invite.ts INVITE2_PREFIX, not imported: that module brings the signature code) */
const INVITE2_PREFIX = "felund2.";

export interface InviteCells {
  id: string;
  created: string;
  expires: string;
  uses: string;
  state: InviteView["state"];
}

const p2 = (n: number) => String(n).padStart(2, "0");
const stamp = (ts: number) => {
  const d = new Date(ts * 1000);
  return `${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}`;
};

/** 12 hex of the id (what revoke takes as a prefix), local times, uses/max (∞ = no limit). */
export const inviteCells = (v: InviteView): InviteCells => ({
  id: v.inviteId.slice(0, 12),
  created: stamp(v.createdTs),
  expires: stamp(v.expiresTs),
  uses: `${v.uses}/${v.maxUses || "∞"}`,
  state: v.state,
});

/**
 * The invite id of a felund2 code, to mark the row of the code a dialog shows, without decoding
 * or checking the code (the owner's own): the long form (version 2) carries it after the version
 * byte; the compact one (3) carries the ticket there, and the id is the ticket's (§10.3).
 */
export function codeInviteId(code: string): string | null {
  if (!code.startsWith(INVITE2_PREFIX)) return null;
  try {
    const raw = fromBase64Url(code.slice(INVITE2_PREFIX.length));
    if (raw[0] === 2 && raw.length > 17) return toHex(raw.subarray(1, 17));
    if (raw[0] === 3 && raw.length > 33) return toHex(inviteIdOf(raw.subarray(1, 33)));
    return null;
  } catch {
    return null;
  }
}

export const INVITES_HELP =
  "A kick revokes every invite of the circle; revoke one here when a code went to the wrong person.";
export const LEGACY_CODE_NOTE =
  "This felund1 code is the circle's secret: it cannot be revoked, and members you kick keep it. A kick makes the circle v2-only;" +
  " with the old code they then get nothing written after it, and original felund clients are cut off.";
