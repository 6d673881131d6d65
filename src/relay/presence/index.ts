// Routes of POST/DELETE /v1/register and GET /v1/peers.
import { Elysia } from "elysia";
import type { RelayContext } from "../context.ts";
import { errorResponse, json, jsonBodyParser, jsonText, rawBodies, refusalResponse } from "../http.ts";
import { ErrorResponse } from "../model.ts";
import {
  PeersQuery,
  PeersResponse,
  RegisterBody,
  RegisterResponse,
  UnregisterBody,
  UnregisterResponse,
} from "./model.ts";
import { observedHost } from "./service.ts";
import { namedKey, signatureResponse } from "../signed.ts";
import { after } from "../storage.ts";

const SIGNED =
  "A node that registered a signing_key for this circle_hint must sign this request with it until that registration expires " +
  "(X-Felund-Node, X-Felund-Ts, X-Felund-Nonce, X-Felund-Signature; PROTOCOL-V1.md §6.5): 401 INVALID_SIGNATURE, " +
  "400 EXPIRED_TIMESTAMP (more than 300 s off), 409 NONCE_REPLAY. Nodes without a registered key are not checked.";

export const presenceRoutes = (ctx: RelayContext) => {
  const parse = jsonBodyParser(ctx.config.maxBodyBytes);
  return new Elysia()
    .post(
      "/register",
      ({ body, request, server }) => {
        const named = namedKey((body as { signing_key?: unknown }).signing_key);
        if (!named.ok) return errorResponse("E_BAD_INPUT", named.detail);
        const signed = { request, body: rawBodies.get(request) ?? "" };
        const observed = observedHost(ctx.address(request, server));
        return after(ctx.signed.register(body.circle_hint, body.node_id, named.key, signed), (key) =>
          typeof key !== "string"
            ? signatureResponse(key)
            : after(ctx.presence.register(body, observed, key), (r) =>
                r.ok ? json({ ok: true, ...r.value }) : refusalResponse(r),
              ),
        );
      },
      {
        parse,
        body: RegisterBody,
        response: {
          200: RegisterResponse,
          400: ErrorResponse,
          401: ErrorResponse,
          409: ErrorResponse,
          413: ErrorResponse,
          429: ErrorResponse,
        },
        detail: {
          tags: ["relay"],
          summary: "Announce this node's endpoints to its circle (upsert with ttl)",
          description:
            'With `signing_key` (64 hex, HMAC-SHA256(circle secret, "api-v1")) the request must be signed with that key, and the ' +
            "key is stored with the registration. While that registration lives, a register of the same node_id and circle_hint " +
            "must be signed with the stored key, and one naming another key is refused (401 INVALID_SIGNATURE): the key is never " +
            "replaced or wiped before the registration expires. Without a stored key and without signing_key, nothing is checked. " +
            SIGNED,
        },
      },
    )
    .delete(
      "/register",
      ({ body, request }) => {
        const signed = { request, body: rawBodies.get(request) ?? "" };
        return after(ctx.signed.checkFor(body.circle_hint, body.node_id, signed), (no) =>
          no
            ? signatureResponse(no)
            : after(ctx.presence.unregister(body), (r) => (r.ok ? json({ ok: true, ...r.value }) : refusalResponse(r))),
        );
      },
      {
        parse,
        body: UnregisterBody,
        response: {
          200: UnregisterResponse,
          400: ErrorResponse,
          401: ErrorResponse,
          409: ErrorResponse,
          413: ErrorResponse,
          429: ErrorResponse,
        },
        detail: { tags: ["relay"], summary: "Withdraw a presence record", description: SIGNED },
      },
    )
    .get(
      "/peers",
      ({ query, request }) => {
        const node = request.headers.get("x-felund-node");
        return after(ctx.signed.checkFor(query.circle_hint, node, { request, body: "" }), (no) =>
          no
            ? signatureResponse(no)
            : after(ctx.presence.peers(query.circle_hint, query.limit, node), (r) =>
                r.ok ? jsonText(r.value) : refusalResponse(r),
              ),
        );
      },
      {
        query: PeersQuery,
        response: {
          200: PeersResponse,
          400: ErrorResponse,
          401: ErrorResponse,
          409: ErrorResponse,
          429: ErrorResponse,
        },
        detail: {
          tags: ["relay"],
          summary: "Unexpired members of a circle, newest first (X-Felund-Node is left out)",
          description: `The node is the one X-Felund-Node names. ${SIGNED}`,
        },
      },
    );
};
