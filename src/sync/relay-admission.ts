// felund2 admission through a relay (docs/PROTOCOL.md §10.1): the lines of a join handshake
// (V2Exchange.joiner / V2Exchange.server, unchanged) carried by the relay's /v1/signal
// instead of a TCP connection, so an owner without a reachable address (a relay-only
// browser, a node behind NAT) can still admit members, with the same expiry and use limit.
//
//   signal  = {session_id: "adm:" + 32 hex, from_node_id, to_node_id, circle_hint, type: "felund-v2", payload: one line}
//   joiner  : from = a throwaway 24-hex id, to = node_id of the code's owner key; posts HELLO, then V2_AUTH
//   issuer  : polls its own node_id, runs one V2Exchange.server per (sender, session), answers to the sender
//
// Lines of one session are read in the relay's id order; a line seen twice (a retried POST)
// is dropped. Anyone who reads /v1/signal can post into a session under either side's id, so
// after a session's first line each side takes a line only if it verifies (it completes the
// handshake or opens under the session keys; tentative-exchange.ts): junk is dropped and the
// exchange goes on as if it had not come. An unverified plaintext ERROR is remembered, and
// ends a join only if nothing verified follows within V2_RELAY_ADMISSION_ERROR_GRACE_MS (a real
// "unknown invite" still ends the join, a forged one cannot).
// Everything is bounded (limits.ts V2_RELAY_ADMISSION_*). The classes are pure (the issuer in
// admission-issuer.ts, the joiner in admission-joiner.ts, the signal shapes in admission-wire.ts);
// `joinViaRelay` and `pollAdmissions` drive them over an injected SignalIo, which the shells
// (src/node/relay-client.ts, ui/web/src/relay) implement with fetch. This file is their one entry.
export { ADMISSION_PREFIX, ADMISSION_SIGNAL } from "./admission-signal.ts";
export { AdmissionIssuer, pollAdmissions, type AdmissionOutcome } from "./admission-issuer.ts";
export { AdmissionJoiner, joinViaRelay } from "./admission-joiner.ts";
export type { SignalIo, SignalPost, SignalRow } from "./admission-wire.ts";
