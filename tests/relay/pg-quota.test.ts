// The total storage quota, eviction and the disk floor (README "Relay storage") on both storage
// backends, the same cases as quota.test.ts, and on PostgreSQL across two relay processes on
// one database (src/relay/pg/quota.ts): the total is in the database, so each process counts
// what the other stored, and concurrent evicting writers neither deadlock nor pass the quota.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { RelayConfigInput } from "../../src/relay/config.ts";
import { HINT, HINT2, T0, envelope, makeRelay, msgId } from "./helpers.ts";
import { makePgRelay, usePostgres, type PgTestRelay } from "./pg-helpers.ts";

setDefaultTimeout(30_000);
usePostgres();

/** An envelope whose stored JSON is about 3,000 bytes. */
const big = (id = msgId()) => envelope(id, { pad: "x".repeat(2700) });
const SIZE = JSON.stringify(big("0".repeat(32))).length;
const batch = (n: number) => Array.from({ length: n }, () => big());

type Relay = Pick<PgTestRelay, "call" | "post" | "advance" | "nowS"> & {
  app: { relay: { prune(): unknown; config: { diskFreeMinBytes: number } } };
  /** bytes of envelopes stored, read from the database */
  storedBytes(): Promise<number>;
};
type Make = (config: RelayConfigInput, freeBytes?: () => number) => Promise<Relay>;

async function pgBytes(url: string): Promise<number> {
  const sql = new Bun.SQL(url, { max: 1 });
  try {
    const [r] = await sql`SELECT coalesce(sum(octet_length(payload)), 0)::bigint AS b FROM relay_messages`;
    return Number(r.b);
  } finally {
    await sql.close();
  }
}

const BACKENDS: [string, Make][] = [
  [
    "SQLite",
    async (config, freeBytes) => {
      const r = makeRelay(config, T0, { freeBytes });
      const q = r.db.$client.query("SELECT coalesce(sum(octet_length(payload)), 0) AS b FROM relay_messages");
      return { ...r, storedBytes: async () => (q.get() as { b: number }).b };
    },
  ],
  [
    "PostgreSQL",
    async (config, freeBytes) => {
      const r = await makePgRelay(config, T0, undefined, { freeBytes });
      return { ...r, storedBytes: () => pgBytes(r.url) };
    },
  ],
];

const ids = async (r: Relay, hint: string) =>
  (
    (await r.call("GET", `/v1/messages?circle_hint=${hint}&cursor=0&limit=500`)).json.messages as { msg_id: string }[]
  ).map((m) => m.msg_id);

describe.each(BACKENDS)("storage bounds on %s", (_name, make) => {
  test("total quota full: the oldest envelopes older than evictMinAgeS go first, across hints", async () => {
    const r = await make({ rate: false, totalQuotaBytes: SIZE * 6 + 10, evictMinAgeS: 3600 });
    const old1 = batch(3);
    const old2 = batch(2);
    await r.post(HINT, old1);
    r.advance(1);
    await r.post(HINT2, old2);
    expect(await ids(r, HINT)).toHaveLength(3); // warm the caches with rows that will be evicted
    r.advance(7200);
    const fresh = batch(3);
    expect((await r.post(HINT2, fresh)).json).toMatchObject({ ok: true, stored: 3 });
    // 5 old + 3 new would be 8; eviction frees down to 95 % of the quota before adding: the 3 oldest (all of HINT)
    expect(await ids(r, HINT)).toEqual([]);
    expect(await ids(r, HINT2)).toEqual([...old2, ...fresh].map((e) => e.msg_id));
    expect(await r.storedBytes()).toBeLessThanOrEqual(SIZE * 6 + 10);
    // the hint's own quota counts the eviction: HINT can take its room again
    expect((await r.post(HINT, batch(1))).status).toBe(200);
  });

  test("total quota full with nothing old enough to evict: 507, nothing stored, nothing evicted", async () => {
    const r = await make({ rate: false, totalQuotaBytes: SIZE * 4 + 10, evictMinAgeS: 3600 });
    const kept = batch(4);
    await r.post(HINT, kept.slice(0, 2));
    await r.post(HINT2, kept.slice(2));
    r.advance(60);
    const res = await r.post(HINT, [big()]);
    expect(res.status).toBe(507);
    expect(res.json.detail).toStartWith("Relay storage is full");
    expect([...(await ids(r, HINT)), ...(await ids(r, HINT2))]).toEqual(kept.map((e) => e.msg_id));
    // a re-push of what is stored is still answered ok (it needs no room)
    expect((await r.post(HINT, kept.slice(0, 2))).json).toMatchObject({ ok: true, stored: 0 });
    // room comes back when envelopes expire and are pruned
    r.advance(30 * 86_400);
    await r.app.relay.prune();
    expect((await r.post(HINT, [big()])).status).toBe(200);
  });

  test("below the disk floor every new write is 507 and nothing is stored; above it writes resume", async () => {
    let free = 10 * 1024 * 1024;
    const r = await make({ rate: false, diskFreeMinBytes: 64 * 1024 * 1024 }, () => free);
    const res = await r.post(HINT, [big()]);
    expect(res.status).toBe(507);
    expect(res.json.detail).toBe("Relay disk is nearly full; retry later");
    expect(await ids(r, HINT)).toEqual([]);
    free = 1024 * 1024 * 1024;
    const kept = [big()];
    expect((await r.post(HINT, kept)).json).toMatchObject({ ok: true, stored: 1 });
    // a re-push of what is stored needs no room: ok, also below the floor
    free = 0;
    expect((await r.post(HINT, kept)).json).toMatchObject({ ok: true, stored: 0 });
  });

  test("the per-hint rate: a spent hint still gets ok for a re-push of what it holds, 429 for anything new", async () => {
    const r = await make({ rate: { hintMessages: { perSecond: 1, burst: 3 } } });
    const held = batch(3);
    expect((await r.post(HINT, held)).json).toMatchObject({ ok: true, stored: 3 });
    expect((await r.post(HINT, held)).json).toMatchObject({ ok: true, stored: 0 });
    expect((await r.post(HINT, [held[0], big()])).status).toBe(429);
    expect(await ids(r, HINT)).toEqual(held.map((e) => e.msg_id));
  });
});

describe("PostgreSQL: several relay processes on one database", () => {
  test("the default disk probe reads the database's real disk (PostgreSQL on this machine)", async () => {
    const r = await makePgRelay({ rate: false, diskFreeMinBytes: 1 });
    expect((await r.post(HINT, [big()])).status).toBe(200);
    r.app.relay.config.diskFreeMinBytes = Number.MAX_SAFE_INTEGER;
    expect((await r.post(HINT, [big()])).status).toBe(507);
  });

  test("near the total quota, and once its count is a minute old, each counts what the other stored", async () => {
    const cfg = { rate: false as const, totalQuotaBytes: SIZE * 10 + 10, evictMinAgeS: 3600 };
    const a = await makePgRelay(cfg);
    const b = await makePgRelay(cfg, T0, a.url);
    expect((await a.post(HINT, batch(8))).status).toBe(200);
    expect((await b.post(HINT2, batch(1))).status).toBe(200);
    expect((await a.post(HINT, batch(2))).status).toBe(507);
    const c = await makePgRelay(cfg);
    const d = await makePgRelay(cfg, T0, c.url);
    expect((await c.post(HINT, batch(2))).status).toBe(200);
    expect((await d.post(HINT2, batch(6))).status).toBe(200);
    c.advance(61);
    d.advance(61);
    expect((await c.post(HINT, batch(3))).status).toBe(507);
    expect(await pgBytes(c.url)).toBeLessThanOrEqual(SIZE * 10 + 10);
  });

  test("concurrent writers on two processes that must evict: no deadlock, no 500, the quota holds", async () => {
    const cfg = { rate: false as const, totalQuotaBytes: SIZE * 20 + 10, evictMinAgeS: 60 };
    const a = await makePgRelay(cfg);
    const b = await makePgRelay(cfg, T0, a.url);
    const hints = Array.from({ length: 8 }, (_, i) => `${HINT.slice(0, 14)}${i}${i}`);
    for (const h of hints) expect((await a.post(h, batch(2))).status).toBe(200);
    a.advance(120);
    b.advance(120);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).post(hints[i % hints.length]!, batch(1))),
    );
    expect(answers.map((x) => x.status).filter((s) => s !== 200)).toEqual([]);
    expect(await pgBytes(a.url)).toBeLessThanOrEqual(SIZE * 20 + 10);
    // relay_hints.bytes still agrees with the rows (every eviction took its bytes off its hint)
    const sql = new Bun.SQL(a.url, { max: 1 });
    const bad = await sql`SELECT h.circle_hint FROM relay_hints h
      LEFT JOIN (SELECT circle_hint, sum(octet_length(payload)) AS b FROM relay_messages GROUP BY circle_hint) m
      ON m.circle_hint = h.circle_hint WHERE h.bytes <> coalesce(m.b, 0)`;
    await sql.close();
    expect(bad.length).toBe(0);
  });
});
