// Tab completion for the input bar: /commands (both words of two-word commands), channel and
// circle names after the commands that take them, and @names. Completes to the longest
// common prefix first; pressing Tab again cycles through the candidates.
import { mentionCompletions } from "./format.ts";

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

/** Where the word being completed starts, and what can replace it. */
export function candidates(input: string, src: CompletionSource): { start: number; matches: string[] } | null {
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
  const mc = mentionCompletions(input, src.names);
  if (!mc) return null;
  const start = input.length - mc.prefix.length - 1;
  return { start, matches: mc.matches.map((n) => "@" + n) };
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
      return { value: c.produced, candidates: c.matches };
    }
    this.cycle = null;
    const found = candidates(input, src);
    if (!found?.matches.length) return null;
    const head = input.slice(0, found.start);
    const word = input.slice(found.start);
    if (found.matches.length === 1) return { value: head + found.matches[0]! + " ", candidates: found.matches };
    const lcp = commonPrefix(found.matches);
    if (lcp.length > word.length) return { value: head + lcp, candidates: found.matches };
    const produced = head + found.matches[0]! + " ";
    this.cycle = { start: found.start, matches: found.matches, i: 0, produced, head };
    return { value: produced, candidates: found.matches };
  }
}
