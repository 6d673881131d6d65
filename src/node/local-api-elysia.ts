// The local API mounted into an Elysia app (felund serve, where the relay API and the web
// client share the HTTP port): every /api request goes to the framework-free handler.
import { Elysia } from "elysia";
import { createLocalHandler, type LocalApiOptions, type LocalHandler } from "./local-api.ts";
import { refusal } from "./local-guard.ts";

export function createLocalApi(o: LocalApiOptions, h: LocalHandler = createLocalHandler(o)) {
  return new Elysia({ name: "local-api" })
    .ws("/api/ws", {
      // the same guard as every other /api request, before the upgrade
      beforeHandle: ({ request }) => {
        const r = refusal(request, o.token, o.port());
        if (r) return Response.json(r.body, { status: r.status });
      },
      open(ws) {
        h.ws.open(ws.raw);
      },
      close(ws) {
        h.ws.close(ws.raw);
      },
      message() {},
    })
    .all(
      "/api/*",
      async ({ request, server }) => (await h.fetch(request, server)) ?? new Response(null, { status: 101 }),
    );
}
