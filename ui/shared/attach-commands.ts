// /attach and /save (docs/PROTOCOL.md §20): send a file to the active channel, and keep the
// file of an attachment message (`/save` is the last attachment in the channel, `/save N` the
// Nth message from the bottom). The front end reads and writes files (CommandUi.readFile,
// pickFile, saveFile); the backend sends and fetches.
import { FelundError } from "../../src/protocol/errors.ts";
import { formatSize } from "../../src/protocol/v2/attachment.ts";
import { circleOf, type Command, type CommandContext } from "./command-base.ts";
import type { MessageView } from "./types.ts";

/** How a row of an attachment reads (its label, src/protocol/v2/attachment.ts attachmentLabel). */
export const isAttachmentRow = (m: MessageView): boolean => m.text.startsWith("📎 ");

function backendOf(ctx: CommandContext) {
  const b = ctx.store.backend;
  if (!b.attach || !b.fetchAttachment) throw new FelundError("E_INVALID", "this client cannot send files");
  return b as Required<Pick<typeof b, "attach" | "fetchAttachment">> & typeof b;
}

function v2Circle(ctx: CommandContext) {
  const c = circleOf(ctx);
  if (c.legacy)
    throw new FelundError(
      "E_REFUSED",
      "attachments need a v2 circle: this circle is legacy-compatible (original members could not see them)",
    );
  return c;
}

export const ATTACH_COMMANDS: Command[] = [
  {
    name: "attach",
    args: "<path> [caption]",
    summary: "send a file to the active channel (images get a thumbnail in the web client)",
    async run(ctx, args) {
      const c = v2Circle(ctx);
      const b = backendOf(ctx);
      // a browser cannot read a path: /attach (with or without one) opens its file chooser
      if (!args.length || !ctx.ui.readFile) {
        if (ctx.ui.pickFile) return ctx.ui.pickFile();
        if (!args.length) throw new FelundError("E_USAGE", "usage: /attach <path> [caption]");
        throw new FelundError("E_INVALID", "use the attach button (📎) to send a file here");
      }
      const file = await ctx.ui.readFile(args[0]!);
      if (args.length > 1) file.caption = args.slice(1).join(" ");
      const ch = ctx.store.state.channelId;
      await b.attach(c.circleId, ch, file);
      await ctx.store.loadLatest(c.circleId, ch, true);
      ctx.store.notice(`sent ${file.name} (${formatSize(file.bytes.length)})`);
    },
  },
  {
    name: "save",
    args: "[N] [path]",
    summary: "save the file of the last attachment, or of the Nth message from the bottom",
    async run(ctx, args) {
      const c = circleOf(ctx);
      const b = backendOf(ctx);
      const list = ctx.store.currentMessages;
      let rest = args;
      let m: MessageView | undefined;
      if (args[0] !== undefined && /^\d+$/.test(args[0])) {
        const n = Number(args[0]);
        if (n < 1) throw new FelundError("E_USAGE", "usage: /save [N] [path] (N = 1 is the last message)");
        m = list[list.length - n];
        rest = args.slice(1);
        if (m && !isAttachmentRow(m))
          throw new FelundError("E_NOT_FOUND", `message ${n} from the bottom is not a file`);
      } else m = list.findLast(isAttachmentRow);
      if (!m)
        throw new FelundError(
          "E_NOT_FOUND",
          args[0] ? `no message ${args[0]} from the bottom` : "no file in this channel",
        );
      if (!ctx.ui.saveFile) throw new FelundError("E_INVALID", "this client cannot save files");
      const info = await b.attachmentInfo?.(c.circleId, m.msgId);
      ctx.store.notice(`fetching ${info?.name ?? "the file"}…`);
      const bytes = await b.fetchAttachment(c.circleId, m.msgId);
      const where = await ctx.ui.saveFile(info?.name ?? `attachment-${m.msgId.slice(0, 8)}`, bytes, rest[0]);
      ctx.store.notice(`saved ${formatSize(bytes.length)} to ${where}`);
    },
  },
];
