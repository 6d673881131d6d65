// Call signalling (relay_ws.py semantics, PROTOCOL-V1.md §6.4): POST a signal for one node, GET the ones
// addressed to you after an id, with type checks, size bounds and clamped lifetimes.
import { describe, expect, test } from "bun:test";
import { HINT, NODE_A, NODE_B, T0, makeRelay } from "./helpers.ts";

const sig = (extra: Record<string, unknown> = {}) => ({
  session_id: "session-0001",
  from_node_id: NODE_A,
  to_node_id: NODE_B,
  circle_hint: HINT,
  type: "offer",
  payload: "v=0 o=- 1 1 IN IP4 127.0.0.1",
  ...extra,
});

describe("/v1/signal", () => {
  test("POST stores, GET lists by to_node_id in id order with the relay_ws.py fields", async () => {
    const r = makeRelay();
    expect((await r.call("POST", "/v1/signal", sig())).json).toEqual({ ok: true, server_time: T0 });
    await r.call("POST", "/v1/signal", sig({ type: "candidate", payload: "c1" }));
    await r.call("POST", "/v1/signal", sig({ to_node_id: NODE_A, from_node_id: NODE_B, type: "answer" }));
    const res = await r.call("GET", `/v1/signal?to_node_id=${NODE_B}`);
    expect(res.status).toBe(200);
    expect(res.json.server_time).toBe(T0);
    expect(res.json.signals).toEqual([
      {
        id: 1,
        session_id: "session-0001",
        from_node: NODE_A,
        to_node: NODE_B,
        type: "offer",
        payload: "v=0 o=- 1 1 IN IP4 127.0.0.1",
        created_at: T0,
      },
      {
        id: 2,
        session_id: "session-0001",
        from_node: NODE_A,
        to_node: NODE_B,
        type: "candidate",
        payload: "c1",
        created_at: T0,
      },
    ]);
  });

  test("since_id and session_id filter; at most 200 per answer", async () => {
    const r = makeRelay({ rate: false });
    for (let i = 0; i < 210; i++)
      await r.call(
        "POST",
        "/v1/signal",
        sig({ session_id: i % 2 ? "session-odd1" : "session-even", payload: `p${i}` }),
      );
    expect((await r.call("GET", `/v1/signal?to_node_id=${NODE_B}`)).json.signals).toHaveLength(200);
    const after = (await r.call("GET", `/v1/signal?to_node_id=${NODE_B}&since_id=205`)).json.signals;
    expect(after.map((s: any) => s.id)).toEqual([206, 207, 208, 209, 210]);
    const odd = (await r.call("GET", `/v1/signal?to_node_id=${NODE_B}&since_id=200&session_id=session-odd1`)).json
      .signals;
    expect(odd.map((s: any) => s.id)).toEqual([202, 204, 206, 208, 210]);
  });

  test("lifetimes are clamped: candidates 10-60 s, others 10-120 s, default the maximum", async () => {
    const cases: [Record<string, unknown>, number][] = [
      [{ type: "offer" }, 120],
      [{ type: "media-offer", ttl_s: 5 }, 10],
      [{ type: "answer", ttl_s: 999 }, 120],
      [{ type: "candidate" }, 60],
      [{ type: "media-candidate", ttl_s: 300 }, 60],
      [{ type: "candidate", ttl_s: 30 }, 30],
      [{ type: "offer", ttl_s: "soon" }, 120],
    ];
    for (const [extra, ttl] of cases) {
      const r = makeRelay();
      await r.call("POST", "/v1/signal", sig(extra));
      r.advance(ttl - 1);
      expect((await r.call("GET", `/v1/signal?to_node_id=${NODE_B}`)).json.signals).toHaveLength(1);
      r.advance(1);
      expect((await r.call("GET", `/v1/signal?to_node_id=${NODE_B}`)).json.signals).toHaveLength(0);
    }
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ["unknown type", { type: "hello" }, "type"],
    ["session_id too short", { session_id: "short" }, "session_id"],
    ["session_id too long", { session_id: "s".repeat(257) }, "session_id"],
    ["from_node_id too short", { from_node_id: "abc" }, "from_node_id"],
    ["to_node_id missing", { to_node_id: undefined }, "to_node_id"],
    ["circle_hint too short", { circle_hint: "abc" }, "circle_hint"],
    ["payload not a string", { payload: { sdp: 1 } }, "payload"],
    ["payload over 64 KiB", { payload: "x".repeat(65537) }, "payload"],
  ];
  for (const [name, extra, field] of bad) {
    test(`400: ${name}`, async () => {
      const r = makeRelay();
      const res = await r.call("POST", "/v1/signal", sig(extra));
      expect(res.status).toBe(400);
      expect(res.json.detail).toContain(field);
      expect((await r.call("GET", `/v1/signal?to_node_id=${NODE_B}`)).json.signals).toEqual([]);
    });
  }

  test("GET needs a to_node_id", async () => {
    const r = makeRelay();
    expect((await r.call("GET", "/v1/signal")).status).toBe(400);
    expect((await r.call("GET", "/v1/signal?to_node_id=abc")).status).toBe(400);
  });
});
