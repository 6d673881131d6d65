// GET /metrics of the standalone relay and the counting of every answered request. Elysia's
// after-response hook sees a returned Response, or the status set for a thrown error; a
// 404 of the app's own fallback is recorded here by `answeredStatus`.
import { Elysia } from "elysia";
import { PROMETHEUS_CONTENT_TYPE } from "../protocol/prometheus.ts";
import { timingSafeEqualStr } from "../protocol/crypto.ts";
import type { RelayContext } from "./context.ts";
import { after } from "./storage.ts";

const statuses = new WeakMap<Request, number>();

/** Remember the status a fallback answered `request` with (the hook cannot see it). */
export function answeredStatus(request: Request, r: Response): Response {
  statuses.set(request, r.status);
  return r;
}

export function metricsRoutes(ctx: RelayContext) {
  const token = ctx.config.metricsToken;
  const app = new Elysia().onAfterResponse({ as: "global" }, ({ request, set, responseValue }) => {
    const status =
      statuses.get(request) ??
      (responseValue instanceof Response ? responseValue.status : typeof set.status === "number" ? set.status : 200);
    ctx.metrics.request(new URL(request.url).pathname, status);
  });
  if (!ctx.config.metrics) return app;
  return app.get("/metrics", ({ request }) => {
    if (token && !timingSafeEqualStr(request.headers.get("authorization") ?? "", `Bearer ${token}`))
      return new Response("unauthorized\n", { status: 401, headers: { "WWW-Authenticate": "Bearer" } });
    return after(ctx.stats(), (stats) => {
      const text = ctx.metrics.render({ ...stats, subscribers: ctx.hub.connections, pushes: ctx.hub.pushed });
      return new Response(text, { headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE } });
    });
  });
}
