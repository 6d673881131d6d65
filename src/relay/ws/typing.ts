// Typing notices on the WebSocket push (docs/PROTOCOL.md §22): a subscriber that asked for them
// (`typing=1`) is told so on connect ({"t":"FEATURES","typing":true}) and may send
// {"t":"TYPING","blob":…}; the relay passes the blob on, as {"t":"TYPING","blob":…}, to the
// other subscribers of the hint that asked for them, and never stores it. Blobs are sealed and
// signed end to end (src/protocol/v2/typing.ts): the relay checks only size and rate
// (RELAY_TYPING_BURST / RELAY_TYPING_PER_S per client address and hint; the rest are dropped).
// Subscribers that did not ask (original clients) never see one. On a relay of several processes
// (PostgreSQL) a notice passed on is also shared with the others (`share`: LISTEN/NOTIFY, pg/index.ts),
// which deliver() it to their own subscribers; the rate is per process.
import { RELAY_TYPING_BURST, RELAY_TYPING_PER_S, TYPING_RELAY_BLOB_MAX } from "../../protocol/limits.ts";
import { TokenBuckets } from "../rate-limit.ts";
import type { Subscriber } from "./hub.ts";

export const FEATURES_FRAME = JSON.stringify({ t: "FEATURES", typing: true });

export class TypingRelay {
  private byHint = new Map<string, Set<Subscriber>>();
  private rate = new TokenBuckets({ perSecond: RELAY_TYPING_PER_S, burst: RELAY_TYPING_BURST }, 10_000);
  /** notices passed on, and dropped over the rate (/metrics-style counters for tests) */
  passed = 0;
  dropped = 0;
  /** the other relay processes' subscribers (PostgreSQL): set by the backend, null in one process */
  share: ((hint: string, text: string) => void) | null = null;

  add(hint: string, sub: Subscriber): void {
    let set = this.byHint.get(hint);
    if (!set) this.byHint.set(hint, (set = new Set()));
    set.add(sub);
  }

  remove(hint: string, sub: Subscriber): void {
    const set = this.byHint.get(hint);
    if (set?.delete(sub) && !set.size) this.byHint.delete(hint);
  }

  /** A client frame from `from` (a subscriber of `hint`): a typing notice is passed on, anything else ignored. */
  received(hint: string, from: Subscriber, address: string, frame: unknown, nowMs: number): void {
    const set = this.byHint.get(hint);
    if (!set?.has(from)) return;
    let f = frame;
    if (typeof f === "string") {
      if (f.length > TYPING_RELAY_BLOB_MAX + 64) return;
      try {
        f = JSON.parse(f);
      } catch {
        return;
      }
    }
    const blob = (f as { t?: unknown; blob?: unknown } | null)?.blob;
    if ((f as { t?: unknown } | null)?.t !== "TYPING" || typeof blob !== "string") return;
    if (!blob || blob.length > TYPING_RELAY_BLOB_MAX || !/^[A-Za-z0-9+/=]+$/.test(blob)) return;
    if (!this.rate.take(`${address} ${hint}`, nowMs).ok) {
      this.dropped++;
      return;
    }
    this.passed++;
    const text = JSON.stringify({ t: "TYPING", blob });
    for (const s of set) if (s !== from) s.send(text);
    this.share?.(hint, text);
  }

  /** A notice another relay process passed on (`text` as it built it): to this process's subscribers of `hint`. */
  deliver(hint: string, text: string): void {
    for (const s of this.byHint.get(hint) ?? []) s.send(text);
  }
}
