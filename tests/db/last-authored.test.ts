// Issue 17: composing a message asks for the author's newest created_ms and author_seq
// (nextOrder). One query with both MAXes scanned every message of the author, at every send:
// O(history) per message, ~9 ms a send after 10,000 own messages. Now each MAX is one index seek
// (messages_author_ms, migration 0011; messages_author_seq).
import { expect, test } from "bun:test";
import { openMemoryDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";

const CID = "c".repeat(24);
const ME = "a".repeat(24);

function rows(store: NodeStore, author: string, n: number, startMs: number) {
  store.sql.run(
    `WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ${n})
     INSERT INTO messages (msg_id, circle_id, channel_id, author_node_id, display_name, created_ts, sort_ts, sort_ms,
       late, created_ms, author_seq, text, origin, received_at)
     SELECT printf('%s%08x', substr('${author}', 1, 24), i), '${CID}', 'general', '${author}', 'x',
       (${startMs} + i * 1000) / 1000, (${startMs} + i * 1000) / 1000, ${startMs} + i * 1000, 0,
       ${startMs} + i * 1000, i + 1, 't', 'local', 0 FROM k`,
  );
}

test("lastAuthored: right figures, each MAX answered by an index seek, never a scan of the author's messages", () => {
  const store = new NodeStore(openMemoryDb());
  expect(store.lastAuthored(CID, ME)).toEqual({ createdMs: 0, authorSeq: 0 });
  rows(store, ME, 3000, 1_800_000_000_000);
  rows(store, "b".repeat(24), 3000, 1_800_100_000_000);
  // a row of the author without a sequence (a v1 copy) counts for neither
  store.sql.run(
    `INSERT INTO messages (msg_id, circle_id, channel_id, author_node_id, display_name, created_ts, sort_ts, sort_ms,
      late, created_ms, text, origin, received_at) VALUES ('${"f".repeat(32)}', '${CID}', 'general', '${ME}', 'x',
      1900000000, 1900000000, 1900000000000, 0, 1900000000000, 'v1', 'tcp', 0)`,
  );
  expect(store.lastAuthored(CID, ME)).toEqual({ createdMs: 1_800_000_000_000 + 2999 * 1000, authorSeq: 3000 });

  // the SQL it runs, and SQLite's plan for it
  let text = "";
  const db = store.sql;
  const orig = db.query.bind(db);
  db.query = ((t: string) => {
    if (/author_seq/.test(t) && /MAX/i.test(t)) text = t;
    return orig(t);
  }) as typeof db.query;
  store.lastAuthored(CID, ME);
  db.query = orig;
  expect(text).not.toBe("");
  const params = text.includes("$c") ? [{ c: CID, a: ME }] : [CID, ME];
  const plan = (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...(params as [never])) as { detail: string }[]).map(
    (p) => p.detail,
  );
  const reads = plan.filter((d) => /messages/.test(d));
  // created_ms by its own index (before: read through messages_author_seq, every row of the author)
  expect(reads.some((d) => /USING INDEX messages_author_ms \(circle_id=\? AND author_node_id=\?\)/.test(d))).toBe(true);
  expect(reads.some((d) => /USING COVERING INDEX messages_author_seq/.test(d))).toBe(true);
  expect(reads.some((d) => /^SCAN/.test(d))).toBe(false);
});
