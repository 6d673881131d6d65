// The chat store's window on a channel's history (issue 17). A front end that sets
// `store.windowSize` holds at most that many messages of a channel: scrolling back loads the page
// before the oldest and drops the newest beyond the window, keeping where each dropped page ends
// (state.newer: a stack of exclusive ends, the nearest last; null is "the newest", which grows as
// messages arrive) to load them again on the way down. While a channel has pages below its window,
// live messages newer than the window are not added: they come with those pages, or "latest".
// Without windowSize (the TUI) nothing is dropped and scroll-back works as it always did. A chunk
// in the web client, loaded at the first scroll-back (the checks every message needs: chat-state.ts).
// Once a page is in, the next one the same way is fetched ahead, so scrolling on shows it in the
// same frame; it is used only if no message arrived or changed since (one in its span would be
// missing or stale) and within AHEAD_MS, else fetched again.
import type { Backend } from "./backend.ts";
import { type ChatState, cmpKey, mergeMessages, PAGE } from "./chat-state.ts";
import type { MessageView } from "./types.ts";

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
  /** counts messages arrived or changed (ChatStore.arrivals) */
  readonly arrivals: number;
}
type Set = (patch: Partial<ChatState>) => void;

/** `limit` PAGE + 1 on the way down: a page that reaches the last row held has no gap above it */
const fetchPage = (h: WindowHost, before?: OrderKey, limit = PAGE) =>
  h.backend.listMessages(h.state.circleId!, h.state.channelId, before ? { limit, before } : { limit });

/** How long a page fetched ahead may wait for its use. */
const AHEAD_MS = 10_000;
let ahead: { key: string; arrivals: number; at: number; page: Promise<MessageView[]> } | null = null;
const aheadKey = (h: WindowHost, before: OrderKey | undefined, limit: number) =>
  `${h.currentKey}|${limit}|${before ? `${before.sortMs}:${before.seq}` : "newest"}`;
/** The page before `before` (or the newest): the one fetched ahead if it is still good, else fetched now. */
function pageBefore(h: WindowHost, before: OrderKey | undefined, limit = PAGE): Promise<MessageView[]> {
  const a = ahead;
  ahead = null;
  if (a && a.key === aheadKey(h, before, limit) && a.arrivals === h.arrivals && Date.now() - a.at < AHEAD_MS)
    return a.page.catch(() => fetchPage(h, before, limit));
  return fetchPage(h, before, limit);
}
/** Fetch the page before `before` now, for the next scroll the same way. */
function fetchAhead(h: WindowHost, before: OrderKey | undefined, limit = PAGE): void {
  const page = fetchPage(h, before, limit);
  page.catch(() => {}); // (a failed fetch ahead is fetched again when needed)
  ahead = { key: aheadKey(h, before, limit), arrivals: h.arrivals, at: Date.now(), page };
}

/** Scroll-back: load the page before the oldest message held; drop the newest beyond the window. */
export async function loadOlder(h: WindowHost, set: Set): Promise<number> {
  const k = h.currentKey;
  const list = h.state.messages[k];
  if (!k || !list?.length || h.state.hasMore[k] === false) return 0;
  const older = await pageBefore(h, list[0]!);
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
  if (older.length >= PAGE) fetchAhead(h, merged[0]!);
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
  let got = await pageBefore(h, end ?? undefined, PAGE + 1);
  let all = got;
  // late arrivals in that page's span: its PAGE + 1 newest may not reach the window; fetch on back to it
  for (let i = 0; got.length > PAGE && cmpKey(got[0]!, hi) > 0; i++) {
    if (i >= GAP_PAGES_MAX) return toLatest(h, set);
    got = await fetchPage(h, got[0]!, PAGE + 1);
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
  if (stack.length) fetchAhead(h, stack[stack.length - 1] ?? undefined, PAGE + 1);
  return all.filter((m) => cmpKey(m, hi) > 0).length;
}

/** Back to the newest page of the open channel (the view's "latest"), dropping the window. */
export async function toLatest(h: WindowHost, set: Set): Promise<number> {
  const k = h.currentKey;
  if (!k) return 0;
  ahead = null;
  const msgs = await fetchPage(h);
  set({
    messages: { ...h.state.messages, [k]: msgs },
    hasMore: { ...h.state.hasMore, [k]: msgs.length >= PAGE },
    newer: { ...h.state.newer, [k]: [] },
  });
  return msgs.length;
}
