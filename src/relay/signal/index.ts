// Routes of POST/GET /v1/signal.
import { Elysia } from "elysia";
import type { RelayContext } from "../context.ts";
import { json, jsonBodyParser, refusalResponse } from "../http.ts";
import { ErrorResponse } from "../model.ts";
import { after } from "../storage.ts";
import { GetSignalQuery, GetSignalResponse, PostSignalBody, PostSignalResponse } from "./model.ts";

export const signalRoutes = (ctx: RelayContext) =>
  new Elysia()
    .post(
      "/signal",
      ({ body, request, server }) => {
        return after(ctx.signal.post(body, ctx.address(request, server)), (r) =>
          r.ok ? json({ ok: true, ...r.value }) : refusalResponse(r),
        );
      },
      {
        parse: jsonBodyParser(ctx.config.maxBodyBytes),
        body: PostSignalBody,
        response: { 200: PostSignalResponse, 400: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse },
        detail: {
          tags: ["signal"],
          summary: "Leave a WebRTC offer/answer/candidate (or a felund2 admission line) for one node",
          description:
            "Rate limited per client address, and per sending node: a signal with a valid node_proof (see the field) spends that node's own budget; " +
            "one without spends the budget of its (from_node_id, client address) pair, so posting under another node's id never drains that node's budget.",
        },
      },
    )
    .get("/signal", ({ query }) => after(ctx.signal.list(query.to_node_id, query.since_id, query.session_id), json), {
      query: GetSignalQuery,
      response: { 200: GetSignalResponse, 400: ErrorResponse, 429: ErrorResponse },
      detail: { tags: ["signal"], summary: "Signals addressed to a node after since_id, oldest first" },
    });
