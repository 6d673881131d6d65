// The relay's HTTP surface as the original clients see it (PROTOCOL-V1.md §6.1): CORS on every answer,
// OPTIONS 204 anywhere, the path prefixes the PHP relay tolerated, JSON 404s, body limits,
// the OpenAPI description, and mounting into another app without changing that app.
import { describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { openMemoryDb } from "../../db/client.ts";
import { mountRelay } from "../../src/relay/app.ts";
import { normalizePath } from "../../src/relay/http.ts";
import { JSON_BODY_DEPTH_MAX, RELAY_BODY_MAX_BYTES } from "../../src/protocol/limits.ts";
import { CORS, HINT, T0, envelope, expectCors, makeRelay } from "./helpers.ts";

describe("health", () => {
  test("GET /v1/health answers ok, version and the server clock", async () => {
    const r = makeRelay();
    const res = await r.call("GET", "/v1/health");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, version: "0.1.0", time: T0 });
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expectCors(res.headers);
  });
});

describe("CORS and OPTIONS", () => {
  test("OPTIONS on any path is 204 with the three CORS headers and no body", async () => {
    const r = makeRelay();
    for (const path of ["/v1/messages", "/api/v1/register/", "/whatever/else", "/"]) {
      const res = await r.call("OPTIONS", path);
      expect(res.status).toBe(204);
      expect(res.text).toBe("");
      expectCors(res.headers);
    }
  });

  test("errors carry CORS headers too (a browser must be able to read them)", async () => {
    const r = makeRelay();
    for (const res of [
      await r.call("GET", "/v1/messages?circle_hint=short"),
      await r.call("GET", "/v1/nothing"),
      await r.call("POST", "/v1/messages", "not json"),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.json.ok).toBe(false);
      expect(typeof res.json.detail).toBe("string");
      expectCors(res.headers);
    }
  });
});

describe("path prefixes (ref §6.1)", () => {
  test("normalizePath drops everything up to the last /v1 and trailing slashes", () => {
    expect(normalizePath("/api/v1/messages/")).toBe("/messages");
    expect(normalizePath("/v1/messages")).toBe("/messages");
    expect(normalizePath("/messages")).toBe("/messages");
    expect(normalizePath("/x/v1/y/v1/peers//")).toBe("/peers");
    expect(normalizePath("/")).toBe("/");
  });

  test("/api/v1/messages/, /v1/messages, /messages and any …/v1/ prefix reach the same store", async () => {
    const r = makeRelay();
    const paths = [
      "/api/v1/messages/",
      "/v1/messages",
      "/messages",
      "/relay/api/v1/messages",
      "/v1/messages/",
      "/v1/x/v1/messages",
    ];
    for (const p of paths) {
      const res = await r.call("POST", p, { circle_hint: HINT, messages: [envelope()] });
      expect(res.status).toBe(200);
      expect(res.json.stored).toBe(1);
    }
    for (const p of paths) {
      const res = await r.call("GET", `${p}?circle_hint=${HINT}`);
      expect(res.status).toBe(200);
      expect(res.json.messages).toHaveLength(paths.length);
    }
    expect((await r.call("GET", "/health")).json.ok).toBe(true);
    expect((await r.call("GET", "/deep/prefix/v1/health/")).json.ok).toBe(true);
  });

  test("unknown routes and methods: 404 'Not found: <METHOD> <normalised path>'", async () => {
    const r = makeRelay();
    let res = await r.call("GET", "/api/v1/nothing/");
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ ok: false, detail: "Not found: GET /nothing", code: "E_NOT_FOUND" });
    res = await r.call("PUT", "/v1/messages", {});
    expect(res.status).toBe(404);
    expect(res.json.detail).toBe("Not found: PUT /messages");
    res = await r.call("GET", "/");
    expect(res.json.detail).toBe("Not found: GET /");
  });
});

describe("bodies", () => {
  test("a body that is not a JSON object is 400 'Request body must be a JSON object'", async () => {
    const r = makeRelay();
    for (const body of ["not json", "42", '"str"', "null", "{"]) {
      const res = await r.call("POST", "/v1/register", body);
      expect(res.status).toBe(400);
      expect(res.json.detail).toBe("Request body must be a JSON object");
    }
  });

  test("a deeply nested body is a quick 400 on every route, with no internal error (found by tests/fuzz/relay-http.test.ts)", async () => {
    // before: depth 10,000 (20 KB) cost the validator seconds, depth 100,000 a stack overflow and a 500
    const r = makeRelay();
    const logged: unknown[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => void logged.push(a);
    try {
      for (const path of ["/v1/messages", "/v1/register", "/v1/signal"]) {
        for (const n of [JSON_BODY_DEPTH_MAX + 1, 100_000]) {
          const t0 = performance.now();
          const res = await r.call("POST", path, "[".repeat(n) + "]".repeat(n));
          expect(res.status).toBe(400);
          expect(res.json.detail).toMatch(/nested (too )?deep/i);
          expect(performance.now() - t0).toBeLessThan(2000);
        }
      }
      // depth within the bound, and brackets inside strings, are not counted
      const deepOk = {
        circle_hint: HINT,
        messages: [envelope(undefined, { extra: JSON.parse("[".repeat(20) + "]".repeat(20)), note: "[".repeat(100) })],
      };
      expect((await r.post(HINT, deepOk.messages)).status).toBe(200);
    } finally {
      console.error = orig;
    }
    // one log line per refused request, no stack trace
    expect(logged.length).toBe(6);
    for (const l of logged) expect(String((l as unknown[])[0])).not.toContain("\n    at ");
  });

  test("an empty body counts as {} (then the missing field is reported)", async () => {
    const r = makeRelay();
    const res = await r.call("POST", "/v1/messages", "");
    expect(res.status).toBe(400);
    expect(res.json.detail).toContain("circle_hint");
  });

  test("any content type is parsed as JSON, as PHP does", async () => {
    const r = makeRelay();
    const body = JSON.stringify({ circle_hint: HINT, messages: [envelope()] });
    for (const ct of ["text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "application/octet-stream"]) {
      const res = await r.call("POST", "/v1/messages", body, { "content-type": ct });
      expect(res.status).toBe(200);
    }
  });

  test("a body over the limit is 413 by Content-Length, before it is read", async () => {
    const r = makeRelay();
    const res = await r.app.handle(
      new Request("http://localhost/v1/messages", {
        method: "POST",
        headers: { "content-length": String(RELAY_BODY_MAX_BYTES + 1), "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).detail).toContain("too large");
  });

  test("a streamed (chunked) body over the limit is 413 too", async () => {
    const r = makeRelay({ maxBodyBytes: 1000 });
    const chunk = new TextEncoder().encode("x".repeat(400));
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(chunk);
        c.close();
      },
    });
    const res = await r.app.handle(new Request("http://localhost/v1/messages", { method: "POST", body: stream }));
    expect(res.status).toBe(413);
    expectCors(res.headers);
  });
});

describe("failures of our own", () => {
  test("a storage error is a logged 500 with a JSON detail, not a crash or a hung request", async () => {
    const r = makeRelay();
    r.db.$client.exec("DROP TABLE relay_signals");
    const errors: unknown[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => void errors.push(a);
    try {
      const res = await r.call("POST", "/v1/signal", {
        session_id: "session-0001",
        from_node_id: "a1b2c3d4e5f60718",
        to_node_id: "b1b2c3d4e5f60718",
        circle_hint: HINT,
        type: "offer",
        payload: "x",
      });
      expect(res.status).toBe(500);
      expect(res.json).toEqual({ ok: false, detail: "Internal error", code: "E_SYSTEM" });
      expectCors(res.headers);
    } finally {
      console.error = orig;
    }
    expect(errors.length).toBe(1);
  });

  test("a failed group commit fails every POST of that turn with 500, and the next turn works", async () => {
    const r = makeRelay();
    r.db.$client.exec(
      "CREATE TRIGGER boom BEFORE INSERT ON relay_messages BEGIN SELECT RAISE(ABORT, 'disk on fire'); END",
    );
    const orig = console.error;
    console.error = () => {};
    try {
      const res = await Promise.all([r.post(HINT, [envelope()]), r.post(HINT, [envelope()])]);
      expect(res.map((x) => x.status)).toEqual([500, 500]);
    } finally {
      console.error = orig;
    }
    r.db.$client.exec("DROP TRIGGER boom");
    expect((await r.post(HINT, [envelope()])).json.stored).toBe(1);
  });
});

describe("OpenAPI", () => {
  test("/docs serves a page and /docs/json describes every endpoint from the models", async () => {
    const r = makeRelay();
    const page = await r.call("GET", "/docs");
    expect(page.status).toBe(200);
    const spec = (await r.call("GET", "/docs/json")).json;
    const paths = Object.keys(spec.paths);
    for (const p of ["/v1/health", "/v1/register", "/v1/peers", "/v1/messages", "/v1/signal"])
      expect(paths).toContain(p);
    expect(paths.some((p) => p.startsWith("/api/v1"))).toBe(false);
    const post = spec.paths["/v1/messages"].post;
    const schema = JSON.stringify(post.requestBody);
    expect(schema).toContain("circle_hint");
    expect(schema).toContain("msg_id");
    const get = JSON.stringify(spec.paths["/v1/messages"].get);
    for (const f of ["cursor", "next_cursor", "more", "since"]) expect(get).toContain(f);
  });

  test("/docs is a plain page: no script, nothing from another origin, a strict CSP", async () => {
    const r = makeRelay();
    const page = await r.call("GET", "/docs");
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy")!;
    for (const d of ["default-src 'none'", "style-src 'self'", "frame-ancestors 'none'"]) expect(csp).toContain(d);
    expect(csp).not.toContain("script-src");
    expect(page.text).not.toMatch(/<script/i);
    // every src/href stays on this origin (relative paths only)
    const refs = [...page.text.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const u of refs) expect(u).toMatch(/^\/[^/]/);
    expect(page.text).not.toMatch(/cdn|jsdelivr|unpkg/i);
    expect(page.text).toContain("/v1/messages");
    const css = await r.call("GET", "/docs/docs.css");
    expect([css.status, css.headers.get("content-type")]).toEqual([200, "text/css; charset=utf-8"]);
  });

  test("docs can be turned off", async () => {
    const r = makeRelay({ docs: false });
    expect((await r.call("GET", "/docs/json")).status).toBe(404);
  });
});

describe("mountRelay", () => {
  test("adds /v1 relay routes to a host app and leaves the host's routes, CORS and 404s alone", async () => {
    const host = new Elysia().get("/api/state", () => ({ host: true }));
    const { app, relay } = mountRelay(host, { db: openMemoryDb(), now: () => T0 * 1000 });
    expect(relay.running).toBe(false);
    const call = (m: string, p: string, body?: unknown) =>
      app.handle(
        new Request(`http://localhost${p}`, { method: m, body: body === undefined ? undefined : JSON.stringify(body) }),
      );
    let res = await call("POST", "/v1/messages", { circle_hint: HINT, messages: [envelope()] });
    expect(res.status).toBe(200);
    expectCors(res.headers);
    res = await call("GET", `/v1/messages?circle_hint=${HINT}`);
    expect(((await res.json()) as any).messages).toHaveLength(1);
    res = await call("OPTIONS", "/v1/messages");
    expect(res.status).toBe(204);
    res = await call("GET", "/api/state");
    expect(await res.json()).toEqual({ host: true });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    for (const k of Object.keys(CORS)) expect(res.headers.get(k)).toBeNull();
    res = await call("GET", "/nothing");
    expect(res.status).toBe(404);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});
