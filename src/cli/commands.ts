// The subcommands. Each declares its flags (for parsing and --help) and runs against the
// running node's local API when there is one, else directly on the state dir's database.
import { FelundError } from "../protocol/errors.ts";
import { connect } from "./client.ts";
import { parseHostPort } from "../protocol/hostport.ts";
import { cleanInviteCode } from "../protocol/invite.ts";
import {
  DISPLAY_NAME_MAX,
  RETENTION_DAYS_MAX,
  V2_INVITE_TTL_MAX_S,
  V2_INVITE_TTL_MIN_S,
  V2_INVITE_USES_MAX,
} from "../protocol/limits.ts";
import * as svc from "../node/service.ts";
import { loadSettings, saveSettings, advertisedHost } from "../node/identity.ts";
import { dbPath } from "../node/runtime.ts";
import { FelundNode } from "../node/node.ts";
import { fillPrinter, line, out } from "./print.ts";
import { runInviteAdmin } from "./invite-admin.ts";
import { circleFlag, json, need, via, type Cmd } from "./command-kit.ts";
import { listCommands } from "./list-commands.ts";
import { searchCommand } from "./search-command.ts";
import { saveCommand, sendFile } from "./file-commands.ts";

export type { Cmd } from "./command-kit.ts";
/** "90", "30m", "24h", "7d" -> seconds */
export function parseDuration(s: string): number {
  const m = s.trim().match(/^(\d+)([smhd]?)$/);
  if (!m) throw new FelundError("E_USAGE", `--expires must look like 30m, 24h or 7d, got "${s}"`);
  const n = Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]!]!;
  if (n < V2_INVITE_TTL_MIN_S || n > V2_INVITE_TTL_MAX_S)
    throw new FelundError("E_USAGE", "--expires must be between 1 minute and 365 days");
  return n;
}

export const commands: Cmd[] = [
  {
    name: "init",
    summary: "set this node's listen address and display name",
    usage: "felund init [--bind ADDR] [--port N] [--name NAME]",
    flags: [
      { name: "bind", type: "string", placeholder: "ADDR", help: "address to listen on for peers", default: "0.0.0.0" },
      { name: "port", type: "int", help: "TCP port for peers", default: 9999 },
      { name: "name", type: "string", help: "your display name", default: "anon" },
      {
        name: "retention-days",
        type: "int",
        placeholder: "DAYS",
        help: "delete history older than DAYS (0 = keep forever, the default)",
      },
      json,
    ],
    async run(p, dir) {
      const port = p.flags.port as number;
      if (port < 1 || port > 65535) throw new FelundError("E_USAGE", "--port must be 1-65535");
      const name = String(p.flags.name).trim().slice(0, DISPLAY_NAME_MAX) || "anon";
      const t = connect(dir);
      if (t.runtime)
        throw new FelundError(
          "E_USAGE",
          `a node is running on this state dir (pid ${t.runtime.pid}); stop it before changing its address`,
        );
      const keep = p.flags["retention-days"] as number | undefined;
      if (keep !== undefined && (keep < 0 || keep > RETENTION_DAYS_MAX))
        throw new FelundError("E_USAGE", `--retention-days must be 0-${RETENTION_DAYS_MAX}`);
      saveSettings(t.ctx!.store, {
        bind: String(p.flags.bind),
        port,
        ...(keep !== undefined ? { retentionDays: keep } : {}),
      });
      svc.setDisplayName(t.ctx!, name);
      const s = loadSettings(t.ctx!.store);
      if (p.flags.json)
        out(
          JSON.stringify({ nodeId: s.nodeId, bind: s.bind, port: s.port, displayName: s.displayName, stateDir: dir }),
        );
      else
        out(
          line`node_id: ${s.nodeId}\nlisten:  ${s.bind}:${s.port} (peers dial ${advertisedHost(s.bind)}:${s.port})\nname:    ${s.displayName}\nhistory: ${s.retentionDays ? `${s.retentionDays} day(s)` : "kept forever"}\nstate:   ${dbPath(dir)}`,
        );
      return 0;
    },
  },
  {
    name: "invite",
    summary: "create a circle and print its invite code (or the code of an existing circle)",
    usage:
      "felund invite [--name CIRCLE] [--legacy] [--expires DURATION] [--uses N] | felund invite --circle-id ID [--expires DURATION] [--uses N] [--via-relay]" +
      " | felund invite --circle-id ID --list | felund invite --circle-id ID --revoke INVITE",
    flags: [
      { name: "name", type: "string", help: "name of the new circle" },
      circleFlag(false),
      {
        name: "legacy",
        type: "bool",
        help: "new circle compatible with original felund nodes and web clients (felund1. code; weaker security)",
      },
      {
        name: "expires",
        type: "string",
        placeholder: "DURATION",
        help: "felund2. code valid for e.g. 30m, 24h, 7d (default 7d)",
      },
      {
        name: "uses",
        type: "int",
        placeholder: "N",
        help: "felund2. code admits at most N new members (default: no limit)",
      },
      {
        name: "via-relay",
        type: "bool",
        help: "felund2. code naming the running node's relay: joiners that cannot dial this node (browsers on the relay) are admitted through it",
      },
      {
        name: "list",
        type: "bool",
        help: "list the circle's felund2 invites: id, created, expires, uses/max, state (live, used up, expired, revoked)",
      },
      {
        name: "revoke",
        type: "string",
        placeholder: "INVITE",
        help: "revoke an invite (id or 4+ of its first digits, from --list): its code admits no one after",
      },
      json,
    ],
    async run(p, dir) {
      if (p.flags.list || p.flags.revoke !== undefined) return runInviteAdmin(p, dir);
      const t = connect(dir);
      let circleId: string, code: string;
      const ttlS = p.flags.expires === undefined ? undefined : parseDuration(String(p.flags.expires));
      const maxUses = p.flags.uses as number | undefined;
      if (maxUses !== undefined && (maxUses < 1 || maxUses > V2_INVITE_USES_MAX))
        throw new FelundError("E_USAGE", "--uses must be 1 or more");
      const limits = { ...(ttlS !== undefined ? { ttlS } : {}), ...(maxUses !== undefined ? { maxUses } : {}) };
      if (p.flags["circle-id"]) {
        if (p.flags.name || p.flags.legacy)
          throw new FelundError(
            "E_USAGE",
            "--name and --legacy create a new circle; do not combine them with --circle-id",
          );
        const id = String(p.flags["circle-id"]);
        const viaRelay = !!p.flags["via-relay"];
        const q = new URLSearchParams([
          ...Object.entries(limits).map(([k, v]) => [k, String(v)]),
          ...(viaRelay ? [["viaRelay", "1"]] : []),
        ]).toString();
        ({ circleId, code } = await via(
          t,
          async () => ({ circleId: id, code: (await t.api!("GET", `/circles/${id}/invite${q ? "?" + q : ""}`)).code }),
          (ctx) => {
            if (viaRelay)
              throw new FelundError(
                "E_USAGE",
                "--via-relay needs the running node (felund serve --relay URL): it answers the joins through the relay",
              );
            return { circleId: svc.requireCircle(ctx, id).circleId, code: svc.inviteCode(ctx, id, limits) };
          },
        ));
      } else {
        if (p.flags["via-relay"])
          throw new FelundError(
            "E_USAGE",
            "--via-relay gives a code of an existing circle: felund invite --circle-id ID --via-relay",
          );
        const name = String(p.flags.name ?? "");
        const legacy = !!p.flags.legacy;
        if (legacy && (ttlS !== undefined || maxUses !== undefined))
          throw new FelundError("E_USAGE", "felund1. codes (--legacy) carry no expiry or use limit");
        ({ circleId, code } = await via(
          t,
          () => t.api!("POST", "/circles", { name, legacy, ...limits }),
          (ctx) => svc.createCircle(ctx, name, { legacy, ...limits }),
        ));
      }
      if (p.flags.json) out(JSON.stringify({ circleId, code }));
      else out(line`circle_id: ${circleId}\ncode:      ${code}`);
      return 0;
    },
  },
  {
    name: "join",
    summary: "join a circle by invite code (or by secret and peer) and sync once with the inviter",
    usage: "felund join --code CODE | felund join --secret HEX --peer HOST:PORT",
    flags: [
      { name: "code", type: "string", help: "an invite code (felund2. or felund1.)" },
      { name: "secret", type: "string", placeholder: "HEX", help: "legacy: the circle secret" },
      { name: "peer", type: "string", placeholder: "HOST:PORT", help: "legacy: a member to sync with" },
      json,
    ],
    async run(p, dir) {
      const code = p.flags.code === undefined ? undefined : cleanInviteCode(p.flags.code as string);
      const secret = p.flags.secret as string | undefined;
      const peer = p.flags.peer as string | undefined;
      if (!code && !secret) throw new FelundError("E_USAGE", "give --code CODE (or --secret HEX --peer HOST:PORT)");
      if (code && secret) throw new FelundError("E_USAGE", "give either --code or --secret, not both");
      if (peer && !parseHostPort(peer)) throw new FelundError("E_USAGE", `--peer must be HOST:PORT, got "${peer}"`);
      const t = connect(dir);
      const body = { code, secret, peer };
      const r = await via(
        t,
        () => t.api!("POST", "/circles/join", body),
        async (ctx) => {
          if (code?.startsWith("felund2.")) {
            // redeemed with the inviter's node over the network, by this node's identity
            const node = new FelundNode({ store: ctx.store });
            node.port = node.settings.port;
            const stop = p.flags.json ? () => {} : node.subscribe(fillPrinter(out));
            return node.join({ code }).finally(stop);
          }
          const j = svc.joinCircle(ctx, body);
          let synced = false;
          if (j.bootstrap) {
            const node = new FelundNode({ store: ctx.store });
            node.port = node.settings.port;
            const stop = p.flags.json ? () => {} : node.subscribe(fillPrinter(out));
            const res = await node.syncWith(j.circleId, j.bootstrap);
            synced = !!res?.completed;
            // the history streams in after the first reconciliation (§23): stay until it has
            if (synced) await node.fills.idle(j.circleId);
            stop();
          }
          return { ...j, synced };
        },
      );
      if (p.flags.json) out(JSON.stringify(r));
      else {
        out(line`joined circle ${r.circleId}` + (r.created ? "" : " (already a member)"));
        if (r.bootstrap)
          out(
            r.synced
              ? line`synced with ${r.bootstrap}`
              : line`could not reach ${r.bootstrap} now; the node will keep trying while it runs`,
          );
      }
      return 0;
    },
  },
  {
    name: "kick",
    summary: "remove members from a circle you own (the circle moves to a new key they do not get)",
    usage: "felund kick --circle-id ID MEMBER...   (node id, unique prefix, or display name)",
    positionals: ["MEMBER..."],
    flags: [circleFlag(true), json],
    async run(p, dir) {
      const id = need(p, "circle-id");
      if (!p.positionals.length) throw new FelundError("E_USAGE", "name the MEMBER(s) to remove");
      const t = connect(dir);
      const m = await via(
        t,
        async () => (await t.api!("POST", `/circles/${id}/kick`, { members: p.positionals })).message,
        (ctx) => svc.viewMessage(ctx, svc.kickMembers(ctx, id, p.positionals)),
      );
      if (p.flags.json) out(JSON.stringify(m));
      else
        out(
          t.runtime
            ? line`removed ${p.positionals.join(", ")}; the circle moved to a new key`
            : line`removed ${p.positionals.join(", ")}; the new key goes out when a node runs`,
        );
      // a kick revokes every outstanding felund2 invite of the circle (issue 12): say so, and how to invite again
      if (!p.flags.json)
        out(line`every invite code of this circle was revoked; make a new one with: felund invite --circle-id ${id}`);
      return 0;
    },
  },
  {
    name: "send",
    summary: "send a message (through the running node when there is one)",
    usage: "felund send --circle-id ID [--channel NAME] (TEXT... | --file PATH [--caption TEXT])",
    positionals: ["TEXT..."],
    flags: [
      circleFlag(true),
      { name: "channel", type: "string", help: "channel", default: "general" },
      { name: "file", type: "string", placeholder: "PATH", help: "send this file as an attachment (v2 circles)" },
      { name: "caption", type: "string", help: "a caption for --file" },
      json,
    ],
    async run(p, dir) {
      const id = need(p, "circle-id");
      if (p.flags.file) {
        const file = String(p.flags.file);
        return (out(await sendFile(dir, id, String(p.flags.channel), file, String(p.flags.caption ?? ""))), 0);
      }
      const text = p.positionals.join(" ");
      if (!text.trim()) throw new FelundError("E_USAGE", "nothing to send: give the message TEXT");
      const t = connect(dir);
      const channel = String(p.flags.channel);
      const m = await via(
        t,
        async () => (await t.api!("POST", `/circles/${id}/messages`, { channel, text })).message,
        (ctx) => svc.viewMessage(ctx, svc.sendMessage(ctx, id, channel, text)),
      );
      if (p.flags.json) out(JSON.stringify(m));
      else
        out(
          t.runtime
            ? line`sent ${m.msgId} (gossiped by the running node)`
            : line`stored ${m.msgId}; it goes out when a node runs (felund run / felund serve)`,
        );
      return 0;
    },
  },
  ...listCommands,
  searchCommand,
  saveCommand,
];
