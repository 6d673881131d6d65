// The relay's API reference at /docs without any script: the OpenAPI description (served as
// JSON at /docs/json by @elysiajs/openapi with its UI turned off) rendered on the server as
// plain HTML. The plugin's default page loads Scalar from a CDN into this origin, the one
// where relay-only browsers keep their keys; this page runs nothing and loads nothing from
// elsewhere, and its Content-Security-Policy says so.
import { Elysia } from "elysia";

/** No script at all; its own stylesheet only; never framed. */
export const DOCS_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;background:#fafafa}
h2{margin-top:2rem;border-bottom:1px solid #ccc}h3{font-family:ui-monospace,monospace;font-size:1rem}
.m{display:inline-block;min-width:4.5rem;font-weight:bold}pre{background:#eee;padding:.5rem;overflow:auto;font-size:12px}
@media (prefers-color-scheme:dark){body{color:#ddd;background:#15171c}pre{background:#23262d}h2{border-color:#444}}`;

const esc = (s: unknown) =>
  String(s ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");

interface Op {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; description?: string; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}
interface Spec {
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, Record<string, Op>>;
  components?: unknown;
}

const schemaOf = (c?: Record<string, { schema?: unknown }>) => (c ? Object.values(c)[0]?.schema : undefined);
const block = (v: unknown) => (v === undefined ? "" : `<pre>${esc(JSON.stringify(v, null, 2))}</pre>`);

/** The description as one HTML page (every value escaped). */
export function renderDocs(spec: Spec): string {
  const ops: string[] = [];
  for (const [path, methods] of Object.entries(spec.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? [])
        .map((p) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}) ${esc(p.description)}</li>`)
        .join("");
      const responses = Object.entries(op.responses ?? {})
        .map(
          ([code, r]) =>
            `<details><summary>${esc(code)} ${esc(r.description)}</summary>${block(schemaOf(r.content))}</details>`,
        )
        .join("");
      ops.push(
        `<section><h3><span class="m">${esc(method.toUpperCase())}</span>${esc(path)}</h3><p>${esc(op.summary)}</p>` +
          (op.description ? `<p>${esc(op.description)}</p>` : "") +
          (params ? `<ul>${params}</ul>` : "") +
          (op.requestBody
            ? `<details><summary>request body</summary>${block(schemaOf(op.requestBody.content))}</details>`
            : "") +
          responses +
          `</section>`,
      );
    }
  }
  const i = spec.info ?? {};
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(i.title)} API</title><link rel="stylesheet" href="/docs/docs.css"></head><body>` +
    `<h1>${esc(i.title)} <small>${esc(i.version)}</small></h1><p>${esc(i.description)}</p>` +
    `<p>Machine-readable: <a href="/docs/json">/docs/json</a> (OpenAPI).</p><h2>Endpoints</h2>${ops.join("")}</body></html>`
  );
}

const headers = (type: string) => ({
  "content-type": type,
  "content-security-policy": DOCS_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
});

/** GET /docs and /docs/docs.css; `spec` reads the description (the plugin's /docs/json). */
export function docsPage(spec: () => Promise<Spec>) {
  let html: string | null = null; // routes are fixed once the relay serves: render once
  return new Elysia({ name: "relay-docs" })
    .get(
      "/docs",
      async () => new Response((html ??= renderDocs(await spec())), { headers: headers("text/html; charset=utf-8") }),
      { detail: { hide: true } },
    )
    .get("/docs/docs.css", () => new Response(CSS, { headers: headers("text/css; charset=utf-8") }), {
      detail: { hide: true },
    });
}
