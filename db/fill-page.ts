// The serving side of a streamed fill (docs/PROTOCOL.md §23, issue 17): one page of a circle's
// servable messages in reconciliation order, newest first, read by the index
// messages_circle_created (drizzle/0014_join_index.sql) from where the previous page stopped.
// A fill of 1,000,000 messages is ~2,000 of these reads; nothing holds the whole history.
// What may be served at all is decided here only (the v2Items condition), so a lower bound on
// history (an owner's policy) goes in this one query.
import type { Database } from "bun:sqlite";
import type { FillQuery, FillRow } from "../src/sync/store.ts";

/** above every created_ts a row can hold */
const TOP = { ts: Number.MAX_SAFE_INTEGER, id: "" };

export function fillPage(sql: Database, circleId: string, q: FillQuery): FillRow[] {
  const upper = q.below ?? q.upper ?? TOP;
  return sql
    .query(`SELECT created_ts AS ts, msg_id AS msgId, v2_wire AS wire FROM messages
      WHERE circle_id = ? AND (created_ts, msg_id) >= (?, ?) AND (created_ts, msg_id) < (?, ?)
        AND ((v2_wire IS NOT NULL AND key_epoch <= ?) OR (? AND v2_wire IS NULL AND mac IS NOT NULL))
      ORDER BY created_ts DESC, msg_id DESC LIMIT ?`)
    .all(circleId, q.lower.ts, q.lower.id, upper.ts, upper.id, q.maxEpoch, q.legacy ? 1 : 0, q.limit) as FillRow[];
}

/**
 * Run `fn` (in the caller's transaction) with the full-text entries of the rows it inserts
 * written in one INSERT ... SELECT at its end (drizzle/0015_fts_bulk.sql): per row, the FTS5
 * trigger cost ~30 CPU-µs of a stored message's ~55, in bulk ~13. The triggers skip rows from
 * fts_defer.from_seq on while it is set (their inserts, and updates and deletes of them inside
 * `fn`), so each gets one entry, of its final text; it is cleared before the commit.
 */
export function bulkFts<T>(sql: Database, fn: () => T): T {
  const from = (sql.query(`SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM messages`).get() as { s: number }).s;
  // AUTOINCREMENT: every row inserted from here on has a seq of at least `from`
  const seq = sql.query(`SELECT seq FROM sqlite_sequence WHERE name = 'messages'`).get() as { seq: number } | null;
  const start = Math.max(from, (seq?.seq ?? 0) + 1);
  sql.query(`UPDATE fts_defer SET from_seq = ?`).run(start);
  let out: T;
  try {
    out = fn();
  } finally {
    sql.query(`UPDATE fts_defer SET from_seq = NULL`).run();
  }
  sql
    .query(`INSERT INTO messages_fts (rowid, text, scope) SELECT
      (MIN(MAX(sort_ms, 0), 4398046511103) << 21) | (seq & 2097151), text,
      'c' || lower(hex(circle_id)) || ' k' || lower(hex(channel_id))
      FROM messages WHERE seq >= ? AND channel_id != '__control' AND text != ''`)
    .run(start);
  return out;
}
