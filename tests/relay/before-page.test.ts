// Newest-first paging (docs/PROTOCOL.md §27): GET /v1/messages?before=SEQ gives the newest rows
// below SEQ, oldest first, with before_cursor to go on and more while older rows remain;
// count=1 adds the circle's total; next_cursor of the newest page is where forward paging goes
// on, so newest page + older pages + forward pages hold every row once.
import { describe, expect, test } from "bun:test";
import { NEWEST } from "../../src/peer/relay/older.ts";
import { envelope, HINT, HINT2, makeRelay, type TestRelay } from "./helpers.ts";

async function fill(r: TestRelay, n: number, hint = HINT): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, () => envelope());
    ids.push(...batch.map((e) => e.msg_id));
    expect((await r.post(hint, batch)).json.stored).toBe(batch.length);
  }
  return ids;
}

const get = async (r: TestRelay, q: string) => {
  const res = await r.call("GET", `/v1/messages?circle_hint=${HINT}&${q}`);
  expect(res.status).toBe(200);
  return res.json;
};

describe("GET /v1/messages?before=", () => {
  test("the newest page first, then older pages down to the first row: every row once, total with count=1", async () => {
    const r = makeRelay();
    await fill(r, 30, HINT2); // another circle's rows in between never show
    const ids = await fill(r, 120);
    await fill(r, 10, HINT2);
    const first = await get(r, `before=${NEWEST}&limit=50&count=1`);
    expect(first.messages.map((m: { msg_id: string }) => m.msg_id)).toEqual(ids.slice(70));
    expect(first.more).toBe(true);
    expect(first.total).toBe(120);
    expect(first.cursors).toHaveLength(50);
    expect(first.next_cursor).toBe(first.cursors.at(-1));
    expect(first.before_cursor).toBe(first.cursors[0]);
    const got = [...first.messages];
    let before = first.before_cursor;
    for (let i = 0; i < 10; i++) {
      const p = await get(r, `before=${before}&limit=50`);
      expect(p.total).toBeUndefined();
      got.unshift(...p.messages);
      before = p.before_cursor;
      if (!p.more) break;
    }
    expect(got.map((m: { msg_id: string }) => m.msg_id)).toEqual(ids);
    // below the first row: nothing, and before_cursor stays
    const none = await get(r, `before=${before}&limit=50`);
    expect([none.messages, none.more, none.before_cursor, none.next_cursor]).toEqual([[], false, before, 0]);
  });

  test("forward from the newest page's next_cursor brings only what came after it", async () => {
    const r = makeRelay();
    await fill(r, 20);
    const first = await get(r, `before=${NEWEST}&limit=500`);
    expect(first.more).toBe(false);
    const later = await fill(r, 5);
    const fwd = await get(r, `cursor=${first.next_cursor}`);
    expect(fwd.messages.map((m: { msg_id: string }) => m.msg_id)).toEqual(later);
  });

  test("an empty circle: no rows, next_cursor 0, total 0", async () => {
    const r = makeRelay();
    const p = await get(r, `before=${NEWEST}&count=1`);
    expect([p.messages, p.more, p.next_cursor, p.total]).toEqual([[], false, 0, 0]);
  });

  test("a malformed before is refused with a clear error", async () => {
    const r = makeRelay();
    for (const bad of ["-1", "abc", "1.5", "12345678901234567"]) {
      const res = await r.call("GET", `/v1/messages?circle_hint=${HINT}&before=${bad}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.json)).toContain("before");
    }
  });
});
