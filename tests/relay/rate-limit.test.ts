// Rate limits (W10): token buckets per client address, per circle_hint (envelopes stored)
// and for signalling, answering 429 with Retry-After; the clock is driven by hand.
import { describe, expect, test } from "bun:test";
import { TokenBuckets } from "../../src/relay/rate-limit.ts";
import { HINT, HINT2, NODE_A, NODE_B, envelope, expectCors, makeRelay } from "./helpers.ts";

describe("TokenBuckets", () => {
  test("take until empty, then refuse with the seconds until one token is back; refill is gradual", () => {
    const b = new TokenBuckets({ perSecond: 2, burst: 4 }, 100);
    for (let i = 0; i < 4; i++) expect(b.take("k", 0).ok).toBe(true);
    expect(b.take("k", 0)).toEqual({ ok: false, retryAfterS: 1 });
    expect(b.take("k", 400).ok).toBe(false); // 0.8 tokens
    expect(b.take("k", 500).ok).toBe(true); // 1.0
    expect(b.take("other", 500).ok).toBe(true);
    expect(b.take("k", 10_000, 4).ok).toBe(true); // never above burst
    expect(b.take("k", 10_000).ok).toBe(false);
  });

  test("charge may go into debt; check refuses until the debt is repaid", () => {
    const b = new TokenBuckets({ perSecond: 10, burst: 10 }, 100);
    expect(b.check("h", 0).ok).toBe(true);
    b.charge("h", 0, 30); // -20
    expect(b.check("h", 0)).toEqual({ ok: false, retryAfterS: 3 });
    expect(b.check("h", 2000).ok).toBe(false); // 0 tokens
    expect(b.check("h", 2100).ok).toBe(true);
  });

  test("memory is bounded: full buckets are forgotten, and the table never passes its cap", () => {
    const b = new TokenBuckets({ perSecond: 1, burst: 1 }, 10);
    for (let i = 0; i < 10; i++) b.take(`k${i}`, 0);
    b.sweep(5000);
    expect(b.size).toBe(0);
    for (let i = 0; i < 50; i++) b.take(`x${i}`, 6000);
    expect(b.size).toBeLessThanOrEqual(10);
  });
});

describe("per-address request limit", () => {
  const cfg = { trustProxy: true, rate: { ip: { perSecond: 1, burst: 3 } } };

  test("429 with Retry-After and a JSON detail once the bucket is empty; other addresses unaffected; refills", async () => {
    const r = makeRelay(cfg);
    const a = { "x-forwarded-for": "203.0.113.1" };
    for (let i = 0; i < 3; i++) expect((await r.call("GET", "/v1/health", undefined, a)).status).toBe(200);
    const res = await r.call("GET", `/v1/messages?circle_hint=${HINT}`, undefined, a);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(res.json.ok).toBe(false);
    expect(res.json.detail).toContain("Rate limit");
    expectCors(res.headers);
    expect((await r.call("GET", "/v1/health", undefined, { "x-forwarded-for": "203.0.113.2" })).status).toBe(200);
    r.advance(1);
    expect((await r.call("GET", "/v1/health", undefined, a)).status).toBe(200);
  });

  test("every relay route counts, on every prefix; OPTIONS preflights do not", async () => {
    const r = makeRelay(cfg);
    const a = { "x-forwarded-for": "203.0.113.9" };
    for (let i = 0; i < 5; i++) expect((await r.call("OPTIONS", "/v1/messages", undefined, a)).status).toBe(204);
    await r.call("POST", "/api/v1/register", { node_id: NODE_A, circle_hint: HINT }, a);
    await r.call("GET", `/messages?circle_hint=${HINT}`, undefined, a);
    await r.call("POST", "/v1/messages", { circle_hint: HINT, messages: [] }, a);
    expect((await r.call("GET", `/v1/peers?circle_hint=${HINT}`, undefined, a)).status).toBe(429);
  });

  test("without trustProxy, X-Forwarded-For cannot buy a fresh bucket", async () => {
    const r = makeRelay({ rate: { ip: { perSecond: 1, burst: 2 } } });
    expect((await r.call("GET", "/v1/health", undefined, { "x-forwarded-for": "198.51.100.1" })).status).toBe(200);
    expect((await r.call("GET", "/v1/health", undefined, { "x-forwarded-for": "198.51.100.2" })).status).toBe(200);
    expect((await r.call("GET", "/v1/health", undefined, { "x-forwarded-for": "198.51.100.3" })).status).toBe(429);
  });
});

describe("per-circle_hint envelope limit", () => {
  test("counts envelopes newly stored; duplicates are free; 429 + Retry-After once spent; per hint", async () => {
    const r = makeRelay({ rate: { hintMessages: { perSecond: 10, burst: 100 } } });
    const batch = Array.from({ length: 50 }, () => envelope());
    expect((await r.post(HINT, batch)).json.stored).toBe(50);
    for (let i = 0; i < 5; i++) expect((await r.post(HINT, batch)).json.stored).toBe(0); // re-pushes cost nothing
    expect((await r.post(HINT, Array.from({ length: 50 }, () => envelope()))).json.stored).toBe(50);
    const res = await r.post(HINT, [envelope()]);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(res.json.detail).toContain("circle_hint");
    expect((await r.post(HINT2, [envelope()])).status).toBe(200);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}`)).status).toBe(200); // reads are not limited by it
    r.advance(1);
    expect((await r.post(HINT, [envelope()])).status).toBe(200);
  });
});

describe("signalling limits", () => {
  const sig = (from: string) => ({ session_id: "session-0001", from_node_id: from, to_node_id: NODE_B, circle_hint: HINT, type: "offer", payload: "v=0" });

  test("20 per 10 s per from_node_id (relay_ws.py), then 429 with Retry-After", async () => {
    const r = makeRelay();
    for (let i = 0; i < 20; i++) expect((await r.call("POST", "/v1/signal", sig(NODE_A))).status).toBe(200);
    const res = await r.call("POST", "/v1/signal", sig(NODE_A));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(res.json.ok).toBe(false);
    expect((await r.call("POST", "/v1/signal", sig("c3d4e5f60718293a4b5c6d7e"))).status).toBe(200);
    r.advance(10);
    expect((await r.call("POST", "/v1/signal", sig(NODE_A))).status).toBe(200);
  });

  test("also per address, so inventing node ids does not help (W10)", async () => {
    const r = makeRelay({ trustProxy: true, rate: { signalIp: { perSecond: 1, burst: 3 } } });
    const h = { "x-forwarded-for": "203.0.113.5" };
    for (let i = 0; i < 3; i++) expect((await r.call("POST", "/v1/signal", sig(`node-id-${i}-xxxx`), h)).status).toBe(200);
    expect((await r.call("POST", "/v1/signal", sig("node-id-9-xxxx"), h)).status).toBe(429);
    expect((await r.call("POST", "/v1/signal", sig("node-id-9-xxxx"), { "x-forwarded-for": "203.0.113.6" })).status).toBe(200);
  });
});
