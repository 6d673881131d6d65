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
