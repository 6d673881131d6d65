// The block structure of a message body, for both front ends: fenced code blocks, "> " quotes,
// "- " / "1. " lists and the paragraphs between them. Each paragraph and list item is then
// tokenised by parseInline (format.ts); each UI builds its own elements or chunks from these
// blocks, so a message never becomes HTML. One pass over the lines: quotes nest at most
// MAX_QUOTE_DEPTH deep (deeper "> " stays text), so the work is bounded by that times the length.

export type Block =
  | { t: "p"; text: string }
  /** a fenced block's lines as written (the language word after ``` is dropped) */
  | { t: "code"; text: string }
  | { t: "quote"; body: Block[] }
  /** `start`: the first number of an ordered list, null for bullets */
  | { t: "list"; start: number | null; items: string[] };

export const MAX_QUOTE_DEPTH = 3;

const FENCE = /^ {0,3}```(.*)$/;
const QUOTE = /^ {0,3}>( |$)/;
const ITEM = /^ {0,3}(?:[-*+]|(\d{1,9})[.)]) +(\S.*)$/;

export function parseBlocks(text: string, depth = 0): Block[] {
  const out: Block[] = [];
  const lines = text.split("\n");
  let para: string[] = [];
  const flush = () => {
    const p = para.join("\n").replace(/^\n+|\n+$/g, "");
    if (p) out.push({ t: "p", text: p });
    para = [];
  };
  for (let i = 0; i < lines.length; ) {
    const l = lines[i]!;
    let m = l.match(FENCE);
    if (m) {
      flush();
      const info = m[1]!;
      // ```one line``` on its own, or an opening fence (a language word after it is dropped)
      const one = info.match(/^(.*\S.*?)```\s*$/);
      if (one) {
        out.push({ t: "code", text: one[1]! });
        i++;
        continue;
      }
      let end = i + 1;
      while (end < lines.length && !/^ {0,3}```\s*$/.test(lines[end]!)) end++;
      const body = lines.slice(i + 1, end);
      if (!/^[\w+#.-]*$/.test(info.trim())) body.unshift(info);
      out.push({ t: "code", text: body.join("\n") });
      i = end + 1; // an unclosed fence runs to the end of the message
      continue;
    }
    if (depth < MAX_QUOTE_DEPTH && QUOTE.test(l)) {
      flush();
      const body: string[] = [];
      for (; i < lines.length && QUOTE.test(lines[i]!); i++) body.push(lines[i]!.replace(/^ {0,3}> ?/, ""));
      out.push({ t: "quote", body: parseBlocks(body.join("\n"), depth + 1) });
      continue;
    }
    m = l.match(ITEM);
    if (m) {
      flush();
      const start = m[1] === undefined ? null : +m[1];
      const items: string[] = [];
      for (; i < lines.length && (m = lines[i]!.match(ITEM)) && (m[1] === undefined) === (start === null); i++)
        items.push(m[2]!);
      out.push({ t: "list", start, items });
      continue;
    }
    para.push(l);
    i++;
  }
  flush();
  return out;
}
