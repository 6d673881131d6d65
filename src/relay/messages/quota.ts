// Bytes of envelopes per circle_hint and in total, for the storage quotas of the write path.
// Counted in memory and adjusted on every write and eviction of this process; read back from
// the database (an indexed sum per hint, one scan for the total) the first time, after a
// prune, and whenever another connection has committed meanwhile (PRAGMA data_version), so
// several relay processes on one database file still check against what is really stored.
// Used only inside the write transaction, where no other writer can change the table.
import type { Database, Statement } from "bun:sqlite";

export class QuotaLedger {
  private hints = new Map<string, number>();
  private total: number | null = null;
  private version: number | null = null;
  private sumHint: Statement;
  private sumAll: Statement;
  private dataVersion: Statement;

  constructor(sql: Database) {
    // octet_length reads the stored size, not the text (no overflow pages, no decoding)
    this.sumHint = sql.prepare("SELECT coalesce(sum(octet_length(payload)), 0) AS b FROM relay_messages WHERE circle_hint = ?");
    this.sumAll = sql.prepare("SELECT coalesce(sum(octet_length(payload)), 0) AS b FROM relay_messages");
    this.dataVersion = sql.prepare("PRAGMA data_version");
  }

  /** Call at the start of each write transaction: forgets the counts if another connection wrote. */
  sync(): void {
    const v = (this.dataVersion.get() as { data_version: number }).data_version;
    if (v !== this.version) this.forget();
    this.version = v;
  }

  /** After this connection deleted rows by other means (prune). */
  forget(): void {
    this.hints.clear();
    this.total = null;
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

  all(): number {
    return (this.total ??= (this.sumAll.get() as { b: number }).b);
  }

  add(hint: string, bytes: number): void {
    const b = this.hints.get(hint);
    if (b !== undefined) this.hints.set(hint, b + bytes);
    if (this.total !== null) this.total += bytes;
  }
}
