// Envelopes by seq as UTF-8 bytes, kept in memory so a page is one index-only query, a few
// map lookups and memcpy: no row decoding and no string encoding per request. Safe with
// several relay processes on one database: a stored row never changes and a seq is never
// reused (AUTOINCREMENT), and pages only ask for seqs the database has just listed. The
// oldest entries go first when the byte budget is spent.
import type { EnvelopeRow, MessageStore } from "./store.ts";

export class EnvelopeCache {
  private entries = new Map<number, EnvelopeRow>();
  private bytes = 0;

  constructor(
    private store: MessageStore,
    private budgetBytes: number,
  ) {}

  add(e: EnvelopeRow): void {
    if (e.bytes.length > this.budgetBytes || this.entries.has(e.seq)) return;
    this.entries.set(e.seq, e);
    this.bytes += e.bytes.length;
    if (this.bytes > this.budgetBytes) this.evict();
  }

  /** The envelopes of these seqs, in the same order (rows deleted meanwhile are left out). */
  get(seqs: number[]): EnvelopeRow[] {
    const out = new Array<EnvelopeRow | undefined>(seqs.length);
    let missing: number[] | null = null;
    for (let i = 0; i < seqs.length; i++) {
      const e = this.entries.get(seqs[i]!);
      out[i] = e;
      if (!e) (missing ??= []).push(seqs[i]!);
    }
    if (!missing) return out as EnvelopeRow[];
    const read = new Map<number, EnvelopeRow>();
    for (const e of this.store.rows(missing)) {
      read.set(e.seq, e);
      this.add(e);
    }
    const all: EnvelopeRow[] = [];
    for (let i = 0; i < seqs.length; i++) {
      const e = out[i] ?? read.get(seqs[i]!);
      if (e) all.push(e);
    }
    return all;
  }

  /** Forget these rows (evicted from the database to make room). */
  drop(seqs: number[]): void {
    for (const seq of seqs) {
      const e = this.entries.get(seq);
      if (!e) continue;
      this.entries.delete(seq);
      this.bytes -= e.bytes.length;
    }
  }

  /** Drop entries that expired (after a prune); expiry follows insertion order closely. */
  dropExpired(nowS: number): void {
    for (const [seq, e] of this.entries) {
      if (e.expiresAt > nowS) continue;
      this.entries.delete(seq);
      this.bytes -= e.bytes.length;
    }
  }

  private evict(): void {
    const target = this.budgetBytes * 0.9;
    for (const [seq, e] of this.entries) {
      if (this.bytes <= target) break;
      this.entries.delete(seq);
      this.bytes -= e.bytes.length;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
