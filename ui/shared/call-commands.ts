// The /call commands: start, join, leave and end a call, list the calls of the active circle.
import { circleOf, type Command, type CommandContext } from "./command-base.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import type { ChatStore } from "./chat-store.ts";
import { keyName } from "./keys.ts";
import type { CallOp, CallView } from "./types.ts";

/** One line per call: channel, state and who is in it (host first). */
function callLines(store: ChatStore, calls: CallView[]): string[] {
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
      throw new FelundError(
        hit.length ? "E_AMBIGUOUS" : "E_NOT_FOUND",
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
  throw new FelundError(
    "E_NOT_FOUND",
    calls.length
      ? `no call in #${ctx.store.state.channelId}; ${callLines(ctx.store, calls).join("; ")}`
      : `no call in #${ctx.store.state.channelId}: /call start starts one`,
  );
}

async function callCommand(ctx: CommandContext, op: CallOp, args: string[]): Promise<void> {
  const c = circleOf(ctx);
  const backend = ctx.store.backend;
  if (!ctx.ui.call && (op === "start" || op === "join"))
    throw new FelundError(
      "E_REFUSED",
      `audio calls need the web UI${ctx.ui.webUrl ? `: open ${ctx.ui.webUrl}` : " (felund serve, then open its address in a browser)"}; /call list shows who is in a call`,
    );
  if (!backend.callAction) throw new FelundError("E_REFUSED", "this client cannot make calls");
  const target = op === "start" ? undefined : pickCall(ctx, args, op !== "join");
  const me = ctx.store.state.app?.node.nodeId ?? "";
  if (op === "end" && target && target.hostNodeId !== me)
    throw new FelundError(
      "E_FORBIDDEN",
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

export const CALL_COMMANDS: Command[] = [
  {
    name: "call start",
    args: "",
    summary: `start a voice call in this channel (${keyName("F4")}: call panel)`,
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
];
