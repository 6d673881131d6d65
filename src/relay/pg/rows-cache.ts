// Envelopes kept in memory by one relay process on PostgreSQL, by hint and seq, for pages:
// a stored row never changes and a hint's seq is never reused, so a cached row is never
// stale; pages list their seqs from the database first, so a row deleted elsewhere (prune,
// eviction by another process) is never served from here, only kept until dropped.
import type { EnvelopeRow } from "../messages/store.ts";

export class RowsCache {
  private rows = new Map<string, EnvelopeRow>();
  private bytes = 0;

  constructor(private maxBytes: number) {}

  get(hint: string, seq: number): EnvelopeRow | undefined {
    return this.rows.get(`${hint} ${seq}`);
  }

  remember(hint: string, e: EnvelopeRow): void {
    const key = `${hint} ${e.seq}`;
    if (e.bytes.length > this.maxBytes || this.rows.has(key)) return;
    this.rows.set(key, e);
    this.bytes += e.bytes.length;
    if (this.bytes <= this.maxBytes) return;
    for (const [k, old] of this.rows) {
      if (this.bytes <= this.maxBytes * 0.9) break;
      this.rows.delete(k);
      this.bytes -= old.bytes.length;
    }
  }

  drop(hint: string, seq: number): void {
    const key = `${hint} ${seq}`;
    const e = this.rows.get(key);
    if (!e) return;
    this.rows.delete(key);
    this.bytes -= e.bytes.length;
  }

  dropExpired(nowS: number): void {
    for (const [k, e] of this.rows) {
      if (e.expiresAt > nowS) continue;
      this.rows.delete(k);
      this.bytes -= e.bytes.length;
    }
  }
}
