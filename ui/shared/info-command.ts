// /info: a message's details (time, author, verified, delivery, holders); `/info` is your last
// message in the channel, `/info N` the Nth from the bottom.
import { FelundError } from "../../src/protocol/errors.ts";
import { circleOf, type Command } from "./command-base.ts";
import { deliveryText } from "./delivery.ts";
import type { MessageView } from "./types.ts";

const VERIFIED = {
  sig: "signed by its author",
  mac: "circle MAC only (author not proven)",
  none: "unverified",
} as const;

/** The lines /info shows for a message. */
export function infoLines(m: MessageView, author: string): string[] {
  const lines = [
    `message ${m.msgId.slice(0, 12)} in #${m.channelId}`,
    `time: ${new Date(m.createdTs * 1000).toLocaleString()}`,
    `author: ${author}${m.own ? " (you)" : ""} [${m.authorNodeId.slice(0, 8)}]`,
    `verified: ${VERIFIED[m.verified]}`,
  ];
  if (m.deleted) lines.push("deleted");
  for (const r of m.reactions ?? []) lines.push(`reaction ${r.emoji} ${r.count}: ${r.who.join(", ")}`);
  if (m.reply) lines.push(`reply to ${m.reply.msgId.slice(0, 12)} by ${m.reply.author}`);
  if (m.delivery) {
    lines.push(`delivery: ${deliveryText(m.delivery)}`);
    lines.push(`holders: ${m.delivery.holders} member(s)${m.delivery.relay ? " + the relay" : ""}`);
  }
  return lines;
}

export const INFO_COMMAND: Command = {
  name: "info",
  args: "[N]",
  summary: "details of a message: your last one, or the Nth from the bottom",
  async run(ctx, args) {
    circleOf(ctx);
    const list = ctx.store.currentMessages.filter((x) => !x.event);
    let m: MessageView | undefined;
    if (args[0] !== undefined) {
      const n = Number(args[0]);
      if (!Number.isInteger(n) || n < 1)
        throw new FelundError("E_USAGE", "usage: /info [N] (N = 1 is the last message)");
      m = list[list.length - n];
    } else m = list.findLast((x) => x.own);
    if (!m)
      throw new FelundError(
        "E_NOT_FOUND",
        args[0] ? `no message ${args[0]} from the bottom` : "you sent no message here",
      );
    for (const l of infoLines(m, ctx.store.authorName(m))) ctx.store.notice(l);
    // the edit history (docs/PROTOCOL.md §18): every text it had, oldest first
    if (m.edited) {
      m.edited.history.forEach((e, i) =>
        ctx.store.notice(`${i ? `edit ${i}` : "original"} (${new Date(e.ts * 1000).toLocaleString()}): ${e.text}`),
      );
    }
  },
};
