// The slash-command registry shared by the web client and the TUI: one list, so /help
// shows the same commands in both. Each front end supplies the UI hooks (modals, quit...).
import type { ChatStore } from "./chat-store.ts";
import { shortId } from "./format.ts";
import { CommandError, runLine } from "./line.ts";
import type { AccessMode, CallOp, CallView } from "./types.ts";

export type ModalName = "help" | "invite" | "settings" | "calls";

export interface CommandUi {
  frontend: "web" | "tui";
  openModal(name: ModalName, arg?: string): void;
  quit?(): void;
  copy?(text: string): void;
  /**
   * Run a call action with this front end's media (the web client: microphone, WebRTC mesh).
   * A front end without it (the TUI) can list, leave and end calls, not start or join them.
   */
  call?(op: CallOp, a: { circleId: string; channelId: string; sessionId?: string }): Promise<void>;
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
  run(ctx: CommandContext, args: string[]): Promise<void> | void;
}

export { CommandError };

/** Split a command line into words; "double quotes" group words. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] ?? m[2]!);
  return out;
}

const circleOf = (ctx: CommandContext) => {
  const c = ctx.store.circle;
  if (!c) throw new CommandError("no active circle: /circle create <name> or /join <code>");
  return c;
};
const need = (args: string[], n: number, usage: string) => {
  if (args.length < n) throw new CommandError(`usage: ${usage}`);
};

/** One line per call: channel, state and who is in it (host first). */
export function callLines(store: ChatStore, calls: CallView[]): string[] {
  return calls.map((c) => {
    const who = c.participants
      .map((id) => `${store.nameOf(id, c.circleId)}${id === c.hostNodeId ? " (host)" : ""}`)
      .join(", ");
    return `call in #${c.channelId}: ${who || "nobody yet"} [${c.sessionId.slice(0, 8)}]`;
  });
}

/** The call a /call join|leave|end means: the one named (id prefix), else the one in this channel, else the only one I am in. */
function pickCall(ctx: CommandContext, args: string[], mine: boolean): CallView {
  const c = circleOf(ctx);
  const calls = ctx.store.callsIn(c.circleId);
  const me = ctx.store.state.app?.node.nodeId ?? "";
  if (args[0]) {
    const hit = calls.filter(
      (x) => x.sessionId.startsWith(args[0]!.toLowerCase()) || `#${x.channelId}` === args[0] || x.channelId === args[0],
    );
    if (hit.length !== 1)
      throw new CommandError(
        hit.length
          ? `"${args[0]}" names several calls; use more of its id (/call list)`
          : `no call "${args[0]}"; /call list shows them`,
      );
    return hit[0]!;
  }
  const inMine = calls.filter((x) => x.participants.includes(me));
  if (mine && inMine.length === 1) return inMine[0]!;
  const here = ctx.store.callInChannel(c.circleId, ctx.store.state.channelId);
  if (here) return here;
  if (inMine.length) return inMine[0]!;
  throw new CommandError(
    calls.length
      ? `no call in #${ctx.store.state.channelId}; ${callLines(ctx.store, calls).join("; ")}`
      : `no call in #${ctx.store.state.channelId}: /call start starts one`,
  );
}

async function callCommand(ctx: CommandContext, op: CallOp, args: string[]): Promise<void> {
  const c = circleOf(ctx);
  const backend = ctx.store.backend;
  if (!ctx.ui.call && (op === "start" || op === "join"))
    throw new CommandError(
      `audio calls need the web UI${ctx.ui.webUrl ? `: open ${ctx.ui.webUrl}` : " (felund serve, then open its address in a browser)"}; /call list shows who is in a call`,
    );
  if (!backend.callAction) throw new CommandError("this client cannot make calls");
  const target = op === "start" ? undefined : pickCall(ctx, args, op !== "join");
  const me = ctx.store.state.app?.node.nodeId ?? "";
  if (op === "end" && target && target.hostNodeId !== me)
    throw new CommandError(
      `only the host (${ctx.store.nameOf(target.hostNodeId)}) can end this call for everyone; /call leave leaves it`,
    );
  if (ctx.ui.call) {
    await ctx.ui.call(op, {
      circleId: c.circleId,
      channelId: target?.channelId ?? ctx.store.state.channelId,
      sessionId: target?.sessionId,
    });
  } else {
    await backend.callAction(c.circleId, op, { sessionId: target!.sessionId });
    ctx.store.notice(
      op === "end" ? `ended the call in #${target!.channelId}` : `left the call in #${target!.channelId}`,
    );
  }
  await ctx.store.refresh();
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
      if (!hits.length) throw new CommandError(`no command /${q}; /help lists them all`);
      for (const c of hits) store.notice(`/${c.name}${c.args ? " " + c.args : ""} — ${c.summary}`);
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
    async run(ctx, args) {
      need(args, 1, "/join <code>");
      const { circleId } = await ctx.store.backend.joinCircle(args[0]!);
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
    async run(ctx, args) {
      const legacy = args.includes("--legacy");
      const words = args.filter((a) => a !== "--legacy");
      need(words, 1, "/circle create <name> [--legacy]");
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
    async run(ctx, args) {
      need(args, 1, "/circle name <new-name>");
      const c = circleOf(ctx);
      if (!c.owned) throw new CommandError("only the circle's owner can rename it");
      await ctx.store.backend.renameCircle(c.circleId, args.join(" "));
      await ctx.store.refresh();
    },
  },
  {
    name: "circle kick",
    args: "<member>...",
    summary: "remove members (owner only; re-keys the circle)",
    async run(ctx, args) {
      need(args, 1, "/circle kick <member>...");
      const c = circleOf(ctx);
      if (!ctx.store.backend.kickMembers) throw new CommandError("this client cannot remove members");
      if (!c.owned) throw new CommandError("only the circle's owner can remove members");
      await ctx.store.backend.kickMembers(c.circleId, args);
      await ctx.store.refresh();
      ctx.store.notice(
        `removed ${args.join(", ")}; the circle moved to a new key and its invite codes were revoked (F2 gives a new one)`,
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
    run: (ctx, args) => COMMANDS.find((c) => c.name === "join")!.run(ctx, args),
  },
  {
    name: "circle switch",
    args: "<name|id>",
    summary: "switch to another circle",
    async run(ctx, args) {
      need(args, 1, "/circle switch <name|id>");
      const q = args.join(" ").toLowerCase();
      const c = ctx.store.state.app?.circles.find((x) => x.name.toLowerCase() === q || x.circleId.startsWith(q));
      if (!c) throw new CommandError(`no circle "${q}"; /circles lists them`);
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
    summary: "create a channel",
    async run(ctx, args) {
      need(args, 1, "/channel create <name> [public|key|invite] [key]");
      const mode = (args[1] ?? "public").toLowerCase();
      if (!["public", "key", "invite"].includes(mode))
        throw new CommandError("access mode must be public, key or invite");
      if (mode === "key" && !args[2]) throw new CommandError("usage: /channel create <name> key <key>");
      const c = circleOf(ctx);
      const name = args[0]!.replace(/^#/, "").toLowerCase();
      await ctx.store.backend.createChannel(c.circleId, name, mode as AccessMode, args[2]);
      await ctx.store.refresh();
      await ctx.store.select(c.circleId, name);
      ctx.store.notice(`created #${name} (${mode})`);
    },
  },
  {
    name: "channel join",
    args: "<name> [key]",
    summary: "join a channel",
    async run(ctx, args) {
      need(args, 1, "/channel join <name> [key]");
      const c = circleOf(ctx);
      const name = args[0]!.replace(/^#/, "").toLowerCase();
      await ctx.store.backend.joinChannel(c.circleId, name, args[1]);
      await ctx.store.refresh();
      const ch = ctx.store.circle?.channels.find((x) => x.channelId === name);
      if (ch?.accessMode === "invite" && !ch.joined) ctx.store.notice(`asked to join #${name}; its owner must approve`);
      else {
        await ctx.store.select(c.circleId, name);
        ctx.store.notice(`joined #${name}`);
      }
    },
  },
  {
    name: "channel switch",
    args: "<name>",
    summary: "switch the active channel",
    async run(ctx, args) {
      need(args, 1, "/channel switch <name>");
      const c = circleOf(ctx);
      const name = args[0]!.replace(/^#/, "").toLowerCase();
      if (!c.channels.some((x) => x.channelId === name))
        throw new CommandError(`no channel #${name}; /channels lists them`);
      await ctx.store.select(c.circleId, name);
    },
  },
  {
    name: "channel leave",
    args: "<name>",
    summary: "leave a channel",
    async run(ctx, args) {
      need(args, 1, "/channel leave <name>");
      const c = circleOf(ctx);
      const name = args[0]!.replace(/^#/, "").toLowerCase();
      await ctx.store.backend.leaveChannel(c.circleId, name);
      await ctx.store.refresh();
      if (ctx.store.state.channelId === name) await ctx.store.select(c.circleId, "general");
      ctx.store.notice(`left #${name}`);
    },
  },
  {
    name: "channel approve",
    args: "<name> <member>",
    summary: "let a member into your invite channel",
    async run(ctx, args) {
      need(args, 2, "/channel approve <name> <member>");
      const c = circleOf(ctx);
      if (!ctx.store.backend.approveMember) throw new CommandError("this client cannot approve members");
      const name = args[0]!.replace(/^#/, "").toLowerCase();
      await ctx.store.backend.approveMember(c.circleId, name, args[1]!);
      await ctx.store.refresh();
      ctx.store.notice(`approved ${args[1]} for #${name}`);
    },
  },
  {
    name: "who",
    args: "[channel]",
    summary: "show members",
    async run(ctx, args) {
      const c = circleOf(ctx);
      await ctx.store.loadPeers(c.circleId);
      const peers = ctx.store.state.peers[c.circleId] ?? [];
      const ch = args[0]?.replace(/^#/, "").toLowerCase();
      const me = ctx.store.state.app!.node;
      if (ch) {
        const chan = c.channels.find((x) => x.channelId === ch);
        if (!chan) throw new CommandError(`no channel #${ch}`);
        if (chan.accessMode === "public" && !chan.members.length)
          ctx.store.notice(`#${ch} is public: every circle member can read it`);
        for (const id of chan.members)
          ctx.store.notice(
            `  ${peers.find((p) => p.nodeId === id)?.name || (id === me.nodeId ? me.displayName : shortId(id))} [${shortId(id)}]`,
          );
        for (const id of chan.requests) ctx.store.notice(`  ${shortId(id)} (requested)`);
        return;
      }
      ctx.store.notice(`${me.displayName} [${shortId(me.nodeId)}] (you)`);
      const now = Date.now() / 1000;
      for (const p of peers)
        ctx.store.notice(
          `${p.name || "?"} [${shortId(p.nodeId)}] ${p.addr || "(no address)"} ${now - Math.max(p.lastOk, p.lastSeen) < 300 ? "online" : "away"}`,
        );
    },
  },
  {
    name: "name",
    args: "[new_name]",
    summary: "show or change your display name",
    async run(ctx, args) {
      if (!args.length) return ctx.store.notice(`your name is ${ctx.store.state.app?.node.displayName}`);
      const n = args.join(" ").trim().slice(0, 40);
      await ctx.store.backend.updateSettings({ displayName: n });
      await ctx.store.refresh();
      ctx.store.notice(`you are now ${n}`);
    },
  },
  {
    name: "call start",
    args: "",
    summary: "start a voice call in this channel (F4: call panel)",
    run: (ctx) => callCommand(ctx, "start", []),
  },
  {
    name: "call join",
    args: "[call]",
    summary: "join the call in this channel (or the one named: #channel or id)",
    run: (ctx, args) => callCommand(ctx, "join", args),
  },
  {
    name: "call leave",
    args: "",
    summary: "leave the call you are in",
    run: (ctx, args) => callCommand(ctx, "leave", args),
  },
  {
    name: "call end",
    args: "",
    summary: "end the call for everyone (its host only)",
    run: (ctx, args) => callCommand(ctx, "end", args),
  },
  {
    name: "call list",
    args: "",
    summary: "calls in progress in this circle, and who is in them",
    run(ctx) {
      const calls = ctx.store.callsIn(circleOf(ctx).circleId);
      if (!calls.length) return ctx.store.notice("no call in progress in this circle: /call start starts one");
      for (const l of callLines(ctx.store, calls)) ctx.store.notice(l);
    },
  },
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
  if (group.length)
    return { error: `usage: ${group.map((c) => `/${c.name}${c.args ? " " + c.args : ""}`).join(" | ")}` };
  return { error: `unknown command /${one}; /help lists them` };
}

/** Run one slash command line ("/channel create foo"). */
export async function runCommand(ctx: CommandContext, text: string): Promise<void> {
  const r = resolve(text);
  if ("error" in r) throw new CommandError(r.error);
  await r.cmd.run(ctx, r.args);
}

/** Run a line typed in the input bar: a slash command, or a message to the active channel. */
export const submitLine = (ctx: CommandContext, line: string): Promise<void> =>
  runLine(ctx.store, line, (t) => runCommand(ctx, t));

/** Names for completion of "/..." in the input bar. */
export const commandNames = (): string[] => COMMANDS.map((c) => "/" + c.name);
