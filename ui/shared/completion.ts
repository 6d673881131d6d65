// Tab completion for the input bar: /commands (both words of two-word commands), channel and
// circle names after the commands that take them, @names and :emoji: shortcodes (to the emoji
// itself). Completes to the longest common prefix first; pressing Tab again cycles through
// the candidates.
import { emojiCompletions } from "./emoji.ts";

export interface CompletionSource {
  /** e.g. ["/help", "/channel create", ...] */
  commands: string[];
  /** display names known in the active circle */
  names: string[];
  /** channel ids of the active circle */
  channels: string[];
  /** circle names */
  circles: string[];
}

export interface Completion {
  value: string;
  candidates: string[];
}

interface Cycle {
  start: number;
  matches: string[];
  labels: string[];
  i: number;
  produced: string;
  head: string;
}

const CHANNEL_ARG = /^\/(channel (switch|leave|join)|who) +#?([\w-]*)$/i;
const CIRCLE_ARG = /^\/circle switch +(.*)$/i;

function commonPrefix(xs: string[]): string {
  if (!xs.length) return "";
  let p = xs[0]!;
  for (const x of xs) while (!x.toLowerCase().startsWith(p.toLowerCase())) p = p.slice(0, -1);
  return p;
}

/**
 * Where the word being completed starts, and what can replace it; `labels` (emoji: "😄 :smile:")
 * are what to show for each, when not the matches themselves.
 */
export function candidates(
  input: string,
  src: CompletionSource,
): { start: number; matches: string[]; labels?: string[] } | null {
  let m: RegExpMatchArray | null;
  if ((m = input.match(CHANNEL_ARG))) {
    const part = m[3]!.toLowerCase();
    const start = input.length - m[3]!.length;
    return { start, matches: src.channels.filter((c) => c.startsWith(part)).sort() };
  }
  if ((m = input.match(CIRCLE_ARG))) {
    const part = m[1]!.toLowerCase();
    return {
      start: input.length - m[1]!.length,
      matches: src.circles.filter((c) => c?.toLowerCase().startsWith(part)).sort(),
    };
  }
  if (input.startsWith("/")) {
    const words = input.slice(1).split(" ");
    if (words.length === 1) {
      const firsts = [...new Set(src.commands.map((c) => c.split(" ")[0]!))];
      return { start: 0, matches: firsts.filter((c) => c.startsWith(input.toLowerCase())).sort() };
    }
    if (words.length === 2) {
      const head = "/" + words[0]!.toLowerCase() + " ";
      const seconds = src.commands.filter((c) => c.startsWith(head)).map((c) => c.slice(head.length));
      return { start: head.length, matches: seconds.filter((c) => c.startsWith(words[1]!.toLowerCase())).sort() };
    }
    return null;
  }
  const ec = emojiCompletions(input);
  if (ec?.matches.length)
    return {
      start: input.length - ec.prefix.length - 1,
      matches: ec.matches.map(([, e]) => e),
      labels: ec.matches.map(([c, e]) => `${e} :${c}:`),
    };
  const mc = mentionCompletions(input, src.names);
  if (!mc) return null;
  const start = input.length - mc.prefix.length - 1;
  return { start, matches: mc.matches.map((n) => "@" + n) };
}

/**
 * Completion candidates for an @mention being typed at the end of `input`: the last "@" (at the
 * start or after a space) whose text so far begins a known name, spaces included ("@Alice W").
 */
export function mentionCompletions(input: string, names: string[]): { prefix: string; matches: string[] } | null {
  for (let at = input.lastIndexOf("@"); at >= 0; at = at ? input.lastIndexOf("@", at - 1) : -1) {
    if (at && !/\s/.test(input[at - 1]!)) continue;
    const prefix = input.slice(at + 1);
    const p = prefix.toLowerCase();
    const matches = [...new Set(names)]
      .filter((n) => n?.toLowerCase().startsWith(p) && n.toLowerCase() !== p)
      .sort()
      .slice(0, 8);
    if (matches.length || !/\s/.test(prefix)) return { prefix, matches };
  }
  return null;
}

export class Completer {
  private cycle: Cycle | null = null;

  /** Forget the cycle (call when the input changes by typing). */
  reset(): void {
    this.cycle = null;
  }

  complete(input: string, src: CompletionSource): Completion | null {
    const c = this.cycle;
    if (c && input === c.produced && c.matches.length > 1) {
      c.i = (c.i + 1) % c.matches.length;
      c.produced = c.head + c.matches[c.i]! + " ";
      return { value: c.produced, candidates: c.labels };
    }
    this.cycle = null;
    const found = candidates(input, src);
    if (!found?.matches.length) return null;
    const head = input.slice(0, found.start);
    const word = input.slice(found.start);
    const labels = found.labels ?? found.matches;
    if (found.matches.length === 1) return { value: head + found.matches[0]! + " ", candidates: labels };
    // (an emoji is no prefix of a shortcode: straight to the first one)
    const lcp = found.labels ? "" : commonPrefix(found.matches);
    if (lcp.length > word.length) return { value: head + lcp, candidates: labels };
    const produced = head + found.matches[0]! + " ";
    this.cycle = { start: found.start, matches: found.matches, labels, i: 0, produced, head };
    return { value: produced, candidates: labels };
  }
}
