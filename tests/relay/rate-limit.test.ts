// Rate limits (W10): token buckets per client address, per circle_hint (envelopes stored)
// and for signalling, answering 429 with Retry-After; the clock is driven by hand.
import { describe, expect, test } from "bun:test";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { signalProof } from "../../src/protocol/v2/signal-proof.ts";
import { TokenBuckets } from "../../src/relay/rate-limit.ts";
import { HINT, HINT2, NODE_A, NODE_B, envelope, expectCors, makeRelay, type TestRelay } from "./helpers.ts";

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
    expect(
      (
        await r.post(
          HINT,
          Array.from({ length: 50 }, () => envelope()),
        )
      ).json.stored,
    ).toBe(50);
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
  const sig = (from: string) => ({
    session_id: "session-0001",
    from_node_id: from,
    to_node_id: NODE_B,
    circle_hint: HINT,
    type: "offer",
    payload: "v=0",
  });

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
    for (let i = 0; i < 3; i++)
      expect((await r.call("POST", "/v1/signal", sig(`node-id-${i}-xxxx`), h)).status).toBe(200);
    expect((await r.call("POST", "/v1/signal", sig("node-id-9-xxxx"), h)).status).toBe(429);
    expect(
      (await r.call("POST", "/v1/signal", sig("node-id-9-xxxx"), { "x-forwarded-for": "203.0.113.6" })).status,
    ).toBe(200);
  });

  describe("a node's budget belongs to the node (issue 12, item 5)", () => {
    const victimKeys = nodeKeysFromSeed(new Uint8Array(32).fill(7));
    const victim = victimKeys.nodeId;
    const at = (ip: string) => ({ "x-forwarded-for": ip });
    const proven = (r: TestRelay, extra: Record<string, unknown> = {}) => {
      const body = { ...sig(victim), ...extra };
      return { ...body, node_proof: signalProof(body, victimKeys, r.nowS()) };
    };

    test("posting under a victim's from_node_id from another address does not exhaust the victim's budget", async () => {
      const r = makeRelay({ trustProxy: true });
      const codes: number[] = [];
      for (let i = 0; i < 25; i++)
        codes.push((await r.call("POST", "/v1/signal", sig(victim), at("198.51.100.66"))).status);
      expect(codes.slice(0, 20).every((c) => c === 200)).toBe(true);
      expect(codes.slice(20)).toEqual([429, 429, 429, 429, 429]); // the attacker spent its own (node, address) budget
      // the victim, from its own address, unproven (a v1 client) and proven (a v2 node or browser)
      expect((await r.call("POST", "/v1/signal", sig(victim), at("203.0.113.10"))).status).toBe(200);
      expect((await r.call("POST", "/v1/signal", proven(r), at("198.51.100.66"))).status).toBe(200);
    });

    test("a proven node has one budget of its own wherever it posts from, which nobody else can spend", async () => {
      const r = makeRelay({ trustProxy: true });
      for (let i = 0; i < 20; i++)
        expect((await r.call("POST", "/v1/signal", proven(r, { payload: `p${i}` }), at(`203.0.113.${i}`))).status).toBe(
          200,
        );
      expect((await r.call("POST", "/v1/signal", proven(r, { payload: "one more" }), at("203.0.113.99"))).status).toBe(
        429,
      );
      // unproven posts under its id from elsewhere neither spent it nor are blocked by it
      expect((await r.call("POST", "/v1/signal", sig(victim), at("198.51.100.1"))).status).toBe(200);
    });

    test("an invalid proof is refused with 400 and a reason, and stores nothing", async () => {
      const r = makeRelay({ trustProxy: true });
      const other = nodeKeysFromSeed(new Uint8Array(32).fill(9));
      const good = proven(r);
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ["not the format", { ...good, node_proof: "xyz" }, /must be/],
        [
          "another node's key",
          { ...good, node_proof: signalProof(sig(victim), other, r.nowS()) },
          /does not match from_node_id/,
        ],
        ["another payload", { ...good, payload: "changed" }, /does not verify/],
        ["another recipient", { ...good, to_node_id: "c3d4e5f60718293a4b5c6d7e" }, /does not verify/],
        ["stale", { ...sig(victim), node_proof: signalProof(sig(victim), victimKeys, r.nowS() - 3600) }, /timestamp/],
      ];
      for (const [name, body, why] of cases) {
        const res = await r.call("POST", "/v1/signal", body, at("203.0.113.10"));
        expect([name, res.status]).toEqual([name, 400]);
        expect(res.json.detail).toMatch(why);
      }
      expect((await r.call("GET", `/v1/signal?to_node_id=${NODE_B}`)).json.signals).toEqual([]);
    });
  });
});
