// What `felund serve` mounts beside the local API: the web client in local mode (its page
// talks to this node's /api with the token). The relay API joins here as it is built.
import type { Elysia } from "elysia";
import type { FelundNode } from "../node/node.ts";
import { webClient } from "../node/web-static.ts";

export function mountExtras(app: Elysia<any, any, any, any, any, any, any>, _node: FelundNode): Elysia<any, any, any, any, any, any, any> {
  return app.use(webClient({ mode: "local", log: (line) => console.error(line) }));
}
