// The write transaction of POST /v1/messages on PostgreSQL (messages.ts has why it is safe to
// page across processes): lock the hint's counter row, number the new rows, insert them,
// notify the other processes, commit. Its statements go out in two pipelined flights on one
// reserved connection instead of a round trip each (sql.begin would cost seven plus the
// reservation): BEGIN + the counter row + the msg_ids held (the second statement runs after
// the first has the lock, so it sees every row committed before), then the inserts, the
// counter update, the notifications and COMMIT. The answer still waits for the COMMIT: nothing
// is acknowledged before it is durable. A failed statement aborts the transaction, so the
// COMMIT after it rolls back; the error is thrown once every statement of the flight settled.
import type { NewEnvelope, StoredEnvelope, WriteResult } from "../messages/store.ts";
import { notifyText, type Fanout } from "./fanout.ts";
import type { PgRoom } from "./quota.ts";

export interface WriteDeps {
  sql: Bun.SQL;
  fanout: Fanout;
  nowS: () => number;
  retentionS: () => number;
  hintQuotaBytes: () => number;
  room?: PgRoom;
}

type Query = Promise<unknown>;

/** Await every query sent; the first failure is thrown after all have settled (the connection is idle again). */
async function flight<T extends Query[]>(queries: [...T]): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const done = await Promise.allSettled(queries);
  const bad = done.find((r) => r.status === "rejected");
  if (bad) throw (bad as PromiseRejectedResult).reason;
  return done.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { [K in keyof T]: Awaited<T[K]> };
}

/** One transaction for the queued batches of one hint (group commit); a result per batch. */
export async function writeJobs(d: WriteDeps, hint: string, jobs: { items: NewEnvelope[] }[]): Promise<WriteResult[]> {
  const c = await d.sql.reserve();
  let open = false;
  try {
    const incoming = jobs.reduce((n, j) => n + j.items.reduce((m, it) => m + Buffer.byteLength(it.payload), 0), 0);
    open = true;
    const begun = c`BEGIN`.execute();
    // near the total quota: the evict lock, the exact total, eviction (before the hint's row: quota.ts)
    let room = d.room ? await d.room.room(c, incoming, d.nowS()) : Infinity;
    const ids = [...new Set(jobs.flatMap((j) => j.items.map((i) => i.msgId)))];
    const [, [h], held] = await flight([
      begun,
      c`INSERT INTO relay_hints (circle_hint) VALUES (${hint})
        ON CONFLICT (circle_hint) DO UPDATE SET last_seq = relay_hints.last_seq
        RETURNING last_seq, bytes, last_stored_at`.execute() as Promise<Record<string, unknown>[]>,
      c`SELECT msg_id FROM relay_messages WHERE circle_hint = ${hint} AND msg_id = ANY(${c.array(ids, "TEXT")}::text[])`.execute() as Promise<
        { msg_id: string }[]
      >,
    ]);
    const nowS = d.nowS(); // read under the lock (see the top of messages.ts)
    const have = new Set(held.map((r) => r.msg_id));
    const at = Math.max(nowS, Number(h!.last_stored_at));
    const expires = at + d.retentionS();
    let seq = Number(h!.last_seq);
    let bytes = Number(h!.bytes);
    const rows: Record<string, unknown>[] = [];
    const notes: string[] = [];
    let oldest: number | null = null;
    const results: WriteResult[] = [];
    for (const job of jobs) {
      const fresh: NewEnvelope[] = [];
      const taken = new Set<string>();
      let add = 0;
      for (const it of job.items) {
        if (have.has(it.msgId) || taken.has(it.msgId)) continue; // the first copy wins
        taken.add(it.msgId);
        fresh.push(it);
        add += Buffer.byteLength(it.payload);
      }
      if (!fresh.length) {
        results.push({ stored: [] });
        continue;
      }
      if (bytes + add > d.hintQuotaBytes()) {
        if (oldest === null) {
          const [o] = await c`SELECT expires_at FROM relay_messages WHERE circle_hint = ${hint} ORDER BY seq LIMIT 1`;
          oldest = o ? Number(o.expires_at) : nowS;
        }
        results.push({ refused: "hint_quota", retryAfterS: Math.min(3600, Math.max(1, oldest - nowS)) });
        continue;
      }
      if (add > room) {
        results.push({ refused: "relay_full" });
        continue;
      }
      room -= add;
      bytes += add;
      const stored: StoredEnvelope[] = [];
      for (const it of fresh) {
        have.add(it.msgId);
        stored.push({ seq: ++seq, payload: it.payload, storedAt: at, expiresAt: expires });
        rows.push({
          circle_hint: hint,
          seq,
          msg_id: it.msgId,
          payload: it.payload,
          created_ts: it.createdTs,
          stored_at: at,
          expires_at: expires,
        });
      }
      notes.push(notifyText(d.fanout.origin, hint, stored, nowS));
      results.push({ stored });
    }
    if (!rows.length) {
      open = false;
      await c`ROLLBACK`;
      return results;
    }
    open = false; // the COMMIT (or its rollback after a failed statement) ends the transaction either way
    await flight([
      c`INSERT INTO relay_messages ${c(rows)}`.execute(),
      c`UPDATE relay_hints SET last_seq = ${seq}, bytes = ${bytes}, last_stored_at = ${at}
        WHERE circle_hint = ${hint}`.execute(),
      ...notes.map((note) => c`SELECT pg_notify(${d.fanout.channel}, ${note})`.execute()),
      c`COMMIT`.execute(),
    ]);
    return results;
  } catch (e) {
    if (open) await c`ROLLBACK`.catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}
