// The node's local HTTP API refuses anything but this user's own front ends: a request needs
// the per-install token, a loopback Host (no DNS rebinding) and, from a browser, a same-origin
// Origin. HTTP routes are checked with app.handle (no network); the WebSocket upgrade needs
// a real server.
import { afterEach, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { startNode, startV2Node } from "./helpers.ts";

const TOKEN = "a".repeat(64);
const PORT = 48123;
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function api(port = PORT): Promise<{ app: Elysia; node: FelundNode }> {
  const node = await startNode("api");
  const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => port })) as unknown as Elysia;
  cleanup.push(() => node.stop());
  return { app, node };
}

const req = (
  path: string,
  o: {
    token?: string | null;
    host?: string;
    origin?: string;
    method?: string;
    body?: unknown;
    via?: "bearer" | "header" | "query";
  } = {},
) => {
  const headers: Record<string, string> = { host: o.host ?? `127.0.0.1:${PORT}` };
  const token = o.token === undefined ? TOKEN : o.token;
  let url = `http://127.0.0.1:${PORT}${path}`;
  if (token !== null) {
    if ((o.via ?? "bearer") === "bearer") headers.authorization = `Bearer ${token}`;
    else if (o.via === "header") headers["x-felund-token"] = token;
    else url += (url.includes("?") ? "&" : "?") + `token=${token}`;
  }
  if (o.origin) headers.origin = o.origin;
  if (o.body !== undefined) headers["content-type"] = "application/json";
  return new Request(url, {
    method: o.method ?? "GET",
    headers,
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
  });
};

describe("local API guard (app.handle)", () => {
  test("the right token is accepted, as bearer, header or query parameter", async () => {
    const { app, node } = await api();
    for (const via of ["bearer", "header", "query"] as const) {
      const r = await app.handle(req("/api/health", { via }));
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ ok: true, nodeId: node.nodeId });
    }
  });

  test("no token or a wrong token: 401, and nothing happens", async () => {
    const { app, node } = await api();
    for (const token of [null, "", "b".repeat(64), TOKEN.slice(1), TOKEN + "a"]) {
      const r = await app.handle(req("/api/state", { token }));
      expect(r.status).toBe(401);
      expect((await r.json()).error).toMatch(/^unauthorized/);
    }
    const post = await app.handle(req("/api/circles", { token: "nope", method: "POST", body: { name: "sneaky" } }));
    expect(post.status).toBe(401);
    expect(node.store.listCircles()).toEqual([]);
  });

  test("a Host that is not this machine's loopback address: 403 even with the token (DNS rebinding)", async () => {
    const { app } = await api();
    for (const host of [
      "evil.example",
      `evil.example:${PORT}`,
      `127.0.0.1:${PORT + 1}`,
      `192.168.1.5:${PORT}`,
      "127.0.0.1",
      `127.0.0.1.evil.example:${PORT}`,
    ])
      expect((await app.handle(req("/api/health", { host }))).status).toBe(403);
    for (const host of [`localhost:${PORT}`, `[::1]:${PORT}`])
      expect((await app.handle(req("/api/health", { host }))).status).toBe(200);
  });

  test("a foreign Origin: 403 even with the token; the node's own origin is fine", async () => {
    const { app, node } = await api();
    for (const origin of ["http://evil.example", `http://127.0.0.1:${PORT + 1}`, "null", `https://127.0.0.1:${PORT}`]) {
      const r = await app.handle(req("/api/circles", { origin, method: "POST", body: { name: "csrf" } }));
      expect(r.status).toBe(403);
    }
    expect(node.store.listCircles()).toEqual([]);
    const ok = await app.handle(
      req("/api/circles", { origin: `http://127.0.0.1:${PORT}`, method: "POST", body: { name: "mine" } }),
    );
    expect(ok.status).toBe(200);
    expect(node.store.listCircles().length).toBe(1);
  });

  test("every route is guarded", async () => {
    const { app } = await api();
    const routes: [string, string][] = [
      ["GET", "/api/state"],
      ["GET", "/api/circles"],
      ["POST", "/api/circles"],
      ["POST", "/api/circles/join"],
      ["GET", "/api/peers"],
      ["POST", "/api/settings"],
      ["POST", "/api/sync"],
      ["GET", "/api/circles/x/messages"],
      ["POST", "/api/circles/x/messages"],
      ["GET", "/api/circles/x/invite"],
      ["DELETE", "/api/circles/x"],
      ["POST", "/api/circles/x/channels"],
    ];
    for (const [method, path] of routes) {
      const r = await app.handle(
        req(path, { token: null, method, body: method === "GET" || method === "DELETE" ? undefined : {} }),
      );
      // refused before validation: a malformed body gets 401, not a 422 describing the schema
      expect([method, path, r.status]).toEqual([method, path, 401]);
      expect((await r.json()).error).toMatch(/^unauthorized/);
    }
  });
});

describe("local API over a real socket", () => {
  async function serve() {
    const node = await startNode("ws");
    let port = 0;
    const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => port }));
    app.listen({ hostname: "127.0.0.1", port: 0 });
    port = app.server!.port!;
    cleanup.push(() => {
      app.stop(true);
      node.stop();
    });
    return { node, port };
  }

  /** Open a WebSocket; resolves with the first message, or with the close/error. */
  function tryWs(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<{ opened: boolean; first?: string; code?: number }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, { headers } as unknown as string[]);
      let opened = false;
      const t = setTimeout(() => {
        ws.close();
        resolve({ opened });
      }, 2000);
      ws.onopen = () => {
        opened = true;
      };
      ws.onmessage = (e) => {
        clearTimeout(t);
        ws.close();
        resolve({ opened, first: String(e.data) });
      };
      ws.onclose = (e) => {
        clearTimeout(t);
        resolve({ opened, code: e.code });
      };
      ws.onerror = () => {};
    });
  }

  test("/api/ws without the token is refused; with it, events arrive", async () => {
    const { node, port } = await serve();
    const base = `ws://127.0.0.1:${port}/api/ws`;
    expect((await tryWs(base)).opened).toBe(false);
    expect((await tryWs(`${base}?token=${"b".repeat(64)}`)).opened).toBe(false);
    expect((await tryWs(`${base}?token=${TOKEN}`, { origin: "http://evil.example" })).opened).toBe(false);
    const ok = await tryWs(`${base}?token=${TOKEN}`);
    expect(ok.opened).toBe(true);
    expect(JSON.parse(ok.first!)).toEqual({ t: "hello", nodeId: node.nodeId });
  });

  test("plain HTTP: token, Host and Origin checks hold on the wire too", async () => {
    const { port } = await serve();
    const u = `http://127.0.0.1:${port}/api/health`;
    expect((await fetch(u)).status).toBe(401);
    expect((await fetch(u, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(
      (await fetch(u, { headers: { authorization: `Bearer ${TOKEN}`, origin: "http://evil.example" } })).status,
    ).toBe(403);
    expect((await fetch(u, { headers: { authorization: `Bearer ${TOKEN}`, host: "evil.example" } })).status).toBe(403);
  });
});

describe("local API messages", () => {
  test("a channel pages back in display order by before_ms and before_seq, the order the messages were written", async () => {
    // a frozen clock: all seven in one millisecond, so only the author's order tells them apart
    const node = await startV2Node("pager", { nowMs: () => 1_800_000_000_000 });
    cleanup.push(() => node.stop());
    const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => PORT })) as unknown as Elysia;
    const made = await (await app.handle(req("/api/circles", { method: "POST", body: { name: "pages" } }))).json();
    const sent = ["a", "b", "c", "d", "e", "f", "g"];
    for (const text of sent)
      expect(
        (await app.handle(req(`/api/circles/${made.circleId}/messages`, { method: "POST", body: { text } }))).status,
      ).toBe(200);
    const got: string[][] = [];
    let q = "";
    for (let pages = 0; pages < 5; pages++) {
      const r = await (await app.handle(req(`/api/circles/${made.circleId}/messages?limit=3${q}`))).json();
      const page = r.messages as { text: string; sortMs: number; seq: number; authorSeq: number }[];
      if (!page.length) break;
      got.unshift(page.map((m) => m.text));
      q = `&before_ms=${page[0]!.sortMs}&before_seq=${page[0]!.seq}`;
    }
    expect(got).toEqual([["a"], ["b", "c", "d"], ["e", "f", "g"]]);
  });
});
