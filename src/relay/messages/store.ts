// SQL of the message relay over bun:sqlite prepared statements (the hot path), and the group
// commit: every POST batch that arrives within one turn of the event loop is written in one
// transaction, so one fsync (synchronous=FULL) makes all of them durable before any of them
// is answered. Each batch is still all-or-nothing: it is validated before it is queued.
import type { Database, Statement } from "bun:sqlite";

export interface NewEnvelope { msgId: string; createdTs: number; payload: string }
/** A row just written by this process. */
export interface StoredEnvelope { seq: number; payload: string; storedAt: number; expiresAt: number }
/** A row as read back: "," + its JSON as UTF-8 (see page.ts). Rows never change once written. */
export interface EnvelopeRow { seq: number; bytes: Uint8Array; storedAt: number; expiresAt: number }

interface Job { hint: string; items: NewEnvelope[]; resolve(v: StoredEnvelope[]): void; reject(e: unknown): void }

export class MessageStore {
  private insert: Statement;
  private maxStored: Statement;
  private afterSeq: Statement;
  private sinceStored: Statement;
  private storedBetween: Statement;
  private existsAfter: Statement;
  private maxSeq: Statement;
  private recent: Statement;
  private bySeqs: Statement;
  private pruneChunk: Statement;
  private exists: Statement;
  private queue: Job[] = [];
  private scheduled = false;
  private writeBatch: (jobs: Job[], nowS: number, retentionS: number) => StoredEnvelope[][];

  constructor(sql: Database, private nowS: () => number, private retentionS: () => number) {
    this.insert = sql.prepare(
      "INSERT OR IGNORE INTO relay_messages (circle_hint, msg_id, payload, created_ts, stored_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.maxStored = sql.prepare("SELECT max(stored_at) AS m FROM relay_messages WHERE circle_hint = ?");
    // Seq lists come back as one "1,2,3" string: far cheaper than one JS row object per seq.
    // The aggregate reads the ordered subquery in order (an ORDER BY inside group_concat
    // would cost a temp B-tree per page); splitSeqs checks the order anyway.
    const seqs = (inner: string) => sql.prepare(`SELECT group_concat(seq) AS s FROM (${inner})`);
    this.afterSeq = seqs("SELECT seq FROM relay_messages WHERE circle_hint = ? AND seq > ? ORDER BY seq LIMIT ?");
    this.sinceStored = seqs("SELECT seq FROM relay_messages WHERE circle_hint = ? AND stored_at > ? ORDER BY stored_at, seq LIMIT ?");
    this.storedBetween = seqs(
      "SELECT seq FROM relay_messages WHERE circle_hint = ? AND stored_at > ? AND stored_at <= ? ORDER BY stored_at, seq LIMIT ?",
    );
    this.recent = seqs("SELECT seq FROM relay_messages WHERE circle_hint = ? AND stored_at > ? ORDER BY stored_at DESC, seq DESC LIMIT ?");
    this.existsAfter = sql.prepare("SELECT 1 AS x FROM relay_messages WHERE circle_hint = ? AND stored_at > ? LIMIT 1");
    this.maxSeq = sql.prepare("SELECT max(seq) AS m FROM relay_messages WHERE circle_hint = ?");
    this.bySeqs = sql.prepare(
      "SELECT seq, CAST(',' || payload AS BLOB), stored_at, expires_at FROM relay_messages WHERE seq IN (SELECT value FROM json_each(?))",
    );
    this.exists = sql.prepare("SELECT 1 AS x FROM relay_messages WHERE circle_hint = ? AND msg_id = ?");
    this.pruneChunk = sql.prepare(
      "DELETE FROM relay_messages WHERE seq IN (SELECT seq FROM relay_messages WHERE expires_at <= ? LIMIT ?)",
    );
    // BEGIN IMMEDIATE: take the write lock up front, so another process cannot make us retry.
    const batch = sql.transaction((jobs: Job[], nowS: number, retentionS: number) => {
      const storedAt = new Map<string, number>();
      return jobs.map((job) => {
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
          if (r.changes === 1) out.push({ seq: Number(r.lastInsertRowid), payload: it.payload, storedAt: at, expiresAt: at + retentionS });
        }
        return out;
      });
    });
    this.writeBatch = (jobs, nowS, retentionS) => batch.immediate(jobs, nowS, retentionS);
  }

  /** Queue a validated batch; resolves with the rows newly stored, once they are durable. */
  write(hint: string, items: NewEnvelope[]): Promise<StoredEnvelope[]> {
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
    let results: StoredEnvelope[][];
    try {
      results = this.writeBatch(jobs, this.nowS(), this.retentionS());
    } catch (e) {
      for (const j of jobs) j.reject(e);
      return;
    }
    for (let i = 0; i < jobs.length; i++) jobs[i]!.resolve(results[i]!);
  };

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
      const n = this.pruneChunk.run(nowS, chunk).changes;
      total += n;
      if (n < chunk) return total;
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
