// "Alice is typing…" for a channel (docs/PROTOCOL.md §22), one line for web and TUI alike, from
// the store's typing state (the peer's "typing" events, which also end a notice when its
// author's message arrives or it expires).
import { typingText } from "../../src/sync/typing.ts";
import type { ChatStore } from "./chat-store.ts";

/** "Alice is typing…" for the open channel (or `key`), "" when nobody is. */
export function typingLine(store: ChatStore, key = store.currentKey): string {
  const who = store.state.typing[key] ?? [];
  const circleId = key.slice(0, key.indexOf("/"));
  return typingText(who.map((id) => store.nameOf(id, circleId)));
}
