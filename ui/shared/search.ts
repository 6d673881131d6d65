// Search in the front ends: the query through the backend, the results a front end keeps for
// `/jump N`, and the jump itself: open the result's channel and load its history back to the
// message (page by page, so the loaded log stays without gaps), then ask the front end to
// show it (onReveal: the web scrolls to and marks it, the TUI scrolls its log). The slash
// commands `/search words` (the web opens its search panel; the TUI prints numbered results)
// and `/jump N`.
import { FelundError } from "../../src/protocol/errors.ts";
import type { ChatStore } from "./chat-store.ts";
import { circleOf, type Command } from "./command-base.ts";
import { formatDateTime } from "./format.ts";
import type { SearchHit, SearchOpts, SearchPage } from "./types.ts";

/** Pages of history loaded at most to reach a result (PAGE messages each). */
export const JUMP_PAGES_MAX = 200;

const last = new WeakMap<ChatStore, SearchHit[]>();
const revealers = new WeakMap<ChatStore, Set<(hit: SearchHit) => void>>();

/** Search a circle (default: the active one) through the store's backend; the hits are kept for /jump. */
export async function search(store: ChatStore, query: string, opts: SearchOpts = {}, circleId?: string) {
  const id = circleId ?? store.state.circleId;
  if (!id) throw new FelundError("E_UNKNOWN_CIRCLE", "no active circle: /circle create <name> or /join <code>");
  if (!store.backend.search) throw new FelundError("E_INVALID", "this client cannot search");
  const page: SearchPage = await store.backend.search(id, query, opts);
  last.set(store, opts.before ? [...(last.get(store) ?? []), ...page.hits] : page.hits);
  return page;
}

/** The results of the last search, numbered from 1 as /search shows them. */
export const lastResults = (store: ChatStore): SearchHit[] => last.get(store) ?? [];

/** Called when a jump has loaded its message: the front end shows it. */
export function onReveal(store: ChatStore, fn: (hit: SearchHit) => void): () => void {
  const set = revealers.get(store) ?? new Set();
  revealers.set(store, set);
  set.add(fn);
  return () => set.delete(fn);
}

const before = (a: { sortMs: number; seq: number }, b: { sortMs: number; seq: number }) =>
  a.sortMs < b.sortMs || (a.sortMs === b.sortMs && a.seq < b.seq);

/** Open a result's channel with its message loaded, then reveal it. */
export async function jumpTo(store: ChatStore, hit: SearchHit): Promise<void> {
  const circle = store.state.app?.circles.find((c) => c.circleId === hit.circleId);
  if (!circle?.channels.some((c) => c.channelId === hit.channelId))
    throw new FelundError("E_UNKNOWN_CHANNEL", `#${hit.channelId} is not open here`);
  await store.select(hit.circleId, hit.channelId);
  // (the log, at its bottom when the jump starts, would otherwise page the newest back in meanwhile)
  store.jumping = true;
  try {
    for (let i = 0; i < JUMP_PAGES_MAX; i++) {
      const list = store.currentMessages;
      if (list.some((m) => m.msgId === hit.msgId)) break;
      if (list.length && before(list[0]!, hit)) break; // older than the message: it is gone (retention)
      if ((await store.loadOlder()) === 0) break;
    }
  } finally {
    store.jumping = false;
  }
  if (!store.currentMessages.some((m) => m.msgId === hit.msgId))
    throw new FelundError("E_NOT_FOUND", "that message is no longer in the history here");
  for (const fn of revealers.get(store) ?? []) fn(hit);
}

/** One result as a line: time, channel, author, the snippet with its matches in [brackets]. */
export function hitLine(h: SearchHit, author: string): string {
  let s = "";
  let at = 0;
  for (const [a, b] of h.snippet.marks) {
    s += `${h.snippet.text.slice(at, a)}[${h.snippet.text.slice(a, b)}]`;
    at = b;
  }
  return `[${formatDateTime(h.createdTs)}] #${h.channelId} ${author}: ${s}${h.snippet.text.slice(at)}`;
}

export const SEARCH_COMMANDS: Command[] = [
  {
    name: "search",
    args: "<words>",
    summary: 'search the circle\'s history (all words; "a phrase"); /jump N opens a result',
    async run(ctx, args) {
      const { store, ui } = ctx;
      circleOf(ctx);
      const query = args.map((w) => (/\s/.test(w) ? `"${w}"` : w)).join(" ");
      if (ui.frontend === "web") return ui.openModal("search", query);
      if (!query) throw new FelundError("E_USAGE", "usage: /search <words>");
      const page = await search(store, query);
      if (!page.hits.length) return store.notice(`nothing found for ${query}`);
      store.notice(
        `${page.hits.length}${page.next ? "+" : ""} result(s) for ${query}, newest first; /jump N opens one`,
      );
      page.hits.forEach((h, i) => store.notice(`${i + 1}. ${hitLine(h, store.authorName(h))}`));
    },
  },
  {
    name: "jump",
    args: "<N>",
    summary: "open result N of the last /search in its channel",
    min: 1,
    async run({ store }, args) {
      const n = Number(args[0]);
      const hit = Number.isInteger(n) && n >= 1 ? lastResults(store)[n - 1] : undefined;
      if (!hit) throw new FelundError("E_USAGE", `no result ${args[0]}: /search <words> first`);
      await jumpTo(store, hit);
    },
  },
];
