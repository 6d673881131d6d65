// Bytes of envelopes per circle_hint and in total, for the storage quotas of the write path.
// Counted in memory and adjusted on every write, eviction and prune of this process; read
// back from the database the first time, and when another connection has committed meanwhile
// (PRAGMA data_version): per hint at once (an indexed sum, so per-hint quotas are exact across
// processes), the total (a scan) only when this count is near the quota or a minute old. So
// with several relay processes on one file the total can be passed by what the others stored
// in that minute; it is re-read before any eviction. Used only inside the write transaction
// or a prune, where no other writer of this connection runs.
import type { Database, Statement } from "bun:sqlite";
import * as L from "../../protocol/limits.ts";

export class QuotaLedger {
  private hints = new Map<string, number>();
  private total: number | null = null;
  /** when `total` was read (s), and whether another connection may have changed it since */
  private totalAt = 0;
  private totalStale = false;
  private version: number | null = null;
  private sumHint: Statement;
  private sumAll: Statement;
  private dataVersion: Statement;

  constructor(sql: Database) {
    // octet_length reads the stored size, not the text (no overflow pages, no decoding)
    this.sumHint = sql.prepare(
      "SELECT coalesce(sum(octet_length(payload)), 0) AS b FROM relay_messages WHERE circle_hint = ?",
    );
    this.sumAll = sql.prepare("SELECT coalesce(sum(octet_length(payload)), 0) AS b FROM relay_messages");
    this.dataVersion = sql.prepare("PRAGMA data_version");
  }

  /** Call at the start of each write transaction: notes whether another connection wrote. */
  sync(): void {
    const v = (this.dataVersion.get() as { data_version: number }).data_version;
    if (v !== this.version && this.version !== null) {
      this.hints.clear();
      this.totalStale = true;
    }
    this.version = v;
  }

  hint(hint: string): number {
    let b = this.hints.get(hint);
    if (b === undefined) {
      b = (this.sumHint.get(hint) as { b: number }).b;
      // bounded: entries are only a cache, and a full map just costs a re-read
      if (this.hints.size >= 100_000) this.hints.clear();
      this.hints.set(hint, b);
    }
    return b;
  }

  /** Total bytes: re-read if another process wrote and this count is at least `exactFrom` or a minute old. */
  all(nowS: number, exactFrom = 0): number {
    if (
      this.total === null ||
      (this.totalStale && (this.total >= exactFrom || nowS - this.totalAt >= L.RELAY_QUOTA_RESYNC_S))
    ) {
      this.total = (this.sumAll.get() as { b: number }).b;
      this.totalAt = nowS;
      this.totalStale = false;
    }
    return this.total;
  }

  add(hint: string, bytes: number): void {
    const b = this.hints.get(hint);
    if (b !== undefined) this.hints.set(hint, b + bytes);
    if (this.total !== null) this.total += bytes;
  }
}
