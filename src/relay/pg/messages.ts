// POST/GET /v1/messages and the WebSocket backlog on PostgreSQL, for several relay processes
// on one database.
//
// The cursor is commit-order safe. A bigserial is not: two writers take ids 7 and 8, 8
// commits first, a reader pages past 8 and never sees 7. Here seqs count per circle hint in
// relay_hints: a writer locks its hint's row (INSERT … ON CONFLICT DO UPDATE … RETURNING)
// before it numbers its rows and holds the lock until commit, so the next writer of that hint
// numbers its rows only after the previous one committed. Within a hint (every page reads one
// hint) a row is visible only once every lower seq is: no reader can skip one.
//
// `since` pages (original clients) declare seconds complete. stored_at is stamped by the
// clock read under that row lock; a since reader takes the same row FOR SHARE (waiting for a
// writer that holds it) and reads the clock while holding it, so every writer that stamped
// an earlier second has committed, and every later one stamps this second or later.
//
// Fan-out: the insert transaction sends pg_notify (delivered at commit, in commit order) and
// every other process pushes the frame to its own subscribers (fanout.ts).
import * as L from "../../protocol/limits.ts";
import type { TokenBuckets } from "../rate-limit.ts";
import type { Hub } from "../ws/hub.ts";
import type { PostMessagesBody } from "../messages/model.ts";
import { backlogFrame, beforePageJson, pageJson, pushFrame, rowBytes } from "../messages/page.ts";
import { hintError, live, pageLimit, storageRefusal, validBatch, type PageQuery } from "../messages/service.ts";
import type { EnvelopeRow, NewEnvelope, WriteResult } from "../messages/store.ts";
import { EVICT_LOCK, type PgRoom } from "./quota.ts";
import { writeJobs } from "./write.ts";
import { RowsCache } from "./rows-cache.ts";
import type { MessagesApi } from "../storage.ts";
import { intCast } from "../validate.ts";
import { ok, rateLimited, type Outcome } from "../verdict.ts";
import type { Fanout } from "./fanout.ts";

export interface PgMessagesDeps {
  sql: Bun.SQL;
  hub: Hub;
  fanout: Fanout;
  hintRate: TokenBuckets | null;
  nowMs: () => number;
  retentionS: () => number;
  hintQuotaBytes: () => number;
  onWrite: (seconds: number) => void;
  /** bytes of envelopes kept in memory for pages (config cache_mb) */
  cacheBytes: number;
  /** the total quota, eviction and the disk floor (quota.ts); none: unbounded */
  room?: PgRoom;
}

interface Job {
  items: NewEnvelope[];
  resolve(v: WriteResult): void;
  reject(e: unknown): void;
}

type Row = { seq: string | number; payload: string; stored_at: string | number; expires_at: string | number };
const envelope = (r: Row): EnvelopeRow => ({
  seq: Number(r.seq),
  bytes: rowBytes(r.payload),
  storedAt: Number(r.stored_at),
  expiresAt: Number(r.expires_at),
});

/** Seconds proven complete per hint are remembered for the rest of that second (bounded). */
const SETTLED_MAX = 10_000;

export class PgMessages implements MessagesApi {
  private settled = new Map<string, number>();

  private cache: RowsCache;

  constructor(private d: PgMessagesDeps) {
    this.cache = new RowsCache(d.cacheBytes);
  }

  private nowS = () => Math.floor(this.d.nowMs() / 1000);

  async post(body: PostMessagesBody, rate = this.d.hintRate): Promise<Outcome<string>> {
    const batch = validBatch(body);
    if (!batch.ok) return batch;
    const hint = body.circle_hint;
    const items = batch.value;
    // A batch held already is answered ok whatever the limits; asked only when a limit would
    // refuse (otherwise the write transaction skips held msg_ids anyway): one round trip less.
    const stored0 = `{"ok":true,"stored":0,"server_time":${this.nowS()}}`;
    if (rate) {
      const r = rate.check(hint, this.d.nowMs());
      if (!r.ok && (await this.allStored(hint, items))) return ok(stored0);
      if (!r.ok)
        return rateLimited(
          `Rate limit: too many messages for this circle_hint; retry in ${r.retryAfterS} s`,
          r.retryAfterS,
        );
    }
    const t0 = performance.now();
    const result = await this.write(hint, items);
    this.d.onWrite((performance.now() - t0) / 1000);
    if ("refused" in result) return (await this.allStored(hint, items)) ? ok(stored0) : storageRefusal(result);
    const nowS = this.nowS();
    const stored = result.stored;
    if (stored.length) {
      rate?.charge(hint, this.d.nowMs(), stored.length);
      for (const e of stored)
        this.cache.remember(hint, {
          seq: e.seq,
          bytes: rowBytes(e.payload),
          storedAt: e.storedAt,
          expiresAt: e.expiresAt,
        });
      if (this.d.hub.listening(hint)) this.d.hub.publish(hint, pushFrame(stored, nowS));
    }
    return ok(`{"ok":true,"stored":${stored.length},"server_time":${nowS}}`);
  }

  private async allStored(hint: string, items: NewEnvelope[]): Promise<boolean> {
    if (!items.length) return true;
    const ids = [...new Set(items.map((i) => i.msgId))];
    const [r] = await this.d
      .sql`SELECT count(*)::int AS n FROM relay_messages WHERE circle_hint = ${hint} AND msg_id = ANY(${this.d.sql.array(ids, "TEXT")}::text[])`;
    return Number(r.n) === ids.length;
  }

  /**
   * Queue a validated batch. Batches of one hint are written one transaction at a time (they
   * would wait for its row lock anyway); those that arrive while one is in flight go together
   * in the next transaction (group commit: one commit, one fsync for all of them).
   */
  private write(hint: string, items: NewEnvelope[]): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      const job = { items, resolve, reject };
      const q = this.queued.get(hint);
      if (q) q.push(job);
      else this.queued.set(hint, [job]);
      if (!this.writing.has(hint)) void this.drain(hint);
    });
  }

  private queued = new Map<string, Job[]>();
  private writing = new Set<string>();

  private async drain(hint: string): Promise<void> {
    this.writing.add(hint);
    for (let jobs = this.queued.get(hint); jobs; jobs = this.queued.get(hint)) {
      this.queued.delete(hint);
      try {
        const room = this.d.room;
        // refuse before PostgreSQL runs out of disk mid-transaction
        const results = room?.diskFull()
          ? jobs.map((): WriteResult => ({ refused: "disk_full" }))
          : await writeJobs({ ...this.d, nowS: this.nowS }, hint, jobs);
        for (let i = 0; i < jobs.length; i++) {
          const r = results[i]!;
          if (room && "stored" in r) room.added(r.stored.reduce((n, e) => n + Buffer.byteLength(e.payload), 0));
          jobs[i]!.resolve(r);
        }
      } catch (e) {
        for (const j of jobs) j.reject(e);
      }
    }
    this.writing.delete(hint);
  }

  /** Evicted rows leave this process's cache (other processes list seqs first, so theirs are only memory). */
  forget(rows: { hint: string; seq: number }[]): void {
    for (const { hint, seq } of rows) this.cache.drop(hint, seq);
  }

  async page(q: PageQuery): Promise<Outcome<Uint8Array<ArrayBuffer>>> {
    const bad = hintError(q.circle_hint);
    if (bad) return bad;
    const limit = pageLimit(q.limit);
    if (q.before !== undefined)
      return ok(await this.beforePage(q.circle_hint, Number(q.before), limit, q.count === "1"));
    if (q.cursor !== undefined) return ok(await this.cursorPage(q.circle_hint, Number(q.cursor), limit));
    const settled = await this.settledNowS(q.circle_hint);
    return ok(await this.sincePage(q.circle_hint, intCast(q.since), limit, settled));
  }

  /** Newest first (§27): the newest `limit` rows below `before`, oldest first. */
  private async beforePage(
    hint: string,
    before: number,
    limit: number,
    count: boolean,
  ): Promise<Uint8Array<ArrayBuffer>> {
    const nowS = this.nowS();
    const seqs = (
      await this.d.sql`SELECT seq FROM relay_messages
        WHERE circle_hint = ${hint} AND seq < ${before} ORDER BY seq DESC LIMIT ${limit + 1}`.values()
    )
      .map((r: [unknown]) => Number(r[0]))
      .reverse();
    const more = seqs.length > limit;
    if (more) seqs.shift();
    const total = count
      ? Number((await this.d.sql`SELECT count(*) FROM relay_messages WHERE circle_hint = ${hint}`.values())[0][0])
      : undefined;
    return beforePageJson(live(await this.rowsOf(hint, seqs), nowS), nowS, seqs, before, more, total);
  }

  private async cursorPage(hint: string, cursor: number, limit: number): Promise<Uint8Array<ArrayBuffer>> {
    const nowS = this.nowS();
    const seqs = (
      await this.d.sql`SELECT seq FROM relay_messages
        WHERE circle_hint = ${hint} AND seq > ${cursor} ORDER BY seq LIMIT ${limit + 1}`.values()
    ).map((r: [unknown]) => Number(r[0]));
    const more = seqs.length > limit;
    if (more) seqs.length = limit;
    const next = seqs.length ? seqs[seqs.length - 1]! : cursor;
    return pageJson(live(await this.rowsOf(hint, seqs), nowS), nowS, next, more);
  }

  /**
   * Rows of one hint by seq, from this process's cache where it has them (the seqs were just
   * listed by the database; a stored row never changes and a hint's seq is never reused).
   */
  private async rowsOf(hint: string, seqs: number[]): Promise<EnvelopeRow[]> {
    const out = new Array<EnvelopeRow | undefined>(seqs.length);
    const missing: number[] = [];
    for (let i = 0; i < seqs.length; i++) {
      const e = this.cache.get(hint, seqs[i]!);
      out[i] = e;
      if (!e) missing.push(seqs[i]!);
    }
    if (missing.length) {
      const read = new Map<number, EnvelopeRow>();
      const rows = await this.d.sql`SELECT seq, payload, stored_at, expires_at FROM relay_messages
        WHERE circle_hint = ${hint} AND seq = ANY(${this.d.sql.array(missing, "INT8")}::bigint[])`;
      for (const r of rows as Row[]) {
        const e = envelope(r);
        read.set(e.seq, e);
        this.cache.remember(hint, e);
      }
      for (let i = 0; i < seqs.length; i++) out[i] ??= read.get(seqs[i]!);
    }
    return out.filter((e): e is EnvelopeRow => e !== undefined);
  }

  /** The clock read while holding the hint's counter row FOR SHARE: `now - 1` is complete. */
  private async settledNowS(hint: string): Promise<number> {
    const now = this.nowS();
    if (this.settled.get(hint) === now) return now;
    const sql = this.d.sql;
    const proven = await sql.begin(async (tx) => {
      const [row] = await tx`SELECT 1 AS x FROM relay_hints WHERE circle_hint = ${hint} FOR SHARE`;
      if (!row) {
        // No committed row: a first writer may be inserting it; this waits for that one.
        await tx`INSERT INTO relay_hints (circle_hint) VALUES (${hint}) ON CONFLICT DO NOTHING`;
        await tx`SELECT 1 AS x FROM relay_hints WHERE circle_hint = ${hint} FOR SHARE`;
      }
      return this.nowS();
    });
    if (this.settled.size >= SETTLED_MAX) this.settled.clear();
    this.settled.set(hint, proven);
    return proven;
  }

  /** The same page rules as the SQLite relay (messages/service.ts sincePage). */
  private async sincePage(hint: string, since: number, limit: number, nowS: number): Promise<Uint8Array<ArrayBuffer>> {
    const sql = this.d.sql;
    const first = (
      await sql`SELECT seq, payload, stored_at, expires_at FROM relay_messages
        WHERE circle_hint = ${hint} AND stored_at > ${since} ORDER BY stored_at, seq LIMIT ${limit + 1}`
    ).map(envelope);
    if (first.length <= limit) {
      const next = first.length ? first[first.length - 1]!.seq : await this.lastSeq(hint);
      return pageJson(live(first, nowS), nowS - 1, next, false);
    }
    const beyond = first.pop()!;
    const lastAt = first[first.length - 1]!.storedAt;
    if (beyond.storedAt > lastAt && lastAt >= since + 2)
      return pageJson(live(first, nowS), lastAt, first[limit - 1]!.seq, true);
    const upTo = Math.max(lastAt, since + 2);
    const rows = (
      await sql`SELECT seq, payload, stored_at, expires_at FROM relay_messages
        WHERE circle_hint = ${hint} AND stored_at > ${since} AND stored_at <= ${upTo}
        ORDER BY stored_at, seq LIMIT ${L.RELAY_SINCE_PAGE_MAX + 1}`
    ).map(envelope);
    const overflow = rows.length > L.RELAY_SINCE_PAGE_MAX;
    if (overflow) rows.length = L.RELAY_SINCE_PAGE_MAX;
    const more =
      overflow ||
      (await sql`SELECT 1 AS x FROM relay_messages WHERE circle_hint = ${hint} AND stored_at > ${upTo} LIMIT 1`)
        .length > 0;
    const next = rows.length ? rows[rows.length - 1]!.seq : await this.lastSeq(hint);
    return pageJson(live(rows, nowS), more ? upTo : nowS - 1, next, more);
  }

  private async lastSeq(hint: string): Promise<number> {
    const [r] = await this.d.sql`SELECT max(seq) AS m FROM relay_messages WHERE circle_hint = ${hint}`;
    return r?.m == null ? 0 : Number(r.m);
  }

  async backlogFrame(hint: string, windowS: number, max: number): Promise<string | null> {
    const nowS = this.nowS();
    const rows = (
      await this.d.sql`SELECT seq, payload, stored_at, expires_at FROM relay_messages
        WHERE circle_hint = ${hint} AND stored_at > ${nowS - windowS} ORDER BY seq DESC LIMIT ${max}`
    )
      .map(envelope)
      .reverse();
    const shown = live(rows, nowS);
    return shown.length ? backlogFrame(shown, nowS) : null;
  }

  /** Rows of one hint by seq range (a notification too large to carry its frame). */
  async framesOf(hint: string, from: number, to: number, serverTime: number): Promise<string | null> {
    const rows = await this.d.sql`SELECT seq, payload, stored_at, expires_at FROM relay_messages
      WHERE circle_hint = ${hint} AND seq >= ${from} AND seq <= ${to} ORDER BY seq`;
    if (!rows.length) return null;
    return pushFrame(
      rows.map((r: Row) => ({
        seq: Number(r.seq),
        payload: r.payload,
        storedAt: Number(r.stored_at),
        expiresAt: Number(r.expires_at),
      })),
      serverTime,
    );
  }

  /** Delete expired envelopes in chunks, their bytes taken off their hints; returns how many. */
  async prune(nowS: number, chunk: number): Promise<number> {
    this.cache.dropExpired(nowS);
    let total = 0;
    for (;;) {
      // under the evictor's lock: both take the rows of many hints (quota.ts)
      const [r] = await this.d.sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${EVICT_LOCK})`;
        return tx`WITH gone AS (
          DELETE FROM relay_messages WHERE (circle_hint, seq) IN (
            SELECT circle_hint, seq FROM relay_messages WHERE expires_at <= ${nowS} LIMIT ${chunk})
          RETURNING circle_hint, octet_length(payload) AS n),
        per AS (SELECT circle_hint, sum(n) AS b, count(*) AS c FROM gone GROUP BY circle_hint),
        upd AS (UPDATE relay_hints h SET bytes = h.bytes - per.b FROM per WHERE h.circle_hint = per.circle_hint)
        SELECT coalesce(sum(c), 0)::int AS c, coalesce(sum(b), 0)::bigint AS b FROM per`;
      });
      this.d.room?.added(-Number(r.b));
      const n = Number(r.c);
      total += n;
      if (n < chunk) return total;
    }
  }
}
