// Pinned messages (issue 16) in both front ends: /pins lists the open channel's pins (the web
// client: its pins panel; the TUI: one line each), /pin N pins the Nth message from the bottom
// (1, the default, is the last), /unpin N unpins the Nth pin of /pins. Timeline lines are not
// messages and are not counted.
import { FelundError } from "../../src/protocol/errors.ts";
import type { ChatStore } from "./chat-store.ts";
import { circleOf, type Command } from "./command-base.ts";
import { formatDateTime } from "./format.ts";
import { jumpTo } from "./search.ts";
import type { PinView } from "./types.ts";

function backendPins(store: ChatStore) {
  const b = store.backend;
  if (!b.listPins || !b.pin) throw new FelundError("E_REFUSED", "this client has no pins");
  return { listPins: b.listPins.bind(b), pin: b.pin.bind(b) };
}

/** The open channel's pins, oldest pin first. */
export async function channelPins(store: ChatStore): Promise<PinView[]> {
  const c = store.circle;
  if (!c) return [];
  if (c.legacy) throw new FelundError("E_REFUSED", "pins need a v2-only circle: original clients could not see them");
  return backendPins(store).listPins(c.circleId, store.state.channelId);
}

/** One pin as a line: "N. [time] author: first line" (a message not held here, or locked, says so). */
export function pinLine(store: ChatStore, p: PinView, n: number): string {
  const m = p.message;
  const body = !m ? "(message not here)" : m.text ? m.text.split("\n")[0]!.slice(0, 120) : "(locked)";
  return `${n}. [${formatDateTime(m?.createdTs ?? p.pinnedTs)}] ${m ? store.authorName(m) : "?"}: ${body}`;
}

const whole = (w: string | undefined, usage: string): number => {
  const n = w === undefined ? 1 : Number(w);
  if (!Number.isInteger(n) || n < 1) throw new FelundError("E_USAGE", usage);
  return n;
};

/** Pin or unpin by message id in the open channel; tells the user. */
export async function setPinned(store: ChatStore, msgId: string, pinned: boolean): Promise<void> {
  const c = store.circle;
  if (!c) throw new FelundError("E_UNKNOWN_CIRCLE", "no active circle");
  await backendPins(store).pin(c.circleId, store.state.channelId, msgId, pinned);
  store.notice(pinned ? "pinned" : "unpinned");
}

/** Jump to a pinned message (loading history back to it). */
export async function jumpToPin(store: ChatStore, p: PinView): Promise<void> {
  if (!p.message) throw new FelundError("E_NOT_FOUND", "that message is not in the history here");
  await jumpTo(store, { ...p.message, snippet: { text: "", marks: [] } });
}

export const PIN_COMMANDS: Command[] = [
  {
    name: "pins",
    args: "",
    summary: "the pinned messages of this channel",
    async run(ctx) {
      circleOf(ctx);
      if (ctx.ui.frontend === "web") return ctx.ui.openModal("pins");
      const pins = await channelPins(ctx.store);
      if (!pins.length) return ctx.store.notice(`no pinned messages in #${ctx.store.state.channelId}`);
      ctx.store.notice(`${pins.length} pinned in #${ctx.store.state.channelId}:`);
      pins.forEach((p, i) => ctx.store.notice(pinLine(ctx.store, p, i + 1)));
    },
  },
  {
    name: "pin",
    args: "[N]",
    summary: "pin the Nth message from the bottom (owner, or the channel's owner)",
    async run(ctx, args) {
      circleOf(ctx);
      const n = whole(args[0], "usage: /pin [N] (N = 1 is the last message)");
      const list = ctx.store.currentMessages.filter((m) => !m.event);
      const m = list[list.length - n];
      if (!m) throw new FelundError("E_NOT_FOUND", `no message ${n} from the bottom`);
      await setPinned(ctx.store, m.msgId, true);
    },
  },
  {
    name: "unpin",
    args: "[N]",
    summary: "unpin the Nth pinned message of /pins",
    async run(ctx, args) {
      circleOf(ctx);
      const n = whole(args[0], "usage: /unpin [N] (N as /pins numbers them)");
      const p = (await channelPins(ctx.store))[n - 1];
      if (!p) throw new FelundError("E_NOT_FOUND", `no pin ${n} in #${ctx.store.state.channelId}`);
      await setPinned(ctx.store, p.msgId, false);
    },
  },
];
