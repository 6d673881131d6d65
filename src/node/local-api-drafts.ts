// Unsent drafts, one per channel, kept in the node's settings table so the terminal UI gets a
// half-typed message back after switching channels or restarting `felund serve --tui`.
// Routes of the local API (same token, Host and Origin checks as every other route):
//   GET /api/drafts/:circle/:channel        -> { ok, text }   ("" when there is none)
//   PUT /api/drafts/:circle/:channel {text} -> { ok }         ("" clears it)
import { normalizeChannelId } from "../protocol/channel-id.ts";
import { FelundError } from "../protocol/errors.ts";
import { CHANNEL_ID_MAX, DRAFT_MAX_CHARS } from "../protocol/limits.ts";
import { requireCircle, type PeerCtx } from "../peer/ctx.ts";

interface DraftReq {
  params: Record<string, string>;
  body: Record<string, unknown>;
}
type On = (method: string, path: string, run: (r: DraftReq) => unknown) => void;
interface DraftHost {
  ctx: PeerCtx;
  store: { getSetting(key: string): string | undefined; setSetting(key: string, value: string): void };
}

const keyOf = (host: DraftHost, p: Record<string, string>): string => {
  const circleId = requireCircle(host.ctx, p.id!).circleId;
  const ch = normalizeChannelId(p.ch!);
  if (!ch || ch.length > CHANNEL_ID_MAX)
    throw new FelundError("E_INVALID", `invalid input: channel must be 1-${CHANNEL_ID_MAX} characters`);
  return `draft:${circleId}/${ch}`;
};

export function draftRoutes(on: On, host: DraftHost): void {
  on("GET", "/drafts/:id/:ch", ({ params }) => ({ ok: true, text: host.store.getSetting(keyOf(host, params)) ?? "" }));
  on("PUT", "/drafts/:id/:ch", ({ params, body }) => {
    const text = body.text;
    if (typeof text !== "string" || text.length > DRAFT_MAX_CHARS)
      throw new FelundError(
        "E_INVALID",
        `invalid input: text must be a string of at most ${DRAFT_MAX_CHARS} characters`,
      );
    host.store.setSetting(keyOf(host, params), text);
    return { ok: true };
  });
}
