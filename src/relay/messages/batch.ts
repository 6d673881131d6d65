// POST /v1/messages/batch: a member's history push (docs/PROTOCOL.md §25). Up to
// RELAY_PUSH_BATCH_MAX envelopes per request, signed with the circle's push key
// (X-Felund-Push); stored as POST /v1/messages stores them, but spending the hint's push
// allowance instead of its ordinary rate. Unsigned, badly signed or signed by another key than
// the one pinned for the hint: 401, nothing stored. Beyond the allowance: 429.
import { Elysia, t } from "elysia";
import * as L from "../../protocol/limits.ts";
import { checkPushAllowance } from "../../protocol/v2/push-allowance.ts";
import type { RelayContext } from "../context.ts";
import { jsonBodyParser, jsonText, rawBodies, refusalResponse } from "../http.ts";
import { ErrorResponse } from "../model.ts";
import { invalidSignature, signatureResponse } from "../signed.ts";
import { circleHint, Envelope, PostMessagesResponse } from "./model.ts";

export const PostBatchBody = t.Object(
  {
    circle_hint: circleHint,
    messages: t.Array(Envelope, {
      maxItems: L.RELAY_PUSH_BATCH_MAX,
      error: `Too many messages (max ${L.RELAY_PUSH_BATCH_MAX} per batch)`,
    }),
  },
  { additionalProperties: true },
);

export const batchRoutes = (ctx: RelayContext) =>
  new Elysia().post(
    "/messages/batch",
    async ({ body, request }) => {
      const raw = rawBodies.get(request) ?? "";
      const v = checkPushAllowance(request.headers.get("x-felund-push"), body.circle_hint, raw, ctx.nowS());
      if (!v.ok) return signatureResponse(invalidSignature(v.reason));
      if (!ctx.push.pins.admit(body.circle_hint, v.value, ctx.nowS()))
        return signatureResponse(invalidSignature("X-Felund-Push key is not the push key pinned for this circle_hint"));
      const node = request.headers.get("x-felund-node");
      const no = await ctx.signed.checkFor(body.circle_hint, node, { request, body: raw });
      if (no) return signatureResponse(no);
      const r = await ctx.messages.post(body, ctx.push.rate);
      return r.ok ? jsonText(r.value) : refusalResponse(r);
    },
    {
      parse: jsonBodyParser(ctx.config.maxBodyBytes),
      body: PostBatchBody,
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
        summary: "History push: store up to 1000 envelopes signed with the circle's push key (docs/PROTOCOL.md §25)",
        description:
          "As POST /v1/messages (first copy of a msg_id kept, stored whole or not at all, same quotas), for a member " +
          `uploading a circle's history. Header X-Felund-Push: '<ts>.<Ed25519 public key, 64 hex>.<signature, 128 hex>' over ` +
          "'felund-push-allowance/1\\n<ts>\\n<circle_hint>\\n<sha256 hex of the exact body bytes>', ts within " +
          `${L.RELAY_PUSH_ALLOWANCE_SKEW_S} s of the relay's clock. The first key that signs for a circle_hint is pinned ` +
          `(forgotten after ${L.RELAY_PUSH_PIN_IDLE_S / 86400} days unused); batches signed by it spend the hint's push ` +
          `allowance (default ${L.RELAY_RATE_PUSH_PER_S}/s, burst ${L.RELAY_RATE_PUSH_BURST}) instead of its ordinary rate. ` +
          "A missing, malformed, stale or failing signature, or another key than the pinned one: 401 INVALID_SIGNATURE, " +
          "nothing stored. Beyond the allowance: 429 with Retry-After. Relays without this endpoint answer 404: clients " +
          "then post batches of 50 to POST /v1/messages.",
      },
    },
  );
