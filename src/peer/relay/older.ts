// Filling a circle's history newest first (docs/PROTOCOL.md §27): below the newest page that
// sync.ts pulled, pages of older envelopes (`before`, the relay's largest page) until the relay has
// none, each stored by the host before its cursor moves; the next page is already asked for while
// one is being stored. Loaded by sync.ts when a host has older history to fetch (the relay-only
// browser): not in the first load.
import * as L from "../../protocol/limits.ts";
import type { MessagesPage, RelayApi } from "./api.ts";
import type { OlderHost } from "./sync-types.ts";

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
  const ask = (b: string) => api.getMessages(hint, { before: b }, L.RELAY_PAGE_MAX);
  let next: Promise<MessagesPage> | null = before ? ask(before) : null;
  // each page's cursor is saved once it and every page before it are written; a page is opened
  // while the one before it is still checked by WebCrypto or written (two at most in flight)
  let saving: Promise<unknown> = Promise.resolve();
  let applying: Promise<unknown> = Promise.resolve();
  // bounded: at most as many pages as the relay's largest history allows in pages of RELAY_PAGE_MAX
  for (let page = 0; next && page < L.RELAY_OLDER_PAGES_MAX && live(); page++) {
    const r = await next;
    // an answer without before_cursor is not a `before` page: stop (the forward pull brings everything)
    const low = r.beforeCursor;
    const more = r.more && low !== undefined && low !== before;
    next = more ? ask(low!) : null;
    if (!live()) break;
    const step = host.ingest(circleId, r.messages);
    const at = more ? low! : "";
    const prev = saving;
    // (a failed write stops the fill: it goes on from the last cursor saved, at the next pull)
    saving = step.then(({ written }) => Promise.all([prev, written])).then(() => host.save(base, circleId, at));
    saving.catch(() => {}); // (awaited below)
    await applying;
    applying = step;
  }
  // (an unanswered prefetch, when the circle left meanwhile, is dropped)
  next?.catch(() => {});
  await applying;
  await saving;
}
