// Routes of POST/GET /v1/messages.
import { Elysia } from "elysia";
import type { RelayContext } from "../context.ts";
import { jsonBodyParser, jsonText, rawBodies, refusalResponse } from "../http.ts";
import { ErrorResponse } from "../model.ts";
import { GetMessagesQuery, GetMessagesResponse, PostMessagesBody, PostMessagesResponse } from "./model.ts";
import { signatureResponse } from "../signed.ts";
import { after } from "../storage.ts";

const SIGNED =
  " A node (X-Felund-Node) that registered a signing_key for this circle_hint must sign this request with it until that " +
  "registration expires (PROTOCOL-V1.md §6.5): 401 INVALID_SIGNATURE, 400 EXPIRED_TIMESTAMP, 409 NONCE_REPLAY.";

export const messagesRoutes = (ctx: RelayContext) =>
  new Elysia()
    .post(
      "/messages",
      async ({ body, request }) => {
        const node = request.headers.get("x-felund-node");
        const no = await ctx.signed.checkFor(body.circle_hint, node, { request, body: rawBodies.get(request) ?? "" });
        if (no) return signatureResponse(no);
        const r = await ctx.messages.post(body);
        return r.ok ? jsonText(r.value) : refusalResponse(r);
      },
      {
        parse: jsonBodyParser(ctx.config.maxBodyBytes),
        body: PostMessagesBody,
        response: {
          200: PostMessagesResponse,
          400: ErrorResponse,
          401: ErrorResponse,
          409: ErrorResponse,
          413: ErrorResponse,
          429: ErrorResponse,
          507: ErrorResponse,
        },
        detail: {
          tags: ["relay"],
          summary: "Store envelopes (durable before the answer) and push them to WebSocket subscribers",
          description:
            "A msg_id already stored under the same circle_hint is ignored (the first copy stays); the same msg_id under another hint is independent. " +
            "A batch is stored whole or not at all. Storage: each circle_hint may hold a fixed number of envelope bytes (default 64 MiB); a batch " +
            "that would pass it is refused with 429 and a Retry-After (when the hint's oldest envelope expires, at most an hour), and nothing of " +
            "that hint is ever evicted to make room. When the relay's total (default 2 GiB) would be passed, its oldest envelopes (any hint) that " +
            "were stored more than a day ago are evicted first, oldest first; if that is not enough, 507. 507 also while the disk has less free " +
            "space than the relay's floor (default 256 MiB). Re-pushing envelopes that are all stored already is always answered 200." +
            SIGNED,
        },
      },
    )
    .get(
      "/messages",
      ({ query, request }) => {
        const node = request.headers.get("x-felund-node");
        return after(ctx.signed.checkFor(query.circle_hint, node, { request, body: "" }), (no) =>
          no
            ? signatureResponse(no)
            : after(ctx.messages.page(query), (r) => (r.ok ? jsonText(r.value) : refusalResponse(r))),
        );
      },
      {
        query: GetMessagesQuery,
        response: {
          200: GetMessagesResponse,
          400: ErrorResponse,
          401: ErrorResponse,
          409: ErrorResponse,
          429: ErrorResponse,
        },
        detail: {
          tags: ["relay"],
          summary: "Page through stored envelopes, by monotonic cursor or by the original since/server_time",
          description: SIGNED.trim(),
        },
      },
    );
