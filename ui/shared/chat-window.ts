// The chat store's window on a channel's history (issue 17). A front end that sets
// `store.windowSize` holds at most that many messages of a channel: scrolling back loads the page
// before the oldest and drops the newest beyond the window, keeping where each dropped page ends
// (state.newer: a stack of exclusive ends, the nearest last; null is "the newest", which grows as
// messages arrive) to load them again on the way down. While a channel has pages below its window,
// live messages newer than the window are not added: they come with those pages, or "latest".
// Without windowSize (the TUI) nothing is dropped and scroll-back works as it always did. A chunk
// in the web client, loaded at the first scroll-back (the checks every message needs: chat-state.ts).
// Once a page is in, the next pages the same way are fetched ahead; one already in is applied at once
// (no await: the scroll event that asked for it shows it, before its frame). A page fetched ahead
// is used only if no message arrived or changed since (one in its span would be missing or stale)
// and within AHEAD_MS, else fetched again.
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
/** Pages fetched ahead, by channel, limit and end; `got` once in (then used at once: no await, no task). */
type Ahead = { k: string; arrivals: number; at: number; page: Promise<MessageView[]>; got?: MessageView[] };
const ahead = new Map<string, Ahead>();
const aheadKey = (k: string, before: OrderKey | undefined, limit: number) =>
  `${k}|${limit}|${before ? `${before.sortMs}:${before.seq}` : "newest"}`;
/** A page fetched ahead is good while its channel is open and no message arrived or changed since (one in its span would be missing or stale). */
const good = (h: WindowHost, a: Ahead) =>
  a.k === h.currentKey && a.arrivals === h.arrivals && Date.now() - a.at < AHEAD_MS;
/** The page before `before` (or the newest): the one fetched ahead if still good (itself once it is in), else fetched now. */
function pageBefore(h: WindowHost, before: OrderKey | undefined, limit = PAGE): MessageView[] | Promise<MessageView[]> {
  const key = aheadKey(h.currentKey, before, limit);
  const a = ahead.get(key);
  ahead.delete(key);
  if (a && good(h, a)) return a.got ?? a.page.catch(() => fetchPage(h, before, limit));
  return fetchPage(h, before, limit);
}
/** Hold a page fetched ahead as the page before `before`. */
function hold(h: WindowHost, before: OrderKey | undefined, limit: number, page: Promise<MessageView[]>): void {
  for (const [key, a] of ahead) if (!good(h, a)) ahead.delete(key);
  const a: Ahead = { k: h.currentKey, arrivals: h.arrivals, at: Date.now(), page };
  page.then(
    (p) => void (a.got = p),
    () => {}, // (a failed fetch ahead is fetched again when needed)
  );
  ahead.set(aheadKey(a.k, before, limit), a);
}
/** Fetch the page before `before` now (unless it is already asked), for a scroll on the same way. */
function fetchAhead(h: WindowHost, before: OrderKey | undefined, limit = PAGE): void {
  if (!ahead.has(aheadKey(h.currentKey, before, limit))) hold(h, before, limit, fetchPage(h, before, limit));
}
/**
 * A double page (2 * PAGE before an end) as its two pages would come one by one: the newer holds the
 * PAGE newest messages and the timeline's lines among them, the older the rest; null when there is
 * no older page (fewer than PAGE messages).
 */
function halves(p: MessageView[]): [MessageView[], MessageView[]] | null {
  for (let i = p.length - 1, n = 0; i >= 0; i--) if (!p[i]!.event && ++n === PAGE) return [p.slice(i), p.slice(0, i)];
  return null;
}
/**
 * Going back, the next two pages are asked ahead, two at a time in one request: one round trip per
 * two pages, so the page after next is in even when the user is back at the top as soon as a page
 * landed. `oldest`: the oldest message held.
 */
function aheadBack(h: WindowHost, oldest: OrderKey): void {
  const next = ahead.get(aheadKey(h.currentKey, oldest, PAGE));
  // (one still on its way holds the page beyond it too)
  const from = !next ? oldest : next.got && next.got.length >= PAGE ? next.got[0]! : undefined;
  if (!from || ahead.has(aheadKey(h.currentKey, from, PAGE))) return;
  const both = fetchPage(h, from, 2 * PAGE);
  hold(
    h,
    from,
    PAGE,
    both.then((p) => halves(p)?.[0] ?? p),
  );
  const k = h.currentKey;
  both.then(
    (p) => {
      const two = halves(p);
      if (two && h.currentKey === k) hold(h, two[0][0], PAGE, Promise.resolve(two[1]));
    },
    () => {},
  );
}

/** Scroll-back: load the page before the oldest message held; drop the newest beyond the window. */
export async function loadOlder(h: WindowHost, set: Set): Promise<number> {
  const k = h.currentKey;
  const list = h.state.messages[k];
  if (!k || !list?.length || h.state.hasMore[k] === false) return 0;
  const got = pageBefore(h, list[0]!);
  const older = Array.isArray(got) ? got : await got;
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
  if (older.length >= PAGE && h.currentKey === k) aheadBack(h, merged[0]!);
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
  const first = pageBefore(h, end ?? undefined, PAGE + 1);
  let got = Array.isArray(first) ? first : await first;
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
  // the next three pages down, asked at once (their ends are known): each is asked two pages before its use
  if (h.currentKey === k) for (const end of stack.slice(-3).reverse()) fetchAhead(h, end ?? undefined, PAGE + 1);
  return all.filter((m) => cmpKey(m, hi) > 0).length;
}

/** Back to the newest page of the open channel (the view's "latest"), dropping the window. */
export async function toLatest(h: WindowHost, set: Set): Promise<number> {
  const k = h.currentKey;
  if (!k) return 0;
  ahead.clear();
  const msgs = await fetchPage(h);
  set({
    messages: { ...h.state.messages, [k]: msgs },
    hasMore: { ...h.state.hasMore, [k]: msgs.length >= PAGE },
    newer: { ...h.state.newer, [k]: [] },
  });
  return msgs.length;
}
