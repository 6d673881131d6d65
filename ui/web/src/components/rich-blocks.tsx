// The block markdown of a message (ui/shared/markdown.ts: code blocks, quotes, lists) as DOM
// elements, never HTML; a chunk loaded by rich.tsx with the first message that may hold one.
import type { JSX } from "solid-js";
import { type Block, parseBlocks } from "../../../shared/markdown.ts";

export function blocks(text: string, inline: (text: string) => JSX.Element): JSX.Element {
  const block = (b: Block): JSX.Element =>
    b.t === "p" ? (
      inline(b.text)
    ) : b.t === "code" ? (
      <pre>{b.text}</pre>
    ) : b.t === "quote" ? (
      <blockquote>{b.body.map(block)}</blockquote>
    ) : b.start === null ? (
      <ul>
        {b.items.map((i) => (
          <li>{inline(i)}</li>
        ))}
      </ul>
    ) : (
      <ol start={b.start}>
        {b.items.map((i) => (
          <li>{inline(i)}</li>
        ))}
      </ol>
    );
  return parseBlocks(text).map(block);
}
