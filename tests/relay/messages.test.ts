// Store-and-forward (PROTOCOL-V1.md §6.2) and the fixes over it: envelopes come back exactly as posted,
// a msg_id posted again never replaces the first copy and is independent per hint (W10),
// every limit answers with a JSON error, and no client ever skips a stored row (W8).
import { describe, expect, test } from "bun:test";
import * as L from "../../src/protocol/limits.ts";
import { HINT, HINT2, T0, envelope, makeRelay, msgId, type TestRelay } from "./helpers.ts";

describe("POST /v1/messages", () => {
  test("stores a batch and answers {ok, stored, server_time}", async () => {
    const r = makeRelay();
    const res = await r.post(HINT, [envelope(), envelope(), envelope()]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, stored: 3, server_time: T0 });
  });

  test("no messages (absent or empty) stores nothing and is fine", async () => {
    const r = makeRelay();
    expect((await r.call("POST", "/v1/messages", { circle_hint: HINT })).json).toEqual({
      ok: true,
      stored: 0,
      server_time: T0,
    });
    expect((await r.post(HINT, [])).json.stored).toBe(0);
  });

  test("GET returns each envelope exactly as posted (unknown fields, unicode, slashes, empty objects)", async () => {
    const r = makeRelay();
    const odd = envelope(msgId(), { note: 'héllo ✓ / \\ "q"', nested: { empty: {}, list: [] }, legacy: null });
    const legacy = {
      msg_id: msgId(),
      circle_id: "c",
      channel_id: "general",
      author_node_id: "a",
      display_name: "Zoë",
      created_ts: 1,
      text: "hi",
      mac: "ab",
    };
    await r.post(HINT, [odd, legacy]);
    const res = await r.call("GET", `/v1/messages?circle_hint=${HINT}`);
    expect(res.json.messages).toEqual([odd, legacy]);
    expect(res.text).toContain(JSON.stringify(odd)); // spliced as stored: compact, raw UTF-8, no escaped "/"
    expect(res.text).toContain("héllo ✓ /");
  });

  test("missing created_ts is stored as posted and counts as 0", async () => {
    const r = makeRelay();
    const m = { msg_id: msgId(), enc: {} };
    expect((await r.post(HINT, [m])).json.stored).toBe(1);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}`)).json.messages).toEqual([m]);
  });

  const bad: [string, () => unknown, number, string][] = [
    ["circle_hint missing", () => ({ messages: [envelope()] }), 400, "circle_hint"],
    ["circle_hint too short", () => ({ circle_hint: "abc", messages: [] }), 400, "circle_hint"],
    ["circle_hint too long", () => ({ circle_hint: "h".repeat(129), messages: [] }), 400, "circle_hint"],
    ["messages not an array", () => ({ circle_hint: HINT, messages: {} }), 400, "messages"],
    [
      "51 messages",
      () => ({ circle_hint: HINT, messages: Array.from({ length: 51 }, () => envelope()) }),
      400,
      "Too many messages (max 50 per batch)",
    ],
    ["an item that is not an object", () => ({ circle_hint: HINT, messages: ["x"] }), 400, "object"],
    ["msg_id missing", () => ({ circle_hint: HINT, messages: [{ created_ts: 1 }] }), 400, "msg_id"],
    ["msg_id of 7 bytes", () => ({ circle_hint: HINT, messages: [envelope("1234567")] }), 400, "msg_id"],
    ["msg_id of 65 bytes", () => ({ circle_hint: HINT, messages: [envelope("m".repeat(65))] }), 400, "msg_id"],
    [
      "msg_id of 40 multi-byte chars (80 bytes)",
      () => ({ circle_hint: HINT, messages: [envelope("é".repeat(40))] }),
      400,
      "msg_id",
    ],
    [
      "msg_id a number",
      () => ({ circle_hint: HINT, messages: [envelope(123456789 as unknown as string)] }),
      400,
      "msg_id",
    ],
    [
      "negative created_ts",
      () => ({ circle_hint: HINT, messages: [envelope(msgId(), { created_ts: -1 })] }),
      400,
      "created_ts",
    ],
    [
      "fractional created_ts",
      () => ({ circle_hint: HINT, messages: [envelope(msgId(), { created_ts: 1.5 })] }),
      400,
      "created_ts",
    ],
    [
      "created_ts a word",
      () => ({ circle_hint: HINT, messages: [envelope(msgId(), { created_ts: "soon" })] }),
      400,
      "created_ts",
    ],
    [
      "created_ts past 2^53",
      () => ({ circle_hint: HINT, messages: [envelope(msgId(), { created_ts: 2 ** 60 })] }),
      400,
      "created_ts",
    ],
    ["text not a string", () => ({ circle_hint: HINT, messages: [envelope(msgId(), { text: 5 })] }), 400, "text"],
    [
      "text over 4096 bytes",
      () => ({ circle_hint: HINT, messages: [envelope(msgId(), { text: "é".repeat(2049) })] }),
      400,
      "text",
    ],
    [
      "an envelope over the size limit",
      () => ({
        circle_hint: HINT,
        messages: [envelope(msgId(), { enc: { ciphertext: "A".repeat(L.RELAY_ENVELOPE_MAX_BYTES) } })],
      }),
      413,
      "too large",
    ],
  ];
  for (const [name, body, status, detail] of bad) {
    test(`${status}: ${name}, and nothing of the batch is stored`, async () => {
      const r = makeRelay();
      const b = body() as { messages?: unknown[] };
      if (Array.isArray(b.messages) && b.messages.length < 50) b.messages.unshift(envelope()); // a good item first
      const res = await r.call("POST", "/v1/messages", b);
      expect(res.status).toBe(status);
      expect(res.json.ok).toBe(false);
      expect(res.json.detail).toContain(detail);
      expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}`)).json.messages).toEqual([]);
    });
  }

  test("a 4096-byte text and an envelope just under the size limit are accepted", async () => {
    const r = makeRelay();
    expect((await r.post(HINT, [envelope(msgId(), { text: "x".repeat(4096) })])).json.stored).toBe(1);
    const base = JSON.stringify(envelope("m".repeat(32), { pad: "" })).length;
    const fits = envelope(msgId(), { pad: "p".repeat(L.RELAY_ENVELOPE_MAX_BYTES - base) });
    expect(JSON.stringify(fits).length).toBe(L.RELAY_ENVELOPE_MAX_BYTES);
    expect((await r.post(HINT, [fits])).json.stored).toBe(1);
  });
});

describe("W10: msg_id is unique per circle_hint and the first copy wins", () => {
  test("the same msg_id posted again (other content) neither overwrites nor hides the first copy", async () => {
    const r = makeRelay();
    const id = msgId();
    const first = envelope(id, { enc: { ciphertext: "real" } });
    expect((await r.post(HINT, [first])).json.stored).toBe(1);
    r.advance(5);
    expect((await r.post(HINT, [envelope(id, { enc: { ciphertext: "junk" } })])).json.stored).toBe(0);
    expect((await r.post(HINT, [first])).json.stored).toBe(0);
    const res = await r.call("GET", `/v1/messages?circle_hint=${HINT}`);
    expect(res.json.messages).toEqual([first]);
  });

  test("a duplicate inside one batch is stored once", async () => {
    const r = makeRelay();
    const e = envelope();
    expect((await r.post(HINT, [e, e, envelope()])).json.stored).toBe(2);
  });

  test("the same msg_id under another circle_hint is independent (no global squatting)", async () => {
    const r = makeRelay();
    const id = msgId();
    const squat = envelope(id, { enc: { ciphertext: "junk in another circle" } });
    const real = envelope(id);
    expect((await r.post(HINT2, [squat])).json.stored).toBe(1);
    expect((await r.post(HINT, [real])).json.stored).toBe(1);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}`)).json.messages).toEqual([real]);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT2}`)).json.messages).toEqual([squat]);
  });

  test("concurrent POSTs of one msg_id (same event-loop turn) store exactly one copy", async () => {
    const r = makeRelay();
    const id = msgId();
    const results = await Promise.all([1, 2, 3, 4].map((n) => r.post(HINT, [envelope(id, { n })])));
    expect(results.map((x) => x.json.stored).sort()).toEqual([0, 0, 0, 1]);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}`)).json.messages).toHaveLength(1);
  });
});

/** Store `n` envelopes in batches of 50, advancing the clock `perBatchS` seconds after each. */
async function fill(r: TestRelay, n: number, perBatchS = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, () => envelope());
    ids.push(...batch.map((e) => e.msg_id));
    expect((await r.post(HINT, batch)).json.stored).toBe(batch.length);
    r.advance(perBatchS);
  }
  return ids;
}

type Style = "web" | "python";
/** An original client's pull loop (PROTOCOL-V1.md §7.2 / §8.4): since=0, next since from server_time. */
async function pullLikeOriginal(r: TestRelay, style: Style, rounds = 20, limit = 200): Promise<Set<string>> {
  const seen = new Set<string>();
  let since = 0;
  for (let i = 0; i < rounds; i++) {
    const res = await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=${since}&limit=${limit}`);
    expect(res.status).toBe(200);
    for (const m of res.json.messages) seen.add(m.msg_id);
    since = style === "web" ? Math.max(since, res.json.server_time - 1) : res.json.server_time;
    r.advance(1);
  }
  return seen;
}

async function pullByCursor(r: TestRelay, limit = 200): Promise<string[]> {
  const got: string[] = [];
  let cursor = 0;
  for (let i = 0; i < 100; i++) {
    const res = await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=${cursor}&limit=${limit}`);
    got.push(...res.json.messages.map((m: any) => m.msg_id));
    expect(res.json.cursors).toHaveLength(res.json.messages.length);
    cursor = res.json.next_cursor;
    if (!res.json.more) return got;
  }
  throw new Error("cursor paging did not finish");
}

describe("W8: paging never skips a stored row", () => {
  for (const style of ["web", "python"] as Style[]) {
    test(`250 stored in one second: a fresh ${style} client paging by since/server_time gets all 250`, async () => {
      const r = makeRelay();
      const ids = await fill(r, 250, 0);
      const seen = await pullLikeOriginal(r, style);
      expect(seen.size).toBe(250);
      for (const id of ids) expect(seen.has(id)).toBe(true);
    });

    test(`250 stored over 5 s (50 per second): a fresh ${style} client gets all 250`, async () => {
      const r = makeRelay();
      const ids = await fill(r, 250, 1);
      const seen = await pullLikeOriginal(r, style);
      expect([...ids].filter((id) => !seen.has(id))).toEqual([]);
    });

    test(`1,000 stored one per second, limit=50: a ${style} client pages through all of them`, async () => {
      const r = makeRelay({ rate: false });
      const ids: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const e = envelope();
        ids.push(e.msg_id);
        await r.post(HINT, [e]);
        r.advance(1);
      }
      const seen = await pullLikeOriginal(r, style, 60, 50);
      expect(ids.filter((id) => !seen.has(id))).toEqual([]);
    });

    test(`rows stored later in the same second as a ${style} poll are not missed`, async () => {
      const r = makeRelay();
      const seen = new Set<string>();
      let since = 0;
      const ids: string[] = [];
      for (let round = 0; round < 6; round++) {
        const e = envelope();
        ids.push(e.msg_id);
        await r.post(HINT, [e]);
        const res = await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=${since}`);
        for (const m of res.json.messages) seen.add(m.msg_id);
        since = style === "web" ? Math.max(since, res.json.server_time - 1) : res.json.server_time;
        const late = envelope(); // same second, after the poll
        ids.push(late.msg_id);
        await r.post(HINT, [late]);
        r.advance(1);
      }
      const last = await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=${since}`);
      for (const m of last.json.messages) seen.add(m.msg_id);
      expect(ids.filter((id) => !seen.has(id))).toEqual([]);
    });
  }

  test("a truncated since page reports more:true and a server_time that is a complete, past second", async () => {
    const r = makeRelay();
    await fill(r, 250, 1); // 50 per second, T0..T0+4
    const res = await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=0&limit=120`);
    expect(res.json.more).toBe(true);
    expect(res.json.messages).toHaveLength(150); // completes the third second instead of cutting it
    expect(res.json.server_time).toBe(T0 + 2);
    const rest = await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=${T0 + 2}&limit=500`);
    expect(rest.json.messages).toHaveLength(100);
    expect(rest.json.more).toBe(false);
    expect(rest.json.server_time).toBe(r.nowS() - 1);
  });

  test("250 stored: a cursor client gets all 250 once each, in order", async () => {
    const r = makeRelay();
    const ids = await fill(r, 250, 0);
    expect(await pullByCursor(r)).toEqual(ids);
    expect(await pullByCursor(r, 7)).toEqual(ids);
  });

  test("cursor paging: cursors are the seqs, next_cursor continues, more says when to stop", async () => {
    const r = makeRelay();
    await fill(r, 5);
    const a = (await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0&limit=3`)).json;
    expect(a.cursors).toEqual([1, 2, 3]);
    expect(a.next_cursor).toBe(3);
    expect(a.more).toBe(true);
    expect(a.server_time).toBe(T0);
    const b = (await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=3&limit=3`)).json;
    expect(b.cursors).toEqual([4, 5]);
    expect(b.more).toBe(false);
    const c = (await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=5`)).json;
    expect(c).toMatchObject({ messages: [], cursors: [], next_cursor: 5, more: false });
  });

  test("cursor wins over since; a since page's next_cursor lets a client switch to cursors without a gap", async () => {
    const r = makeRelay();
    const ids = await fill(r, 300, 1);
    const s = (await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=0&cursor=100&limit=500`)).json;
    expect(s.cursors[0]).toBe(101);
    const first = (await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=0&limit=120`)).json;
    const got = first.messages.map((m: any) => m.msg_id);
    let cursor = first.next_cursor;
    for (;;) {
      const p = (await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=${cursor}&limit=100`)).json;
      got.push(...p.messages.map((m: any) => m.msg_id));
      cursor = p.next_cursor;
      if (!p.more) break;
    }
    expect(got).toEqual(ids);
  });

  test("an empty since page points next_cursor at the newest row, so switching skips nothing and repeats nothing", async () => {
    const r = makeRelay();
    await fill(r, 10);
    r.advance(3);
    const res = (await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=${r.nowS() - 1}`)).json;
    expect(res.messages).toEqual([]);
    expect(res.next_cursor).toBe(10);
  });

  test("stored_at never goes backwards along seq, even if the clock does", async () => {
    const r = makeRelay();
    await fill(r, 50);
    r.advance(-100);
    await fill(r, 50);
    const rows = r.db.$client.query("SELECT seq, stored_at FROM relay_messages ORDER BY seq").all() as {
      stored_at: number;
    }[];
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.stored_at).toBeGreaterThanOrEqual(rows[i - 1]!.stored_at);
    // and a since-client that saw the first batch still gets the second one
    const res = (await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=${T0 - 1}`)).json;
    expect(res.messages).toHaveLength(100);
  });

  test("limit and since are integer-cast as PHP does; cursor must be a number", async () => {
    const r = makeRelay();
    await fill(r, 600, 1);
    const n = async (q: string) =>
      (await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0${q}`)).json.messages.length;
    expect(await n("")).toBe(200);
    expect(await n("&limit=0")).toBe(1);
    expect(await n("&limit=-3")).toBe(1);
    expect(await n("&limit=12abc")).toBe(12);
    expect(await n("&limit=9999")).toBe(500);
    const sinceWord = (await r.call("GET", `/v1/messages?circle_hint=${HINT}&since=abc&limit=1`)).json;
    expect(sinceWord.cursors[0]).toBe(1); // since=abc is since=0; the page completes that second's 50 rows
    expect(sinceWord.cursors).toHaveLength(50);
    const bad = await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=-1`);
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toContain("cursor");
    expect((await r.call("GET", "/v1/messages")).status).toBe(400);
  });

  test("other hints' rows never appear", async () => {
    const r = makeRelay();
    await r.post(HINT2, [envelope(), envelope()]);
    const e = envelope();
    await r.post(HINT, [e]);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}`)).json.messages).toEqual([e]);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0`)).json.messages).toEqual([e]);
  });
});

describe("remembered full pages", () => {
  test("stay right as rows are added, expire and are pruned", async () => {
    const r = makeRelay({ retentionS: 100 });
    const a = await fill(r, 3);
    r.advance(60);
    const b = await fill(r, 3);
    const page = async (q: string) => (await r.call("GET", `/v1/messages?circle_hint=${HINT}&${q}&limit=4`)).json;
    const ids = (p: any) => p.messages.map((m: any) => m.msg_id);
    expect(ids(await page("cursor=0"))).toEqual([...a, b[0]]);
    expect((await page("since=0")).messages).toHaveLength(6); // completes the second of b
    await fill(r, 3); // later rows never enter a full page
    expect(ids(await page("cursor=0"))).toEqual([...a, b[0]]);
    expect((await page("cursor=0")).more).toBe(true);
    r.advance(40); // a expires: filtered at once, the page is shorter but paging goes on
    const p1 = await page("cursor=0");
    expect(ids(p1)).toEqual([b[0]]);
    expect(p1).toMatchObject({ next_cursor: 4, more: true });
    r.app.relay.prune(); // deletes a, forgets remembered pages
    expect(ids(await page("cursor=0"))).toEqual([...b, (await page("cursor=6")).messages[0].msg_id]);
  });
});

describe("expiry", () => {
  test("rows past retention disappear from reads at once, before any prune", async () => {
    const r = makeRelay({ retentionS: 100 });
    await r.post(HINT, [envelope()]);
    r.advance(50);
    const keep = envelope();
    await r.post(HINT, [keep]);
    r.advance(50); // the first row's expires_at is now
    for (const q of ["", "&cursor=0", "&since=0"])
      expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}${q}`)).json.messages).toEqual([keep]);
    r.advance(50);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0`)).json).toMatchObject({
      messages: [],
      next_cursor: 2,
    });
  });

  test("the default retention is 30 days", async () => {
    const r = makeRelay();
    await r.post(HINT, [envelope()]);
    const row = r.db.$client.query("SELECT stored_at, expires_at FROM relay_messages").get() as {
      stored_at: number;
      expires_at: number;
    };
    expect(row.expires_at - row.stored_at).toBe(30 * 24 * 3600);
  });
});
