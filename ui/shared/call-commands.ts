// The /call commands: start, join, watch (view), leave and end a call, revoke a viewer (the
// host), list the calls of the active circle with their participants and viewers.
import { circleOf, type Command, type CommandContext } from "./command-base.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import type { ChatStore } from "./chat-store.ts";
import { keyName } from "./keys.ts";
import { CALL_MAX_VIEWERS } from "../../src/protocol/limits.ts";
import type { CallOp, CallView } from "./types.ts";
import { callInChannel, callsIn } from "./calls-view.ts";

/** One line per call: channel, state and who is in it (host first), then who watches. */
function callLines(store: ChatStore, calls: CallView[]): string[] {
  return calls.map((c) => {
    const who = c.participants
      .map((id) => `${store.nameOf(id, c.circleId)}${id === c.hostNodeId ? " (host)" : ""}`)
      .join(", ");
    const v = c.viewers ?? [];
    const watching = v.length
      ? `; watching ${v.length}/${CALL_MAX_VIEWERS}: ${v.map((id) => store.nameOf(id, c.circleId)).join(", ")}`
      : "";
    return `call in #${c.channelId}: ${who || "nobody yet"}${watching} [${c.sessionId.slice(0, 8)}]`;
  });
}

/** The viewer (or participant) of `c` a /call revoke names: by name, @name or node id prefix. */
function revokeTarget(store: ChatStore, c: CallView, arg: string | undefined, me: string): string {
  if (!arg) throw new FelundError("E_USAGE", "usage: /call revoke <member> (a viewer of your call)");
  const q = arg.replace(/^@/, "").toLowerCase();
  const ids = [...(c.viewers ?? []), ...c.participants].filter((id) => id !== me);
  const hit = ids.filter((id) => id.startsWith(q) || store.nameOf(id, c.circleId).toLowerCase() === q);
  if (hit.length !== 1)
    throw new FelundError(
      hit.length ? "E_AMBIGUOUS" : "E_NOT_FOUND",
      hit.length ? `"${arg}" names several; use their node id` : `nobody "${arg}" in the call; /call list shows who is`,
    );
  return hit[0]!;
}

/** The call a /call join|leave|end means: the one named (id prefix), else the one in this channel, else the only one I am in. */
function pickCall(ctx: CommandContext, args: string[], mine: boolean): CallView {
  const c = circleOf(ctx);
  const calls = callsIn(ctx.store, c.circleId);
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
  const inMine = calls.filter((x) => x.participants.includes(me) || !!x.viewers?.includes(me));
  if (mine && inMine.length === 1) return inMine[0]!;
  const here = callInChannel(ctx.store, c.circleId, ctx.store.state.channelId);
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
  if (!ctx.ui.call && (op === "start" || op === "join" || op === "view"))
    throw new FelundError(
      "E_REFUSED",
      `audio calls need the web UI${ctx.ui.webUrl ? `: open ${ctx.ui.webUrl}` : " (felund serve, then open its address in a browser)"}; /call list shows who is in a call`,
    );
  if (!backend.callAction) throw new FelundError("E_REFUSED", "this client cannot make calls");
  const me = ctx.store.state.app?.node.nodeId ?? "";
  const member = op === "revoke" ? args[0] : undefined;
  const target =
    op === "start" ? undefined : pickCall(ctx, op === "revoke" ? args.slice(1) : args, op !== "join" && op !== "view");
  if (op === "revoke" && target!.hostNodeId !== me)
    throw new FelundError("E_FORBIDDEN", "only the host of the call can revoke a viewer");
  const who = op === "revoke" ? revokeTarget(ctx.store, target!, member, me) : undefined;
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
      target: who,
    });
  } else {
    await backend.callAction(c.circleId, op, { sessionId: target!.sessionId, target: who });
    ctx.store.notice(
      op === "end"
        ? `ended the call in #${target!.channelId}`
        : op === "revoke"
          ? `removed ${ctx.store.nameOf(who!, c.circleId)} from the call in #${target!.channelId}`
          : `left the call in #${target!.channelId}`,
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
    name: "call view",
    args: "[call]",
    summary: `watch the call in this channel: receive only, nothing sent (at most ${CALL_MAX_VIEWERS} viewers)`,
    run: (ctx, args) => callCommand(ctx, "view", args),
  },
  {
    name: "call revoke",
    args: "<member>",
    summary: "remove a viewer from your call (its host only): your connection to them closes",
    run: (ctx, args) => callCommand(ctx, "revoke", args),
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
    summary: "calls in progress in this circle, who is in them and who watches",
    run(ctx) {
      const calls = callsIn(ctx.store, circleOf(ctx).circleId);
      if (!calls.length) return ctx.store.notice("no call in progress in this circle: /call start starts one");
      for (const l of callLines(ctx.store, calls)) ctx.store.notice(l);
    },
  },
];
