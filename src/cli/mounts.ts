// What `felund serve` mounts beside the local API: the relay API (/v1, on the node's own
// database, so a home box is also a relay for its circles' browsers) and the web client in
// local mode (its page talks to this node's /api with the token).
//
// On a loopback address the relay API answers this server's own origin only, by the local
// API's Host/Origin rule (no other web page may write into felund.sqlite or read what it
// holds), with no CORS headers. Served on a network address on purpose, it is a public
// relay: any origin, CORS `*`, and the public relay's rate limits and quotas (the default
// relay config, as `felund relay`).
import type { Elysia } from "elysia";
import type { FelundNode } from "../node/node.ts";
import { foreignOrigin } from "../node/local-guard.ts";
import { webClient } from "../node/web-static.ts";
import { logEvent } from "../peer/log.ts";
import { mountRelay, type RelayEdge, type ServerLike } from "../relay/app.ts";
import { type RelayDb, relayDbOn } from "../relay/database.ts";

const LOOPBACK_BIND = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/** Where the HTTP side listens, as the relay edge needs it (tests pass a fixed one to app.handle). */
export type Listening = (server: ServerLike | null) => { hostname: string; port: number } | null;
const fromServer: Listening = (s) =>
  s?.hostname !== undefined && s.port !== undefined ? { hostname: s.hostname, port: s.port } : null;

/** The relay edge of `felund serve`: own origin only on loopback, public otherwise. */
export function serveRelayEdge(listening: Listening = fromServer): RelayEdge {
  // Unknown address (no server): treated as loopback with no port, so everything is refused.
  const loopbackPort = (server: ServerLike | null): number | null => {
    const l = listening(server);
    return !l ? 0 : LOOPBACK_BIND.test(l.hostname) ? l.port : null;
  };
  return {
    refuse(request, server) {
      const port = loopbackPort(server);
      return port === null ? undefined : foreignOrigin(request, port);
    },
    cors: (server) => loopbackPort(server) === null,
  };
}

/** The relay of `felund serve`: the default (public) relay config, this edge. */
export function serveRelay<A extends Elysia<any, any, any, any, any, any, any>>(
  app: A,
  db: RelayDb,
  listening?: Listening,
) {
  return mountRelay(app, { db }, serveRelayEdge(listening));
}

export function mountExtras(
  app: Elysia<any, any, any, any, any, any, any>,
  node: FelundNode,
): Elysia<any, any, any, any, any, any, any> {
  const { app: withRelay, relay } = serveRelay(app, relayDbOn(node.store.sql));
  relay.start();
  node.onStop(() => {
    relay.goingAway();
    relay.stop();
  });
  return withRelay.use(webClient({ mode: "local", log: (line) => logEvent("info", "web", line) }));
}
