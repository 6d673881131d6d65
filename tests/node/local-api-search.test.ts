// Search in the node's local API (GET /api/circles/:id/search, src/node/local-api-search.ts) and
// LocalBackend.search over it: results newest first with a marked snippet, paged by `next`, one
// channel, and user errors as { ok: false, code }. Over a loopback server, as the web client and the TUI reach it.
import { afterEach, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import { LocalBackend } from "../../ui/shared/local-backend.ts";
import { startNode } from "./helpers.ts";

const TOKEN = "e".repeat(64);
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function api() {
  const node = await startNode("search");
  cleanup.push(() => node.stop());
  let port = 0;
  const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => port }));
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r: Request) => app.handle(r) });
  port = server.port!;
  cleanup.push(() => server.stop(true));
  const { circleId } = node.createCircle("room");
  const backend = new LocalBackend({ base: `http://127.0.0.1:${port}`, token: TOKEN });
  cleanup.push(() => backend.close());
  const get = async (path: string) => {
    const r = await fetch(`http://127.0.0.1:${port}/api${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  return { node, circleId, backend, get };
}

test("search: newest first, marked, paged with next, one channel; errors are user errors", async () => {
  const { node, circleId, backend, get } = await api();
  await backend.createChannel(circleId, "dev", "public");
  for (const t of ["release notes", "the release is out", "no match here"]) node.send(circleId, "general", t);
  node.send(circleId, "dev", "release branch cut");

  const all = await backend.search(circleId, "releas");
  expect(all.hits.map((h) => [h.channelId, h.text])).toEqual([
    ["dev", "release branch cut"],
    ["general", "the release is out"],
    ["general", "release notes"],
  ]);
  expect(all.next).toBeUndefined();
  expect(all.hits[1]!.snippet).toEqual({ text: "the release is out", marks: [[4, 11]] });
  expect(all.hits[1]!.author).toBe(node.settings.displayName);
  expect(all.hits[1]!.own).toBe(true);

  const p1 = await backend.search(circleId, "release", { limit: 2 });
  expect(p1.hits.length).toBe(2);
  const p2 = await backend.search(circleId, "release", { limit: 2, before: p1.next });
  expect([...p1.hits, ...p2.hits].map((h) => h.msgId)).toEqual(all.hits.map((h) => h.msgId));
  expect((await backend.search(circleId, "release", { channelId: "dev" })).hits.map((h) => h.text)).toEqual([
    "release branch cut",
  ]);

  const empty = await get(`/circles/${circleId}/search?q=${encodeURIComponent('" ( *')}`);
  expect([empty.status, empty.json.code]).toEqual([400, "E_EMPTY"]);
  const badLimit = await get(`/circles/${circleId}/search?q=x&limit=0`);
  expect([badLimit.status, badLimit.json.code]).toEqual([422, "E_INVALID"]);
  expect((await get(`/circles/nope/search?q=x`)).json.code).toBe("E_UNKNOWN_CIRCLE");
  expect((await get(`/circles/${circleId}/search?q=x&channel=zzz`)).json.code).toBe("E_UNKNOWN_CHANNEL");
});
