// What `felund serve` mounts beside the local API. The relay API and the web client are
// added here as they are built.
import type { Elysia } from "elysia";
import type { FelundNode } from "../node/node.ts";

export function mountExtras(app: Elysia<any, any, any, any, any, any, any>, _node: FelundNode): Elysia<any, any, any, any, any, any, any> {
  return app;
}
