// Rendezvous (PROTOCOL-V1.md §6.2, PHP semantics): register/unregister presence, list peers, and the
// observed-host rule (proxy headers only when trusted, W10).
import { describe, expect, test } from "bun:test";
import { HINT, HINT2, NODE_A, NODE_B, T0, makeRelay } from "./helpers.ts";

const reg = (node: string, extra: Record<string, unknown> = {}, hint = HINT) => ({
  node_id: node,
  circle_hint: hint,
  endpoints: [{ transport: "tcp", host: "192.0.2.1", port: 9999, family: "ipv4", nat: "unknown" }],
  capabilities: { relay: false, transport: ["tcp"] },
  ttl_s: 120,
  ...extra,
});

describe("POST /v1/register", () => {
  test("upserts and answers server_time, expires_at and observed_host", async () => {
    const r = makeRelay();
    const res = await r.call("POST", "/v1/register", reg(NODE_A));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, server_time: T0, expires_at: T0 + 120, observed_host: null });
    r.advance(10);
    const again = await r.call(
      "POST",
      "/v1/register",
      reg(NODE_A, { endpoints: [{ transport: "ws", host: "example.org", port: 443 }], ttl_s: 30 }),
    );
    expect(again.json.expires_at).toBe(T0 + 40);
    const peers = (await r.call("GET", `/v1/peers?circle_hint=${HINT}`)).json.peers;
    expect(peers).toHaveLength(1);
    expect(peers[0]).toEqual({
      node_id: NODE_A,
      circle_hint: HINT,
      endpoints: [{ transport: "ws", host: "example.org", port: 443 }],
      capabilities: { relay: false, transport: ["tcp"] },
      observed_at: T0 + 10,
      expires_at: T0 + 40,
    });
  });

  test("defaults: ttl 120, no endpoints, capabilities {relay:false, transport:[tcp]}", async () => {
    const r = makeRelay();
    const res = await r.call("POST", "/v1/register", { node_id: NODE_A, circle_hint: HINT });
    expect(res.json.expires_at).toBe(T0 + 120);
    const p = (await r.call("GET", `/v1/peers?circle_hint=${HINT}`)).json.peers[0];
    expect(p.endpoints).toEqual([]);
    expect(p.capabilities).toEqual({ relay: false, transport: ["tcp"] });
  });

  test("capabilities are normalised (unknown keys and transports dropped); endpoints kept verbatim", async () => {
    const r = makeRelay();
    await r.call(
      "POST",
      "/v1/register",
      reg(NODE_A, {
        capabilities: { relay: true, transport: ["ws", "udp", "tcp"], can_anchor: true },
        endpoints: [{ transport: "ws", host: "h", port: 1, extra: { x: [1, 2] } }],
      }),
    );
    const p = (await r.call("GET", `/v1/peers?circle_hint=${HINT}`)).json.peers[0];
    expect(p.capabilities).toEqual({ relay: true, transport: ["ws", "tcp"] });
    expect(p.endpoints).toEqual([{ transport: "ws", host: "h", port: 1, extra: { x: [1, 2] } }]);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ["node_id too short", { node_id: "short" }, "node_id"],
    ["node_id too long", { node_id: "n".repeat(129) }, "node_id"],
    ["node_id of multi-byte chars over 128 bytes", { node_id: "é".repeat(100) }, "node_id"],
    ["node_id not a string", { node_id: 12345678 }, "node_id"],
    ["circle_hint missing", { circle_hint: undefined }, "circle_hint"],
    ["circle_hint too short", { circle_hint: "abc" }, "circle_hint"],
    ["ttl below 30 (PHP refuses, no clamp)", { ttl_s: 29 }, "ttl_s"],
    ["ttl above 600", { ttl_s: 601 }, "ttl_s"],
    ["ttl not an integer", { ttl_s: 30.5 }, "ttl_s"],
    ["ttl a word", { ttl_s: "sixty" }, "ttl_s"],
    ["ttl a numeric string (PHP is_int)", { ttl_s: "60" }, "ttl_s"],
    ["endpoint port a numeric string", { endpoints: [{ transport: "tcp", host: "h", port: "9999" }] }, "port"],
    ["endpoints not an array", { endpoints: "x" }, "endpoints"],
    [
      "17 endpoints",
      { endpoints: Array.from({ length: 17 }, () => ({ transport: "tcp", host: "h", port: 1 })) },
      "endpoints",
    ],
    ["endpoint with unknown transport", { endpoints: [{ transport: "udp", host: "h", port: 1 }] }, "transport"],
    ["endpoint with port 0", { endpoints: [{ transport: "tcp", host: "h", port: 0 }] }, "port"],
    ["endpoint with port 65536", { endpoints: [{ transport: "tcp", host: "h", port: 65536 }] }, "port"],
    ["endpoint with empty host", { endpoints: [{ transport: "tcp", host: "", port: 1 }] }, "host"],
    ["endpoint with a 256-char host", { endpoints: [{ transport: "tcp", host: "h".repeat(256), port: 1 }] }, "host"],
    ["endpoint with bad family", { endpoints: [{ transport: "tcp", host: "h", port: 1, family: "ipx" }] }, "family"],
    ["endpoint with bad nat", { endpoints: [{ transport: "tcp", host: "h", port: 1, nat: "cone" }] }, "nat"],
    ["capabilities not an object", { capabilities: 5 }, "capabilities"],
  ];
  for (const [name, patch, field] of bad) {
    test(`400 with a JSON detail: ${name}`, async () => {
      const r = makeRelay();
      const res = await r.call("POST", "/v1/register", reg(NODE_A, patch));
      expect(res.status).toBe(400);
      expect(res.json.ok).toBe(false);
      expect(res.json.detail).toContain(field);
      expect((await r.call("GET", `/v1/peers?circle_hint=${HINT}`)).json.peers).toEqual([]);
    });
  }
});

describe("observed_host", () => {
  const xff = { "x-forwarded-for": "203.0.113.7, 10.0.0.1", "x-real-ip": "198.51.100.2" };

  test("proxy headers are ignored unless trustProxy (no socket address under app.handle -> null)", async () => {
    const r = makeRelay();
    expect((await r.call("POST", "/v1/register", reg(NODE_A), xff)).json.observed_host).toBeNull();
  });

  test("with trustProxy: the X-Forwarded-For entry our proxy appended (the last), else X-Real-IP; ipv6 when it has ':'", async () => {
    const r = makeRelay({ trustProxy: true });
    // "203.0.113.7" is what the client claimed; "10.0.0.1" is what the proxy saw.
    expect((await r.call("POST", "/v1/register", reg(NODE_A), xff)).json.observed_host).toEqual({
      host: "10.0.0.1",
      family: "ipv4",
    });
    expect(
      (await r.call("POST", "/v1/register", reg(NODE_A), { "x-real-ip": "198.51.100.2" })).json.observed_host,
    ).toEqual({
      host: "198.51.100.2",
      family: "ipv4",
    });
    expect(
      (await r.call("POST", "/v1/register", reg(NODE_A), { "x-forwarded-for": "2001:db8::1" })).json.observed_host,
    ).toEqual({
      host: "2001:db8::1",
      family: "ipv6",
    });
  });
});

describe("GET /v1/peers", () => {
  test("newest observed first, without the X-Felund-Node caller, only this hint, only unexpired", async () => {
    const r = makeRelay();
    await r.call("POST", "/v1/register", reg(NODE_A, { ttl_s: 30 }));
    r.advance(5);
    await r.call("POST", "/v1/register", reg(NODE_B));
    await r.call("POST", "/v1/register", reg("c3d4e5f60718293a4b5c6d7e", {}, HINT2));
    let peers = (await r.call("GET", `/v1/peers?circle_hint=${HINT}`)).json.peers;
    expect(peers.map((p: any) => p.node_id)).toEqual([NODE_B, NODE_A]);
    peers = (await r.call("GET", `/v1/peers?circle_hint=${HINT}`, undefined, { "X-Felund-Node": NODE_B })).json.peers;
    expect(peers.map((p: any) => p.node_id)).toEqual([NODE_A]);
    r.advance(25); // NODE_A registered with ttl 30 at T0: expired at T0+30
    peers = (await r.call("GET", `/v1/peers?circle_hint=${HINT}`)).json.peers;
    expect(peers.map((p: any) => p.node_id)).toEqual([NODE_B]);
  });

  test("limit is integer-cast and clamped to 1-200, default 50", async () => {
    const r = makeRelay();
    for (let i = 0; i < 60; i++) await r.call("POST", "/v1/register", reg(`node${String(i).padStart(6, "0")}`));
    const count = async (q: string) => (await r.call("GET", `/v1/peers?circle_hint=${HINT}${q}`)).json.peers.length;
    expect(await count("")).toBe(50);
    expect(await count("&limit=0")).toBe(1);
    expect(await count("&limit=-4")).toBe(1);
    expect(await count("&limit=7abc")).toBe(7);
    expect(await count("&limit=junk")).toBe(1);
    expect(await count("&limit=1000")).toBe(60);
  });

  test("circle_hint is required (8-128)", async () => {
    const r = makeRelay();
    expect((await r.call("GET", "/v1/peers")).status).toBe(400);
    const res = await r.call("GET", "/v1/peers?circle_hint=short");
    expect(res.status).toBe(400);
    expect(res.json.detail).toContain("circle_hint");
  });
});

describe("DELETE /v1/register", () => {
  test("removes the record and says whether there was one", async () => {
    const r = makeRelay();
    await r.call("POST", "/v1/register", reg(NODE_A));
    expect((await r.call("DELETE", "/v1/register", { node_id: NODE_A, circle_hint: HINT })).json).toEqual({
      ok: true,
      removed: true,
    });
    expect((await r.call("DELETE", "/v1/register", { node_id: NODE_A, circle_hint: HINT })).json).toEqual({
      ok: true,
      removed: false,
    });
    expect((await r.call("GET", `/v1/peers?circle_hint=${HINT}`)).json.peers).toEqual([]);
  });

  test("validates both ids", async () => {
    const r = makeRelay();
    expect((await r.call("DELETE", "/v1/register", { node_id: "x", circle_hint: HINT })).status).toBe(400);
    expect((await r.call("DELETE", "/v1/register", { node_id: NODE_A })).status).toBe(400);
  });
});
