// Search a circle's history, the same on the node (FTS5) and in the relay-only browser (a scan):
// the store finds the rows, this makes them results the front ends show (author, time, channel,
// a marked snippet) and pages them newest first.
import { FelundError } from "../protocol/errors.ts";
import { SEARCH_PAGE_MAX } from "../protocol/limits.ts";
import { parseSearchQuery, type Snippet, snippetOf } from "../sync/search.ts";
import type { OrderKey } from "../sync/store.ts";
import { type PeerCtx, requireCircle } from "./ctx.ts";
import { type MessageView, messageView } from "./views.ts";

export interface SearchHit extends MessageView {
  snippet: Snippet;
}

export interface SearchPage {
  hits: SearchHit[];
  /** the place to ask the next page from (absent on the last page) */
  next?: OrderKey;
}

export interface SearchOpts {
  channelId?: string;
  /** at most SEARCH_PAGE_MAX; default 20 */
  limit?: number;
  before?: OrderKey;
}

export function searchCircle(ctx: PeerCtx, circleId: string, query: string, opts: SearchOpts = {}): SearchPage {
  const circle = requireCircle(ctx, circleId);
  const q = parseSearchQuery(query);
  const limit = Math.max(1, Math.min(SEARCH_PAGE_MAX, Math.trunc(opts.limit ?? 20) || 20));
  if (opts.channelId !== undefined && !ctx.store.getChannel(circle.circleId, opts.channelId))
    throw new FelundError("E_UNKNOWN_CHANNEL", `unknown channel: #${opts.channelId}`);
  const rows = ctx.store.searchMessages(circle.circleId, q, { ...opts, limit: limit + 1 });
  const me = ctx.me().nodeId;
  const hits = rows
    .slice(0, limit)
    .map((m) => ({ ...messageView(ctx.store, m, (id) => id === me), snippet: snippetOf(m.text, q) }));
  const last = hits[hits.length - 1];
  return rows.length > limit && last ? { hits, next: { sortMs: last.sortMs, seq: last.seq } } : { hits };
}
