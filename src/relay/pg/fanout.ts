// WebSocket pushes across relay processes on one PostgreSQL database: the insert transaction
// of a POST sends one notification (LISTEN/NOTIFY, delivered at commit, in commit order) and
// every process pushes it to its own subscribers of that hint. The poster's own process has
// pushed already and skips its own notifications (origin). A notification carries the push
// frame itself when it fits PostgreSQL's 8000-byte payload; otherwise the hint and seq range,
// and a process with subscribers of that hint reads the rows. Typing notices (ws/typing.ts, never
// stored) go the same way, "origin hint T frame", sent on their own (not in a transaction).
import { pushFrame } from "../messages/page.ts";
import type { StoredEnvelope } from "../messages/store.ts";

export const CHANNEL = "felund_relay";
/** pg_notify payloads must stay under 8000 bytes. */
const INLINE_MAX = 7900;

export interface Fanout {
  channel: string;
  /** this process's id in the notifications it sends */
  origin: string;
}

/** "origin hint F frame" or "origin hint R from to server_time". */
export function notifyText(origin: string, hint: string, stored: StoredEnvelope[], serverTime: number): string {
  const frame = pushFrame(stored, serverTime);
  const inline = `${origin} ${hint} F ${frame}`;
  if (Buffer.byteLength(inline) <= INLINE_MAX) return inline;
  return `${origin} ${hint} R ${stored[0]!.seq} ${stored[stored.length - 1]!.seq} ${serverTime}`;
}

/** A typing notice's frame (at most TYPING_RELAY_BLOB_MAX of base64 inside: well under the limit). */
export const typingNotifyText = (origin: string, hint: string, frame: string): string => `${origin} ${hint} T ${frame}`;

export type Notified =
  | { origin: string; hint: string; frame: string; typing?: true }
  | { origin: string; hint: string; from: number; to: number; serverTime: number };

export function parseNotify(text: string): Notified | null {
  const a = text.indexOf(" ");
  const b = text.indexOf(" ", a + 1);
  if (a < 0 || b < 0) return null;
  const origin = text.slice(0, a);
  const hint = text.slice(a + 1, b);
  const kind = text.slice(b + 1, b + 2);
  const rest = text.slice(b + 3);
  if (kind === "F") return { origin, hint, frame: rest };
  if (kind === "T") return { origin, hint, frame: rest, typing: true };
  const [from, to, serverTime] = rest.split(" ").map(Number);
  if (kind !== "R" || !Number.isSafeInteger(from) || !Number.isSafeInteger(to) || !Number.isSafeInteger(serverTime))
    return null;
  return { origin, hint, from: from!, to: to!, serverTime: serverTime! };
}
