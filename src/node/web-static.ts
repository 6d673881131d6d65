// Serves the built web client (ui/web/dist) at "/": index.html with the page's mode filled in,
// hashed assets with a long cache, the PWA manifest, service worker and icons. `felund serve`
// mounts it in "local" mode (the page talks to this node's /api with its token); `felund relay`
// in "relay" mode (the page is its own peer and syncs through the relay's /v1 API). Static
// files carry no secret, so they need no token; /api keeps its own guard.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Elysia, NotFoundError } from "elysia";
import { WEB_BUILD_SCRIPT, WEB_DIST, webBuildStale } from "../../ui/web/dist-info.ts";

export interface WebClientOptions {
  mode: "local" | "relay";
  /** relay mode: the relay the page syncs through (default: the page's own origin) */
  relayBase?: string;
  /** where the bundle is (default ui/web/dist) */
  distDir?: string;
  /** build the bundle first when it is missing or older than its sources (default true) */
  build?: boolean;
  /** progress lines for humans (the CLI passes console.error) */
  log?: (line: string) => void;
}

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  html: "text/html; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  webmanifest: "application/manifest+json",
  json: "application/json",
  ico: "image/x-icon",
  woff2: "font/woff2",
};
const FILE_RE = /^[\w][\w.-]*\.(\w+)$/;

const escapeAttr = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Run the Vite build in a child process (vite never loads into the server). */
export function ensureWebBuild(log: (line: string) => void = () => {}): void {
  if (!webBuildStale()) return;
  log("felund: building the web client (first start or changed sources)…");
  const r = Bun.spawnSync([process.execPath, WEB_BUILD_SCRIPT, "--if-stale"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0)
    log(`felund: web client build failed; the web UI is unavailable:\n${r.stderr.toString().trim()}`);
}

export function webClient(o: WebClientOptions) {
  const dist = o.distDir ?? WEB_DIST;
  if (o.build !== false && !o.distDir) ensureWebBuild(o.log);

  const relayOrigins =
    o.relayBase && /^https?:\/\//.test(o.relayBase)
      ? ` ${new URL(o.relayBase).origin} ${new URL(o.relayBase).origin.replace(/^http/, "ws")}`
      : "";
  // Only this origin's hashed module scripts and stylesheet run: no inline script or style
  // (Solid sets dynamic styles through the CSSOM, which CSP allows), nothing from a CDN.
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // Local pages only talk to their node (/api and its WebSocket, same origin). Relay pages
    // talk to their relay, which the user may change at first run and in F3 (kept in the
    // browser, unknown here), so any http(s)/ws(s) origin: they send it only sealed envelopes.
    o.mode === "local" ? "connect-src 'self'" : `connect-src 'self' https: wss: http: ws:${relayOrigins}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join("; ");
  const pageHeaders = {
    "content-type": TYPES.html!,
    "cache-control": "no-cache",
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
  };

  // index.html is small: read it per request so a rebuild shows up without a restart
  let cached: { mtime: number; html: string } | null = null;
  const indexHtml = (): string | null => {
    const p = join(dist, "index.html");
    if (!existsSync(p)) return null;
    const mtime = statSync(p).mtimeMs;
    if (cached?.mtime !== mtime) {
      const html = readFileSync(p, "utf8")
        .replace(/<meta name="felund-mode" content="[^"]*"/, `<meta name="felund-mode" content="${o.mode}"`)
        .replace(
          /<meta name="felund-relay" content="[^"]*"/,
          `<meta name="felund-relay" content="${escapeAttr(o.relayBase ?? "")}"`,
        );
      cached = { mtime, html };
    }
    return cached.html;
  };

  const page = () => {
    const html = indexHtml();
    if (!html)
      return new Response("The web client is not built. Run `npm install` (it builds ui/web), then restart felund.\n", {
        status: 503,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    return new Response(html, { headers: pageHeaders });
  };

  const file = (dir: string, name: string, cache: string) => {
    const m = FILE_RE.exec(name);
    const type = m ? TYPES[m[1]!.toLowerCase()] : undefined;
    const p = join(dir, name);
    // thrown, not answered, so a missing file gets the host app's usual 404
    if (!m || !type || !existsSync(p) || !statSync(p).isFile()) throw new NotFoundError();
    const headers: Record<string, string> = {
      "content-type": type,
      "cache-control": cache,
      "x-content-type-options": "nosniff",
    };
    if (name === "sw.js") headers["service-worker-allowed"] = "/";
    return new Response(Bun.file(p), { headers });
  };

  // One route per top-level file (manifest, service worker, icons), no catch-all: every other
  // path stays the host app's (the relay answers /health, /messages... at the top level too).
  const rootFiles = new Set(["sw.js", "manifest.webmanifest", "icon.svg", "icon-192.png", "icon-512.png"]);
  if (existsSync(dist))
    for (const f of readdirSync(dist))
      if (f !== "index.html" && FILE_RE.test(f) && statSync(join(dist, f)).isFile()) rootFiles.add(f);

  const app = new Elysia({ name: `web-client-${o.mode}` })
    .get("/", page)
    .get("/index.html", page)
    .get("/config.json", () =>
      Response.json({ mode: o.mode, relayBase: o.relayBase ?? "" }, { headers: { "cache-control": "no-cache" } }),
    )
    .get("/assets/:file", ({ params }) =>
      file(join(dist, "assets"), params.file, "public, max-age=31536000, immutable"),
    );
  for (const f of rootFiles) {
    const cache = f === "sw.js" || f === "manifest.webmanifest" ? "no-cache" : "public, max-age=86400";
    app.get(`/${f}`, () => file(dist, f, cache)); // Elysia registers in place
  }
  return app;
}
