// The input bar's completion (a chunk, loaded with the command registry at the first "/", "@" or
// ":ab" that starts a word): suggestions from the completion the terminal UI uses
// (ui/shared/completion.ts): command words, channel and circle names after the commands that take
// them; in a message, @names and :emoji: shortcodes. Each is a label shown, the text put in place
// of the word being completed, and (commands) what it does.
import { For, Show } from "solid-js";
import type { useApp } from "../app-store.ts";

export interface Suggestion {
  label: string;
  hint: string;
  replace: string;
  with: string;
}

export function suggest(app: ReturnType<typeof useApp>, v: string): Suggestion[] {
  const msg = !v.startsWith("/");
  const reg = app.commands();
  if (!reg) {
    void app.loadCommands(); // its chunk; the caller's memo runs again when it is here
    return [];
  }
  const s = app.state();
  const peers = s.circleId ? (s.peers[s.circleId] ?? []).map((p) => p.name) : [];
  const names = [...app.core.knownNames(), ...peers].filter((n) => n && n !== app.me());
  const circle = app.circle();
  const found = reg.candidates(v, {
    commands: reg.COMMANDS.map((c) => "/" + c.name),
    names,
    channels: circle?.channels.map((c) => c.channelId) ?? [],
    circles: s.app?.circles.map((c) => c.name) ?? [],
  });
  // (a bare "@" is no suggestion of every name)
  if (!found || (msg && found.start > v.length - 2)) return [];
  const head = v.slice(0, found.start);
  const word = v.slice(found.start);
  return found.matches
    .map((m, i) => {
      const cmd = reg.COMMANDS.find((c) => "/" + c.name === (head + m).trim());
      return {
        // the second word of a command is shown with its first ("/channel create"); an emoji with its code
        label: found.labels?.[i] ?? (/^\/\S+ $/.test(head) ? head + m : m),
        hint: cmd ? `${cmd.args ? cmd.args + " — " : ""}${cmd.summary}` : "",
        replace: word,
        with: m + " ",
      };
    })
    .filter((x) => x.with !== word + " ");
}

/** The list above the text box; the pick is driven from it (Tab/arrows) or by a click. */
export function SuggestList(p: { items: Suggestion[]; sel: number; accept(i: number): void }) {
  return (
    <ul class="suggest" data-testid="suggestions">
      <For each={p.items}>
        {(s, i) => (
          // biome-ignore lint/a11y/useAriaPropsSupportedByRole: the completion list is driven from the text box (Tab/arrows); aria-selected marks the pick for screen readers and tests
          <li
            aria-selected={i() === p.sel}
            classList={{ sel: i() === p.sel }}
            onMouseDown={(e) => {
              e.preventDefault();
              p.accept(i());
            }}
          >
            <span class="suggest-label">{s.label}</span>
            <Show when={s.hint}>
              <span class="suggest-desc">{s.hint}</span>
            </Show>
          </li>
        )}
      </For>
      <li class="suggest-hint">Tab or Enter to complete · ↑↓ to choose · Esc to dismiss</li>
    </ul>
  );
}
