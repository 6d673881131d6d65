// `felund search --circle-id ID QUERY...`: full-text search of a circle's history (src/peer/search.ts),
// through the running node's local API or straight on the database. Newest first; each result
// on one line: time, channel, author, and the snippet with its matches marked [like this]
// (bold on a terminal). --json prints the page as the local API gives it.
import { FelundError } from "../protocol/errors.ts";
import { SEARCH_PAGE_MAX } from "../protocol/limits.ts";
import { type SearchHit, type SearchPage, searchCircle } from "../peer/search.ts";
import { formatDateTime as fmtTime } from "../../ui/shared/format.ts";
import { channelLabel } from "../../ui/shared/safe-text.ts";
import { connect } from "./client.ts";
import { circleFlag, json, need, via, type Cmd } from "./command-kit.ts";
import { inert, line, out } from "./print.ts";

/** the snippet with each match marked: bold on a terminal, [brackets] otherwise; every piece made inert */
export function markedSnippet(h: SearchHit, tty: boolean): string {
  const [open, close] = tty ? ["\x1b[1m", "\x1b[22m"] : ["[", "]"];
  let s = "";
  let at = 0;
  for (const [a, b] of h.snippet.marks) {
    s += inert(h.snippet.text.slice(at, a)) + open + inert(h.snippet.text.slice(a, b)) + close;
    at = b;
  }
  return s + inert(h.snippet.text.slice(at));
}

export const searchCommand: Cmd = {
  name: "search",
  summary: 'search a circle\'s history: every word must match (the last as a prefix), "quoted phrases" as written',
  usage: "felund search --circle-id ID [--channel NAME] [--limit N] [--before MS:SEQ] [--json] QUERY...",
  positionals: ["query..."],
  flags: [
    circleFlag(true),
    { name: "channel", type: "string", help: "only this channel" },
    { name: "limit", type: "int", help: "results per page", default: 20 },
    { name: "before", type: "string", placeholder: "MS:SEQ", help: "the page after this place (printed as 'more:')" },
    json,
  ],
  async run(p, dir) {
    const id = need(p, "circle-id");
    const query = p.positionals.join(" ");
    if (!query.trim()) throw new FelundError("E_USAGE", "usage: felund search --circle-id ID QUERY...");
    const limit = p.flags.limit as number;
    if (limit < 1 || limit > SEARCH_PAGE_MAX) throw new FelundError("E_USAGE", `--limit must be 1-${SEARCH_PAGE_MAX}`);
    const b = p.flags.before === undefined ? null : /^(\d+):(\d+)$/.exec(String(p.flags.before));
    if (p.flags.before !== undefined && !b) throw new FelundError("E_USAGE", "--before must be MS:SEQ");
    const before = b ? { sortMs: Number(b[1]), seq: Number(b[2]) } : undefined;
    const channel = p.flags.channel === undefined ? undefined : String(p.flags.channel).replace(/^#/, "");
    const t = connect(dir);
    const page: SearchPage = await via(
      t,
      async () => {
        const q = new URLSearchParams({ q: query, limit: String(limit) });
        if (channel !== undefined) q.set("channel", channel);
        if (before) q.set("before_ms", String(before.sortMs)), q.set("before_seq", String(before.seq));
        const r = await t.api!("GET", `/circles/${encodeURIComponent(id)}/search?${q}`);
        return r.next ? { hits: r.hits, next: r.next } : { hits: r.hits };
      },
      (ctx) =>
        searchCircle(ctx, id, query, { ...(channel !== undefined ? { channelId: channel } : {}), limit, before }),
    );
    if (p.flags.json) {
      out(JSON.stringify(page));
      return 0;
    }
    if (!page.hits.length) out(line`(nothing found for ${query})`);
    const tty = !!process.stdout.isTTY;
    for (const h of page.hits)
      out(line`[${fmtTime(h.createdTs)}] #${channelLabel(h.channelId)} ${h.author}: ` + markedSnippet(h, tty));
    if (page.next) out(`more: --before ${page.next.sortMs}:${page.next.seq}`);
    return 0;
  },
};
