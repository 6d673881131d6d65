// SQL of the message relay over bun:sqlite prepared statements (the hot path), and the group
// commit: every POST batch that arrives within one turn of the event loop is written in one
// transaction, so one fsync (synchronous=FULL) makes all of them durable before any of them
// is answered. Each batch is still all-or-nothing: it is validated before it is queued.
import type { Database, Statement } from "bun:sqlite";
import * as L from "../../protocol/limits.ts";
import { QuotaLedger } from "./quota.ts";

export interface NewEnvelope {
  msgId: string;
  createdTs: number;
  payload: string;
}
/** A row just written by this process. */
export interface StoredEnvelope {
  seq: number;
  payload: string;
  storedAt: number;
  expiresAt: number;
}
/** A row as read back: "," + its JSON as UTF-8 (see page.ts). Rows never change once written. */
export interface EnvelopeRow {
  seq: number;
  bytes: Uint8Array;
  storedAt: number;
  expiresAt: number;
}

/** Why a batch was not stored (nothing of it is): see README "Relay storage". */
export type StorageRefusal =
  /** the hint holds its quota already (429); retry when its oldest envelopes expire */
  | { refused: "hint_quota"; retryAfterS: number }
  /** the total quota is full and nothing is old enough to evict (507) */
  | { refused: "relay_full" }
  /** the disk has less free space than the configured floor (507) */
  | { refused: "disk_full" };
export type WriteResult = { stored: StoredEnvelope[] } | StorageRefusal;

/** The storage bounds of the write path, read on every batch (the relay config). */
export interface StorageBounds {
  hintQuotaBytes: number;
  totalQuotaBytes: number;
  evictMinAgeS: number;
  diskFreeMinBytes: number;
  /** free bytes on the database's disk (fs.statfs; injected by tests) */
  freeBytes(): number;
}
const UNBOUNDED: StorageBounds = {
  hintQuotaBytes: Infinity,
  totalQuotaBytes: Infinity,
  evictMinAgeS: 0,
  diskFreeMinBytes: 0,
  freeBytes: () => Infinity,
};

interface Job {
  hint: string;
  items: NewEnvelope[];
  resolve(v: WriteResult): void;
  reject(e: unknown): void;
}

export class MessageStore {
  private insert: Statement;
  private maxStored: Statement;
  private afterSeq: Statement;
  private beforeSeq: Statement;
  private countHint: Statement;
  private sinceStored: Statement;
  private storedBetween: Statement;
  private existsAfter: Statement;
  private maxSeq: Statement;
  private recent: Statement;
  private bySeqs: Statement;
  private pruneChunk: Statement;
  private exists: Statement;
  private oldest: Statement;
  private lockNow: Statement;
  /** the last second in which settledNowS held the write lock */
  private settled = -1;
  private unlock: Statement;
  private evictUpTo: Statement;
  private hintOldestExpiry: Statement;
  private queue: Job[] = [];
  private scheduled = false;
  private writeBatch: (jobs: Job[], retentionS: number) => WriteResult[];
  private quota: QuotaLedger;
  /** Told the seqs of envelopes evicted to make room (the service drops them from its caches). */
  onEvicted: (seqs: number[]) => void = () => {};
  /** Seconds one write batch took (/metrics). */
  onWrite: (seconds: number) => void = () => {};

  constructor(
    private sql: Database,
    private nowS: () => number,
    private retentionS: () => number,
    private bounds: () => StorageBounds = () => UNBOUNDED,
  ) {
    this.quota = new QuotaLedger(sql);
    this.lockNow = sql.prepare("BEGIN IMMEDIATE");
    this.unlock = sql.prepare("COMMIT");
    this.oldest = sql.prepare(
      "SELECT seq, circle_hint AS hint, octet_length(payload) AS n, stored_at AS at FROM relay_messages ORDER BY seq LIMIT ?",
    );
    this.evictUpTo = sql.prepare("DELETE FROM relay_messages WHERE seq <= ?");
    this.hintOldestExpiry = sql.prepare(
      "SELECT expires_at AS e FROM relay_messages WHERE circle_hint = ? ORDER BY seq LIMIT 1",
    );
    this.insert = sql.prepare(
      "INSERT OR IGNORE INTO relay_messages (circle_hint, msg_id, payload, created_ts, stored_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.maxStored = sql.prepare("SELECT max(stored_at) AS m FROM relay_messages WHERE circle_hint = ?");
    // Seq lists come back as one "1,2,3" string: far cheaper than one JS row object per seq.
    // The aggregate reads the ordered subquery in order (an ORDER BY inside group_concat
    // would cost a temp B-tree per page); splitSeqs checks the order anyway.
    const seqs = (inner: string) => sql.prepare(`SELECT group_concat(seq) AS s FROM (${inner})`);
    this.afterSeq = seqs("SELECT seq FROM relay_messages WHERE circle_hint = ? AND seq > ? ORDER BY seq LIMIT ?");
    this.countHint = sql.prepare("SELECT count(*) AS n FROM relay_messages WHERE circle_hint = ?");
    this.beforeSeq = seqs("SELECT seq FROM relay_messages WHERE circle_hint = ? AND seq < ? ORDER BY seq DESC LIMIT ?");
    this.sinceStored = seqs(
      "SELECT seq FROM relay_messages WHERE circle_hint = ? AND stored_at > ? ORDER BY stored_at, seq LIMIT ?",
    );
    this.storedBetween = seqs(
      "SELECT seq FROM relay_messages WHERE circle_hint = ? AND stored_at > ? AND stored_at <= ? ORDER BY stored_at, seq LIMIT ?",
    );
    this.recent = seqs(
      "SELECT seq FROM relay_messages WHERE circle_hint = ? AND stored_at > ? ORDER BY stored_at DESC, seq DESC LIMIT ?",
    );
    this.existsAfter = sql.prepare("SELECT 1 AS x FROM relay_messages WHERE circle_hint = ? AND stored_at > ? LIMIT 1");
    this.maxSeq = sql.prepare("SELECT max(seq) AS m FROM relay_messages WHERE circle_hint = ?");
    this.bySeqs = sql.prepare(
      "SELECT seq, CAST(',' || payload AS BLOB), stored_at, expires_at FROM relay_messages WHERE seq IN (SELECT value FROM json_each(?))",
    );
    this.exists = sql.prepare("SELECT 1 AS x FROM relay_messages WHERE circle_hint = ? AND msg_id = ?");
    this.pruneChunk = sql.prepare(
      "DELETE FROM relay_messages WHERE seq IN (SELECT seq FROM relay_messages WHERE expires_at <= ? LIMIT ?) RETURNING circle_hint AS hint, octet_length(payload) AS n",
    );
    // BEGIN IMMEDIATE: take the write lock up front, so another process cannot make us retry.
    const batch = sql.transaction((jobs: Job[], retentionS: number): WriteResult[] => {
      // The clock is read once the write lock is held, not before waiting for it: a since
      // reader that has declared a second complete (see sincePage) took this lock after the
      // last writer that could stamp that second (safe across processes).
      const nowS = this.nowS();
      this.quota.sync();
      const b = this.bounds();
      const storedAt = new Map<string, number>();
      return jobs.map((job): WriteResult => {
        const refusal = this.makeRoom(job, nowS, b);
        if (refusal) return refusal;
        // stored_at never decreases along seq within a hint (even if the clock steps back or
        // another process's clock is ahead): `since` pages and seq pages then agree.
        let at = storedAt.get(job.hint);
        if (at === undefined) {
          const prev = (this.maxStored.get(job.hint) as { m: number | null }).m ?? 0;
          at = Math.max(nowS, prev);
          storedAt.set(job.hint, at);
        }
        const out: StoredEnvelope[] = [];
        for (const it of job.items) {
          const r = this.insert.run(job.hint, it.msgId, it.payload, it.createdTs, at, at + retentionS);
          if (r.changes === 1) {
            out.push({ seq: Number(r.lastInsertRowid), payload: it.payload, storedAt: at, expiresAt: at + retentionS });
            this.quota.add(job.hint, Buffer.byteLength(it.payload));
          }
        }
        return { stored: out };
      });
    });
    this.writeBatch = (jobs, retentionS) => batch.immediate(jobs, retentionS);
  }

  /**
   * Inside the write transaction: whether this batch fits its hint's quota and the total one,
   * evicting the relay's oldest envelopes (stored more than evictMinAgeS ago) for the latter.
   */
  private makeRoom(job: Job, nowS: number, b: StorageBounds): StorageRefusal | null {
    if (b.hintQuotaBytes === Infinity && b.totalQuotaBytes === Infinity) return null;
    let bytes = 0;
    for (const it of job.items)
      if (this.exists.get(job.hint, it.msgId) === null) bytes += Buffer.byteLength(it.payload);
    if (bytes === 0) return null;
    if (this.quota.hint(job.hint) + bytes > b.hintQuotaBytes) {
      const e = (this.hintOldestExpiry.get(job.hint) as { e: number } | null)?.e ?? nowS;
      return { refused: "hint_quota", retryAfterS: Math.min(3600, Math.max(1, e - nowS)) };
    }
    if (this.quota.all(nowS, b.totalQuotaBytes * L.RELAY_QUOTA_EXACT_SHARE - bytes) + bytes <= b.totalQuotaBytes)
      return null;
    const target = b.totalQuotaBytes * L.RELAY_EVICT_TO_SHARE - bytes;
    const cutoff = nowS - b.evictMinAgeS;
    const evicted: number[] = [];
    const total = () => this.quota.all(nowS, 0); // exact from here on
    while (total() > target) {
      const rows = this.oldest.all(L.RELAY_EVICT_CHUNK) as { seq: number; hint: string; n: number; at: number }[];
      let last = -1;
      for (const r of rows) {
        if (r.at > cutoff || total() <= target) break;
        this.quota.add(r.hint, -r.n);
        evicted.push(r.seq);
        last = r.seq;
      }
      if (last < 0) break;
      // the rows read are the oldest ones, so "seq <= last" deletes exactly those counted
      this.evictUpTo.run(last);
    }
    if (evicted.length) this.onEvicted(evicted);
    return total() + bytes <= b.totalQuotaBytes ? null : { refused: "relay_full" };
  }

  /** Queue a validated batch; resolves with the rows newly stored, once they are durable, or why none were. */
  write(hint: string, items: NewEnvelope[]): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ hint, items, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private flush = (): void => {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    let results: WriteResult[];
    try {
      // Refuse before SQLite runs out of disk mid-transaction (which fails the database, not a request).
      const b = this.bounds();
      if (b.diskFreeMinBytes > 0 && b.freeBytes() < b.diskFreeMinBytes)
        results = jobs.map(() => ({ refused: "disk_full" }) as const);
      else {
        const t0 = performance.now();
        results = this.writeBatch(jobs, this.retentionS());
        this.onWrite((performance.now() - t0) / 1000);
      }
    } catch (e) {
      for (const j of jobs) j.reject(e);
      return;
    }
    for (let i = 0; i < jobs.length; i++) jobs[i]!.resolve(results[i]!);
  };

  /**
   * The clock, read while this connection holds the write lock (taken and released at once):
   * every writer that read the clock before us has committed by then, and every later one
   * reads it after us (store.write reads it under the lock). So `now - 1` is a complete second
   * for rows read after this call, across processes sharing the database. Once per second:
   * a second proven settled stays so for the rest of it (later writers stamp it or later).
   */
  settledNowS(): number {
    const now = this.nowS();
    if (now === this.settled || this.sql.inTransaction) return now;
    this.lockNow.run();
    try {
      return (this.settled = this.nowS());
    } finally {
      this.unlock.run();
    }
  }

  /**
   * Whether every envelope is already stored (stops at the first that is not). Such a batch
   * needs no write: what this connection sees was committed, synchronously, before.
   */
  allStored(hint: string, items: NewEnvelope[]): boolean {
    for (const it of items) if (this.exists.get(hint, it.msgId) === null) return false;
    return true;
  }

  seqsAfter(hint: string, cursor: number, limit: number): number[] {
    return splitSeqs(this.afterSeq.get(hint, cursor, limit));
  }
  /** The envelopes stored for a hint. */
  count(hint: string): number {
    return (this.countHint.get(hint) as { n: number }).n;
  }
  /** The newest `limit` seqs below `before`, oldest first. */
  seqsBefore(hint: string, before: number, limit: number): number[] {
    return splitSeqs(this.beforeSeq.get(hint, before, limit), true).reverse();
  }
  seqsSince(hint: string, since: number, limit: number): number[] {
    return splitSeqs(this.sinceStored.get(hint, since, limit));
  }
  seqsStoredBetween(hint: string, since: number, upTo: number, limit: number): number[] {
    return splitSeqs(this.storedBetween.get(hint, since, upTo, limit));
  }
  /** Newest rows stored after `since`, oldest first. */
  recentSeqs(hint: string, since: number, limit: number): number[] {
    return splitSeqs(this.recent.get(hint, since, limit), true).reverse();
  }
  hasStoredAfter(hint: string, storedAt: number): boolean {
    return this.existsAfter.get(hint, storedAt) !== null;
  }
  lastSeq(hint: string): number {
    return (this.maxSeq.get(hint) as { m: number | null }).m ?? 0;
  }
  rows(seqs: number[]): EnvelopeRow[] {
    const rows = this.bySeqs.values(JSON.stringify(seqs)) as [number, Uint8Array, number, number][];
    return rows.map(([seq, bytes, storedAt, expiresAt]) => ({ seq, bytes, storedAt, expiresAt }));
  }
  /** Delete expired envelopes in chunks; returns how many. */
  prune(nowS: number, chunk: number): number {
    let total = 0;
    for (;;) {
      const gone = this.pruneChunk.all(nowS, chunk) as { hint: string; n: number }[];
      for (const g of gone) this.quota.add(g.hint, -g.n);
      total += gone.length;
      if (gone.length < chunk) return total;
    }
  }
}

/** "3,4,7" -> [3, 4, 7] in one pass (no substrings), sorted if SQLite ever hands them unsorted. */
function splitSeqs(row: unknown, descending = false): number[] {
  const s = (row as { s: string | null } | null)?.s;
  if (!s) return [];
  const out: number[] = [];
  let n = 0;
  let sorted = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 44) {
      n = n * 10 + (c - 48);
      continue;
    }
    if (out.length && (descending ? n > out[out.length - 1]! : n < out[out.length - 1]!)) sorted = false;
    out.push(n);
    n = 0;
  }
  if (out.length && (descending ? n > out[out.length - 1]! : n < out[out.length - 1]!)) sorted = false;
  out.push(n);
  if (!sorted) out.sort(descending ? (a, b) => b - a : (a, b) => a - b);
  return out;
}
