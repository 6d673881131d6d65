// Turns chat data into OpenTUI text chunks: a message line `[HH:MM] name: text` with the
// author's colour and markdown (blocks from ui/shared/markdown.ts, inline tokens from
// ui/shared/format.ts), notice lines, day separators. Text from peers is cleaned of control
// characters first, so a message can never write escape sequences to the user's terminal.
import { RGBA, TextAttributes, type TextChunk } from "@opentui/core";
import type { Notice } from "../shared/chat-store.ts";
import { AUTHOR_COLORS, authorColorIndex, formatTime, parseInline } from "../shared/format.ts";
import { plainInline } from "../shared/message-actions.ts";
import { type Block, parseBlocks } from "../shared/markdown.ts";
import type { MessageView } from "../shared/types.ts";
import { inertText } from "../shared/safe-text.ts";
import { theme } from "./theme.ts";

export interface Style {
  fg?: string;
  bg?: string;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
  dim?: boolean;
  strike?: boolean;
  link?: string;
}

const colors = new Map<string, RGBA>();
const rgba = (hex: string): RGBA => {
  let c = colors.get(hex);
  if (!c) colors.set(hex, (c = RGBA.fromHex(hex)));
  return c;
};

export function chunk(text: string, s: Style = {}): TextChunk {
  let attributes = 0;
  if (s.bold) attributes |= TextAttributes.BOLD;
  if (s.italic) attributes |= TextAttributes.ITALIC;
  if (s.underline) attributes |= TextAttributes.UNDERLINE;
  if (s.dim) attributes |= TextAttributes.DIM;
  if (s.strike) attributes |= TextAttributes.STRIKETHROUGH;
  return {
    __isChunk: true,
    text,
    ...(s.fg ? { fg: rgba(s.fg) } : {}),
    ...(s.bg ? { bg: rgba(s.bg) } : {}),
    ...(attributes ? { attributes } : {}),
    ...(s.link ? { link: { url: s.link } } : {}),
  };
}

/** Untrusted text made inert (ui/shared/safe-text.ts); `keepNewlines` false puts a space for each newline. */
export const clean = (text: string, keepNewlines = true): string => inertText(text, keepNewlines ? "\n" : " ");

export const authorColor = (nodeId: string): string => AUTHOR_COLORS[authorColorIndex(nodeId)]!;

/** Inline markdown of one message body as chunks. */
export function inlineChunks(text: string, selfNames: string[], names: string[] = []): TextChunk[] {
  return parseInline(clean(text), selfNames, names).map((t) => {
    switch (t.t) {
      case "bold":
        return chunk(t.text, { bold: true });
      case "italic":
        return chunk(t.text, { italic: true });
      case "strike":
        return chunk(t.text, { strike: true });
      case "code":
        return chunk(t.text, { fg: theme.codeFg, bg: theme.codeBg });
      case "link":
        return chunk(t.text, { fg: theme.link, underline: true, link: t.href });
      case "mention":
        return t.self
          ? chunk(t.text, { fg: theme.mentionSelfFg, bg: theme.mentionSelfBg, bold: true })
          : chunk(t.text, { fg: theme.mention, bold: true });
      default:
        return chunk(t.text);
    }
  });
}

/**
 * A message body's markdown as chunks, one line per "\n": paragraphs inline; code blocks as
 * written (whitespace kept), in the code colours behind two spaces; quotes behind a "│ " bar on
 * each of their lines; list items behind "• " or their number. A body that starts with a
 * paragraph goes on after the author's name; any other block starts on the next line.
 */
export function bodyChunks(text: string, selfNames: string[], names: string[] = []): TextChunk[] {
  const out: TextChunk[] = [];
  const line = (bar: TextChunk[], ...cs: TextChunk[]) => {
    if (out.length) out.push(chunk("\n"));
    out.push(...bar, ...cs);
  };
  const put = (b: Block, bar: TextChunk[]): void => {
    if (b.t === "p") for (const l of b.text.split("\n")) line(bar, ...inlineChunks(l, selfNames, names));
    else if (b.t === "code")
      for (const l of b.text.split("\n"))
        line(bar, chunk("  "), chunk(l || " ", { fg: theme.codeFg, bg: theme.codeBg }));
    else if (b.t === "quote") for (const q of b.body) put(q, [...bar, chunk("│ ", { fg: theme.dim })]);
    else
      b.items.forEach((it, i) =>
        line(
          bar,
          chunk(b.start === null ? "• " : `${b.start + i}. `, { fg: theme.dim }),
          ...inlineChunks(it, selfNames, names),
        ),
      );
  };
  const blocks = parseBlocks(clean(text));
  if (blocks[0] && blocks[0].t !== "p") out.push(chunk(""));
  for (const b of blocks) put(b, []);
  return out;
}

/** `[HH:MM] name: text` */
export function messageChunks(
  m: MessageView,
  selfNames: string[],
  author = m.author,
  names: string[] = [],
): TextChunk[] {
  const name = clean(author || m.authorNodeId.slice(0, 8), false);
  const dim = { fg: theme.dim };
  // a reply: the quoted author and first line on a line of their own (docs/PROTOCOL.md §18)
  const q = m.reply;
  const quote = q
    ? [
        chunk(`╭ ${clean(q.author, false)}: ${q.deleted ? "message deleted" : clean(plainInline(q.line), false)}`, dim),
        chunk("\n"),
      ]
    : [];
  return [
    ...quote,
    chunk(`[${formatTime(m.createdTs)}] `, dim),
    chunk(name, { fg: authorColor(m.authorNodeId), bold: true }),
    // "?" marks an unverified author: no v2 signature (v1 MAC only, or nothing)
    chunk(m.verified !== "sig" && !m.deleted ? "?: " : ": ", dim),
    ...(m.deleted ? [chunk("message deleted", { ...dim, italic: true })] : bodyChunks(m.text, selfNames, names)),
    ...(m.edited ? [chunk(" (edited)", dim)] : []),
    ...(m.reactions ?? []).map((r) =>
      chunk(` [${clean(r.emoji, false)} ${r.count}]`, { fg: r.mine ? theme.active : theme.dim }),
    ),
    // placed by its time, though it arrived after newer messages (an offline member's backlog)
    ...(m.late ? [chunk(` (arrived later ${formatTime(m.receivedAt)})`, { fg: theme.dim, italic: true })] : []),
  ];
}

export function noticeChunks(n: Notice): TextChunk[] {
  const text = clean(n.text);
  return n.kind === "error"
    ? [chunk("  ! ", { fg: theme.error, bold: true }), chunk(text, { fg: theme.error })]
    : [chunk("  * ", { fg: theme.notice }), chunk(text, { fg: theme.notice })];
}

/** A timeline event (a join, a rename…): one quiet line at its time. */
export const timelineChunks = (ts: number, text: string): TextChunk[] => [
  chunk(`[${formatTime(ts)}] `, { fg: theme.dim }),
  chunk(`· ${text}`, { fg: theme.dim, italic: true }),
];
export const dayChunks = (label: string): TextChunk[] => [chunk(`── ${label} ──`, { fg: theme.dim })];
/** Above the first message that was unread when the channel was opened. */
export const newLineChunks = (): TextChunk[] => [chunk("── new messages ──", { fg: theme.unread, bold: true })];

/** Cut `s` to `width` terminal columns, ending in "…" when it was longer. */
export function fit(s: string, width: number): string {
  if (width <= 0) return "";
  if (Bun.stringWidth(s) <= width) return s;
  let out = "";
  for (const ch of s) {
    if (Bun.stringWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return out + "…";
}

/**
 * Word-wrap styled chunks to `width` columns. Continuation lines (wrapped or after a
 * newline in the text) start with `indent` spaces, a hanging indent under the `[HH:MM] `
 * prefix; words longer than a line are cut.
 */
export function wrapChunks(chunks: TextChunk[], width: number, indent = 0): TextChunk[][] {
  const w = Math.max(8, width);
  const ind = Math.min(indent, Math.floor(w / 2));
  const lines: TextChunk[][] = [[]];
  let col = 0;
  let fresh = false; // the current line was started by wrapping: drop leading spaces
  const newLine = () => {
    lines.push(ind ? [chunk(" ".repeat(ind))] : []);
    col = ind;
    fresh = true;
  };
  const put = (c: TextChunk, text: string) => {
    lines[lines.length - 1]!.push({ ...c, text });
    col += Bun.stringWidth(text);
    fresh = false;
  };
  for (const c of chunks) {
    c.text.split("\n").forEach((part, pi) => {
      if (pi > 0) {
        newLine();
        fresh = false; // a line of the text's own keeps its leading spaces (code, indentation)
      }
      for (const word of part.match(/\s+|\S+/g) ?? []) {
        const ww = Bun.stringWidth(word);
        if (/^\s+$/.test(word)) {
          if (fresh) continue;
          if (col + ww <= w) put(c, word);
          else newLine();
          continue;
        }
        if (col + ww <= w) {
          put(c, word);
          continue;
        }
        if (ww <= w - ind && col > ind) {
          newLine();
          put(c, word);
          continue;
        }
        let rest = word;
        while (rest) {
          let take = "";
          for (const ch of rest) {
            if (col + Bun.stringWidth(take + ch) > w && (take || col > ind)) break;
            take += ch;
          }
          if (!take) {
            newLine();
            continue;
          }
          put(c, take);
          rest = rest.slice(take.length);
          if (rest) newLine();
        }
      }
    });
  }
  return lines;
}
