// Inline markdown from ui/shared/format.ts tokens, rendered as DOM text and elements only:
// nothing a message says is ever parsed as HTML.
import { For, Match, Switch } from "solid-js";
import { parseInline, type Token } from "../../../shared/format.ts";

export function Rich(p: { text: string; me: string; names?: string[] }) {
  return (
    <For each={parseInline(p.text, [p.me], p.names)}>
      {(t: Token) => (
        <Switch fallback={t.text}>
          <Match when={t.t === "bold"}>
            <strong>{t.text}</strong>
          </Match>
          <Match when={t.t === "italic"}>
            <em>{t.text}</em>
          </Match>
          <Match when={t.t === "code"}>
            <code>{t.text}</code>
          </Match>
          <Match when={t.t === "link" && t}>
            {(l) => (
              <a href={l().href} target="_blank" rel="noopener noreferrer nofollow">
                {l().text}
              </a>
            )}
          </Match>
          <Match when={t.t === "mention" && t}>
            {(m) => (
              <span class="mention-tag" classList={{ self: m().self }}>
                {m().text}
              </span>
            )}
          </Match>
        </Switch>
      )}
    </For>
  );
}
