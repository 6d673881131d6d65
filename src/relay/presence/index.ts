// Routes of POST/DELETE /v1/register and GET /v1/peers.
import { Elysia } from "elysia";
import type { RelayContext } from "../context.ts";
import { json, jsonBodyParser, jsonText, refusalResponse } from "../http.ts";
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

export const presenceRoutes = (ctx: RelayContext) => {
  const parse = jsonBodyParser(ctx.config.maxBodyBytes);
  return new Elysia()
    .post(
      "/register",
      ({ body, request, server }) => {
        const r = ctx.presence.register(body, observedHost(ctx.address(request, server)));
        return r.ok ? json({ ok: true, ...r.value }) : refusalResponse(r);
      },
      {
        parse,
        body: RegisterBody,
        response: { 200: RegisterResponse, 400: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse },
        detail: { tags: ["relay"], summary: "Announce this node's endpoints to its circle (upsert with ttl)" },
      },
    )
    .delete(
      "/register",
      ({ body }) => {
        const r = ctx.presence.unregister(body);
        return r.ok ? json({ ok: true, ...r.value }) : refusalResponse(r);
      },
      {
        parse,
        body: UnregisterBody,
        response: { 200: UnregisterResponse, 400: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse },
        detail: { tags: ["relay"], summary: "Withdraw a presence record" },
      },
    )
    .get(
      "/peers",
      ({ query, request }) => {
        const r = ctx.presence.peers(query.circle_hint, query.limit, request.headers.get("x-felund-node"));
        return r.ok ? jsonText(r.value) : refusalResponse(r);
      },
      {
        query: PeersQuery,
        response: { 200: PeersResponse, 400: ErrorResponse, 429: ErrorResponse },
        detail: { tags: ["relay"], summary: "Unexpired members of a circle, newest first (X-Felund-Node is left out)" },
      },
    );
};
