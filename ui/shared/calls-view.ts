// The calls a front end lists (web status line, TUI, /call): from the chat store's state.
import type { ChatStore } from "./chat-store.ts";
import type { CallView } from "./types.ts";

/** Calls in progress in a circle (default: the current one), newest first. */
export function callsIn(store: ChatStore, circleId = store.state.circleId): CallView[] {
  return (store.state.app?.calls ?? [])
    .filter((c) => c.circleId === circleId)
    .sort((a, b) => (b.createdTs ?? 0) - (a.createdTs ?? 0));
}

/** The call in progress in a channel (the newest). */
export function callInChannel(store: ChatStore, circleId: string | null, channelId: string): CallView | undefined {
  return callsIn(store, circleId).find((c) => c.channelId === channelId);
}
