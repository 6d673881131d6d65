// The relay's history push (POST /v1/messages/batch, docs/PROTOCOL.md §25), re-exported by limits.ts.
/**
 * History push (POST /v1/messages/batch, docs/PROTOCOL.md §25): envelopes newly stored per
 * circle_hint by batches signed with the circle's pinned push key. A member's node uploads a
 * 100,000-message history in ~10 s; the per-hint byte quota still bounds what a circle holds.
 */
export const RELAY_RATE_PUSH_PER_S = 10_000;
export const RELAY_RATE_PUSH_BURST = 100_000;
/** Envelopes per POST /v1/messages/batch, and the bytes of JSON a client puts in one. */
export const RELAY_PUSH_BATCH_MAX = 1000;
export const RELAY_PUSH_BATCH_BYTES = 2 * 1024 * 1024;
/** X-Felund-Push: a timestamp further than this from the relay's clock is refused. */
export const RELAY_PUSH_ALLOWANCE_SKEW_S = 300;
/** A pinned push key unused this long is forgotten (the next signed batch pins again). */
export const RELAY_PUSH_PIN_IDLE_S = 7 * 24 * 3600;
