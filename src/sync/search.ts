// Full-text search, shared by both stores: the query a user types, parsed into words and
// quoted phrases (all must match; the last bare word matches as a prefix), the tokens as the
// node's FTS5 index sees them (unicode61: letters and digits, case and diacritics folded), the
// FTS5 expression built from those tokens only (user input never reaches FTS5 as syntax), the
// same match over a text (the browser's store scans with it), and the snippet with its marks.
import { FelundError } from "../protocol/errors.ts";
import { SEARCH_QUERY_MAX, SEARCH_SNIPPET_CHARS, SEARCH_TERMS_MAX } from "../protocol/limits.ts";

export interface SearchQuery {
  /** each a phrase: tokens that must follow one another */
  phrases: string[][];
  /** the last phrase's last token matches any token it starts */
  prefix: boolean;
}

/** A result's text: up to SEARCH_SNIPPET_CHARS of the message around its first match, with the matches as [start, end). */
export interface Snippet {
  text: string;
  marks: [number, number][];
}

const TOKEN = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;
/** one token as unicode61 with remove_diacritics 2 folds it */
export const foldToken = (t: string) => t.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/** the tokens of a text, folded, with where each is in the text */
export function tokenize(text: string): { t: string; start: number; end: number }[] {
  const out: { t: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const t = foldToken(m[0]);
    if (t) out.push({ t, start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** Parse what the user typed; E_EMPTY when it has no word to look for. */
export function parseSearchQuery(input: string): SearchQuery {
  const q = input.slice(0, SEARCH_QUERY_MAX);
  const phrases: string[][] = [];
  let prefix = false;
  // a quoted phrase, or a bare run up to the next space or quote; an unclosed quote runs to the end
  for (const m of q.matchAll(/"([^"]*)"?|[^\s"]+/g)) {
    const toks = tokenize(m[1] ?? m[0]).map((x) => x.t);
    if (!toks.length) continue;
    phrases.push(toks);
    prefix = m[1] === undefined && m.index + m[0].length === q.length;
  }
  if (!phrases.length) throw new FelundError("E_EMPTY", "nothing to search for: type a word");
  if (phrases.length > SEARCH_TERMS_MAX) {
    phrases.length = SEARCH_TERMS_MAX;
    prefix = false;
  }
  return { phrases, prefix };
}

/** The FTS5 expression over the `text` column: every phrase quoted (tokens hold no quote), ANDed. */
export function ftsExpression(q: SearchQuery): string {
  return q.phrases
    .map((p, i) => `text : "${p.join(" ")}"${q.prefix && i === q.phrases.length - 1 ? " *" : ""}`)
    .join(" AND ");
}

/** Where the query matches a text: the spans of every phrase found, or null when some phrase is missing. */
export function matchText(text: string, q: SearchQuery): [number, number][] | null {
  const toks = tokenize(text);
  const marks: [number, number][] = [];
  for (let i = 0; i < q.phrases.length; i++) {
    const p = q.phrases[i]!;
    const pre = q.prefix && i === q.phrases.length - 1;
    let found = false;
    for (let s = 0; s + p.length <= toks.length; s++) {
      let ok = true;
      for (let j = 0; j < p.length && ok; j++) {
        const t = toks[s + j]!.t;
        ok = pre && j === p.length - 1 ? t.startsWith(p[j]!) : t === p[j];
      }
      if (ok) {
        found = true;
        marks.push([toks[s]!.start, toks[s + p.length - 1]!.end]);
      }
    }
    if (!found) return null;
  }
  return marks.sort((a, b) => a[0] - b[0]);
}

/** The snippet of a text for a query: a window around the first match, "…" where cut. */
export function snippetOf(text: string, q: SearchQuery): Snippet {
  const marks = matchText(text, q) ?? [];
  const first = marks[0]?.[0] ?? 0;
  let start = Math.max(0, first - Math.floor(SEARCH_SNIPPET_CHARS / 3));
  let end = Math.min(text.length, start + SEARCH_SNIPPET_CHARS);
  start = Math.max(0, Math.min(start, end - SEARCH_SNIPPET_CHARS));
  // never cut a surrogate pair
  if (start > 0 && /[\uDC00-\uDFFF]/.test(text[start]!)) start--;
  if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end++;
  const lead = start > 0 ? "…" : "";
  const body = text.slice(start, end).replace(/\s+/g, (w) => " ".repeat(w.length));
  const shift = lead.length - start;
  const kept = marks
    .filter(([a, b]) => a >= start && b <= end)
    .map(([a, b]) => [a + shift, b + shift] as [number, number]);
  return { text: lead + body + (end < text.length ? "…" : ""), marks: kept };
}
