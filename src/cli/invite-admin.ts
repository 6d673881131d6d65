// `felund invite --list` and `felund invite --revoke ID`: the owner's felund2 invites of a
// circle and revoking one, through the running node's local API when one runs (so a revoke
// takes effect on the node that answers admissions at once), else on the database directly.
import type { Parsed } from "./args.ts";
import { FelundError } from "../protocol/errors.ts";
import { connect } from "./client.ts";
import * as svc from "../node/service.ts";
import { formatDateTime as fmtTime } from "../../ui/shared/format.ts";
import { out } from "./print.ts";

const uses = (v: svc.InviteView) => `${v.uses}/${v.maxUses || "∞"}`;

/** One line of the listing: id, created, expires, uses/max, state. */
export const inviteLine = (v: svc.InviteView): string =>
  `${v.inviteId}  ${fmtTime(v.createdTs)}  ${fmtTime(v.expiresTs)}  ${uses(v).padEnd(7)}  ${v.state}`;

export async function runInviteAdmin(p: Parsed, dir: string): Promise<number> {
  const id = p.flags["circle-id"] as string | undefined;
  const list = !!p.flags.list;
  const revoke = p.flags.revoke as string | undefined;
  if (list && revoke !== undefined) throw new FelundError("E_USAGE", "give --list or --revoke ID, not both");
  if (!id) throw new FelundError("E_USAGE", `--${list ? "list" : "revoke"} needs --circle-id ID`);
  for (const f of ["name", "legacy", "expires", "uses", "via-relay"])
    if (p.flags[f] !== undefined && p.flags[f] !== false)
      throw new FelundError("E_USAGE", `--${f} issues a code; it does not go with --${list ? "list" : "revoke"}`);
  const t = connect(dir);
  if (list) {
    const invs: svc.InviteView[] = t.api
      ? (await t.api("GET", `/circles/${id}/invites`)).invites
      : svc.listInvites(t.ctx!, id);
    if (p.flags.json) out(JSON.stringify(invs));
    else if (!invs.length) out("(no felund2 invites issued for this circle: felund invite --circle-id ID)");
    else {
      out(`${"INVITE".padEnd(32)}  ${"CREATED".padEnd(19)}  ${"EXPIRES".padEnd(19)}  USES     STATE`);
      for (const v of invs) out(inviteLine(v));
    }
    return 0;
  }
  if (!revoke || !/^[0-9a-fA-F]{4,32}$/.test(revoke.trim()))
    throw new FelundError(
      "E_USAGE",
      "--revoke takes an invite id (or 4+ of its first hex digits) from felund invite --list",
    );
  const v: svc.InviteView = t.api
    ? (await t.api("POST", `/circles/${id}/invites/${encodeURIComponent(revoke.trim())}/revoke`)).invite
    : svc.revokeInvite(t.ctx!, id, revoke);
  if (p.flags.json) out(JSON.stringify(v));
  else out(`revoked invite ${v.inviteId}: its code admits no one from now on`);
  return 0;
}
