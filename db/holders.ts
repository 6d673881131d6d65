// Delivery state of this node's own messages (issue 14): who is known to hold each. The SQL
// behind NodeStore.addHolders / holdersOf, kept apart from the rest of the store.
import type { Database } from "bun:sqlite";

/** bound parameters per statement stay well under SQLite's limit */
const CHUNK = 500;

export function addHolders(sql: Database, author: string, msgIds: string[], holder: string, now: number): string[] {
  const fresh = new Set<string>();
  for (let i = 0; i < msgIds.length; i += CHUNK) {
    const chunk = msgIds.slice(i, i + CHUNK);
    const rows = sql
      .query(
        `INSERT INTO message_holders (msg_id, holder, circle_id, held_at)
         SELECT msg_id, ?, circle_id, ? FROM messages WHERE author_node_id = ? AND msg_id IN (${chunk.map(() => "?").join(",")})
         ON CONFLICT DO NOTHING RETURNING msg_id AS msgId`,
      )
      .all(holder, now, author, ...chunk) as { msgId: string }[];
    for (const r of rows) fresh.add(r.msgId);
  }
  return msgIds.filter((id) => fresh.delete(id));
}

export function holdersOf(sql: Database, msgId: string): string[] {
  return (
    sql.query(`SELECT holder FROM message_holders WHERE msg_id = ? ORDER BY holder`).all(msgId) as { holder: string }[]
  ).map((r) => r.holder);
}
