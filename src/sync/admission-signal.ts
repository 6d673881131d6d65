// How a felund2 admission travels in the relay's /v1/signal rows (docs/PROTOCOL.md §10.1): its
// signal type and session id prefix. Apart from relay-admission.ts, so a shell can see that a
// join waits without loading the handshake engine.
export const ADMISSION_SIGNAL = "felund-v2";
export const ADMISSION_PREFIX = "adm:";
