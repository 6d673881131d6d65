// The timers of the browser's call mesh (ui/web/src/calls/mesh.ts), with their reasons. A
// sibling of limits.ts, apart only so that they load with the lazy call chunk and add nothing to
// the web client's first load (limits.ts is in it).

/**
 * The mesh checks its links every second; an offer with no answer is sent again after 6 s, a
 * hello after 5 s; a lost peer is probed every 15 s; a link disconnected for 3 s restarts ICE.
 * ICE candidates are batched for 200 ms (one signal, not one per candidate); level meters
 * refresh every 120 ms. Signals that arrive before the sender's join event are kept 15 s, at
 * most 64.
 */
export const CALL_TICK_MS = 1000;
export const CALL_RETRY_OFFER_MS = 6_000;
export const CALL_RETRY_HELLO_MS = 5_000;
export const CALL_PROBE_LOST_MS = 15_000;
export const CALL_DISCONNECTED_GRACE_MS = 3_000;
export const CALL_CANDIDATE_FLUSH_MS = 200;
export const CALL_METER_MS = 120;
export const CALL_EARLY_SIGNAL_MS = 15_000;
export const CALL_EARLY_SIGNALS_MAX = 64;
