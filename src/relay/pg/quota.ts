// The total storage quota, eviction and the disk floor of the relay on PostgreSQL, with the
// SQLite relay's rules (messages/store.ts makeRoom; README "Relay storage"), shared by every
// process on the database:
// - the total is the sum of relay_hints.bytes (one row per hint, kept exact by every write,
//   prune and eviction). Each process reads it back when its own count is near the quota
//   (RELAY_QUOTA_EXACT_SHARE) or a minute old, and adds its own writes meanwhile, so the
//   total can be passed by what the other processes stored in that minute at most;
// - near the quota a write transaction first takes an advisory lock (EVICT_LOCK), reads the
//   exact total and evicts (the oldest envelopes across hints, stored more than evictMinAgeS
//   ago, down to RELAY_EVICT_TO_SHARE of the quota) before it locks its hint's row: writers
//   near the quota run one at a time, so together they cannot pass it. The pruner takes the
//   same lock before the rows of many hints; a writer far from the quota takes only its own
//   hint's row. Every path takes the lock before any row, so no lock cycle can form;
// - the disk floor reads the free space of the database's data directory when PostgreSQL runs
//   on this machine and lets us read `data_directory`; otherwise it cannot be measured here
//   (say so once at start: the operator watches that disk).
import { statfsSync } from "node:fs";
import * as L from "../../protocol/limits.ts";
import { logEvent } from "../../peer/log.ts";
import type { StorageBounds } from "../messages/store.ts";

/** An arbitrary key of the eviction and prune lock (pg_advisory_xact_lock). */
export const EVICT_LOCK = 0x66656c76;

export interface Evicted {
  hint: string;
  seq: number;
}

export class PgRoom {
  private total: number | null = null;
  private totalAt = 0;

  constructor(
    private bounds: () => StorageBounds,
    private onEvicted: (rows: Evicted[]) => void = () => {},
  ) {}

  /** Before a write transaction: whether the disk is below its floor (every new write is refused). */
  diskFull(): boolean {
    const b = this.bounds();
    return b.diskFreeMinBytes > 0 && b.freeBytes() < b.diskFreeMinBytes;
  }

  /**
   * The first statements of a write transaction that brings at most `add` new bytes: how many
   * bytes it may store in total. Far from the quota (this process's count), Infinity, no lock.
   * Near it, exact: under the evict lock (taken before the hint's row: the same order as the
   * evictor and the pruner), the total read back, the oldest rows evicted if `add` does not fit.
   */
  async room(tx: Bun.SQL, add: number, nowS: number): Promise<number> {
    const b = this.bounds();
    if (b.totalQuotaBytes === Infinity) return Infinity;
    const near = b.totalQuotaBytes * L.RELAY_QUOTA_EXACT_SHARE - add;
    if (this.total !== null && this.total < near && nowS - this.totalAt < L.RELAY_QUOTA_RESYNC_S) return Infinity;
    await tx`SELECT pg_advisory_xact_lock(${EVICT_LOCK})`;
    let total = await this.read(tx, nowS);
    if (total < near) return Infinity;
    if (total + add > b.totalQuotaBytes) total = await this.evict(tx, total, nowS, add, b);
    return b.totalQuotaBytes - total;
  }

  /** Bytes this process just stored (or pruned: negative). */
  added(bytes: number): void {
    if (this.total !== null) this.total += bytes;
  }

  private async read(tx: Bun.SQL, nowS: number): Promise<number> {
    const [r] = await tx`SELECT coalesce(sum(bytes), 0)::bigint AS b FROM relay_hints`;
    this.total = Number(r.b);
    this.totalAt = nowS;
    return this.total;
  }

  /** Delete the oldest envelopes older than evictMinAgeS until `add` more bytes fit under the target; the total after. */
  private async evict(tx: Bun.SQL, total: number, nowS: number, add: number, b: StorageBounds): Promise<number> {
    const target = b.totalQuotaBytes * L.RELAY_EVICT_TO_SHARE - add;
    const cutoff = nowS - b.evictMinAgeS;
    const gone: Evicted[] = [];
    while (total > target) {
      const rows = await tx`SELECT circle_hint, seq, octet_length(payload) AS n FROM relay_messages
        WHERE stored_at <= ${cutoff} ORDER BY stored_at, circle_hint, seq LIMIT ${L.RELAY_EVICT_CHUNK}`;
      const hints: string[] = [];
      const seqs: number[] = [];
      for (const row of rows as { circle_hint: string; seq: string | number; n: number }[]) {
        if (total <= target) break;
        hints.push(row.circle_hint);
        seqs.push(Number(row.seq));
        total -= Number(row.n);
      }
      if (!hints.length) break;
      await tx`WITH gone AS (
          DELETE FROM relay_messages m
          USING unnest(${tx.array(hints, "TEXT")}::text[], ${tx.array(seqs, "INT8")}::bigint[]) AS v(h, s)
          WHERE m.circle_hint = v.h AND m.seq = v.s
          RETURNING m.circle_hint, octet_length(m.payload) AS n),
        per AS (SELECT circle_hint, sum(n) AS b FROM gone GROUP BY circle_hint)
        UPDATE relay_hints h SET bytes = h.bytes - per.b FROM per WHERE h.circle_hint = per.circle_hint`;
      for (let i = 0; i < hints.length; i++) gone.push({ hint: hints[i]!, seq: seqs[i]! });
      if (rows.length < L.RELAY_EVICT_CHUNK) break;
    }
    this.total = total;
    // rows of a rolled-back eviction are only dropped from a cache
    if (gone.length) this.onEvicted(gone);
    return total;
  }
}

/** Whether a PostgreSQL URL names this machine (loopback or a unix socket). */
const isLocal = (url: string): boolean => {
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, "");
    return (
      host === "" || host === "localhost" || host === "::1" || host.startsWith("127.") || !!u.searchParams.get("host")
    );
  } catch {
    return false;
  }
};

/**
 * Free bytes of the database's disk, when it can be measured from here: PostgreSQL on this
 * machine and `data_directory` readable (a superuser or pg_read_all_settings). Otherwise null.
 */
export async function pgDiskFree(sql: Bun.SQL, url: string): Promise<(() => number) | null> {
  if (!isLocal(url)) return null;
  let dir: string;
  try {
    const [r] = await sql`SELECT current_setting('data_directory') AS d`;
    dir = String(r.d);
    statfsSync(dir);
  } catch {
    return null;
  }
  return () => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
}

/** The disk floor is set but cannot be measured: said once at start. */
export function warnNoDiskFloor(floor: number): void {
  if (floor > 0)
    logEvent(
      "warn",
      "relay.disk_floor_unmeasured",
      "felund relay: the disk floor (disk_floor_mb) cannot be measured for this PostgreSQL database (not on this machine, or data_directory not readable): watch its disk",
      {},
    );
}
