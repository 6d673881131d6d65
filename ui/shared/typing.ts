// Typing indicators in the front ends (docs/PROTOCOL.md §22), one implementation for web and
// TUI: the composer tells the backend the user types (throttled here too, so a keystroke is not
// a request; the peer throttles what goes on the wire). The line that shows it: typing-line.ts.
import { TypingThrottle } from "../../src/sync/typing-throttle.ts";
import type { ChatStore } from "./chat-store.ts";

const throttles = new WeakMap<ChatStore, TypingThrottle>();

/** The composer's text changed: tell the others this user types (not for an empty line or a /command). */
export function userTyped(store: ChatStore, text: string, nowMs = Date.now()): void {
  const { circleId, channelId } = store.state;
  if (!circleId || !text.trim() || text.startsWith("/") || channelId.startsWith("__") || !store.backend.typing) return;
  let t = throttles.get(store);
  if (!t) throttles.set(store, (t = new TypingThrottle()));
  // a new message begun (the last one was sent or cleared): the others may hear at once
  if (text.trim().length === 1) t.sent(circleId, channelId);
  if (!t.shouldSend(circleId, channelId, nowMs)) return;
  store.backend.typing(circleId, channelId).catch(() => {}); // best effort: a lost notice only hides "typing"
}
