// What a slash command is (the registry is commands.ts) and the checks commands share: the
// words a command needs, the active circle, a channel named by the user.
import type { ChatStore } from "./chat-store.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import type { CallOp, CircleView, FileUpload } from "./types.ts";

export type ModalName = "help" | "invite" | "settings" | "calls" | "search" | "pins";

export interface CommandUi {
  frontend: "web" | "tui";
  openModal(name: ModalName, arg?: string): void;
  quit?(): void;
  copy?(text: string): void;
  /**
   * Run a call action with this front end's media (the web client: microphone, WebRTC mesh).
   * A front end without it (the TUI) can list, leave and end calls, not start or join them.
   */
  call?(op: CallOp, a: { circleId: string; channelId: string; sessionId?: string; target?: string }): Promise<void>;
  /** read a file named by the user (the TUI: a path on this machine) for /attach */
  readFile?(path: string): Promise<FileUpload>;
  /** let the user pick files to attach (the web client's file dialog) */
  pickFile?(): void;
  /** keep a fetched attachment (the TUI: write it under `path` or the working folder; the web: a download); where it went */
  saveFile?(name: string, bytes: Uint8Array, path?: string): Promise<string>;
  /** where the web UI is (for messages that need it) */
  webUrl?: string;
}

export interface CommandContext {
  store: ChatStore;
  ui: CommandUi;
}

export interface Command {
  /** one or two words, e.g. "help" or "channel create" */
  name: string;
  args: string;
  summary: string;
  /** words it needs at least: with fewer, its usage is the answer (exec) */
  min?: number;
  run(ctx: CommandContext, args: string[]): Promise<void> | void;
}

/** "/name args", as /help and usage errors show a command. */
export const usageOf = (c: Command): string => `/${c.name}${c.args ? " " + c.args : ""}`;

/** Run a command with its words, once it has the ones it needs. */
export function exec(ctx: CommandContext, c: Command, args: string[]): Promise<void> | void {
  if (args.length < (c.min ?? 0)) throw new FelundError("E_USAGE", `usage: ${usageOf(c)}`);
  return c.run(ctx, args);
}

export const circleOf = (ctx: CommandContext): CircleView => {
  const c = ctx.store.circle;
  if (!c) throw new FelundError("E_UNKNOWN_CIRCLE", "no active circle: /circle create <name> or /join <code>");
  return c;
};

/** A channel as the user names it: "#Dev" and "dev" are the same channel. */
export const channelName = (word: string): string => word.replace(/^#/, "").toLowerCase();

/** A command on the channel its first word names, in the active circle. */
export const onChannel =
  (run: (ctx: CommandContext, c: CircleView, name: string, args: string[]) => Promise<void>) =>
  (ctx: CommandContext, args: string[]): Promise<void> =>
    run(ctx, circleOf(ctx), channelName(args[0]!), args);
