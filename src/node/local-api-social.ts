// Social features of the local API (issue 16), the same token, Host and Origin checks as every route:
//   GET  /api/circles/:id/pins?channel=C                   -> { ok, pins: PinView[] }
//   POST /api/circles/:id/pins {channel, msgId, pinned}    -> { ok }   (pinned false: unpin)
//   GET  /api/notify                                       -> { ok, prefs }  (notification settings)
//   PUT  /api/notify {prefs}                               -> { ok }   (checked whole: src/peer/notify-prefs.ts)
//   POST /api/circles/:id/typing {channel}                 -> { ok, sent }  (the user types there: src/peer/typing.ts)
//   GET  /api/circles/:id/typing?channel=C                 -> { ok, who }   (node ids typing there now)
import { FelundError } from "../protocol/errors.ts";
import { isValidChannelId, normalizeChannelId } from "../protocol/channel-id.ts";
import { type PeerCtx, requireCircle } from "../peer/ctx.ts";
import { checkPrefs, emptyPrefs } from "../peer/notify-prefs.ts";
import { listPins, pinMessage } from "../peer/pins.ts";
import type { StoredMessage } from "../sync/store.ts";

interface SocialReq {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown> | unknown;
}
type On = (method: string, path: string, run: (r: SocialReq) => unknown) => void;
interface SocialHost {
  ctx: PeerCtx;
  published(rows: StoredMessage | StoredMessage[]): void;
  store: { getSetting(key: string): string | undefined; setSetting(key: string, value: string): void };
  typing: { local(circleId: string, channelId: string): boolean; who(circleId: string, channelId: string): string[] };
}
const PREFS_KEY = "notify_prefs";

const invalid = (why: string) => new FelundError("E_INVALID", `invalid input: ${why}`);
const field = (body: unknown, k: string): unknown =>
  body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>)[k] : undefined;

/** A channel named by a request, checked (the typing routes). */
function channelOf(v: unknown): string {
  const ch = typeof v === "string" ? normalizeChannelId(v) : "";
  if (!isValidChannelId(ch)) throw invalid("channel must be a channel name");
  return ch;
}

export function socialRoutes(on: On, host: SocialHost): void {
  on("POST", "/circles/:id/typing", ({ params, body }) => {
    const circleId = requireCircle(host.ctx, params.id!).circleId;
    return { ok: true, sent: host.typing.local(circleId, channelOf(field(body, "channel"))) };
  });
  on("GET", "/circles/:id/typing", ({ params, query }) => {
    const circleId = requireCircle(host.ctx, params.id!).circleId;
    return { ok: true, who: host.typing.who(circleId, channelOf(query.get("channel") ?? "general")) };
  });
  on("GET", "/notify", () => {
    const saved = host.store.getSetting(PREFS_KEY);
    return { ok: true, prefs: saved ? checkPrefs(JSON.parse(saved)) : emptyPrefs() };
  });
  on("PUT", "/notify", ({ body }) => {
    host.store.setSetting(PREFS_KEY, JSON.stringify(checkPrefs(field(body, "prefs"))));
    return { ok: true };
  });
  on("GET", "/circles/:id/pins", ({ params, query }) => ({
    ok: true,
    pins: listPins(host.ctx, params.id!, query.get("channel") ?? "general"),
  }));
  on("POST", "/circles/:id/pins", ({ params, body }) => {
    const channel = field(body, "channel") ?? "general";
    const msgId = field(body, "msgId");
    const pinned = field(body, "pinned") ?? true;
    if (typeof channel !== "string" || channel.length > 64) throw invalid("channel must be a string");
    if (typeof msgId !== "string" || msgId.length > 64) throw invalid("msgId must be a string");
    if (typeof pinned !== "boolean") throw invalid("pinned must be true or false");
    host.published(pinMessage(host.ctx, params.id!, channel, msgId, pinned));
    return { ok: true };
  });
}
