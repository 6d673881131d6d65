// The emoji picker behind the input bar's ☺ button, a chunk of its own with the built-in table
// (ui/shared/emoji.ts): a search by shortcode and a grid; a click (or Enter on the first
// match) puts the emoji at the cursor of the message box. Esc or the button again closes it.
// It mounts itself over the input bar, so the bar carries nothing of it but the button. The
// same picker chooses a reaction (message-actions.tsx): openPicker() over any element.
import { For, createMemo, createSignal } from "solid-js";
import { render } from "solid-js/web";
import { emojiMatches } from "../../../shared/emoji.ts";

let close: (() => void) | null = null;

/** Open the picker over the input bar of `ta` (`set` replaces the bar's text), or close it. */
export function togglePicker(ta: HTMLTextAreaElement, set: (v: string) => void): void {
  if (close) return close();
  openPicker(
    ta.closest(".inputbar"),
    (e) => {
      const at = ta.selectionStart;
      set(ta.value.slice(0, at) + e + ta.value.slice(ta.selectionEnd));
      ta.setSelectionRange(at + e.length, at + e.length);
    },
    () => ta.focus(),
  );
}

/** Open the picker at the top of `parent` (closing one open elsewhere): `pick` gets the chosen emoji, `done` runs when it closes. */
export function openPicker(parent: Element | null, pick: (e: string) => void, done: () => void): void {
  close?.();
  const host = document.createElement("div");
  parent?.prepend(host);
  const dispose = render(() => <EmojiPicker pick={pick} done={done} />, host);
  close = () => {
    close = null;
    dispose();
    host.remove();
  };
}

function EmojiPicker(p: { pick(e: string): void; done(): void }) {
  const [query, setQuery] = createSignal("");
  const shown = createMemo(() => emojiMatches(query().trim().replace(/:/g, ""), 400));
  const done = () => {
    close?.();
    p.done();
  };
  const put = (e: string) => {
    p.pick(e);
    done();
  };
  return (
    <div
      class="emoji-picker"
      data-testid="emoji-picker"
      role="dialog"
      aria-label="Emoji"
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.stopPropagation();
        done();
      }}
    >
      <input
        class="emoji-search"
        aria-label="Search emoji"
        placeholder="Search emoji (e.g. smile)"
        ref={(el) => queueMicrotask(() => el.focus())}
        onInput={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && shown()[0]) {
            e.preventDefault();
            put(shown()[0]![1]);
          }
        }}
      />
      <div class="emoji-grid">
        <For each={shown()} fallback={<span class="muted">no emoji called that</span>}>
          {([code, e]) => (
            <button type="button" title={`:${code}:`} aria-label={code} onClick={() => put(e)}>
              {e}
            </button>
          )}
        </For>
      </div>
    </div>
  );
}
