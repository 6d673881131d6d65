// Routes of POST/GET /v1/messages.
import { Elysia } from "elysia";
import type { RelayContext } from "../context.ts";
import { jsonBodyParser, jsonText, refusalResponse } from "../http.ts";
import { ErrorResponse } from "../model.ts";
import { GetMessagesQuery, GetMessagesResponse, PostMessagesBody, PostMessagesResponse } from "./model.ts";

export const messagesRoutes = (ctx: RelayContext) =>
  new Elysia()
    .post(
      "/messages",
      async ({ body }) => {
        const r = await ctx.messages.post(body);
        return r.ok ? jsonText(r.value) : refusalResponse(r);
      },
      {
        parse: jsonBodyParser(ctx.config.maxBodyBytes),
        body: PostMessagesBody,
        response: { 200: PostMessagesResponse, 400: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse },
        detail: {
          tags: ["relay"],
          summary: "Store envelopes (durable before the answer) and push them to WebSocket subscribers",
          description:
            "A msg_id already stored under the same circle_hint is ignored (the first copy stays); the same msg_id under another hint is independent.",
        },
      },
    )
    .get(
      "/messages",
      ({ query }) => {
        const r = ctx.messages.page(query);
        return r.ok ? jsonText(r.value) : refusalResponse(r);
      },
      {
        query: GetMessagesQuery,
        response: { 200: GetMessagesResponse, 400: ErrorResponse, 429: ErrorResponse },
        detail: {
          tags: ["relay"],
          summary: "Page through stored envelopes, by monotonic cursor or by the original since/server_time",
        },
      },
    );
