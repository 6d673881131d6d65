// Drafts in the node's local API (GET/PUT /api/drafts/:circle/:channel, for the terminal UI):
// kept per channel in the node's store, cleared with "", behind the same token as every route,
// and bounded. Checked with app.handle (no network).
import { afterEach, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import { DRAFT_MAX_CHARS } from "../../src/protocol/limits.ts";
import { LocalBackend } from "../../ui/shared/local-backend.ts";
import { startNode } from "./helpers.ts";

const TOKEN = "d".repeat(64);
const PORT = 48124;
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function api() {
  const node = await startNode("drafts");
  cleanup.push(() => node.stop());
  const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => PORT })) as unknown as Elysia;
  const { circleId } = node.createCircle("room");
  const call = async (method: string, path: string, body?: unknown, token = TOKEN) => {
    const r = await app.handle(
      new Request(`http://127.0.0.1:${PORT}/api${path}`, {
        method,
        headers: {
          host: `127.0.0.1:${PORT}`,
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      }),
    );
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  return { app, node, circleId, call };
}

test("a draft is kept per channel, read back, and cleared with an empty text", async () => {
  const { node, circleId, call } = await api();
  expect((await call("GET", `/drafts/${circleId}/general`)).json).toEqual({ ok: true, text: "" });
  expect((await call("PUT", `/drafts/${circleId}/general`, { text: "half a thought" })).json).toEqual({ ok: true });
  expect((await call("PUT", `/drafts/${circleId}/random`, { text: "other" })).status).toBe(200);
  expect((await call("GET", `/drafts/${circleId}/general`)).json.text).toBe("half a thought");
  expect((await call("GET", `/drafts/${circleId}/RANDOM`)).json.text).toBe("other"); // channel names as the user types them
  // in the node's store: there after a restart of the node on the same database
  expect(node.store.getSetting(`draft:${circleId}/general`)).toBe("half a thought");
  await call("PUT", `/drafts/${circleId}/general`, { text: "" });
  expect((await call("GET", `/drafts/${circleId}/general`)).json.text).toBe("");
});

test("a draft longer than a message is kept whole (to be cut down), up to DRAFT_MAX_CHARS", async () => {
  const { circleId, call } = await api();
  const long = "x".repeat(9097);
  expect((await call("PUT", `/drafts/${circleId}/general`, { text: long })).status).toBe(200);
  expect((await call("GET", `/drafts/${circleId}/general`)).json.text).toBe(long);
  const over = await call("PUT", `/drafts/${circleId}/general`, { text: "x".repeat(DRAFT_MAX_CHARS + 1) });
  expect(over.status).toBe(422);
  expect(over.json.code).toBe("E_INVALID");
  expect((await call("PUT", `/drafts/${circleId}/general`, { text: 5 })).status).toBe(422);
});

test("an unknown circle is refused, and so is a request without the token", async () => {
  const { circleId, call } = await api();
  const unknown = await call("GET", `/drafts/${"f".repeat(24)}/general`);
  expect(unknown.json.code).toBe("E_UNKNOWN_CIRCLE");
  const noToken = await call("PUT", `/drafts/${circleId}/general`, { text: "sneaky" }, "nope");
  expect(noToken.status).toBe(401);
  expect((await call("GET", `/drafts/${circleId}/general`)).json.text).toBe("");
});

test("LocalBackend reads and writes drafts through the API", async () => {
  const { node, circleId } = await api();
  let port = 0;
  const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => port }));
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r: Request) => app.handle(r) });
  port = server.port!;
  cleanup.push(() => server.stop(true));
  const b = new LocalBackend({ base: `http://127.0.0.1:${server.port}`, token: TOKEN });
  cleanup.push(() => b.close());
  expect(await b.getDraft(circleId, "general")).toBe("");
  await b.saveDraft(circleId, "general", "from the TUI");
  expect(await b.getDraft(circleId, "general")).toBe("from the TUI");
});
