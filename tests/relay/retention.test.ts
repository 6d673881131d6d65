// Retention: expired presence, envelopes and signals are deleted by prune(), which the
// background timer runs between relay.start() and relay.stop(); creating an app starts nothing.
import { describe, expect, test } from "bun:test";
import { HINT, NODE_A, NODE_B, envelope, makeRelay } from "./helpers.ts";

const count = (r: ReturnType<typeof makeRelay>, table: string) =>
  (r.db.$client.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

async function seed(r: ReturnType<typeof makeRelay>) {
  await r.call("POST", "/v1/register", { node_id: NODE_A, circle_hint: HINT, ttl_s: 30 });
  await r.post(HINT, [envelope(), envelope()]);
  await r.call("POST", "/v1/signal", {
    session_id: "session-0001",
    from_node_id: NODE_A,
    to_node_id: NODE_B,
    circle_hint: HINT,
    type: "offer",
    payload: "x",
  });
}

describe("prune", () => {
  test("deletes only what has expired, in every relay table", async () => {
    const r = makeRelay({ retentionS: 3600 });
    await seed(r);
    expect(r.app.relay.prune()).toEqual({ presence: 0, messages: 0, signals: 0 });
    r.advance(200); // presence (30 s) and signal (120 s) expired, envelopes not
    expect(r.app.relay.prune()).toEqual({ presence: 1, messages: 0, signals: 1 });
    r.advance(3600);
    expect(r.app.relay.prune()).toEqual({ presence: 0, messages: 2, signals: 0 });
    expect(count(r, "relay_messages")).toBe(0);
    const res = await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0`);
    expect(res.json.messages).toEqual([]);
  });

  test("a large backlog is deleted in chunks and completely", async () => {
    const r = makeRelay({ retentionS: 10, rate: false });
    for (let i = 0; i < 240; i++)
      await r.post(
        HINT,
        Array.from({ length: 50 }, () => envelope()),
      );
    r.advance(11);
    expect(r.app.relay.prune().messages).toBe(12_000);
    expect(count(r, "relay_messages")).toBe(0);
  });
});

describe("background timer", () => {
  test("createRelayApp starts no timer; start() prunes periodically; stop() ends it", async () => {
    const r = makeRelay({ retentionS: 10, pruneIntervalMs: 10 });
    await seed(r);
    r.advance(1000);
    await Bun.sleep(50);
    expect(r.app.relay.running).toBe(false);
    expect(count(r, "relay_messages")).toBe(2); // nothing runs until start()
    r.app.relay.start();
    expect(r.app.relay.running).toBe(true);
    for (let i = 0; i < 100 && count(r, "relay_messages") > 0; i++) await Bun.sleep(10);
    expect(count(r, "relay_messages")).toBe(0);
    expect(count(r, "relay_presence")).toBe(0);
    expect(count(r, "relay_signals")).toBe(0);
    r.app.relay.stop();
    expect(r.app.relay.running).toBe(false);
    await r.post(HINT, [envelope()]);
    r.advance(1000);
    await Bun.sleep(50);
    expect(count(r, "relay_messages")).toBe(1);
  });
});
