// Full-text search of a circle's history (src/peer/search.ts over the node's FTS5 index):
//   GET /api/circles/:id/search?q=WORDS[&channel=C][&limit=N][&before_ms=MS&before_seq=SEQ]
//     -> { ok, hits: [message view + snippet {text, marks}], next?: {sortMs, seq} }
// Newest first; `next` is where the following page starts (pass it back as before_ms/before_seq).
import { normalizeChannelId } from "../protocol/channel-id.ts";
import { FelundError } from "../protocol/errors.ts";
import { SEARCH_PAGE_MAX, SEARCH_QUERY_MAX } from "../protocol/limits.ts";
import type { PeerCtx } from "../peer/ctx.ts";
import { searchCircle } from "../peer/search.ts";

interface SearchReq {
  params: Record<string, string>;
  query: URLSearchParams;
}
type On = (method: string, path: string, run: (r: SearchReq) => unknown) => void;

const invalid = (why: string) => new FelundError("E_INVALID", `invalid input: ${why}`);
const whole = (q: URLSearchParams, k: string, min: number, max: number): number | undefined => {
  const v = q.get(k);
  if (v === null || v === "") return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw invalid(`${k} must be a whole number from ${min} to ${max}`);
  return n;
};

export function searchRoutes(on: On, host: { ctx: PeerCtx }): void {
  on("GET", "/circles/:id/search", ({ params, query }) => {
    const q = query.get("q") ?? "";
    if (q.length > SEARCH_QUERY_MAX * 4) throw invalid(`q must be at most ${SEARCH_QUERY_MAX} characters`);
    const ch = query.get("channel");
    const beforeMs = whole(query, "before_ms", 0, Number.MAX_SAFE_INTEGER);
    const before =
      beforeMs === undefined
        ? undefined
        : { sortMs: beforeMs, seq: whole(query, "before_seq", 0, Number.MAX_SAFE_INTEGER) ?? 0 };
    const page = searchCircle(host.ctx, params.id!, q, {
      ...(ch ? { channelId: normalizeChannelId(ch) } : {}),
      limit: whole(query, "limit", 1, SEARCH_PAGE_MAX),
      before,
    });
    return { ok: true, ...page };
  });
}
