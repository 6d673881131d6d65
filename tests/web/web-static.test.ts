// The static side of the web client (src/node/web-static.ts) through app.handle: the mode in
// the page, cache rules, security headers, and that a relay keeps its own top-level routes.
import { beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Elysia } from "elysia";
import { openMemoryDb } from "../../db/client.ts";
import { createRelayApp } from "../../src/relay/app.ts";
import { ensureWebBuild, webClient } from "../../src/node/web-static.ts";
import { WEB_DIST } from "../../ui/web/dist-info.ts";

const get = (app: { handle(r: Request): Promise<Response> }, path: string) =>
  app.handle(new Request(`http://127.0.0.1:9990${path}`));
let local: Elysia;
let relay: ReturnType<typeof createRelayApp>;

beforeAll(() => {
  ensureWebBuild((l) => console.error(l));
  local = new Elysia().use(webClient({ mode: "local", build: false })) as unknown as Elysia;
  relay = createRelayApp({ db: openMemoryDb(), config: { rate: false, docs: false } });
  relay.use(webClient({ mode: "relay", relayBase: `https://relay.example.org/"><script>`, build: false }));
}, 30_000);

describe("web client static files", () => {
  test("the page carries its mode; local pages may only talk to their own origin", async () => {
    const r = await get(local, "/");
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('<meta name="felund-mode" content="local"');
    expect(r.headers.get("cache-control")).toBe("no-cache");
    expect(r.headers.get("content-security-policy")).toContain("connect-src 'self';");
    expect(r.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    // no inline script or style, no third-party script
    for (const page of [r, await get(relay, "/")]) {
      const csp = page.headers.get("content-security-policy")!;
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("style-src 'self';");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
    }
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await (await get(local, "/config.json")).json()).toEqual({ mode: "local", relayBase: "" });
  });

  test("relay pages name their relay (escaped) and may connect to relays", async () => {
    const html = await (await get(relay, "/")).text();
    expect(html).toContain('<meta name="felund-mode" content="relay"');
    expect(html).toContain('content="https://relay.example.org/&quot;&gt;&lt;script&gt;"');
    expect(html).not.toContain('"><script>"');
  });

  test("hashed assets are immutable; service worker and manifest are revalidated", async () => {
    const js = readdirSync(join(WEB_DIST, "assets")).find((f) => f.endsWith(".js"))!;
    const a = await get(local, `/assets/${js}`);
    expect([a.status, a.headers.get("cache-control"), a.headers.get("content-type")]).toEqual([
      200,
      "public, max-age=31536000, immutable",
      "text/javascript; charset=utf-8",
    ]);
    const sw = await get(local, "/sw.js");
    expect([sw.status, sw.headers.get("cache-control"), sw.headers.get("service-worker-allowed")]).toEqual([
      200,
      "no-cache",
      "/",
    ]);
    const swText = await sw.text();
    expect(swText).toContain(`/assets/${js}`);
    expect(swText).toContain('url.pathname.startsWith("/api")');
    // every file it precaches is served (one missing file fails the install: no offline shell),
    // the stylesheet among them
    const shell = JSON.parse(swText.match(/const SHELL = (\[.*?\]);/)![1]!) as string[];
    expect(shell.some((f) => f.endsWith(".css"))).toBe(true);
    const statuses = await Promise.all(shell.map(async (f) => `${f} ${(await get(local, f)).status}`));
    expect(statuses.filter((x) => !x.endsWith(" 200"))).toEqual([]);
    const m = await get(local, "/manifest.webmanifest");
    expect(m.headers.get("content-type")).toBe("application/manifest+json");
    expect((await get(local, "/icon-512.png")).headers.get("content-type")).toBe("image/png");
  });

  test("no path escapes dist, unknown files are 404, and the relay keeps its routes", async () => {
    for (const p of ["/assets/..%2F..%2Fbuild.ts", "/assets/nope.js", "/..%2Fbuild.ts", "/src/main.tsx"])
      expect((await get(local, p)).status).toBe(404);
    const h = await get(relay, "/health");
    expect(h.status).toBe(200);
    expect(((await h.json()) as { ok: boolean }).ok).toBe(true);
    expect((await get(relay, "/messages?circle_hint=abcdefgh12345678")).status).toBe(200);
  });
});
