// The relay as Elysia apps. `createRelayApp` is the standalone public relay (`felund relay`):
// every path prefix the PHP relay tolerated, OPTIONS 204 on any path, JSON 404s and the
// OpenAPI description at /docs. `mountRelay` adds the same /v1 routes to another app (the
// node's local server for `felund serve`) without touching that app's other routes. Neither
// listens, and neither starts the prune timer: call `relay.start()` / `relay.stop()`.
import { Elysia } from "elysia";
import { openapi } from "@elysiajs/openapi";
import {
  createRelayContext,
  type RelayContext,
  type RelayControl,
  type RelayDeps,
  type SqliteRelayControl,
} from "./context.ts";
import {
  errorResponse,
  forwardedAddress,
  normalizePath,
  preflight,
  relayErrorResponse,
  withoutCors,
  type AddressSource,
} from "./http.ts";
import { docsPage } from "./docs.ts";
import { healthRoutes } from "./health/index.ts";
import { RELAY_API_VERSION } from "./health/service.ts";
import { messagesRoutes } from "./messages/index.ts";
import { batchRoutes } from "./messages/batch.ts";
import { presenceRoutes } from "./presence/index.ts";
import { signalRoutes } from "./signal/index.ts";
import { blobRoutes } from "./blobs/index.ts";
import { wsRoutes } from "./ws/index.ts";
import { answeredStatus, metricsRoutes } from "./metrics-routes.ts";

export type { RelayDeps, RelayControl, SqliteRelayControl } from "./context.ts";
export type { RelayConfig, RelayConfigInput, RateSpec } from "./config.ts";
export { NO_RATE_LIMITS, DEFAULT_CONFIG } from "./config.ts";

/** Endpoints after normalisation (PROTOCOL-V1.md §6.1), for the prefix fallback. */
const ENDPOINTS = new Set(["/health", "/register", "/peers", "/messages", "/signal"]);
/** Prefixes routed directly (what clients build); any other prefix goes through the fallback. */
const DIRECT_PREFIXES = ["/v1", "/api/v1"] as const;

/**
 * How a relay mounted into another app meets browsers. Both are asked per request, because
 * the host app's address is known only once it listens (AddressSource is Bun's server).
 */
export interface RelayEdge {
  /** A reason to refuse this request with 403 (not this server's own origin), or undefined. */
  refuse(request: Request, server: ServerLike | null): string | undefined;
  /** Whether answers carry the relay's CORS headers (a public relay: any page may use it). */
  cors(server: ServerLike | null): boolean;
}
/** The part of Bun's server an edge looks at. */
export interface ServerLike extends AddressSource {
  hostname?: string;
  port?: number;
}

/** A public relay: every origin, CORS `*`. */
const PUBLIC_EDGE: RelayEdge = { refuse: () => undefined, cors: () => true };

/** All relay routes under one prefix, with the relay's error mapping and per-address limit. */
export function relayRoutes(ctx: RelayContext, prefix: string, edge: RelayEdge = PUBLIC_EDGE) {
  const base = new Elysia({ prefix });
  // Before routing, body parsing and validation, so a foreign page learns nothing and costs
  // nothing (not even a rate-limit token); WebSocket upgrades and preflights come here too.
  // onRequest sees every request of the host app, hence the path test.
  const under = prefix + "/";
  const edged =
    edge === PUBLIC_EDGE
      ? base
      : (base
          .onRequest(({ request, server }) => {
            const path = new URL(request.url).pathname;
            if (path !== prefix && !path.startsWith(under)) return;
            const why = edge.refuse(request, server as ServerLike | null);
            return why ? withoutCors(errorResponse("E_FORBIDDEN", why)) : undefined;
          })
          .mapResponse(({ response, server }) =>
            response instanceof Response && !edge.cors(server as ServerLike | null) ? withoutCors(response) : undefined,
          ) as unknown as typeof base);
  const app = edged
    .onError(({ code, error, request }) => relayErrorResponse(code, error, request))
    .options("/*", () => preflight());
  const limit = ctx.limitAddress;
  const guarded = limit ? app.onBeforeHandle(({ request, server }) => limit(request, server)) : app;
  return guarded
    .use(healthRoutes(ctx))
    .use(presenceRoutes(ctx))
    .use(messagesRoutes(ctx))
    .use(batchRoutes(ctx))
    .use(signalRoutes(ctx))
    .use(blobRoutes(ctx))
    .use(wsRoutes(ctx));
}

export type RelayApp = ReturnType<typeof buildApp> & { relay: SqliteRelayControl };
/** A relay on PostgreSQL: the same app, its prune pass asynchronous. */
export type AnyRelayApp = ReturnType<typeof buildApp> & { relay: RelayControl };

function buildApp(ctx: RelayContext) {
  // normalize: false: validate bodies as sent. Elysia's default "normalisation" would turn
  // `"capabilities": 5` into {} instead of refusing it (PHP refuses). Stored envelopes are
  // JSON.stringify of the parsed body either way, so a host app's default cannot alter them.
  return new Elysia({
    normalize: false,
    websocket: { idleTimeout: ctx.config.wsIdleS, maxPayloadLength: ctx.config.wsFrameInMax },
  })
    .onRequest(({ request }) => (request.method === "OPTIONS" ? preflight() : undefined))
    .use(metricsRoutes(ctx))
    .use(relayRoutes(ctx, DIRECT_PREFIXES[0]))
    .use(relayRoutes(ctx, DIRECT_PREFIXES[1]));
}

/** The standalone relay app. It never listens; main code calls `.listen()` and `relay.start()`. */
export function createRelayApp(deps: RelayDeps): RelayApp {
  return relayAppOf(createRelayContext(deps)) as RelayApp;
}

/** The standalone relay app over a context of either backend (PostgreSQL: src/relay/pg/). */
export function relayAppOf(ctx: RelayContext): AnyRelayApp {
  const app = buildApp(ctx);
  // PROTOCOL-V1.md §6.1: "/messages", "/x/y/v1/messages/" ... all reach /v1/messages. Unusual prefixes
  // are rare, so they pay one re-dispatch instead of every request paying a rewrite.
  app.onError(({ code, request, server }) => {
    if (code !== "NOT_FOUND") return;
    const url = new URL(request.url);
    const path = normalizePath(url.pathname);
    // The rewritten request cannot come back here: its path is already the canonical one.
    if (ENDPOINTS.has(path) && url.pathname !== "/v1" + path) {
      url.pathname = "/v1" + path;
      const again = new Request(url, request);
      const a = ctx.address(request, server as AddressSource | null);
      if (a !== null) forwardedAddress.set(again, a);
      return app.handle(again);
    }
    return answeredStatus(request, errorResponse("E_NOT_FOUND", `Not found: ${request.method} ${path}`));
  });
  if (ctx.config.docs) {
    app.use(
      openapi({
        path: "/docs",
        // no UI from the plugin: its page loads a script from a CDN (see docs.ts)
        provider: null,
        specPath: "/docs/json",
        exclude: { paths: [/^\/api\/v1\//] },
        documentation: {
          info: {
            title: "felund relay",
            version: RELAY_API_VERSION,
            description:
              "Rendezvous, store-and-forward of encrypted envelopes, WebSocket push and call signalling, compatible with the original PHP relay and relay_ws.py. Every path also answers under /api/v1/... and any prefix ending in /v1. " +
              "Storage is bounded per circle_hint (429 when full, never evicted) and in total (oldest envelopes older than a day evicted first, else 507); see POST /v1/messages. " +
              "Signed requests as the newer original PHP relay: a node that registers a signing_key must sign its register, unregister, peers and messages requests for that circle_hint with X-Felund-Ts, X-Felund-Nonce and X-Felund-Signature until the registration expires; nodes that never registered a key are served as before (PROTOCOL-V1.md §6.5).",
          },
        },
      }),
    );
    app.use(docsPage(async () => (await app.handle(new Request("http://relay.invalid/docs/json"))).json()));
  }
  return Object.assign(app, { relay: ctx.control });
}

/**
 * Mount the relay's /v1 routes into another Elysia app (e.g. the node's local server).
 * Its hooks stay on the relay routes; the host's own routes, 404s and CORS are untouched.
 */
export function mountRelay<A extends Elysia<any, any, any, any, any, any, any>>(
  host: A,
  deps: RelayDeps,
  edge?: RelayEdge,
): { app: A; relay: RelayControl } {
  const ctx = createRelayContext(deps);
  return { app: host.use(relayRoutes(ctx, "/v1", edge)) as A, relay: ctx.control };
}
