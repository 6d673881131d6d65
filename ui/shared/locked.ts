// A locked channel: a key or invite channel this user has not joined. Its messages cannot be
// read here, so the front ends show one line about them instead of their (empty) bodies, and
// the way in (join with the key, or ask the owner) instead of an input that would only fail.
import { FelundError } from "../../src/protocol/errors.ts";
import type { ChatStore } from "./chat-store.ts";
import type { ChannelView } from "./types.ts";

/** The active channel's view. */
export const activeChannel = (store: ChatStore): ChannelView | undefined =>
  store.circle?.channels.find((c) => c.channelId === store.state.channelId);

export const isLocked = (ch: ChannelView | undefined): ch is ChannelView => !!ch && !ch.joined;

/** "This channel is locked: 3 messages you can read after joining." (`more`: there are older ones) */
export function lockedText(ch: ChannelView, count: number, more = false): string {
  const n = `${count}${more ? "+" : ""} message${count === 1 && !more ? "" : "s"}`;
  return `#${ch.channelId} is locked: ${n} you can read after joining.`;
}

/** What joins it: the command, and for the TUI's hint line a short how-to. */
export function joinHow(ch: ChannelView): string {
  return ch.accessMode === "key"
    ? `join with its key: /channel join ${ch.channelId} <key>`
    : `ask to join: /channel join ${ch.channelId} (its owner approves)`;
}

/** The error for writing in a locked channel (refused before sending). */
export const lockedError = (ch: ChannelView | undefined): FelundError | null =>
  isLocked(ch) ? new FelundError("E_NO_KEY", `#${ch.channelId} is locked: ${joinHow(ch)}`) : null;
