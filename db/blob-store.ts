// The node's attachment chunks (src/sync/blobs.ts over SQLite; tables attachment_chunks and
// blobs, migration 0012): kept apart from NodeStore, which holds the messages.
import type { Database, Statement } from "bun:sqlite";
import type { BlobStore } from "../src/sync/blobs.ts";

export class SqliteBlobStore implements BlobStore {
  private s: Record<string, Statement>;
  constructor(private sql: Database) {
    const q = (text: string) => sql.query(text);
    this.s = {
      list: q(`INSERT INTO attachment_chunks (circle_id, chunk_id, msg_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
      isListed: q(`SELECT 1 FROM attachment_chunks WHERE circle_id = ? AND chunk_id = ? LIMIT 1`),
      get: q(`SELECT data FROM blobs WHERE circle_id = ? AND chunk_id = ?`),
      put: q(`INSERT INTO blobs (circle_id, chunk_id, data, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      has: q(`SELECT 1 FROM blobs WHERE circle_id = ? AND chunk_id = ?`),
    };
  }
  listChunks(circleId: string, msgId: string, ids: readonly string[]): void {
    this.sql.transaction(() => {
      for (const id of ids) this.s.list!.run(circleId, id, msgId);
    })();
  }
  isListed(circleId: string, chunkId: string): boolean {
    return !!this.s.isListed!.get(circleId, chunkId);
  }
  getChunk(circleId: string, chunkId: string): Uint8Array | null {
    const r = this.s.get!.get(circleId, chunkId) as { data: Uint8Array } | null;
    return r ? new Uint8Array(r.data) : null;
  }
  putChunk(circleId: string, chunkId: string, data: Uint8Array, now: number): void {
    this.s.put!.run(circleId, chunkId, data, now);
  }
  held(circleId: string, ids: readonly string[]): Set<string> {
    return new Set(ids.filter((id) => !!this.s.has!.get(circleId, id)));
  }
}
