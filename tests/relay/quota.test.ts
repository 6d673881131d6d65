// Storage quotas of the relay's write path (src/relay/messages/store.ts, quota.ts): bytes per
// circle_hint (429, never evicted), bytes in total (oldest envelopes older than evictMinAgeS
// evicted, else 507) and the free-disk floor (507, probe injected). A refused batch stores
// nothing and leaves the database intact.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb, type Db } from "../../db/client.ts";
import { HINT, HINT2, T0, envelope, makeRelay, msgId, type TestRelay } from "./helpers.ts";

/** An envelope whose stored JSON is about 3,000 bytes. */
const big = (id = msgId()) => envelope(id, { pad: "x".repeat(2700) });
const SIZE = JSON.stringify(big("0".repeat(32))).length;
const ids = async (r: TestRelay, hint: string) =>
  (
    (await r.call("GET", `/v1/messages?circle_hint=${hint}&cursor=0&limit=500`)).json.messages as { msg_id: string }[]
  ).map((m) => m.msg_id);
const integrity = (db: Db) =>
  (db.$client.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
const storedBytes = (db: Db) =>
  (db.$client.query("SELECT sum(octet_length(payload)) AS b FROM relay_messages").get() as { b: number }).b;

describe("per-hint quota", () => {
  test("a batch that would pass the hint's quota is refused whole with 429 and Retry-After; other hints and re-pushes go on", async () => {
    const r = makeRelay({ rate: false, hintQuotaBytes: SIZE * 3 + 10 });
    const first = [big(), big(), big()];
    expect((await r.post(HINT, first)).json).toMatchObject({ ok: true, stored: 3 });
    const over = await r.post(HINT, [big()]);
    expect(over.status).toBe(429);
    expect(over.json.detail).toStartWith("Quota: this circle_hint holds");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // a mixed batch (one old, one new) is refused whole: the old one is not stored twice, the new not at all
    const mixed = await r.post(HINT, [first[0], big()]);
    expect(mixed.status).toBe(429);
    expect(await ids(r, HINT)).toEqual(first.map((e) => e.msg_id));
    // a re-push of what is stored costs nothing and is still answered ok
    expect((await r.post(HINT, first)).json).toMatchObject({ ok: true, stored: 0 });
    expect((await r.post(HINT2, [big()])).json).toMatchObject({ ok: true, stored: 1 });
    expect(integrity(r.db)).toBe("ok");
  });

  test("space comes back when the hint's envelopes expire", async () => {
    const r = makeRelay({ rate: false, hintQuotaBytes: SIZE * 2 + 10, retentionS: 3600 });
    expect((await r.post(HINT, [big(), big()])).status).toBe(200);
    expect((await r.post(HINT, [big()])).status).toBe(429);
    r.advance(3601);
    r.app.relay.prune();
    expect((await r.post(HINT, [big()])).status).toBe(200);
  });
});

describe("total quota", () => {
  test("full: the oldest envelopes older than evictMinAgeS go first, across hints; pages no longer show them", async () => {
    const r = makeRelay({ rate: false, totalQuotaBytes: SIZE * 6 + 10, evictMinAgeS: 3600 });
    const old1 = [big(), big(), big()];
    const old2 = [big(), big()];
    await r.post(HINT, old1);
    await r.post(HINT2, old2);
    // warm the caches and the page memo with the rows that will be evicted
    expect(await ids(r, HINT)).toHaveLength(3);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0&limit=1`)).json.messages).toHaveLength(1);
    r.advance(7200);
    const fresh = [big(), big(), big()];
    const res = await r.post(HINT2, fresh);
    expect(res.json).toMatchObject({ ok: true, stored: 3 });
    // 5 old + 3 new would be 8; eviction frees down to 95 % of the quota before adding: the 3 oldest (all of HINT) go
    expect(await ids(r, HINT)).toEqual([]);
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}&cursor=0&limit=1`)).json.messages).toEqual([]);
    expect(await ids(r, HINT2)).toEqual([...old2, ...fresh].map((e) => e.msg_id));
    expect(storedBytes(r.db)).toBeLessThanOrEqual(SIZE * 6 + 10);
    expect(integrity(r.db)).toBe("ok");
  });

  test("full with nothing old enough to evict: 507, nothing stored, nothing evicted", async () => {
    const r = makeRelay({ rate: false, totalQuotaBytes: SIZE * 4 + 10, evictMinAgeS: 3600 });
    const kept = [big(), big(), big(), big()];
    await r.post(HINT, kept.slice(0, 2));
    await r.post(HINT2, kept.slice(2));
    r.advance(60);
    const res = await r.post(HINT, [big()]);
    expect(res.status).toBe(507);
    expect(res.json.detail).toStartWith("Relay storage is full");
    expect([...(await ids(r, HINT)), ...(await ids(r, HINT2))]).toEqual(kept.map((e) => e.msg_id));
    expect(integrity(r.db)).toBe("ok");
  });
});

describe("disk floor", () => {
  test("below the free-space floor every new write is 507 and nothing is stored; above it writes resume", async () => {
    let free = 10 * 1024 * 1024;
    const r = makeRelay({ rate: false, diskFreeMinBytes: 64 * 1024 * 1024 }, T0, { freeBytes: () => free });
    const res = await r.post(HINT, [big()]);
    expect(res.status).toBe(507);
    expect(res.json.detail).toBe("Relay disk is nearly full; retry later");
    expect(await ids(r, HINT)).toEqual([]);
    free = 1024 * 1024 * 1024;
    expect((await r.post(HINT, [big()])).json).toMatchObject({ ok: true, stored: 1 });
  });

  test("the default probe reads the database's real disk (a file database on a disk with space writes fine)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "felund-quota-"));
    try {
      const db = openDb(join(dir, "relay.sqlite"));
      const r = makeRelay({ rate: false, diskFreeMinBytes: 1 }, T0, { db });
      expect((await r.post(HINT, [big()])).status).toBe(200);
      // and refuses when the floor is above any real disk's free space
      r.app.relay.config.diskFreeMinBytes = Number.MAX_SAFE_INTEGER;
      expect((await r.post(HINT, [big()])).status).toBe(507);
      db.$client.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("several relays on one database file", () => {
  const dir = mkdtempSync(join(tmpdir(), "felund-quota-2-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("each checks the hint quota against what the other stored (not only its own writes)", async () => {
    const file = join(dir, "relay.sqlite");
    const a = makeRelay({ rate: false, hintQuotaBytes: SIZE * 3 + 10 }, T0, { db: openDb(file) });
    const b = makeRelay({ rate: false, hintQuotaBytes: SIZE * 3 + 10 }, T0, { db: openDb(file) });
    expect((await b.post(HINT, [big()])).status).toBe(200); // b's ledger now counts 1
    expect((await a.post(HINT, [big(), big()])).status).toBe(200);
    expect((await b.post(HINT, [big()])).status).toBe(429);
    expect(await ids(a, HINT)).toHaveLength(3);
    a.db.$client.close();
    b.db.$client.close();
  });

  test("near the total quota, and once its count is a minute old, each counts what the other stored", async () => {
    const open = (name: string) => {
      const cfg = { rate: false as const, totalQuotaBytes: SIZE * 10 + 10, evictMinAgeS: 3600 };
      return [
        makeRelay(cfg, T0, { db: openDb(join(dir, name)) }),
        makeRelay(cfg, T0, { db: openDb(join(dir, name)) }),
      ] as const;
    };
    const batch = (n: number) => Array.from({ length: n }, () => big());
    // near: a counts 8 of 10, b adds 1; a's next 2 would pass the quota only with b's row counted
    const [a, b] = open("near.sqlite");
    expect((await a.post(HINT, batch(8))).status).toBe(200);
    expect((await b.post(HINT2, batch(1))).status).toBe(200);
    expect((await a.post(HINT, batch(2))).status).toBe(507);
    // far from full, a minute later: a counts 2, b stored 6 meanwhile; a's next 3 pass the quota
    const [c, d] = open("late.sqlite");
    expect((await c.post(HINT, batch(2))).status).toBe(200);
    expect((await d.post(HINT2, batch(6))).status).toBe(200);
    c.advance(61);
    expect((await c.post(HINT, batch(3))).status).toBe(507);
    expect(storedBytes(c.db)).toBeLessThanOrEqual(SIZE * 10 + 10);
    for (const r of [a, b, c, d]) r.db.$client.close();
  });
});
