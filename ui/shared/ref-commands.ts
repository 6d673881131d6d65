// /reply, /react, /edit and /delete (docs/PROTOCOL.md §18), for both front ends: N names a message
// of the open channel as /info does (1 = the last one shown); the action goes through the
// backend (the node's local API, or the relay-only browser's own peer). Also the jump to the
// message a reply quotes (the web's quote click), loading history until it is there.
import { FelundError } from "../../src/protocol/errors.ts";
import type { RefOp } from "./backend.ts";
import { type ChatStore, isDm } from "./chat-store.ts";
import { circleOf, type Command, type CommandContext } from "./command-base.ts";
import { jumpTo } from "./search.ts";
import type { MessageView, SearchHit } from "./types.ts";

/** Message N of the open channel, counted from the bottom (1 = the last). */
export function nthMessage(store: ChatStore, word: string | undefined): MessageView {
  const n = Number(word);
  const list = store.currentMessages;
  const m = Number.isInteger(n) && n >= 1 ? list[list.length - n] : undefined;
  if (!m) throw new FelundError("E_USAGE", `no message ${word ?? ""} from the bottom (1 = the last one)`);
  return m;
}

/** Run a ref action on a message through the store's backend; the backend's event updates the log. */
export async function refAction(store: ChatStore, m: MessageView, a: RefOp): Promise<MessageView> {
  // (a ref may not name a direct-message channel: the peer would refuse it as "channel_id is not valid")
  if (isDm(m.channelId))
    throw new FelundError("E_REFUSED", "replies, reactions, edits and deletes are for channel messages");
  if (!store.backend.refAction) throw new FelundError("E_REFUSED", "this client cannot do that");
  const v = await store.backend.refAction(m.circleId, m.msgId, a);
  store.shown(a.op === "reply" ? v : { ...v, update: true });
  return v;
}

/** Open the channel of a replied-to message with it loaded, and show it (as a search result jump does). */
export async function jumpToMessage(store: ChatStore, m: { circleId: string; channelId: string; msgId: string }) {
  // no place known: load back page by page until it is there (or the history ends)
  await jumpTo(store, { ...m, sortMs: Number.NEGATIVE_INFINITY, seq: 0 } as SearchHit);
}

const on =
  (op: (args: string[]) => RefOp, done: string) =>
  async (ctx: CommandContext, args: string[]): Promise<void> => {
    circleOf(ctx);
    const m = nthMessage(ctx.store, args[0]);
    await refAction(ctx.store, m, op(args.slice(1)));
    if (done) ctx.store.notice(done);
  };

const text = (words: string[]) => {
  const t = words.join(" ");
  if (!t.trim()) throw new FelundError("E_USAGE", "the text is missing");
  return t;
};

export const REF_COMMANDS: Command[] = [
  {
    name: "reply",
    args: "<N> <text>",
    summary: "answer message N (1 = the last one), quoting it",
    min: 2,
    run: on((w) => ({ op: "reply", text: text(w) }), ""),
  },
  {
    name: "react",
    args: "<N> <:emoji:>",
    summary: "add your reaction to message N, or take it back",
    min: 2,
    async run(ctx, args) {
      const { emojiFor } = await import("./emoji.ts");
      const w = args[1]!;
      const emoji = /^:[^:\s]+:$/.test(w) ? emojiFor(w.slice(1, -1)) : w;
      if (!emoji) throw new FelundError("E_USAGE", `unknown emoji ${w}`);
      await on(() => ({ op: "react", emoji }), "")(ctx, args);
    },
  },
  {
    name: "edit",
    args: "<N> <text>",
    summary: "replace the text of your message N",
    min: 2,
    run: on((w) => ({ op: "edit", text: text(w) }), ""),
  },
  {
    name: "delete",
    args: "<N>",
    summary: "delete message N for everyone (yours, or any as the circle owner)",
    min: 1,
    run: on(() => ({ op: "delete" }), "message deleted"),
  },
];
