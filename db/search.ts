// Full-text search over the node's messages: the FTS5 index `messages_fts` (drizzle/0008_search.sql,
// kept in step by triggers) answers newest first in rowid order, and each hit is read back from
// `messages` by its place. The query is parsed and escaped in src/sync/search.ts.
import type { Database } from "bun:sqlite";
import { ftsExpression, type SearchQuery } from "../src/sync/search.ts";
import type { OrderKey, StoredMessage } from "../src/sync/store.ts";

/** sort_ms bounds of an index key (the trigger clamps sort_ms to 0 .. 2^42 - 1) and the seq bits */
const MS_MAX = 2 ** 42 - 1;
const SEQ_BITS = 2n ** 21n;
const keyOf = (k: OrderKey): bigint =>
  BigInt(Math.min(Math.max(Math.trunc(k.sortMs), 0), MS_MAX)) * SEQ_BITS + (BigInt(k.seq) % SEQ_BITS);
const hex = (s: string) => Buffer.from(s, "utf8").toString("hex");

export function searchMessages(
  sql: Database,
  cols: string,
  circleId: string,
  q: SearchQuery,
  opts: { channelId?: string; limit: number; before?: OrderKey },
): StoredMessage[] {
  const scope = [`scope : "c${hex(circleId)}"`];
  if (opts.channelId !== undefined) scope.push(`scope : "k${hex(opts.channelId)}"`);
  const match = [...scope, ftsExpression(q)].join(" AND ");
  const before = opts.before ? keyOf(opts.before) : 2n ** 63n - 1n;
  // keys reach 2^63: read them as bigints
  const keys = sql
    .query(`SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?`)
    .safeIntegers(true)
    .values(match, before, opts.limit) as [bigint][];
  const read = sql.query(
    `SELECT ${cols} FROM messages WHERE circle_id = ? AND sort_ms BETWEEN ? AND ? AND (seq & 2097151) = ?
      AND channel_id != '__control' AND text != '' ORDER BY seq`,
  );
  const out: StoredMessage[] = [];
  for (const [k] of keys) {
    const ms = Number(k / SEQ_BITS);
    const lo = ms === 0 ? Number.MIN_SAFE_INTEGER : ms;
    const hi = ms === MS_MAX ? Number.MAX_SAFE_INTEGER : ms;
    out.push(...(read.all(circleId, lo, hi, Number(k % SEQ_BITS)) as StoredMessage[]));
  }
  return out.slice(0, opts.limit);
}
