// Text formatting shared by both front ends: inline markdown as tokens (each UI renders
// them itself, so no raw HTML is ever produced), mentions, author colours, times.

export type Token =
  | { t: "text"; text: string }
  | { t: "bold"; text: string }
  | { t: "italic"; text: string }
  | { t: "strike"; text: string }
  | { t: "code"; text: string }
  | { t: "link"; text: string; href: string }
  | { t: "mention"; text: string; self: boolean };

/**
 * Could a line of `text` start a block of markdown.ts (a ``` fence, a "> " quote, a "- " or
 * "1. " list item)? When not, the message is one paragraph of inline markdown. (Loose: a
 * false "yes" costs only the full parse.)
 */
export const MAY_HAVE_BLOCKS = /^ *[-*+>\d`]/m;

const URL_RE = /^https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/;

/** A character a display name can go on with, so a mention must not end before one. */
const NAME_CHAR = /[\p{L}\p{N}_-]/u;

/**
 * The longest of `names` written after the "@" at `text[at]`, case-insensitively, that ends
 * where a name cannot go on ("@Alice W., hi" names "Alice W."; "@Alicia" does not name "Ali").
 */
export function mentionAt(text: string, at: number, names: string[]): string {
  let best = "";
  for (const n of names) {
    const w = text.substr(at + 1, n.length);
    if (
      n.length > best.length &&
      w.toLowerCase() === n.toLowerCase() &&
      !NAME_CHAR.test(text[at + 1 + n.length] ?? " ")
    )
      best = w;
  }
  return best;
}

/**
 * Tokenise `**bold**`, `*italic*`/`_italic_`, `~~strike~~`, `` `code` ``, http(s) links, `[text](url)` and
 * @mentions: of a known name (`selfNames` and `names`, spaces allowed, longest first), else of one word.
 */
export function parseInline(text: string, selfNames: string[] = [], names: string[] = []): Token[] {
  const out: Token[] = [];
  let buf = "";
  const flush = () => {
    if (buf) {
      out.push({ t: "text", text: buf });
      buf = "";
    }
  };
  const self = selfNames.filter(Boolean).map((n) => n.toLowerCase());
  const known = [...selfNames, ...names]; // (an empty name never matches)
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const prev = i > 0 ? text[i - 1]! : " ";
    let m: RegExpMatchArray | null;
    if (rest[0] === "`" && (m = rest.match(/^`([^`\n]+)`/))) {
      flush();
      out.push({ t: "code", text: m[1]! });
      i += m[0].length;
      continue;
    }
    if ((m = rest.match(/^\*\*([^*\n]+?)\*\*/) || rest.match(/^~~([^~\s]|[^~\s][^~\n]*[^~\s])~~/))) {
      flush();
      out.push({ t: rest[0] === "*" ? "bold" : "strike", text: m[1]! });
      i += m[0].length;
      continue;
    }
    if (
      (rest[0] === "*" || rest[0] === "_") &&
      /[\s(]/.test(prev) &&
      (m = rest.match(/^([*_])([^*_\s][^*_\n]*?)\1(?![\w*])/))
    ) {
      flush();
      out.push({ t: "italic", text: m[2]! });
      i += m[0].length;
      continue;
    }
    if (rest[0] === "[" && (m = rest.match(/^\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/))) {
      flush();
      out.push({ t: "link", text: m[1]!, href: m[2]! });
      i += m[0].length;
      continue;
    }
    if ((rest.startsWith("http://") || rest.startsWith("https://")) && /[\s(]/.test(prev) && (m = rest.match(URL_RE))) {
      flush();
      out.push({ t: "link", text: m[0], href: m[0] });
      i += m[0].length;
      continue;
    }
    const name =
      rest[0] === "@" && /[\s(]/.test(prev)
        ? mentionAt(text, i, known) || rest.match(/^@([\p{L}\p{N}_.-]{1,40})/u)?.[1]?.replace(/[.]+$/, "")
        : "";
    if (name) {
      flush();
      out.push({ t: "mention", text: "@" + name, self: self.includes(name.toLowerCase()) });
      i += 1 + name.length;
      continue;
    }
    buf += text[i];
    i++;
  }
  flush();
  return out;
}

/** Does `text` mention any of `self` (as @name, case-insensitive; a longer name in `names` wins)? */
export const mentions = (text: string, self: string[], names: string[] = []): boolean =>
  parseInline(text, self, names).some((t) => t.t === "mention" && t.self);

/** A stable colour index (0-7) per author. */
export function authorColorIndex(nodeId: string): number {
  let h = 0;
  for (let i = 0; i < nodeId.length; i++) h = (h * 31 + nodeId.charCodeAt(i)) >>> 0;
  return h % 8;
}
export const AUTHOR_COLORS = ["#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#d19a66", "#be5046"];

const pad = (n: number) => String(n).padStart(2, "0");
/**
 * A peer's timestamp as a Date, or null when no Date can hold it: a v1 message may claim any
 * number, and a Date past ±8.64e15 ms prints as "NaN".
 */
export function dateOf(ts: number): Date | null {
  const d = new Date(ts * 1000);
  return Number.isNaN(d.getTime()) ? null : d;
}
/** `YYYY-MM-DD HH:MM:SS` (local time); a time no Date can hold shows as its raw number. */
export function formatDateTime(ts: number): string {
  const d = dateOf(ts);
  if (!d) return `(time ${ts})`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
export function formatTime(ts: number, fmt: "24h" | "12h" = "24h"): string {
  const d = dateOf(ts);
  if (!d) return "--:--";
  if (fmt === "12h")
    return `${((d.getHours() + 11) % 12) + 1}:${pad(d.getMinutes())} ${d.getHours() < 12 ? "AM" : "PM"}`;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export const dayKey = (ts: number): string => {
  const d = dateOf(ts);
  if (!d) return "?";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};
export function dayLabel(ts: number, now = Date.now() / 1000): string {
  const k = dayKey(ts);
  if (k === dayKey(now)) return "Today";
  if (k === dayKey(now - 86400)) return "Yesterday";
  if (k === "?") return "Unknown date";
  return new Date(ts * 1000).toLocaleDateString(undefined, {
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
  });
}

export const shortId = (id: string): string => id.slice(0, 6);
