// Full-text search over the node's messages: the FTS5 index `messages_fts` (drizzle/0009_search.sql,
// kept in step by triggers) answers newest first in rowid order, lazily, and each hit is read back
// from `messages` by its place, which also keeps only the circle (and channel) asked for. The query
// is parsed and escaped in src/sync/search.ts.
//
// The circle and channel are also tokens of the index (column `scope`), but every row has one, so
// ANDing them costs a seek per step through the other words' lists (a five-word query that matches
// nothing: 40 ms instead of 10 over 1,000,000 rows). So the words alone are tried first, reading
// up to SCAN_MAX hits; only when the circle (or channel) is a small part of them, the rest of the
// page comes from the query with the scope tokens, from where the first scan stopped.
import type { Database } from "bun:sqlite";
import { ftsExpression, type SearchQuery } from "../src/sync/search.ts";
import type { OrderKey, StoredMessage } from "../src/sync/store.ts";

/** sort_ms bounds of an index key (the trigger clamps sort_ms to 0 .. 2^42 - 1) and the seq bits */
const MS_MAX = 2 ** 42 - 1;
const SEQ_BITS = 2n ** 21n;
const KEY_MAX = 2n ** 63n - 1n;
/** index hits read without the scope tokens before the scoped query takes over */
const SCAN_MAX = 2_000;
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
  const words = ftsExpression(q);
  const scope = [`scope : "c${hex(circleId)}"`];
  if (opts.channelId !== undefined) scope.push(`scope : "k${hex(opts.channelId)}"`);
  const hits = sql
    .query(`SELECT rowid AS k FROM messages_fts WHERE messages_fts MATCH ? AND rowid < ? ORDER BY rowid DESC`)
    .safeIntegers(true); // keys reach 2^63: read them as bigints
  const read = sql.query(
    `SELECT ${cols} FROM messages WHERE circle_id = ? AND sort_ms BETWEEN ? AND ? AND (seq & 2097151) = ?
      AND channel_id != '__control' AND text != '' AND (v2_kind IS NULL OR v2_kind NOT IN (4, 5, 6))
      AND (? IS NULL OR channel_id = ?) ORDER BY seq`,
  );
  const out: StoredMessage[] = [];
  /** the rows of one index key in this circle (and channel); true when the page is full */
  const take = (k: bigint): boolean => {
    const ms = Number(k / SEQ_BITS);
    const lo = ms === 0 ? Number.MIN_SAFE_INTEGER : ms;
    const hi = ms === MS_MAX ? Number.MAX_SAFE_INTEGER : ms;
    const ch = opts.channelId ?? null;
    out.push(...(read.all(circleId, lo, hi, Number(k % SEQ_BITS), ch, ch) as StoredMessage[]));
    return out.length >= opts.limit;
  };
  let upper = opts.before ? keyOf(opts.before) : KEY_MAX;
  let scanned = 0;
  for (const { k } of hits.iterate(words, upper) as IterableIterator<{ k: bigint }>) {
    if (take(k)) return out.slice(0, opts.limit);
    upper = k;
    if (++scanned >= SCAN_MAX) break;
  }
  if (scanned < SCAN_MAX) return out; // every hit of the words was read
  for (const { k } of hits.iterate([...scope, words].join(" AND "), upper) as IterableIterator<{ k: bigint }>)
    if (take(k)) break;
  return out.slice(0, opts.limit);
}
