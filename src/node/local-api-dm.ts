// Direct messages through the local API (docs/PROTOCOL.md §21); writing in one is the
// ordinary POST /api/circles/:id/messages with the conversation's channel id.
//   GET  /api/circles/:id/dms            -> { ok, dms: [{ channelId, nodeId, name, lastMs }] } (newest first)
//   POST /api/circles/:id/dms {member}   -> { ok, dm }  (the conversation with a member: id, prefix or name)
import { FelundError } from "../protocol/errors.ts";
import { DISPLAY_NAME_WIRE_MAX } from "../protocol/limits.ts";
import type { PeerCtx } from "../peer/ctx.ts";
import { dmViews, openDm } from "../peer/dm.ts";
import { requireCircle } from "../peer/ctx.ts";

interface DmReq {
  params: Record<string, string>;
  body: Record<string, unknown>;
}
type On = (method: string, path: string, run: (r: DmReq) => unknown) => void;

export function dmRoutes(on: On, host: { ctx: PeerCtx; nodeId: string }): void {
  on("GET", "/circles/:id/dms", ({ params }) => ({
    ok: true,
    dms: dmViews(host.ctx.store, requireCircle(host.ctx, params.id!).circleId, host.nodeId),
  }));
  on("POST", "/circles/:id/dms", ({ params, body }) => {
    const member = body.member;
    if (typeof member !== "string" || !member.trim() || member.length > DISPLAY_NAME_WIRE_MAX)
      throw new FelundError("E_INVALID", `invalid input: member must be a name or node id`);
    return { ok: true, dm: openDm(host.ctx, params.id!, member) };
  });
}
