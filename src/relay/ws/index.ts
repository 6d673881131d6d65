// The WebSocket push /v1/relay/ws: on connect one MESSAGES frame with the envelopes stored in
// the last two minutes (if any), then one frame per accepted POST with the envelopes it
// newly stored. Client frames are ignored (the web client sends PONGs), but for typing notices
// of subscribers that asked for them (typing.ts); Bun pings.
import { Elysia } from "elysia";
import type { RelayContext } from "../context.ts";
import { errorResponse } from "../http.ts";
import type { Subscriber } from "./hub.ts";
import { WsQuery } from "./model.ts";
import { FEATURES_FRAME } from "./typing.ts";
import { after } from "../storage.ts";

interface Raw extends Subscriber {
  remoteAddress: string;
}

export const wsRoutes = (ctx: RelayContext) => {
  const joined = new WeakMap<object, { hint: string; address: string }>();
  const typing = ctx.typing;
  const addressOf = (request: Request, raw: Raw) =>
    ctx.address(request, { requestIP: () => (raw.remoteAddress ? { address: raw.remoteAddress } : null) }) ?? "unknown";
  return new Elysia().ws("/relay/ws", {
    query: WsQuery,
    beforeHandle({ request, server }) {
      if (!ctx.hub.admits(ctx.address(request, server) ?? "unknown"))
        return errorResponse("E_RATE_LIMITED", "Too many WebSocket connections from this address", {
          "Retry-After": "30",
        });
    },
    open(ws) {
      const raw = ws.raw as unknown as Raw;
      const hint = ws.data.query.circle_hint;
      const address = addressOf(ws.data.request, raw);
      joined.set(raw, { hint, address });
      if (ws.data.query.typing === "1") {
        typing.add(hint, raw);
        raw.send(FEATURES_FRAME);
      }
      // subscribed before the backlog is read (PostgreSQL reads it asynchronously): an envelope
      // stored meanwhile may come twice, never not at all; clients dedupe by msg_id
      ctx.hub.add(hint, raw, address);
      after(ctx.messages.backlogFrame(hint, ctx.config.wsBacklogS, ctx.config.wsBacklogMax), (backlog) => {
        if (backlog && joined.has(raw)) raw.send(backlog);
      });
    },
    close(ws) {
      const raw = ws.raw as unknown as Raw;
      const j = joined.get(raw);
      if (j) ctx.hub.remove(j.hint, raw, j.address);
      if (j) typing.remove(j.hint, raw);
      joined.delete(raw);
    },
    message(ws, frame) {
      const raw = ws.raw as unknown as Raw;
      const j = joined.get(raw);
      if (j) typing.received(j.hint, raw, j.address, frame, ctx.nowMs());
    },
    detail: { tags: ["relay"], summary: "WebSocket push of newly stored envelopes of one circle_hint" },
  });
};
