// Typing indicators (issue 16), without I/O: the sender's throttle (one notice per channel per
// TYPING_SEND_EVERY_MS while the user types) and the receiver's board (who is typing where,
// each shown TYPING_SHOW_MS unless renewed, cleared when that author's message arrives, and a
// per-peer cap on notices accepted, so a flood changes nothing). Never stored. The author of a
// notice is whoever the transport authenticated (the peer of a v2 session), never a field of it.
import { TYPING_RECV_MAX, TYPING_RECV_WINDOW_MS, TYPING_SHOW_MS } from "../protocol/limits.ts";

export { TypingThrottle } from "./typing-throttle.ts";

/** The receiver's side: who is typing in which channel. */
export class TypingBoard {
  /** "circle/channel" -> author node id -> shown until (ms) */
  private until = new Map<string, Map<string, number>>();
  /** author -> times of recent notices accepted */
  private recent = new Map<string, number[]>();

  /** A notice from `author` (as its transport authenticated it). False: over the author's cap, dropped. */
  note(circleId: string, channelId: string, author: string, nowMs: number): boolean {
    const times = (this.recent.get(author) ?? []).filter((t) => nowMs - t < TYPING_RECV_WINDOW_MS);
    if (times.length >= TYPING_RECV_MAX) {
      this.recent.set(author, times);
      return false;
    }
    times.push(nowMs);
    this.recent.set(author, times);
    const k = `${circleId}/${channelId}`;
    let m = this.until.get(k);
    if (!m) this.until.set(k, (m = new Map()));
    m.set(author, nowMs + TYPING_SHOW_MS);
    return true;
  }

  /** The author's message arrived in the channel: they stopped typing there. */
  messageFrom(circleId: string, channelId: string, author: string): void {
    this.until.get(`${circleId}/${channelId}`)?.delete(author);
  }

  /** Who is typing in a channel now (node ids, in the order they started). */
  typing(circleId: string, channelId: string, nowMs: number): string[] {
    const m = this.until.get(`${circleId}/${channelId}`);
    if (!m) return [];
    for (const [a, t] of m) if (t <= nowMs) m.delete(a);
    return [...m.keys()];
  }
}

/** "Alice is typing…", "Alice and Bob are typing…", "Several people are typing…"; "" for nobody. */
export function typingText(names: string[]): string {
  if (!names.length) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}
