// The listing subcommands: a channel's messages, the known peers, a circle's members, the circles, a circle's channels.
import { FelundError } from "../protocol/errors.ts";
import { INBOX_PAGE_DEFAULT, INBOX_PAGE_MAX } from "../protocol/limits.ts";
import * as svc from "../node/service.ts";
import { loadSettings } from "../node/identity.ts";
import { line, out } from "./print.ts";
import { formatDateTime as fmtTime } from "../../ui/shared/format.ts";
import { channelLabel, memberLabels } from "../../ui/shared/safe-text.ts";
import { whoHead, whoLine } from "../../ui/shared/member-text.ts";
import { type MemberView, memberList, NO_PRESENCE } from "../peer/member-list.ts";
import { circleFlag, json, listing, plural, via, type Cmd } from "./command-kit.ts";

export const listCommands: Cmd[] = [
  listing<svc.MessageView>(
    {
      name: "inbox",
      summary: "show a channel's recent messages",
      usage: "felund inbox --circle-id ID [--channel NAME] [--limit N] [--json]",
      flags: [
        circleFlag(true),
        { name: "channel", type: "string", help: "channel", default: "general" },
        { name: "limit", type: "int", help: "how many", default: INBOX_PAGE_DEFAULT },
        json,
      ],
    },
    {
      circle: "required",
      check(p) {
        const limit = p.flags.limit as number;
        if (limit < 1 || limit > INBOX_PAGE_MAX)
          throw new FelundError("E_USAGE", `--limit must be 1-${INBOX_PAGE_MAX}`);
      },
      get: (id, p) => ({
        path: `/circles/${id}/messages?channel=${encodeURIComponent(String(p.flags.channel))}&limit=${p.flags.limit}`,
        field: "messages",
      }),
      direct: (ctx, id, p) => svc.inbox(ctx, id!, String(p.flags.channel), p.flags.limit as number),
      empty: (p) => line`(no messages in #${String(p.flags.channel)})`,
      async print(msgs, t, id) {
        // members who share a display name are told apart by an id suffix ("alice#3f2a")
        const peers: { nodeId: string; name: string }[] = await via(
          t,
          async () => (await t.api!("GET", `/circles/${id}/peers`)).peers,
          (ctx) => svc.listPeers(ctx, id),
        );
        const me: { nodeId: string; displayName: string } = await via(
          t,
          async () => (await t.api!("GET", "/state")).node,
          (ctx) => loadSettings(ctx.store),
        );
        const labels = memberLabels([
          [me.nodeId, me.displayName],
          ...peers.filter((x) => x.name).map((x) => [x.nodeId, x.name] as const),
          ...msgs.map((m) => [m.authorNodeId, m.author] as const),
        ]);
        // in display order (time, then the order this node stored them); "(arrived later)": placed by its time,
        // though it came after newer ones. "(unverified)": no author signature (a v1 MAC proves only that some member wrote it), as in the UIs
        for (const m of msgs)
          out(
            line`[${fmtTime(m.createdTs)}] #${channelLabel(m.channelId)} ${labels.get(m.authorNodeId) ?? m.author}` +
              (m.verified !== "sig" ? " (unverified)" : "") +
              (m.late ? line` (arrived later, ${fmtTime(m.receivedAt)})` : "") +
              line`: ${m.text}` +
              // own messages no other member or relay holds yet (docs/PROTOCOL.md §16)
              (m.delivery?.state === "pending" ? "  (pending)" : ""),
          );
      },
    },
  ),
  listing<ReturnType<typeof svc.listPeers>[number]>(
    {
      name: "peers",
      summary: "list the known peers of one circle or of all circles",
      usage: "felund peers [--circle-id ID] [--json]",
      flags: [circleFlag(false), json],
    },
    {
      circle: "optional",
      get: (id) => ({ path: id ? `/circles/${id}/peers` : "/peers", field: "peers" }),
      direct: (ctx, id) => svc.listPeers(ctx, id),
      empty: () => "(no peers known yet)",
      print(peers) {
        const labels = new Map<string, Map<string, string>>(); // per circle: names that collide get an id suffix
        for (const x of peers)
          if (!labels.has(x.circleId))
            labels.set(
              x.circleId,
              memberLabels(
                peers.filter((y) => y.circleId === x.circleId && y.name).map((y) => [y.nodeId, y.name] as const),
              ),
            );
        for (const x of peers)
          out(
            line`${x.circleId}  ${x.nodeId}  ${(x.name && labels.get(x.circleId)!.get(x.nodeId)) || "-"}  ${x.addr || "(no address)"}  ${x.lastOk ? `reached ${fmtTime(x.lastOk)}` : x.lastSeen ? `seen ${fmtTime(x.lastSeen)}` : "never reached"}`,
          );
      },
    },
  ),
  listing<MemberView>(
    {
      name: "members",
      summary: "list a circle's members: online now and by which path, or last seen (as /who)",
      usage: "felund members --circle-id ID [--json]",
      flags: [circleFlag(true), json],
    },
    {
      circle: "required",
      get: (id) => ({ path: `/circles/${id}/members`, field: "members" }),
      // without a running node nobody is known to be online: last seen only
      direct: (ctx, id) =>
        memberList(ctx.store, svc.requireCircle(ctx, id!).circleId, ctx.me(), NO_PRESENCE(ctx.now())),
      empty: () => "(no members)",
      print(ms) {
        out(line`${whoHead(ms)}`);
        for (const m of ms) out(line`${whoLine(m, m.name || m.nodeId.slice(0, 8))}`);
      },
    },
  ),
  listing<ReturnType<typeof svc.listCircles>[number]>(
    { name: "circles", summary: "list the circles you are in", usage: "felund circles [--json]", flags: [json] },
    {
      get: () => ({ path: "/circles", field: "circles" }),
      direct: (ctx) => svc.listCircles(ctx),
      empty: () => "(no circles yet: felund invite --name NAME, or felund join --code CODE)",
      print(cs) {
        for (const c of cs)
          out(
            line`${c.circleId}  ${c.name || "(unnamed)"}${c.owned ? " [owner]" : ""}  ${plural(c.members, "member")}, ${plural(c.messages, "message")}`,
          );
      },
    },
  ),
  listing<ReturnType<typeof svc.listChannels>[number]>(
    {
      name: "channels",
      summary: "list a circle's channels",
      usage: "felund channels --circle-id ID [--json]",
      flags: [circleFlag(true), json],
    },
    {
      circle: "required",
      get: (id) => ({ path: `/circles/${id}/channels`, field: "channels" }),
      direct: (ctx, id) => svc.listChannels(ctx, id!),
      print(chs) {
        for (const c of chs)
          out(
            line`#${channelLabel(c.channelId)}  ${c.accessMode}${c.joined ? "" : " (not joined)"}  ${c.accessMode === "public" ? "every member of the circle" : plural(c.members.length, "member")}${c.requests.length ? `, ${plural(c.requests.length, "request")} waiting` : ""}`,
          );
      },
    },
  ),
];
