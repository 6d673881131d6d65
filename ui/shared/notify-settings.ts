// Notification settings in both front ends (issue 16; the rules: src/peer/notify-prefs.ts):
// `/notify all|mentions|none` for the open channel, `/mute` and `/unmute` the circle,
// `/keywords a,b,c` for the circle (`/keywords -` clears, `/keywords` shows). The node keeps them
// (local API); the relay-only browser in localStorage. attachPrefs() makes the chat store's
// badges and mention notifications follow them.
import { FelundError } from "../../src/protocol/errors.ts";
import { KEYWORDS_MAX, levelOf, NOTIFY_LEVELS, type NotifyLevel } from "../../src/peer/notify-prefs.ts";
import { circleOf, type Command } from "./command-base.ts";
import { attachPrefs, held, update } from "./notify-attach.ts";

export { attachPrefs, defaultIO, type PrefsIO } from "./notify-attach.ts";

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
