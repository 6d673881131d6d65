// Relay storage quotas (src/relay/messages/quota.ts; README "Relay storage"), re-exported by
// limits.ts with every other bound: each with its reason.
/**
 * Envelope bytes one circle_hint may hold (refused with 429 beyond, never evicted: anyone who
 * knows a hint could otherwise flush that circle's backlog). A busy circle (20 members, 500
 * messages a day, ~1.5 KiB sealed envelopes) stores ~22 MiB in the 30-day retention.
 */
export const RELAY_HINT_QUOTA_BYTES = 64 * 1024 * 1024;
/** Envelope bytes a relay holds in total; past it the oldest envelopes are evicted (see below). */
export const RELAY_TOTAL_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;
/**
 * Only envelopes stored longer ago than this are evicted to make room: a flood over many hints
 * cannot push out what members have not had a day to fetch; with nothing that old left, 507.
 */
export const RELAY_EVICT_MIN_AGE_S = 24 * 3600;
/** Eviction frees down to this share of the total quota, so a full relay does not evict on every write. */
export const RELAY_EVICT_TO_SHARE = 0.95;
/** Rows read per eviction step (oldest first, under the write lock). */
export const RELAY_EVICT_CHUNK = 500;
/**
 * Free disk space below which the relay's write path answers 507 instead of letting SQLite
 * fail mid-transaction: room for the WAL, a checkpoint and the node's own writes on `serve`.
 */
export const RELAY_DISK_FREE_MIN_BYTES = 256 * 1024 * 1024;
/**
 * Several relay processes on one database: after another process wrote, the total is re-read
 * (a scan, ~70 ms per 100,000 envelopes, too slow for every write) only when this process's
 * count is within this share of the quota or older than RELAY_QUOTA_RESYNC_S; per-hint counts
 * are re-read every time (an indexed sum). So the total may be passed by what the other
 * processes stored in the last minute at most.
 */
export const RELAY_QUOTA_EXACT_SHARE = 0.9;
export const RELAY_QUOTA_RESYNC_S = 60;
