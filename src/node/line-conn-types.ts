// What a LineConn (line-conn.ts) drives and its bounds: the engine it carries,
// its timeouts and its outgoing queue's limits, with their production values (limits.ts).
import {
  EXCHANGE_DEADLINE_MS,
  HANDSHAKE_DEADLINE_MS,
  OUT_HELD_MAX_BYTES,
  OUT_LINGER_MS,
  OUT_QUEUE_MAX_BYTES,
  OUT_QUEUE_PAUSE_BYTES,
  OUT_STALL_MS,
  READ_TIMEOUT_MS,
} from "../protocol/limits.ts";
import type { Step } from "../sync/v1-exchange.ts";

/**
 * A node serving a long answer (a join's streamed fill) collects its garbage after every this many
 * bytes of it: the pages, frames and lines it made are garbage at once, and the runtime's own
 * pace let RSS climb from 137 to 333 MiB serving a 1,000,000-message join (144 MiB after one
 * collection at the end; bench/scale.ts, issue 17's < 300 MB while serving a join).
 */
export const LONG_ANSWER_GC_BYTES = 32 * 1024 * 1024;

/** What LineConn drives: V1Exchange, V2Exchange and InboundRouter all fit. */
export interface Engine {
  readonly role: "client" | "server";
  readonly done: boolean;
  /** an established long-lived session: no read timeout or deadline any more */
  readonly live?: boolean;
  start(): Step;
  receive(line: string): Step;
  abort(reason: string): void;
  /** more to send once the queue has drained (a long answer the engine hands out in parts); empty when nothing is left */
  more?(): Step;
  /** where the engine hands steps that complete later (frames it handles after off-thread signature checks) */
  onLater?(fn: (step: Step) => void): void;
  /** the engine holds enough frames waiting for their checks: stop reading the peer until a later step */
  readonly busy?: boolean;
}

/**
 * Per-connection timeouts; the defaults are the production values of limits.ts (tests shorten
 * them). handshakeMs is the inbound strangers' deadline (src/node/inbound-slots.ts).
 */
export interface ConnTimeouts {
  readMs: number;
  exchangeMs: number;
  handshakeMs: number;
  stallMs: number;
  lingerMs: number;
}
export const DEFAULT_TIMEOUTS: ConnTimeouts = {
  readMs: READ_TIMEOUT_MS,
  exchangeMs: EXCHANGE_DEADLINE_MS,
  handshakeMs: HANDSHAKE_DEADLINE_MS,
  stallMs: OUT_STALL_MS,
  lingerMs: OUT_LINGER_MS,
};

/** Outgoing queue bounds of one connection (limits.ts; tests shrink them). */
export interface QueueLimits {
  pauseBytes: number;
  maxBytes: number;
  heldBytes: number;
  /** a full collection after every this many bytes of long answers (default LONG_ANSWER_GC_BYTES) */
  gcBytes?: number;
}
export const DEFAULT_QUEUE_LIMITS: QueueLimits = {
  pauseBytes: OUT_QUEUE_PAUSE_BYTES,
  maxBytes: OUT_QUEUE_MAX_BYTES,
  heldBytes: OUT_HELD_MAX_BYTES,
};
