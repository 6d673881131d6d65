// Filling a circle's history newest first (docs/PROTOCOL.md §27): for a host that asks for it
// (the relay-only browser), a circle new on a relay starts with its newest page (`before`), then
// forward pulls go on above it (sync.ts) while older pages of the relay's largest size come in
// below it until the relay has none, each stored by the host before its cursor moves; the next
// page is already asked for while one is being stored. Loaded by sync.ts when needed: not in the
// browser's first load.
import * as L from "../../protocol/limits.ts";
import type { MessagesPage, PullCursor, RelayApi } from "./api.ts";
import type { CircleLink, OlderHost, RelayHost } from "./sync-types.ts";

/** `before` that asks for the newest page of all */
export const NEWEST = String(Number.MAX_SAFE_INTEGER);
/** Older pages one fill reads at most (of RELAY_PAGE_MAX: 2,500,000 envelopes); the rest at the next pull. */
const OLDER_PAGES_MAX = 5_000;

export interface OlderPage extends MessagesPage {
  /** the page's lowest seq (a `before` page); absent: the relay pages only forward (it ignored `before`) */
  beforeCursor?: string;
  /** the circle's envelopes on the relay (asked with count) */
  total?: number;
}

/** GET /v1/messages?before= (a relay without it answers a since=0 page, without before_cursor). */
export async function olderPage(api: RelayApi, hint: string, before: string, limit: number, count = false) {
  const q = `circle_hint=${hint}&limit=${limit}&before=${before}${count ? "&count=1" : ""}&since=0`;
  const r = await api.call<Record<string, unknown>>("GET", `/messages?${q}`, undefined, true, hint);
  const messages = Array.isArray(r.messages) ? r.messages : [];
  const num = (x: unknown) => (typeof x === "number" ? x : undefined);
  return {
    messages,
    nextCursor: num(r.next_cursor)?.toString(),
    more: r.more === true || (r.more === undefined && messages.length >= limit),
    serverTime: num(r.server_time),
    beforeCursor: num(r.before_cursor)?.toString(),
    total: num(r.total),
  } satisfies OlderPage;
}

/**
 * The newest page of a circle new on this relay, stored; its forward cursor saved, and the older
 * cursor below it. Returns the cursor forward pulls go on from, or (a relay without `before`) the
 * page it answered instead: the forward pull's first page.
 */
export async function newestFirst(
  api: RelayApi,
  host: RelayHost,
  circleId: string,
  hint: string,
  live: () => boolean,
): Promise<{ cursor: PullCursor } | { page: MessagesPage } | null> {
  const base = api.base;
  const first = await olderPage(api, hint, NEWEST, L.RELAY_PULL_PAGE, true);
  if (first.beforeCursor === undefined) return { page: first };
  await host.ingest(circleId, first.messages);
  if (!live()) return null;
  const older = host.older!;
  await older.save(base, circleId, first.more ? first.beforeCursor : "");
  const cursor = { cursor: first.nextCursor ?? "0" };
  await host.saveCursor(base, circleId, cursor);
  if (first.more) await (await older.ingest(circleId, [], first.total)).written;
  return { cursor };
}

/**
 * Newest first: the newest page of a circle new on this relay (then the cursor forward pulls go on
 * from, or the page a relay without `before` answered: the forward pull's first), and the older
 * pages below it started in the background unless they are running or done. null: the circle left.
 */
export async function older(
  api: RelayApi,
  host: RelayHost,
  circleId: string,
  l: CircleLink,
  cur: PullCursor,
  live: () => boolean,
  fail: (e: unknown) => void,
): Promise<{ cursor: PullCursor; page?: MessagesPage } | null> {
  let out: { cursor: PullCursor; page?: MessagesPage } = { cursor: cur };
  if (cur.cursor === undefined && !cur.since) {
    const n = await newestFirst(api, host, circleId, l.hint, live);
    if (!n) return null;
    if ("page" in n) return { cursor: cur, page: n.page };
    out = n;
  }
  const o = host.older!;
  if (!l.filling && o.at(api.base, circleId))
    l.filling = fillOlder(api, l.hint, circleId, o, live)
      .catch(fail)
      .finally(() => (l.filling = null));
  return out;
}

/** The newest of pages' `before` cursors (seqs). */
const top = (cursors: string[]) => cursors.reduce((a, x) => (Number(x) > Number(a) ? x : a));

/** Fetch and store older pages while `live()` (the circle is still synced through this api); returns when done. */
export async function fillOlder(
  api: RelayApi,
  hint: string,
  circleId: string,
  host: OlderHost,
  live: () => boolean,
): Promise<void> {
  const base = api.base;
  const before = host.at(base, circleId);
  const ask = (b: string) => olderPage(api, hint, b, L.RELAY_PAGE_MAX);
  let asked = before;
  let next: Promise<OlderPage> | null = before ? ask(before) : null;
  // each page's cursor is saved once it and every page before it are written; a page is opened
  // while the one before it is still checked by WebCrypto or written (two at most in flight, and
  // none while the page before those is unwritten)
  let saving: Promise<unknown> = Promise.resolve();
  let applying: Promise<unknown> = Promise.resolve();
  let behind: Promise<unknown> = Promise.resolve();
  // pages (their `before`) with messages not taken yet (§27): read again at the end; until then
  // the saved cursor stays at the first of them, so a reload reads on from there
  const again: string[] = [];
  let done = false;
  for (let page = 0; next && page < OLDER_PAGES_MAX && live(); page++) {
    const r = await next;
    const b = asked;
    // an answer without before_cursor is not a `before` page: stop (the forward pull brings everything)
    const low = r.beforeCursor;
    const more = r.more && low !== undefined && low !== before;
    next = more ? ask((asked = low!)) : null;
    if (!live()) break;
    const step = host.ingest(circleId, r.messages);
    const at = more ? low! : "";
    done = !more;
    const prev = saving;
    // (a failed write stops the fill: it goes on from the last cursor saved, at the next pull)
    saving = step
      .then(({ written, notYet }) => (notYet && again.push(b), Promise.all([prev, written])))
      .then(() => host.save(base, circleId, again.length ? top(again) : at));
    saving.catch(() => {}); // (awaited below)
    // the next page waits for this one's checks and for the page two before it to be written: a store that keeps its
    // written rows compact (the relay-only browser's, ui/web/src/relay/mem-cold.ts) holds a few pages whole, however
    // far ahead of its writes the relay's answers would run
    await Promise.all([applying, behind]);
    behind = prev;
    applying = step;
  }
  // (an unanswered prefetch, when the circle left meanwhile, is dropped)
  next?.catch(() => {});
  await applying;
  await saving;
  if (!done || !again.length) return;
  for (const b of again) {
    if (!live()) return;
    await (await host.ingest(circleId, (await ask(b)).messages, undefined, true)).written;
  }
  await host.save(base, circleId, "");
}
