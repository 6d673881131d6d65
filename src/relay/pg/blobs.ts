// Attachment chunks (PUT/GET /v1/blobs, docs/PROTOCOL.md §20) on PostgreSQL: the SQLite
// relay's rules (blobs/service.ts: id checked against the bytes, size per chunk, quota per
// hint, expiry with the retention, a PUT of a held chunk renews it) in relay_blobs. The quota
// holds across processes: a PUT of a new chunk takes a transaction-scoped advisory lock of its
// hint, so two processes cannot both fit their chunk into the same remaining room.
import { blobQuotaRefusal, chunkRefusal, type BlobPut, type BlobsApi } from "../blobs/service.ts";

/** Advisory lock keys of blob hints: hashtextextended(BLOB_LOCK_SALT || hint). */
const BLOB_LOCK_SALT = "felund-blobs:";

export class PgBlobs implements BlobsApi {
  constructor(
    private sql: Bun.SQL,
    private nowS: () => number,
    private retentionS: () => number,
    private quotaBytes: () => number,
  ) {}

  async get(hint: string, chunkId: string): Promise<Uint8Array | null> {
    const [r] = await this.sql`SELECT data FROM relay_blobs
      WHERE circle_hint = ${hint} AND chunk_id = ${chunkId} AND expires_at > ${this.nowS()}`;
    return r ? new Uint8Array(r.data as Uint8Array) : null;
  }

  async put(hint: string, chunkId: string, data: Uint8Array): Promise<BlobPut> {
    const bad = chunkRefusal(chunkId, data);
    if (bad) return bad;
    const now = this.nowS();
    const expires = now + this.retentionS();
    // a chunk held already: renew it (no quota, no lock)
    const renewed = await this.sql`UPDATE relay_blobs SET expires_at = ${expires}
      WHERE circle_hint = ${hint} AND chunk_id = ${chunkId} RETURNING 1 AS x`;
    if (renewed.length) return { ok: true, stored: false };
    const quota = this.quotaBytes();
    return this.sql.begin(async (tx): Promise<BlobPut> => {
      await tx`SELECT pg_advisory_xact_lock(hashtextextended(${BLOB_LOCK_SALT + hint}, 0))`;
      const [u] = await tx`SELECT coalesce(sum(size), 0)::bigint AS n FROM relay_blobs
        WHERE circle_hint = ${hint} AND expires_at > ${now}`;
      if (Number(u.n) + data.length > quota) return blobQuotaRefusal(quota);
      const [r] = await tx`INSERT INTO relay_blobs (circle_hint, chunk_id, data, size, stored_at, expires_at)
        VALUES (${hint}, ${chunkId}, ${data}, ${data.length}, ${now}, ${expires})
        ON CONFLICT (circle_hint, chunk_id) DO UPDATE SET expires_at = excluded.expires_at
        RETURNING (xmax = 0) AS fresh`;
      return { ok: true, stored: r.fresh === true };
    });
  }

  /** Delete expired chunks; returns how many. */
  async prune(nowS: number): Promise<number> {
    const r = await this.sql`DELETE FROM relay_blobs WHERE expires_at <= ${nowS}`;
    return r.count ?? 0;
  }
}
