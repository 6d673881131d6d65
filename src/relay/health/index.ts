// Route of GET /v1/health.
import { Elysia } from "elysia";
import type { RelayContext } from "../context.ts";
import { json } from "../http.ts";
import { ErrorResponse } from "../model.ts";
import { HealthResponse } from "./model.ts";
import { health } from "./service.ts";

export const healthRoutes = (ctx: RelayContext) =>
  new Elysia().get("/health", () => json(health(ctx.nowS())), {
    response: { 200: HealthResponse, 429: ErrorResponse },
    detail: { tags: ["relay"], summary: "Liveness and server time" },
  });
