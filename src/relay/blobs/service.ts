// The relay's attachment chunks (docs/PROTOCOL.md §20): opaque sealed chunks per circle hint,
// named by the hash of their bytes (checked here, so a chunk id names one content), limited per
// chunk and per hint, expired after the relay's retention like envelopes. Framework-free.
import type { Database } from "bun:sqlite";
import { ATTACH_SEALED_CHUNK_MAX, RELAY_ID_MAX, RELAY_ID_MIN } from "../../protocol/limits.ts";
import { chunkError } from "../../protocol/v2/attachment.ts";
import type { Maybe } from "../storage.ts";
import { isIdOfBytes } from "../validate.ts";

export type BlobRefusal =
  | { ok: false; code: "E_BAD_INPUT" | "E_TOO_LONG" | "E_INVALID"; detail: string }
  | { ok: false; code: "E_RATE_LIMITED"; detail: string };

export const CHUNK_ID_RE = /^[0-9a-f]{32}$/;

export type BlobPut = { ok: true; stored: boolean } | BlobRefusal;

/** What both storage backends serve (SQLite: this file, synchronous; PostgreSQL: src/relay/pg/blobs.ts). */
export interface BlobsApi {
  get(hint: string, chunkId: string): Maybe<Uint8Array | null>;
  /** Store a sealed chunk (idempotent: a chunk held already only has its expiry renewed). */
  put(hint: string, chunkId: string, data: Uint8Array): Maybe<BlobPut>;
}

/** Why these bytes cannot be the chunk `chunkId` (too large, or not its hash), or null. */
export function chunkRefusal(chunkId: string, data: Uint8Array): BlobRefusal | null {
  if (data.length > ATTACH_SEALED_CHUNK_MAX)
    return { ok: false, code: "E_TOO_LONG", detail: `chunk larger than ${ATTACH_SEALED_CHUNK_MAX} bytes` };
  const why = chunkError(chunkId, data);
  return why ? { ok: false, code: "E_INVALID", detail: why } : null;
}

/** The refusal of a chunk that would pass its hint's quota (429). */
export const blobQuotaRefusal = (quota: number): BlobRefusal => ({
  ok: false,
  code: "E_RATE_LIMITED",
  detail: `this circle's attachment storage is full (${quota} bytes)`,
});

export class BlobService implements BlobsApi {
  private s;
  constructor(
    sql: Database,
    private nowS: () => number,
    private retentionS: () => number,
    private quotaBytes: () => number,
  ) {
    this.s = {
      get: sql.prepare("SELECT data FROM relay_blobs WHERE circle_hint = ? AND chunk_id = ? AND expires_at > ?"),
      used: sql.prepare("SELECT COALESCE(SUM(size), 0) AS n FROM relay_blobs WHERE circle_hint = ? AND expires_at > ?"),
      put: sql.prepare(
        `INSERT INTO relay_blobs (circle_hint, chunk_id, data, size, stored_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(circle_hint, chunk_id) DO UPDATE SET expires_at = excluded.expires_at`,
      ),
      has: sql.prepare("SELECT 1 FROM relay_blobs WHERE circle_hint = ? AND chunk_id = ?"),
      prune: sql.prepare("DELETE FROM relay_blobs WHERE expires_at <= ?"),
    };
  }

  /** Why a hint and chunk id in a path are refused, or null. */
  static pathError(hint: string, chunkId: string): string | null {
    if (!isIdOfBytes(hint, RELAY_ID_MIN, RELAY_ID_MAX)) return "circle_hint must be 8-128 bytes";
    if (!CHUNK_ID_RE.test(chunkId)) return "chunk id must be 32 lowercase hex digits";
    return null;
  }

  get(hint: string, chunkId: string): Uint8Array | null {
    const r = this.s.get.get(hint, chunkId, this.nowS()) as { data: Uint8Array } | null;
    return r ? new Uint8Array(r.data) : null;
  }

  /** Store a sealed chunk (idempotent: a chunk held already only has its expiry renewed). */
  put(hint: string, chunkId: string, data: Uint8Array): BlobPut {
    const bad = chunkRefusal(chunkId, data);
    if (bad) return bad;
    const now = this.nowS();
    const known = !!this.s.has.get(hint, chunkId);
    if (!known) {
      const used = (this.s.used.get(hint, now) as { n: number }).n;
      if (used + data.length > this.quotaBytes()) return blobQuotaRefusal(this.quotaBytes());
    }
    this.s.put.run(hint, chunkId, data, data.length, now, now + this.retentionS());
    return { ok: true, stored: !known };
  }

  prune(nowS: number): number {
    return this.s.prune.run(nowS).changes;
  }
}
