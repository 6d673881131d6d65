// Typing indicators in the front ends (docs/PROTOCOL.md §22), one implementation for web and
// TUI: the composer tells the backend the user types (throttled here too, so a keystroke is not
// a request; the peer throttles what goes on the wire), and the line under the message log says
// who types in the open channel, from the store's `typing` state (the peer's "typing" events,
// which also end a notice when its author's message arrives or it expires).
import { TypingThrottle, typingText } from "../../src/sync/typing.ts";
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

/** "Alice is typing…" for the open channel (or `key`), "" when nobody is. */
export function typingLine(store: ChatStore, key = store.currentKey): string {
  const who = store.state.typing[key] ?? [];
  const circleId = key.slice(0, key.indexOf("/"));
  return typingText(who.map((id) => store.nameOf(id, circleId)));
}
