// The one limit on what a user can send, for every front end: the wire's (MAX_TEXT_BYTES,
// which the peer enforces too). Input bars show a counter from WARN_AT of it and refuse a
// longer message before anything is sent; the chat store refuses it again before the backend.
import { FelundError } from "../../src/protocol/errors.ts";
import { MAX_TEXT_BYTES } from "../../src/protocol/limits.ts";

/** The counter shows from this share of the limit. */
export const WARN_AT = 0.9;

export interface TextBudget {
  bytes: number;
  max: number;
  /** the counter is worth showing (near or over the limit) */
  near: boolean;
  over: boolean;
  /** "7,900 / 8,192 bytes" */
  label: string;
}

const n = (x: number) => x.toLocaleString("en-US");

/** How much of the limit `text` (as it will be sent) uses. */
export function textBudget(text: string, max = MAX_TEXT_BYTES): TextBudget {
  const bytes = new TextEncoder().encode(text).length; // as the peer counts (utf8Length), without its module at first load
  return { bytes, max, near: bytes >= max * WARN_AT, over: bytes > max, label: `${n(bytes)} / ${n(max)} bytes` };
}

/** Throw the error for a message over the limit. */
export function checkLength(text: string): void {
  const e = tooLong(text);
  if (e) throw e;
}

/** The error for a message over the limit, or null when it fits. */
export function tooLong(text: string, max = MAX_TEXT_BYTES): FelundError | null {
  const b = textBudget(text, max);
  return b.over ? new FelundError("E_TOO_LONG", `message too long: ${b.label} (shorten it to send)`) : null;
}
