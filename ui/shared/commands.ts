// The slash-command registry shared by the web client and the TUI: one list, so /help
// shows the same commands in both. Each front end supplies the UI hooks (modals, quit...).
import { DISPLAY_NAME_MAX } from "../../src/protocol/limits.ts";
import { CALL_COMMANDS } from "./call-commands.ts";
import { INFO_COMMAND } from "./info-command.ts";
import { NOTIFY_COMMANDS } from "./notify-settings.ts";

/** the notification settings' hook into the chat store (the web client loads it with this registry) */
export { attachPrefs } from "./notify-settings.ts";
import { PIN_COMMANDS } from "./pins.ts";
import { SEARCH_COMMANDS } from "./search.ts";
import { DM_COMMANDS } from "./dm-commands.ts";
import { REF_COMMANDS } from "./ref-commands.ts";
import { ATTACH_COMMANDS } from "./attach-commands.ts";
import { channelName, circleOf, exec, onChannel, usageOf, type Command, type CommandContext } from "./command-base.ts";
import { shortId } from "./format.ts";
import { keyName } from "./keys.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { whoCanJoin } from "./access-modes.ts";
import { runLine } from "./line.ts";
import { whoHead, whoLine } from "./member-text.ts";
import type { AccessMode } from "./types.ts";

export type { Command, CommandContext, CommandUi, ModalName } from "./command-base.ts";

/** Split a command line into words; "double quotes" group words. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] ?? m[2]!);
  return out;
}

export const COMMANDS: Command[] = [
  {
    name: "help",
    args: "[command]",
    summary: "list all commands or detail one",
    run({ store, ui }, args) {
      if (!args.length) return ui.openModal("help");
      const q = args.join(" ").replace(/^\//, "");
      const hits = COMMANDS.filter((c) => c.name === q || c.name.startsWith(q + " "));
      if (!hits.length) throw new FelundError("E_USAGE", `no command /${q}; /help lists them all`);
      for (const c of hits) store.notice(`${usageOf(c)} — ${c.summary}`);
    },
  },
  {
    name: "invite",
    args: "",
    summary: "show the invite code of the active circle",
    run: (ctx) => {
      circleOf(ctx);
      ctx.ui.openModal("invite");
    },
  },
  {
    name: "join",
    args: "<code>",
    summary: "join a circle by invite code",
    min: 1,
    async run(ctx, args) {
      // a code wrapped over lines or with spaces arrives as several words: one code again
      const { circleId } = await ctx.store.backend.joinCircle(args.join(""));
      await ctx.store.refresh();
      await ctx.store.select(circleId);
      ctx.store.notice(`joined circle ${ctx.store.circle?.name || shortId(circleId)}`);
    },
  },
  {
    name: "circles",
    args: "",
    summary: "list joined circles",
    run({ store }) {
      const cs = store.state.app?.circles ?? [];
      if (!cs.length) return store.notice("no circles yet: /circle create <name> or /join <code>");
      for (const c of cs)
        store.notice(
          `${c.circleId === store.state.circleId ? "●" : "○"} ${c.name || "(unnamed)"} [${shortId(c.circleId)}]${c.owned ? " owner" : ""} — ${c.channels.length} channel(s)`,
        );
    },
  },
  {
    name: "circle create",
    args: "<name> [--legacy]",
    summary: "create a circle (--legacy: also for original clients)",
    min: 1,
    async run(ctx, args) {
      const legacy = args.includes("--legacy");
      const words = args.filter((a) => a !== "--legacy");
      if (!words.length) throw new FelundError("E_USAGE", "usage: /circle create <name> [--legacy]");
      const { circleId } = await ctx.store.backend.createCircle(words.join(" "), legacy ? { legacy: true } : undefined);
      await ctx.store.refresh();
      await ctx.store.select(circleId);
      ctx.store.notice(
        `created circle ${words.join(" ")}${legacy ? " (compatible with original clients)" : ""}; share it with /invite`,
      );
    },
  },
  {
    name: "circle name",
    args: "<new-name>",
    summary: "rename the active circle (owner only)",
    min: 1,
    async run(ctx, args) {
      const c = circleOf(ctx);
      if (!c.owned) throw new FelundError("E_OWNER_ONLY", "only the circle's owner can rename it");
      await ctx.store.backend.renameCircle(c.circleId, args.join(" "));
      await ctx.store.refresh();
    },
  },
  {
    name: "history",
    args: "all|none|<N>d",
    summary: "how much history a new member receives (owner only, v2 circles)",
    min: 1,
    async run(ctx, args) {
      const c = circleOf(ctx);
      if (!ctx.store.backend.setHistory)
        throw new FelundError("E_REFUSED", "this client cannot set the history policy");
      if (!c.owned) throw new FelundError("E_OWNER_ONLY", "only the circle's owner can set its history policy");
      const policy = await ctx.store.backend.setHistory(c.circleId, args.join(" "));
      ctx.store.notice(`history for new members: ${policy}`);
    },
  },
  {
    name: "circle kick",
    args: "<member>...",
    summary: "remove members (owner only; re-keys the circle)",
    min: 1,
    async run(ctx, args) {
      const c = circleOf(ctx);
      if (!ctx.store.backend.kickMembers) throw new FelundError("E_REFUSED", "this client cannot remove members");
      if (!c.owned) throw new FelundError("E_OWNER_ONLY", "only the circle's owner can remove members");
      await ctx.store.backend.kickMembers(c.circleId, args);
      await ctx.store.refresh();
      ctx.store.notice(
        `removed ${args.join(", ")}; the circle moved to a new key and its invite codes were revoked (${keyName("F2")} gives a new one)`,
      );
    },
  },
  {
    name: "circle leave",
    args: "",
    summary: "leave the active circle (deletes its history here)",
    async run(ctx) {
      const c = circleOf(ctx);
      await ctx.store.backend.leaveCircle(c.circleId);
      await ctx.store.refresh();
      const next = ctx.store.state.app?.circles[0];
      if (next) await ctx.store.select(next.circleId);
      ctx.store.notice(`left circle ${c.name || shortId(c.circleId)}`);
    },
  },
  {
    name: "circle join",
    args: "<code>",
    summary: "alias for /join",
    run: (ctx, args) => exec(ctx, COMMANDS.find((c) => c.name === "join")!, args),
  },
  {
    name: "circle switch",
    args: "<name|id>",
    summary: "switch to another circle",
    min: 1,
    async run(ctx, args) {
      const q = args.join(" ").toLowerCase();
      const c = ctx.store.state.app?.circles.find((x) => x.name.toLowerCase() === q || x.circleId.startsWith(q));
      if (!c) throw new FelundError("E_UNKNOWN_CIRCLE", `no circle "${q}"; /circles lists them`);
      await ctx.store.select(c.circleId);
    },
  },
  {
    name: "channels",
    args: "",
    summary: "list channels in the active circle",
    run(ctx) {
      for (const ch of circleOf(ctx).channels)
        ctx.store.notice(
          `${ch.channelId === ctx.store.state.channelId ? "→" : " "} #${ch.channelId} (${ch.accessMode})${ch.joined ? "" : " — not joined"}`,
        );
    },
  },
  {
    name: "channel create",
    args: "<name> [public|key|invite] [key]",
    summary:
      "create a channel: public (everyone in the circle), key (who knows the key you share), invite (members you approve)",
    min: 1,
    async run(ctx, args) {
      const mode = (args[1] ?? "public").toLowerCase();
      if (!["public", "key", "invite"].includes(mode))
        throw new FelundError("E_USAGE", "access mode must be public, key or invite");
      if (mode === "key" && !args[2]) throw new FelundError("E_USAGE", "usage: /channel create <name> key <key>");
      const c = circleOf(ctx);
      const name = channelName(args[0]!);
      await ctx.store.backend.createChannel(c.circleId, name, mode as AccessMode, args[2]);
      await ctx.store.refresh();
      await ctx.store.select(c.circleId, name);
      ctx.store.notice(`created #${name} (${mode}): ${whoCanJoin(mode as AccessMode)} can join`);
    },
  },
  {
    name: "channel join",
    args: "<name> [key]",
    summary: "join a channel",
    min: 1,
    run: onChannel(async (ctx, c, name, args) => {
      await ctx.store.backend.joinChannel(c.circleId, name, args[1]);
      await ctx.store.refresh();
      const ch = ctx.store.circle?.channels.find((x) => x.channelId === name);
      if (ch?.accessMode === "invite" && !ch.joined) ctx.store.notice(`asked to join #${name}; its owner must approve`);
      else {
        await ctx.store.select(c.circleId, name);
        await ctx.store.loadLatest(c.circleId, name, true); // what was locked can be read now
        ctx.store.notice(`joined #${name}`);
      }
    }),
  },
  {
    name: "channel switch",
    args: "<name>",
    summary: "switch the active channel",
    min: 1,
    run: onChannel(async (ctx, c, name) => {
      if (!c.channels.some((x) => x.channelId === name))
        throw new FelundError("E_UNKNOWN_CHANNEL", `no channel #${name}; /channels lists them`);
      await ctx.store.select(c.circleId, name);
    }),
  },
  {
    name: "channel leave",
    args: "<name>",
    summary: "leave a channel",
    min: 1,
    run: onChannel(async (ctx, c, name) => {
      await ctx.store.backend.leaveChannel(c.circleId, name);
      await ctx.store.refresh();
      if (ctx.store.state.channelId === name) await ctx.store.select(c.circleId, "general");
      ctx.store.notice(`left #${name}`);
    }),
  },
  {
    name: "channel approve",
    args: "<name> <member>",
    summary: "let a member into your invite channel",
    min: 2,
    run: onChannel(async (ctx, c, name, args) => {
      if (!ctx.store.backend.approveMember) throw new FelundError("E_REFUSED", "this client cannot approve members");
      await ctx.store.backend.approveMember(c.circleId, name, args[1]!);
      await ctx.store.refresh();
      ctx.store.notice(`approved ${args[1]} for #${name}`);
    }),
  },
  {
    name: "who",
    args: "[channel]",
    summary: "show members",
    async run(ctx, args) {
      const c = circleOf(ctx);
      const members = await ctx.store.loadMembers(c.circleId);
      const name = (id: string) => ctx.store.nameOf(id, c.circleId);
      const ch = args[0] && channelName(args[0]);
      if (ch) {
        const chan = c.channels.find((x) => x.channelId === ch);
        if (!chan) throw new FelundError("E_UNKNOWN_CHANNEL", `no channel #${ch}`);
        if (chan.accessMode === "public" && !chan.members.length)
          ctx.store.notice(`#${ch} is public: every circle member can read it`);
        for (const id of chan.members) ctx.store.notice(`  ${name(id)} [${shortId(id)}]`);
        for (const id of chan.requests) ctx.store.notice(`  ${shortId(id)} (requested)`);
        return;
      }
      ctx.store.notice(whoHead(members));
      for (const m of members) ctx.store.notice(whoLine(m, m.name || name(m.nodeId)));
    },
  },
  {
    name: "name",
    args: "[new_name]",
    summary: "show or change your display name",
    async run(ctx, args) {
      if (!args.length) return ctx.store.notice(`your name is ${ctx.store.state.app?.node.displayName}`);
      const n = args.join(" ").trim().slice(0, DISPLAY_NAME_MAX);
      await ctx.store.backend.updateSettings({ displayName: n });
      await ctx.store.refresh();
      ctx.store.notice(`you are now ${n}`);
    },
  },
  ...CALL_COMMANDS,
  {
    name: "settings",
    args: "",
    summary: "open settings (display name, relay URL)",
    run: (ctx) => ctx.ui.openModal("settings"),
  },
  {
    name: "debug",
    args: "",
    summary: "toggle the gossip debug log",
    run: (ctx) => ctx.store.notice(`debug log ${ctx.store.toggleDebug() ? "on" : "off"}`),
  },
  INFO_COMMAND,
  ...REF_COMMANDS,
  ...SEARCH_COMMANDS,
  ...PIN_COMMANDS,
  ...NOTIFY_COMMANDS,
  ...DM_COMMANDS,
  ...ATTACH_COMMANDS,
  { name: "clear", args: "", summary: "clear notices from the log", run: (ctx) => ctx.store.clearNotices() },
  {
    name: "quit",
    args: "",
    summary: "exit",
    run(ctx) {
      if (ctx.ui.quit) ctx.ui.quit();
      else ctx.store.notice("nothing to quit in the browser: close the tab (your node keeps running)");
    },
  },
];

/** Find the command for a line like "/channel create foo" (two-word names win). */
export function resolve(line: string): { cmd: Command; args: string[] } | { error: string } {
  const words = splitWords(line.trim().replace(/^\//, ""));
  if (!words.length) return { error: "empty command; /help lists them" };
  const two = words.length >= 2 ? `${words[0]!.toLowerCase()} ${words[1]!.toLowerCase()}` : "";
  const c2 = COMMANDS.find((c) => c.name === two);
  if (c2) return { cmd: c2, args: words.slice(2) };
  const one = words[0]!.toLowerCase();
  const c1 = COMMANDS.find((c) => c.name === one);
  if (c1) return { cmd: c1, args: words.slice(1) };
  const group = COMMANDS.filter((c) => c.name.startsWith(one + " "));
  if (group.length) return { error: `usage: ${group.map(usageOf).join(" | ")}` };
  return { error: `unknown command /${one}; /help lists them` };
}

/** Run one slash command line ("/channel create foo"). */
export async function runCommand(ctx: CommandContext, text: string): Promise<void> {
  const r = resolve(text);
  if ("error" in r) throw new FelundError("E_USAGE", r.error);
  await exec(ctx, r.cmd, r.args);
}

/** Run a line typed in the input bar: a slash command, or a message to the active channel. */
export const submitLine = (ctx: CommandContext, line: string): Promise<string | null> =>
  runLine(ctx.store, line, (t) => runCommand(ctx, t));

/** Names for completion of "/..." in the input bar. */
export const commandNames = (): string[] => COMMANDS.map((c) => "/" + c.name);
