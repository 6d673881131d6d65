// The relay API as `felund serve` mounts it (src/cli/mounts.ts): on loopback it answers only
// its own origin (the local API's Host/Origin rule) and sends no CORS headers; on a network
// address it is a public relay. Through app.handle, plus one real loopback `serve`.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Elysia } from "elysia";
import { openMemoryDb } from "../../db/client.ts";
import { mountRelay } from "../../src/relay/app.ts";
import { serveRelay, serveRelayEdge, mountExtras } from "../../src/cli/mounts.ts";
import { DEFAULT_CONFIG } from "../../src/relay/app.ts";
import {
  RELAY_DISK_FREE_MIN_BYTES,
  RELAY_HINT_QUOTA_BYTES,
  RELAY_RATE_IP_BURST,
  RELAY_RATE_IP_PER_S,
  RELAY_TOTAL_QUOTA_BYTES,
} from "../../src/protocol/limits.ts";
import { startNodeProcess, type RunningNode } from "../../src/node/process.ts";
import { HINT, envelope } from "./helpers.ts";

setDefaultTimeout(60_000);

const PORT = 9990;
const mount = (hostname: string) =>
  mountRelay(
    new Elysia(),
    { db: openMemoryDb(), config: { rate: false } },
    serveRelayEdge(() => ({ hostname, port: PORT })),
  ).app;

function call(
  app: { handle(r: Request): Promise<Response> },
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
) {
  const h: Record<string, string> = { host: `127.0.0.1:${PORT}`, ...headers };
  return app.handle(
    new Request(`http://127.0.0.1:${PORT}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}
const post = (app: Elysia, headers: Record<string, string>) =>
  call(app, "POST", "/v1/messages", headers, { circle_hint: HINT, messages: [envelope()] });
const read = async (app: Elysia) =>
  ((await (await call(app, "GET", `/v1/messages?circle_hint=${HINT}`)).json()) as { messages: unknown[] }).messages
    .length;

describe("relay API on a loopback serve", () => {
  test("a foreign Origin is refused (403) on POST, GET, presence, signal, the WebSocket and preflight; nothing is stored", async () => {
    const app = mount("127.0.0.1");
    const evil = { origin: "https://evil.example" };
    for (const r of [
      await post(app, evil),
      await call(app, "GET", `/v1/messages?circle_hint=${HINT}`, evil),
      await call(app, "GET", `/v1/peers?circle_hint=${HINT}`, evil),
      await call(app, "GET", "/v1/signal?to_node_id=a1b2c3d4e5f60718", evil),
      await call(app, "GET", `/v1/relay/ws?circle_hint=${HINT}`, {
        ...evil,
        upgrade: "websocket",
        connection: "Upgrade",
      }),
      await call(app, "OPTIONS", "/v1/messages", { ...evil, "access-control-request-method": "POST" }),
      // another port of this machine is another origin too
      await post(app, { origin: `http://127.0.0.1:${PORT + 1}` }),
    ]) {
      expect(r.status).toBe(403);
      expect(((await r.json()) as { detail: string }).detail).toBe("forbidden: cross-origin request");
      expect(r.headers.get("access-control-allow-origin")).toBeNull();
    }
    expect(await read(app)).toBe(0);
  });

  test("a foreign Host (DNS rebinding) is refused (403) on POST and GET", async () => {
    const app = mount("127.0.0.1");
    for (const host of ["evil.example", `evil.example:${PORT}`, `127.0.0.1:${PORT + 1}`]) {
      for (const r of [
        await post(app, { host }),
        await call(app, "GET", `/v1/messages?circle_hint=${HINT}`, { host }),
      ]) {
        expect(r.status).toBe(403);
        expect(((await r.json()) as { detail: string }).detail).toBe(
          "forbidden: Host is not this machine's loopback address",
        );
      }
    }
    expect(await read(app)).toBe(0);
  });

  test("the node's own origin and non-browser clients work, with no CORS `*`", async () => {
    const app = mount("127.0.0.1");
    const cases: Record<string, string>[] = [
      { origin: `http://127.0.0.1:${PORT}` },
      { origin: `http://localhost:${PORT}`, host: `localhost:${PORT}` },
      {},
    ];
    for (const headers of cases) {
      const r = await post(app, headers);
      expect(r.status).toBe(200);
      expect(r.headers.get("access-control-allow-origin")).toBeNull();
    }
    const g = await call(app, "GET", `/v1/messages?circle_hint=${HINT}`, { origin: `http://127.0.0.1:${PORT}` });
    expect(g.status).toBe(200);
    expect(g.headers.get("access-control-allow-origin")).toBeNull();
    expect(await read(app)).toBe(3);
    // errors too carry no CORS header
    const bad = await call(app, "GET", "/v1/messages?circle_hint=short");
    expect(bad.status).toBe(400);
    expect(bad.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("served on a network address on purpose, it is a public relay (any origin, CORS *)", async () => {
    const app = mount("0.0.0.0");
    const r = await call(
      app,
      "POST",
      "/v1/messages",
      { origin: "https://elsewhere.example", host: "192.0.2.7:9990" },
      { circle_hint: HINT, messages: [envelope()] },
    );
    expect(r.status).toBe(200);
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("served on a network address, it has the public relay's limits: per-address rate limit and storage quotas", async () => {
    const { app, relay } = serveRelay(new Elysia(), openMemoryDb(), () => ({ hostname: "0.0.0.0", port: PORT }));
    expect(relay.config.rate).toEqual(DEFAULT_CONFIG.rate);
    expect([relay.config.hintQuotaBytes, relay.config.totalQuotaBytes, relay.config.diskFreeMinBytes]).toEqual([
      RELAY_HINT_QUOTA_BYTES,
      RELAY_TOTAL_QUOTA_BYTES,
      RELAY_DISK_FREE_MIN_BYTES,
    ]);
    let status = 200;
    let n = 0;
    const t0 = performance.now();
    // the bucket refills at RELAY_RATE_IP_PER_S while the loop runs (slowly, on a loaded machine)
    for (; n <= 2 * RELAY_RATE_IP_BURST && status === 200; n++)
      status = (await call(app, "GET", "/v1/health", { origin: "https://elsewhere.example", host: "192.0.2.7:9990" }))
        .status;
    const refilled = Math.ceil(((performance.now() - t0) / 1000) * RELAY_RATE_IP_PER_S);
    expect(status).toBe(429);
    expect(n).toBeGreaterThanOrEqual(RELAY_RATE_IP_BURST + 1);
    expect(n).toBeLessThanOrEqual(RELAY_RATE_IP_BURST + 1 + refilled);
  });

  test("an unknown listening address refuses everything (fails closed)", async () => {
    const app = mountRelay(
      new Elysia(),
      { db: openMemoryDb() },
      serveRelayEdge(() => null),
    ).app;
    expect((await post(app, {})).status).toBe(403);
  });
});

describe("a real loopback `felund serve`", () => {
  const dir = mkdtempSync(join(tmpdir(), "felund-serve-edge-"));
  let running: RunningNode | undefined;
  afterAll(() => {
    running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("refuses a foreign Origin and Host over HTTP and WebSocket, serves its own origin", async () => {
    running = await startNodeProcess({
      stateDir: dir,
      mode: "serve",
      http: "127.0.0.1:0",
      bind: "127.0.0.1",
      port: 0,
      mount: mountExtras,
    });
    const base = running.url;
    const own = { origin: base };
    const body = JSON.stringify({ circle_hint: HINT, messages: [envelope()] });
    const foreign = await fetch(`${base}/v1/messages`, {
      method: "POST",
      body,
      headers: { origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const rebound = await fetch(`${base}/v1/messages?circle_hint=${HINT}`, {
      headers: { host: `evil.example:${running.httpPort}` },
    });
    expect(rebound.status).toBe(403);
    const ok = await fetch(`${base}/v1/messages`, { method: "POST", body, headers: own });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBeNull();
    const page = (await (await fetch(`${base}/v1/messages?circle_hint=${HINT}`, { headers: own })).json()) as {
      messages: unknown[];
    };
    expect(page.messages).toHaveLength(1);
    // a WebSocket from another page (browsers send its Origin; CORS does not apply to them)
    const wsPath = `/v1/relay/ws?circle_hint=${HINT}&node_id=a1b2c3d4e5f60718`;
    const upgrade = {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
    };
    const evilWs = await fetch(`${base}${wsPath}`, { headers: { ...upgrade, origin: "https://evil.example" } });
    expect(evilWs.status).toBe(403);
    const opened = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`${base.replace(/^http/, "ws")}${wsPath}`, { headers: own } as unknown as string[]);
      ws.onmessage = (e) => (ws.close(), resolve(String(e.data)));
      ws.onerror = () => resolve("refused");
    });
    expect(JSON.parse(opened).messages).toHaveLength(1); // the backlog frame
  });
});
