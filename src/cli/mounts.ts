// What `felund serve` mounts beside the local API: the relay API (/v1, on the node's own
// database, so a home box is also a relay for its circles' browsers) and the web client in
// local mode (its page talks to this node's /api with the token).
import type { Elysia } from "elysia";
import type { FelundNode } from "../node/node.ts";
import { webClient } from "../node/web-static.ts";
import { mountRelay } from "../relay/app.ts";
import { drizzleOf } from "../../db/client.ts";

export function mountExtras(app: Elysia<any, any, any, any, any, any, any>, node: FelundNode): Elysia<any, any, any, any, any, any, any> {
  const { app: withRelay, relay } = mountRelay(app, { db: drizzleOf(node.store.sql) });
  relay.start();
  node.onStop(() => relay.stop());
  return withRelay.use(webClient({ mode: "local", log: (line) => console.error(line) }));
}
