// Direct messages from the command line of both front ends (docs/PROTOCOL.md §21): /dm opens
// (or switches to) the conversation with a member and can send in it at once, /dms lists them.
import { FelundError } from "../../src/protocol/errors.ts";
import { circleOf, type Command, type CommandContext } from "./command-base.ts";
import { loadDms } from "./dm-list.ts";
import type { DmView } from "./types.ts";

/** Open the conversation with `member` in the active circle (it stays listed while this page lives). */
export async function openDm(ctx: CommandContext, member: string): Promise<DmView> {
  const c = circleOf(ctx);
  const { backend } = ctx.store;
  if (!backend.openDm) throw new FelundError("E_REFUSED", "direct messages are not available here");
  const d = await backend.openDm(c.circleId, member);
  await loadDms(ctx.store, c.circleId, d);
  await ctx.store.select(c.circleId, d.channelId);
  return d;
}

export const DM_COMMANDS: Command[] = [
  {
    name: "dm",
    args: "<member> [text]",
    summary: "open a direct message with a member (name or id), and send text in it",
    min: 1,
    async run(ctx, args) {
      await openDm(ctx, args[0]!);
      const text = args.slice(1).join(" ");
      if (text) await ctx.store.sendText(text);
    },
  },
  {
    name: "dms",
    args: "",
    summary: "list your direct messages in this circle",
    async run(ctx) {
      const c = circleOf(ctx);
      const { store } = ctx;
      const list = await loadDms(store, c.circleId);
      if (!list.length) return store.notice("no direct messages yet: /dm <member> [text]");
      for (const d of list) {
        const unread = store.state.unread[`${c.circleId}/${d.channelId}`] ?? 0;
        store.notice(`${store.title(d.channelId, c.circleId)}${unread ? ` — ${unread} unread` : ""}`);
      }
    },
  },
];
