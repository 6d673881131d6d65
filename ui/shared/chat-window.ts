// The chat store's window on a channel's history (issue 17). A front end that sets
// `store.windowSize` holds at most that many messages of a channel: scrolling back loads the page
// before the oldest and drops the newest beyond the window, keeping where each dropped page ends
// (state.newer: a stack of exclusive ends, the nearest last; null is "the newest", which grows as
// messages arrive) to load them again on the way down. While a channel has pages below its window,
// live messages newer than the window are not added: they come with those pages, or "latest".
// Without windowSize (the TUI) nothing is dropped and scroll-back works as it always did. A chunk
// in the web client, loaded at the first scroll-back (the checks every message needs: chat-state.ts).
import type { Backend } from "./backend.ts";
import { type ChatState, cmpKey, mergeMessages, PAGE } from "./chat-state.ts";

/** Pages fetched at most to close a gap below the window (late arrivals); beyond it: back to the latest page. */
const GAP_PAGES_MAX = 8;

export type OrderKey = { sortMs: number; seq: number };
/** The exclusive end that a page ending with `m` is fetched before: seq is an integer, nothing sits between. */
const after = (m: OrderKey): OrderKey => ({ sortMs: m.sortMs, seq: m.seq + 1 });

/** What the window needs of the store (ChatStore passes itself and its setter). */
export interface WindowHost {
  readonly state: ChatState;
  readonly backend: Backend;
  readonly currentKey: string;
  windowSize: number;
}
type Set = (patch: Partial<ChatState>) => void;

const fetchPage = (h: WindowHost, before?: OrderKey) =>
  h.backend.listMessages(h.state.circleId!, h.state.channelId, before ? { limit: PAGE, before } : { limit: PAGE });

/** Scroll-back: load the page before the oldest message held; drop the newest beyond the window. */
export async function loadOlder(h: WindowHost, set: Set): Promise<number> {
  const k = h.currentKey;
  const list = h.state.messages[k];
  if (!k || !list?.length || h.state.hasMore[k] === false) return 0;
  const older = await fetchPage(h, list[0]!);
  let merged = mergeMessages(h.state.messages[k] ?? [], older);
  const newer = [...(h.state.newer[k] ?? [])];
  const drop = merged.length - h.windowSize;
  if (drop > 0) {
    const gone = merged.slice(merged.length - drop);
    merged = merged.slice(0, merged.length - drop);
    // pages of the dropped, newest first, so the one next to the window ends up on top
    for (let end = gone.length; end > 0; end -= PAGE)
      newer.push(!newer.length && end === gone.length ? null : after(gone[end - 1]!));
  }
  set({
    messages: { ...h.state.messages, [k]: merged },
    hasMore: { ...h.state.hasMore, [k]: older.length >= PAGE },
    newer: { ...h.state.newer, [k]: newer },
  });
  return older.length;
}

/** Scroll-forward (only when scrolled back past the window): load the page below; drop the oldest beyond the window. */
export async function loadNewer(h: WindowHost, set: Set): Promise<number> {
  const k = h.currentKey;
  const list = h.state.messages[k];
  const stack = [...(h.state.newer[k] ?? [])];
  if (!k || !list?.length || !stack.length) return 0;
  const hi = list[list.length - 1]!;
  const end = stack.pop()!;
  let got = await fetchPage(h, end ?? undefined);
  let all = got;
  // late arrivals in that page's span: its PAGE newest may not reach the window; fetch on back to it
  for (let i = 0; got.length >= PAGE && cmpKey(got[0]!, hi) > 0; i++) {
    if (i >= GAP_PAGES_MAX) return toLatest(h, set);
    got = await fetchPage(h, got[0]!);
    all = [...got, ...all];
  }
  let merged = mergeMessages(h.state.messages[k] ?? [], all);
  const drop = merged.length - h.windowSize;
  if (drop > 0) merged = merged.slice(drop);
  set({
    messages: { ...h.state.messages, [k]: merged },
    hasMore: drop > 0 ? { ...h.state.hasMore, [k]: true } : h.state.hasMore,
    newer: { ...h.state.newer, [k]: stack },
  });
  return all.length;
}

/** Back to the newest page of the open channel (the view's "latest"), dropping the window. */
export async function toLatest(h: WindowHost, set: Set): Promise<number> {
  const k = h.currentKey;
  if (!k) return 0;
  const msgs = await fetchPage(h);
  set({
    messages: { ...h.state.messages, [k]: msgs },
    hasMore: { ...h.state.hasMore, [k]: msgs.length >= PAGE },
    newer: { ...h.state.newer, [k]: [] },
  });
  return msgs.length;
}
