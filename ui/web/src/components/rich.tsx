// Markdown of a message rendered as DOM text and elements only: nothing a message says is ever
// parsed as HTML. Inline tokens (ui/shared/format.ts) here; a message that may hold a code
// block, quote or list (MAY_HAVE_BLOCKS) is laid out by rich-blocks.tsx, a chunk loaded with
// the first such message (shown inline until then).
import { createSignal, type JSX } from "solid-js";
import { MAY_HAVE_BLOCKS, parseInline, type Token } from "../../../shared/format.ts";

const tok = (t: Token): JSX.Element =>
  t.t === "bold" ? (
    <strong>{t.text}</strong>
  ) : t.t === "italic" ? (
    <em>{t.text}</em>
  ) : t.t === "strike" ? (
    <s>{t.text}</s>
  ) : t.t === "code" ? (
    <code>{t.text}</code>
  ) : t.t === "link" ? (
    <a href={t.href} target="_blank" rel="noopener noreferrer nofollow">
      {t.text}
    </a>
  ) : t.t === "mention" ? (
    <span class={t.self ? "mention-tag self" : "mention-tag"}>{t.text}</span>
  ) : (
    t.text
  );

const [chunk, setChunk] = createSignal<typeof import("./rich-blocks.tsx")>();

export function Rich(p: { text: string; me: string; names?: string[] }) {
  const inline = (text: string) => parseInline(text, [p.me], p.names).map(tok);
  return (
    <>
      {MAY_HAVE_BLOCKS.test(p.text) && (chunk() ?? void import("./rich-blocks.tsx").then((m) => setChunk(() => m)))
        ? chunk()!.blocks(p.text, inline)
        : inline(p.text)}
    </>
  );
}
