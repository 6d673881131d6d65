// Notification settings in both front ends (issue 16; the rules: src/peer/notify-prefs.ts):
// `/notify all|mentions|none` for the open channel, `/mute` and `/unmute` the circle,
// `/keywords a,b,c` for the circle (`/keywords -` clears, `/keywords` shows). The node keeps them
// (local API); the relay-only browser in localStorage. attachPrefs() makes the chat store's
// badges and mention notifications follow them.
import { FelundError } from "../../src/protocol/errors.ts";
import {
  checkPrefs,
  emptyPrefs,
  KEYWORDS_MAX,
  levelOf,
  NOTIFY_LEVELS,
  type NotifyLevel,
  type NotifyPrefs,
  raised,
} from "../../src/peer/notify-prefs.ts";
import type { ChatStore } from "./chat-store.ts";
import type { MessageView } from "./types.ts";
import { circleOf, type Command } from "./command-base.ts";

export interface PrefsIO {
  load(): Promise<NotifyPrefs>;
  save(p: NotifyPrefs): Promise<void>;
}

const LOCAL_KEY = "felund.notify-prefs";
type Kv = { getItem(k: string): string | null; setItem(k: string, v: string): void };

/** The node's settings through its backend; else (the relay-only browser) this origin's localStorage. */
export function defaultIO(store: ChatStore): PrefsIO {
  const b = store.backend;
  if (b.getNotify && b.setNotify) return { load: b.getNotify.bind(b), save: b.setNotify.bind(b) };
  const kv = (globalThis as { localStorage?: Kv }).localStorage;
  if (!kv) throw new FelundError("E_REFUSED", "this client keeps no notification settings");
  return {
    async load() {
      try {
        return checkPrefs(JSON.parse(kv.getItem(LOCAL_KEY) ?? "null"));
      } catch {
        return emptyPrefs(); // none saved yet (or unreadable): the defaults
      }
    },
    async save(p) {
      kv.setItem(LOCAL_KEY, JSON.stringify(p));
    },
  };
}

const held = new WeakMap<ChatStore, { prefs: NotifyPrefs; io: PrefsIO }>();

/**
 * Load the settings and have the store's badges and mentions follow them: its bump() (unread
 * and mention counts) and mentionsMe() (those counts, and the desktop notification hook) are
 * wrapped here, so the chat store itself carries no code for them (the web client's first load).
 */
export async function attachPrefs(store: ChatStore, io = defaultIO(store)): Promise<NotifyPrefs> {
  const prefs = await io.load();
  const first = !held.has(store);
  held.set(store, { prefs, io });
  if (first) {
    const mentionsMe = store.mentionsMe.bind(store);
    const bump = store.bump.bind(store);
    const raise = (m: MessageView) => raised(held.get(store)!.prefs, m, mentionsMe(m));
    store.mentionsMe = (m) => raise(m).mention;
    store.bump = (k, m) => {
      const r = raise(m);
      if (r.badge || r.mention) bump(k, m);
    };
  }
  return prefs;
}

async function update(store: ChatStore, change: (p: NotifyPrefs) => void): Promise<NotifyPrefs> {
  if (!held.has(store)) await attachPrefs(store);
  const h = held.get(store)!;
  const next = structuredClone(h.prefs);
  change(next);
  await h.io.save(checkPrefs(next));
  h.prefs = next;
  return next;
}

export const NOTIFY_COMMANDS: Command[] = [
  {
    name: "notify",
    args: "[all|mentions|none]",
    summary: "what this channel notifies: every message, mentions (and keywords), or nothing",
    async run(ctx, args) {
      const c = circleOf(ctx);
      const ch = ctx.store.state.channelId;
      const word = args[0]?.toLowerCase();
      if (word === undefined) {
        const p = held.get(ctx.store)?.prefs ?? (await attachPrefs(ctx.store));
        return ctx.store.notice(
          `#${ch}: ${levelOf(p, c.circleId, ch)}${p.muted.includes(c.circleId) ? " (circle muted)" : ""}`,
        );
      }
      if (!NOTIFY_LEVELS.includes(word as NotifyLevel))
        throw new FelundError("E_USAGE", "usage: /notify all|mentions|none");
      await update(ctx.store, (p) => {
        if (word === "all") delete p.levels[`${c.circleId}/${ch}`];
        else p.levels[`${c.circleId}/${ch}`] = word as NotifyLevel;
      });
      ctx.store.notice(`#${ch} notifies: ${word}`);
    },
  },
  {
    name: "mute",
    args: "",
    summary: "mute this circle: no unread badges (mentions and keywords still count)",
    async run(ctx) {
      const c = circleOf(ctx);
      await update(ctx.store, (p) => {
        if (!p.muted.includes(c.circleId)) p.muted.push(c.circleId);
      });
      ctx.store.notice(`${c.name || "circle"} muted`);
    },
  },
  {
    name: "unmute",
    args: "",
    summary: "unmute this circle",
    async run(ctx) {
      const c = circleOf(ctx);
      await update(ctx.store, (p) => {
        p.muted = p.muted.filter((x) => x !== c.circleId);
      });
      ctx.store.notice(`${c.name || "circle"} unmuted`);
    },
  },
  {
    name: "keywords",
    args: "[a,b,c | -]",
    summary: "words that count as a mention in this circle (- clears)",
    async run(ctx, args) {
      const c = circleOf(ctx);
      const text = args.join(" ").trim();
      if (!text) {
        const p = held.get(ctx.store)?.prefs ?? (await attachPrefs(ctx.store));
        return ctx.store.notice(`keywords: ${(p.keywords[c.circleId] ?? []).join(", ") || "(none)"}`);
      }
      const words =
        text === "-"
          ? []
          : [
              ...new Set(
                text
                  .split(",")
                  .map((w) => w.trim())
                  .filter(Boolean),
              ),
            ];
      if (words.length > KEYWORDS_MAX) throw new FelundError("E_USAGE", `at most ${KEYWORDS_MAX} keywords`);
      await update(ctx.store, (p) => {
        if (words.length) p.keywords[c.circleId] = words;
        else delete p.keywords[c.circleId];
      });
      ctx.store.notice(`keywords: ${words.join(", ") || "(none)"}`);
    },
  },
];
