// The contents of the F1/F2/F3 dialogs, laid out for the dialog's inner width. Help lists
// the shared command registry, so /help in the terminal and in the web client show the
// same commands.
import type { TextChunk } from "@opentui/core";
import type { Command } from "../shared/commands.ts";
import type { InviteView, NodeView } from "../shared/types.ts";
import { INVITES_HELP, inviteCells, LEGACY_CODE_NOTE } from "../shared/invites.ts";
import { chunk, clean, wrapChunks } from "./markup.ts";
import type { Lines } from "./modal.ts";
import { theme } from "./theme.ts";

export const KEYS: [string, string][] = [
  ["F1", "this help"],
  ["F2", "invite code of the active circle (copied to the clipboard); its invites, r revokes one"],
  ["F3", "settings: display name, relay URL"],
  ["F5", "members: who is online now and how, or last seen (/who)"],
  ["ctrl+k", "go to a circle or channel by a few letters of its name"],
  ["alt+↑ / alt+↓", "previous / next channel (across circles)"],
  ["ctrl+q", "quit (the node stops with the terminal UI)"],
  ["Esc", "close a dialog, focus the input bar"],
  ["PgUp / PgDn", "scroll the log (older history loads at the top)"],
  ["Tab", "complete /commands, #channels, @names and :emoji: (to the emoji)"],
  ["↑ / ↓", "input history"],
];

const para = (chunks: TextChunk[], width: number, indent = 0) => wrapChunks(chunks, width, indent);

/** "  key      what it does", the description wrapped under itself (or on the next line). */
function table(rows: [string, string][], width: number): TextChunk[][] {
  const col = Math.min(Math.max(...rows.map(([k]) => k.length)) + 4, Math.max(12, Math.floor(width * 0.45)));
  const out: TextChunk[][] = [];
  for (const [k, what] of rows) {
    const key = "  " + k;
    if (key.length + 2 > col) {
      out.push([chunk(key, { fg: theme.active })]);
      out.push(...para([chunk(" ".repeat(col)), chunk(what)], width, col));
    } else out.push(...para([chunk(key.padEnd(col), { fg: theme.active }), chunk(what)], width, col));
  }
  return out;
}

export const helpLines =
  (commands: Command[]): Lines =>
  (width) => [
    [chunk("Keys", { bold: true, fg: theme.accent })],
    ...table(KEYS, width),
    [],
    [chunk("Commands", { bold: true, fg: theme.accent })],
    ...table(
      commands.map((c) => [`/${c.name}${c.args ? " " + c.args : ""}`, c.summary]),
      width,
    ),
    [],
    ...para(
      [
        chunk(
          "Plain text goes to the active channel; start a line with // to send one that begins with /. " +
            "Formatting: **bold**, *italic*, ~~strike~~, `code`, ``` code blocks, > quotes, - and 1. lists; " +
            ":shortcode: becomes its emoji when sent.",
          { fg: theme.dim },
        ),
      ],
      width,
    ),
  ];

export const inviteLines =
  (circleName: string, code: string, copied: string): Lines =>
  (width) => [
    ...para(
      [chunk("Invite code for "), chunk(clean(circleName, false) || "this circle", { bold: true }), chunk(":")],
      width,
    ),
    [],
    // the code is one long word: cut it at the width so it can be selected line by line
    ...para([chunk(code, { fg: theme.active })], width),
    [],
    ...(copied ? para([chunk(copied, { fg: copied.startsWith("copied") ? theme.live : theme.dim })], width) : []),
    ...para(
      [
        chunk("Anyone with this code can join the circle and read its messages: share it privately.", {
          fg: theme.dim,
        }),
      ],
      width,
    ),
  ];

/** The F2 dialog: the code as before, then (owner of a v2 circle) its invites, one selected. */
export const inviteDialogLines =
  (
    circleName: string,
    code: string,
    copied: string,
    list: { invites: InviteView[]; sel: number; codeId: string | null } | null,
  ): Lines =>
  (width) => {
    const lines = inviteLines(circleName, code, copied)(width);
    if (code.startsWith("felund1."))
      return [...lines, [], ...para([chunk(LEGACY_CODE_NOTE, { fg: theme.dim })], width)];
    if (!list) return lines;
    lines.push(
      [],
      [
        chunk("Invites of this circle", { bold: true, fg: theme.accent }),
        chunk("  (↑/↓ select · r revoke)", { fg: theme.dim }),
      ],
    );
    if (!list.invites.length) lines.push([chunk("  none", { fg: theme.dim })]);
    list.invites.forEach((v, i) => {
      const c = inviteCells(v);
      const mark = i === list.sel ? "▸ " : "  ";
      const fg = v.state === "live" ? theme.text : theme.dim;
      lines.push([
        chunk(mark + c.id, { fg: i === list.sel ? theme.active : fg, bold: i === list.sel }),
        chunk(`  ${c.created} → ${c.expires}  ${c.uses.padEnd(6)} `, { fg }),
        chunk(c.state, { fg: v.state === "live" ? theme.live : v.state === "revoked" ? theme.error : theme.dim }),
        ...(v.inviteId === list.codeId ? [chunk("  (this code)", { fg: theme.dim })] : []),
      ]);
    });
    lines.push(...para([chunk(INVITES_HELP, { fg: theme.dim })], width));
    return lines;
  };

export const settingsLines =
  (node: NodeView | undefined, extra: { webUrl?: string; stateDir?: string }): Lines =>
  (width) => {
    const row = (k: string, v: string) => para([chunk(k.padEnd(14), { fg: theme.dim }), chunk(v)], width, 14);
    const lines: TextChunk[][] = [];
    if (node) {
      lines.push(...row("node id", node.nodeId));
      if (node.listenAddr) lines.push(...row("peers dial", node.listenAddr));
    }
    if (extra.webUrl) lines.push(...row("web UI", extra.webUrl));
    if (extra.stateDir) lines.push(...row("state", extra.stateDir));
    return lines;
  };
