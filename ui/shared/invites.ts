// The owner's invite list as both UIs' F2 dialog shows it: short cells per invite, which
// invite the shown code belongs to, and what a felund1 (legacy) code means after a kick.
import { fromBase64Url, toHex } from "../../src/protocol/bytes.ts";
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
 * The invite id inside a felund2 code, to mark the row of the code a dialog shows. Read from
 * the payload's fixed place (after the version byte) without checking the signature: the
 * owner's own code, and no crypto pulled into the web client's dialog chunk for it.
 */
export function codeInviteId(code: string): string | null {
  if (!code.startsWith(INVITE2_PREFIX)) return null;
  try {
    const raw = fromBase64Url(code.slice(INVITE2_PREFIX.length));
    // the long form (version 2) and the compact one (3) both start with the id
    return raw.length > 17 && (raw[0] === 2 || raw[0] === 3) ? toHex(raw.subarray(1, 17)) : null;
  } catch {
    return null;
  }
}

export const INVITES_HELP =
  "A kick revokes every invite of the circle; revoke one here when a code went to the wrong person.";
export const LEGACY_CODE_NOTE =
  "This felund1 code is the circle's secret: it cannot be revoked, and members you kick keep it. A kick makes the circle v2-only;" +
  " with the old code they then get nothing written after it, and original felund clients are cut off.";
