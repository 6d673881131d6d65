// The relay API's behaviour on both storage backends: a representative subset of the SQLite
// tests (messages.test.ts, presence.test.ts, signal.test.ts, signed.test.ts, quota.test.ts,
// retention.test.ts) run against SQLite and against PostgreSQL (a throwaway cluster), with
// the same hand-driven clock, through app.handle.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { relaySigningKey, relaySignHeaders } from "../../src/protocol/relay-sig.ts";
import type { RelayConfigInput } from "../../src/relay/config.ts";
import { envelope, HINT, HINT2, makeRelay, msgId, NODE_A, NODE_B, T0, type TestRelay } from "./helpers.ts";
import { makePgRelay, usePostgres } from "./pg-helpers.ts";

setDefaultTimeout(30_000);
usePostgres();

type Relay = Omit<TestRelay, "app" | "db"> & { app: { relay: { prune(): unknown } } };
const BACKENDS: [string, (config?: RelayConfigInput, startS?: number) => Promise<Relay>][] = [
  ["SQLite", async (config, startS) => makeRelay(config, startS)],
  ["PostgreSQL", (config, startS) => makePgRelay(config, startS)],
];

const ids = (r: { json: { messages: { msg_id: string }[] } }) => r.json.messages.map((m) => m.msg_id);

describe.each(BACKENDS)("relay API on %s", (_name, make) => {
  test("POST stores a batch; GET returns each envelope exactly as posted", async () => {
    const r = await make({ rate: false });
    const odd = envelope(msgId(), { extra: { "ü/\\": [1, {}, "\u2028"] }, created_ts: undefined });
    const res = await r.post(HINT, [envelope(), odd]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, stored: 2, server_time: T0 });
    const page = await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0`);
    expect(page.json.messages[1]).toEqual(JSON.parse(JSON.stringify(odd)));
    expect(page.json.cursors.length).toBe(2);
    expect(page.json.more).toBe(false);
  });

  test("bad input is refused with a clear error and stores nothing", async () => {
    const r = await make({ rate: false });
    const bad = await r.call("POST", "/v1/messages", { circle_hint: "x", messages: [envelope()] });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toContain("circle_hint");
    const badId = await r.post(HINT, [envelope(), { ...envelope(), msg_id: "" }]);
    expect(badId.status).toBe(400);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0`)).json.messages).toEqual([]);
  });

  test("W10: the first copy of a msg_id wins, inside a batch too; other hints are independent", async () => {
    const r = await make({ rate: false });
    const id = msgId();
    expect((await r.post(HINT, [envelope(id, { v: 1 }), envelope(id, { v: 2 })])).json.stored).toBe(1);
    expect((await r.post(HINT, [envelope(id, { v: 3 })])).json.stored).toBe(0);
    expect((await r.post(HINT2, [envelope(id, { v: 4 })])).json.stored).toBe(1);
    const page = await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0`);
    expect(page.json.messages.map((m: { v: number }) => m.v)).toEqual([1]);
  });

  test("concurrent POSTs (written together in one transaction) keep one copy of a msg_id and all the others", async () => {
    const r = await make({ rate: false });
    const id = msgId();
    const others = Array.from({ length: 20 }, () => envelope());
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, (_, v) => r.post(HINT, [envelope(id, { v })])),
      ...others.map((e) => r.post(HINT, [e])),
    ]);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.slice(0, 5).reduce((n, a) => n + a.json.stored, 0)).toBe(1);
    const page = await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0&limit=100`);
    expect(page.json.messages.filter((m: { msg_id: string }) => m.msg_id === id).length).toBe(1);
    expect(new Set(ids(page))).toEqual(new Set([id, ...others.map((e) => e.msg_id)]));
    // cursors are strictly increasing
    const c = page.json.cursors as number[];
    expect(c.every((x, i) => i === 0 || x > c[i - 1]!)).toBe(true);
  });

  test("250 stored: a cursor client gets all 250 once each, in order; next_cursor and more", async () => {
    const r = await make({ rate: false });
    const posted: string[] = [];
    for (let i = 0; i < 5; i++) {
      const batch = Array.from({ length: 50 }, () => envelope());
      posted.push(...batch.map((e) => e.msg_id));
      await r.post(HINT, batch);
      r.advance(1);
    }
    const seen: string[] = [];
    let cursor = 0;
    for (let i = 0; i < 10; i++) {
      const p = await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=${cursor}&limit=60`);
      seen.push(...ids(p));
      expect(p.json.next_cursor).toBe(p.json.cursors.at(-1) ?? cursor);
      cursor = p.json.next_cursor;
      if (!p.json.more) break;
    }
    expect(seen).toEqual(posted);
  });

  test("newest first (§27): before pages from the newest down give all 130 once, total with count=1", async () => {
    const r = await make({ rate: false });
    const posted: string[] = [];
    for (let i = 0; i < 3; i++) {
      const batch = Array.from({ length: i < 2 ? 50 : 30 }, () => envelope());
      posted.push(...batch.map((e) => e.msg_id));
      await r.post(HINT, batch);
      await r.post(HINT2, [envelope()]);
    }
    const first = await r.call("GET", `/v1/messages?circle_hint=${HINT}&before=9007199254740991&limit=60&count=1`);
    expect([first.json.total, first.json.more, first.json.next_cursor]).toEqual([130, true, first.json.cursors.at(-1)]);
    const seen = ids(first);
    let before = first.json.before_cursor;
    for (let i = 0; i < 10; i++) {
      const p = await r.call("GET", `/v1/messages?circle_hint=${HINT}&before=${before}&limit=60`);
      seen.unshift(...ids(p));
      before = p.json.before_cursor;
      if (!p.json.more) break;
    }
    expect(seen).toEqual(posted);
  });

  test("since pages end on a complete second and never skip a row; server_time is a past second", async () => {
    const r = await make({ rate: false });
    const posted: string[] = [];
    for (let s = 0; s < 4; s++) {
      const batch = Array.from({ length: 30 }, () => envelope());
      posted.push(...batch.map((e) => e.msg_id));
      await r.post(HINT, batch);
      r.advance(1);
    }
    const first = await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=0&limit=45`);
    expect(first.json.more).toBe(true);
    expect(first.json.server_time).toBeLessThan(r.nowS());
    const seen = new Set<string>();
    let since = 0;
    for (let i = 0; i < 20; i++) {
      const p = await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=${since}&limit=45`);
      for (const id of ids(p)) seen.add(id);
      since = p.json.server_time;
      if (!p.json.more) break;
    }
    expect(seen).toEqual(new Set(posted));
    // an empty since page points next_cursor at the newest row
    const empty = await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=${r.nowS()}`);
    expect(empty.json.messages).toEqual([]);
    const last = await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0&limit=500`);
    expect(empty.json.next_cursor).toBe(last.json.next_cursor);
  });

  test("stored_at never goes backwards along seq, even if the clock does", async () => {
    const r = await make({ rate: false });
    const a = envelope();
    await r.post(HINT, [a]);
    r.advance(-100);
    const b = envelope();
    await r.post(HINT, [b]);
    // a since page after a's second still holds b (stamped no earlier than a)
    r.advance(200);
    const p = await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=${T0 - 1}`);
    expect(ids(p)).toEqual([a.msg_id, b.msg_id]);
  });

  test("expired rows disappear from reads at once; prune deletes them", async () => {
    const r = await make({ rate: false, retentionS: 100 });
    await r.post(HINT, [envelope(), envelope()]);
    r.advance(101);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0`)).json.messages).toEqual([]);
    const report = (await r.app.relay.prune()) as { messages: number };
    expect(report.messages).toBe(2);
  });

  test("a hint over its quota gets 429 with Retry-After; prune frees the room", async () => {
    const r = await make({ rate: false, hintQuotaBytes: 2000, retentionS: 50 });
    expect((await r.post(HINT, [envelope()])).status).toBe(200);
    const big = envelope(msgId(), { pad: "y".repeat(1500) });
    const refused = await r.post(HINT, [big]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBe(50);
    expect((await r.post(HINT2, [big])).status).toBe(200);
    r.advance(51);
    await r.app.relay.prune();
    expect((await r.post(HINT, [big])).status).toBe(200);
  });

  test("presence: register, peers without the asking node, unregister", async () => {
    const r = await make({ rate: false });
    const reg = (node: string) =>
      r.call("POST", "/v1/register", {
        node_id: node,
        circle_hint: HINT,
        endpoints: [{ transport: "tcp", host: "127.0.0.1", port: 9999 }],
        capabilities: { relay: true, transport: ["tcp", "ws", "x"], other: 1 },
        ttl_s: 60,
      });
    expect((await reg(NODE_A)).json).toEqual({ ok: true, server_time: T0, expires_at: T0 + 60, observed_host: null });
    r.advance(1);
    await reg(NODE_B);
    const peers = await r.call("GET", `/v1/peers?circle_hint=${HINT}`, undefined, { "X-Felund-Node": NODE_A });
    expect(peers.json.peers.map((p: { node_id: string }) => p.node_id)).toEqual([NODE_B]);
    expect(peers.json.peers[0].capabilities).toEqual({ relay: true, transport: ["tcp", "ws"] });
    const all = await r.call("GET", `/v1/peers?circle_hint=${HINT}`);
    expect(all.json.peers.map((p: { node_id: string }) => p.node_id)).toEqual([NODE_B, NODE_A]);
    const del = await r.call("DELETE", "/v1/register", { node_id: NODE_B, circle_hint: HINT });
    expect(del.json).toEqual({ ok: true, removed: true });
    r.advance(60);
    expect((await r.call("GET", `/v1/peers?circle_hint=${HINT}`)).json.peers).toEqual([]);
  });

  test("signals: post, list by since_id and session, expiry", async () => {
    const r = await make({ rate: false });
    const sig = (o: Record<string, unknown> = {}) => ({
      session_id: "session-0001",
      from_node_id: NODE_A,
      to_node_id: NODE_B,
      circle_hint: HINT,
      type: "offer",
      payload: "v=0 o=- 1 1 IN IP4 127.0.0.1",
      ...o,
    });
    expect((await r.call("POST", "/v1/signal", sig())).json).toEqual({ ok: true, server_time: T0 });
    await r.call("POST", "/v1/signal", sig({ type: "candidate", payload: "c1", session_id: "session-0002" }));
    const all = (await r.call("GET", `/v1/signal?to_node_id=${NODE_B}`)).json;
    expect(all.signals.map((s: { payload: string }) => s.payload)).toEqual(["v=0 o=- 1 1 IN IP4 127.0.0.1", "c1"]);
    const after = (await r.call("GET", `/v1/signal?to_node_id=${NODE_B}&since_id=${all.signals[0].id}`)).json;
    expect(after.signals.map((s: { payload: string }) => s.payload)).toEqual(["c1"]);
    const s1 = (await r.call("GET", `/v1/signal?to_node_id=${NODE_B}&session_id=session-0001`)).json;
    expect(s1.signals.length).toBe(1);
    r.advance(3600);
    expect((await r.call("GET", `/v1/signal?to_node_id=${NODE_B}`)).json.signals).toEqual([]);
  });

  test("signed requests: a registered key must sign; a replayed nonce is 409", async () => {
    const r = await make({ rate: false });
    const key = relaySigningKey(new Uint8Array(32).fill(3));
    let n = 0;
    const signedCall = (method: string, path: string, body: unknown, nonce = ++n) => {
      const text = JSON.stringify(body);
      const nb = new Uint8Array(16);
      new DataView(nb.buffer).setUint32(0, nonce);
      const h = relaySignHeaders({
        key,
        nodeId: NODE_A,
        method,
        path: path.replace(/^\/v1/, ""),
        body: text,
        ts: r.nowS(),
        nonce: nb,
      });
      return r.call(method, path, text, h);
    };
    const body = { node_id: NODE_A, circle_hint: HINT, ttl_s: 120, signing_key: toHex(key) };
    expect((await signedCall("POST", "/v1/register", body)).status).toBe(200);
    const e = { circle_hint: HINT, messages: [envelope()] };
    const unsigned = await r.call("POST", "/v1/messages", e, { "X-Felund-Node": NODE_A });
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.code).toBe("INVALID_SIGNATURE");
    expect((await signedCall("POST", "/v1/messages", e, 77)).status).toBe(200);
    const replay = await signedCall("POST", "/v1/messages", e, 77);
    expect(replay.status).toBe(409);
    expect(replay.json.code).toBe("NONCE_REPLAY");
    // the key cannot be replaced by an unsigned register while it lives
    const takeover = await r.call("POST", "/v1/register", { node_id: NODE_A, circle_hint: HINT, ttl_s: 120 });
    expect(takeover.status).toBe(401);
  });

  test("/metrics counts stored envelopes", async () => {
    const r = await make({ rate: false });
    await r.post(HINT, [envelope(), envelope(), envelope()]);
    const m = await r.call("GET", "/metrics");
    expect(m.text).toContain("felund_relay_stored_envelopes 3");
    expect(m.text).toMatch(/felund_relay_db_bytes \d+/);
  });
});

test("PostgreSQL: a writer numbers its rows only after the hint's previous writer committed (cursor never skips)", async () => {
  const r = await makePgRelay({ rate: false });
  await r.post(HINT, [envelope()]);
  // a slow writer (another process, say) has taken seq 2 and not committed yet
  const other = new Bun.SQL(r.url, { max: 1 });
  const slow = envelope();
  let commit!: () => void;
  const held = new Promise<void>((resolve) => {
    commit = resolve;
  });
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const slowTx = other.begin(async (tx) => {
    const [h] = await tx`UPDATE relay_hints SET last_seq = last_seq + 1 WHERE circle_hint = ${HINT} RETURNING last_seq`;
    await tx`INSERT INTO relay_messages (circle_hint, seq, msg_id, payload, created_ts, stored_at, expires_at)
      VALUES (${HINT}, ${h.last_seq}, ${slow.msg_id}, ${JSON.stringify(slow)}, 0, ${T0}, ${T0 + 86_400})`;
    locked();
    await held;
  });
  await lockTaken;
  const fast = envelope();
  let answered = false;
  const posting = r.post(HINT, [fast]).then((a) => {
    answered = true;
    return a;
  });
  await Bun.sleep(300);
  // the POST waits for the lock: nothing after seq 1 is visible yet, so a reader cannot pass seq 2
  expect(answered).toBe(false);
  const during = await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=1`);
  expect(during.json.messages).toEqual([]);
  expect(during.json.next_cursor).toBe(1);
  commit();
  await slowTx;
  expect((await posting).status).toBe(200);
  const after = await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=1`);
  expect(ids(after)).toEqual([slow.msg_id, fast.msg_id]);
  expect(after.json.cursors).toEqual([2, 3]);
  await other.close();
});

test("PostgreSQL: two relays on one database: concurrent signals to one node are all listed by since_id, in id order", async () => {
  const a = await makePgRelay({ rate: false });
  const b = await makePgRelay({ rate: false }, T0, a.url);
  const sig = (i: number) => ({
    session_id: "session-0001",
    from_node_id: NODE_A,
    to_node_id: NODE_B,
    circle_hint: HINT,
    type: "candidate",
    payload: `c${i}`,
  });
  const seen: string[] = [];
  let since = 0;
  const poll = async () => {
    const page = (await b.call("GET", `/v1/signal?to_node_id=${NODE_B}&since_id=${since}`)).json;
    for (const s of page.signals) seen.push(s.payload);
    if (page.signals.length) since = page.signals.at(-1).id;
  };
  const posts = Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).call("POST", "/v1/signal", sig(i))));
  for (let i = 0; i < 5; i++) await poll();
  expect((await posts).every((r) => r.status === 200)).toBe(true);
  await poll();
  await poll();
  expect(seen.length).toBe(60);
  expect(new Set(seen).size).toBe(60);
});

test("PostgreSQL: a statement failing in the pipelined write transaction stores, numbers and pushes nothing", async () => {
  const r = await makePgRelay({ rate: false });
  const other = await makePgRelay({ rate: false }, T0, r.url);
  const sql = new Bun.SQL(r.url, { max: 1 });
  // a trigger refuses one msg_id: the INSERT of the second flight fails, after BEGIN and the counter row
  const bad = envelope();
  await sql.unsafe(`CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN
      IF NEW.msg_id = '${bad.msg_id}' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
    CREATE TRIGGER refuse BEFORE INSERT ON relay_messages FOR EACH ROW EXECUTE FUNCTION refuse();`);
  const pushed: string[] = [];
  const unlisten = await sql.listen("felund_relay", (p) => pushed.push(p));
  const first = envelope();
  expect((await r.post(HINT, [first])).status).toBe(200);
  const failed = await r.post(HINT, [envelope(), bad]);
  expect(failed.status).toBe(500);
  // nothing of it: no rows, the counter and bytes as before, one notification (the first POST's)
  const page = await other.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0`);
  expect(ids(page)).toEqual([first.msg_id]);
  const [h] = await sql`SELECT last_seq, bytes FROM relay_hints WHERE circle_hint = ${HINT}`;
  expect(Number(h.last_seq)).toBe(1);
  expect(Number(h.bytes)).toBe(JSON.stringify(first).length);
  await Bun.sleep(100);
  expect(pushed.length).toBe(1);
  // the connection is clean and the next write goes on with seq 2
  const next = envelope();
  expect((await r.post(HINT, [next])).status).toBe(200);
  expect((await other.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=1`)).json.cursors).toEqual([2]);
  await unlisten.unlisten();
  await sql.close();
});
