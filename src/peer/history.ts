// The circle owner's history policy (docs/PROTOCOL.md §24.2): how much history a member who
// joins receives — all, none from before it joined, or the last N days before it. A signed
// control event (12), owner only; v2-only circles (a legacy circle's original clients could not
// enforce it).
import { FelundError } from "../protocol/errors.ts";
import { HISTORY_DAYS_MAX } from "../protocol/v2/control.ts";
import type { StoredMessage } from "../sync/store.ts";
import { isLegacy } from "../sync/v2-apply.ts";
import { composeEvent } from "../sync/v2-compose-event.ts";
import { requireCircle, type PeerCtx, rowOf, v2Ctx, who } from "./ctx.ts";

/** "all" → null, "none" → 0, "30d" / "30" → 30; anything else is an error. */
export function parseHistory(spec: string): number | null {
  const s = spec.trim().toLowerCase();
  if (s === "all") return null;
  if (s === "none") return 0;
  const m = /^(\d{1,6})d?$/.exec(s);
  const days = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(days) || days < 1 || days > HISTORY_DAYS_MAX)
    throw new FelundError(
      "E_BAD_INPUT",
      `history must be all, none or a number of days (1-${HISTORY_DAYS_MAX}, e.g. 30d)`,
    );
  return days;
}

/** How a policy reads: "all", "none", "30d". */
export const historyText = (days: number | null): string => (days === null ? "all" : days === 0 ? "none" : `${days}d`);

/** Owner only: sign and apply the circle's history policy. */
export function setHistoryPolicy(ctx: PeerCtx, circleId: string, spec: string): StoredMessage {
  const days = parseHistory(spec);
  const c = requireCircle(ctx, circleId);
  if (!c.owned) throw new FelundError("E_OWNER_ONLY", "only the circle's owner can set its history policy");
  if (isLegacy(c)) throw new FelundError("E_REFUSED", "a history policy needs a v2-only circle (not a legacy one)");
  return rowOf(composeEvent(v2Ctx(ctx), { circleId: c.circleId, ...who(ctx), event: { t: "history", days } }));
}

/** The circle's policy as text ("all" when none was set). */
export function historyPolicy(ctx: PeerCtx, circleId: string): string {
  const c = requireCircle(ctx, circleId);
  return historyText(ctx.store.circleHistory?.(c.circleId)?.days ?? null);
}
