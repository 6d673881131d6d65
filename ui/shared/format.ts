// Text formatting shared by both front ends: inline markdown as tokens (each UI renders
// them itself, so no raw HTML is ever produced), mentions, author colours, times.

export type Token =
  | { t: "text"; text: string }
  | { t: "bold"; text: string }
  | { t: "italic"; text: string }
  | { t: "code"; text: string }
  | { t: "link"; text: string; href: string }
  | { t: "mention"; text: string; self: boolean };

const URL_RE = /^https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/;

/** Tokenise `**bold**`, `*italic*`/`_italic_`, `` `code` ``, http(s) links, `[text](url)` and @mentions. */
export function parseInline(text: string, selfNames: string[] = []): Token[] {
  const out: Token[] = [];
  let buf = "";
  const flush = () => {
    if (buf) {
      out.push({ t: "text", text: buf });
      buf = "";
    }
  };
  const self = selfNames.filter(Boolean).map((n) => n.toLowerCase());
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
    if (rest.startsWith("**") && (m = rest.match(/^\*\*([^*\n]+?)\*\*/))) {
      flush();
      out.push({ t: "bold", text: m[1]! });
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
    if (rest[0] === "@" && /[\s(]/.test(prev) && (m = rest.match(/^@([\p{L}\p{N}_.-]{1,40})/u))) {
      const name = m[1]!.replace(/[.]+$/, "");
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

/** Does `text` mention any of `names` (case-insensitive, as @name)? */
export const mentions = (text: string, names: string[]): boolean =>
  parseInline(text, names).some((t) => t.t === "mention" && t.self);

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

/** Completion candidates for an @mention being typed at the end of `input`. */
export function mentionCompletions(input: string, names: string[]): { prefix: string; matches: string[] } | null {
  const m = input.match(/(?:^|\s)@([\p{L}\p{N}_.-]*)$/u);
  if (!m) return null;
  const p = m[1]!.toLowerCase();
  const matches = [...new Set(names)]
    .filter((n) => n?.toLowerCase().startsWith(p) && n.toLowerCase() !== p)
    .sort()
    .slice(0, 8);
  return { prefix: m[1]!, matches };
}
