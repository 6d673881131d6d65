// Ctrl+K: find a circle or channel by a few letters of its name (ui/shared/switcher.ts) and
// go there with Enter or a click; ↑/↓ choose. Part of the dialogs chunk.
import { For, Show, createMemo, createSignal } from "solid-js";
import { channelLabel } from "../../../shared/safe-text.ts";
import { quickSwitch, type SwitchTarget, switchTargets } from "../../../shared/switcher.ts";
import { useApp } from "../app-store.ts";
import { Modal } from "./modal.tsx";

export function QuickSwitch() {
  const app = useApp();
  const [query, setQuery] = createSignal("");
  const [sel, setSel] = createSignal(0);
  const found = createMemo(() => quickSwitch(query(), switchTargets(app.state().app?.circles ?? [])));
  const go = (t: SwitchTarget | undefined) => {
    if (!t) return;
    app.closeModal();
    void app.select(t.circleId, t.channelId);
  };
  const onKey = (e: KeyboardEvent) => {
    const n = found().length;
    if (e.key === "Enter") {
      e.preventDefault();
      go(found()[sel()]);
    } else if (n && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      setSel((sel() + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
    }
  };
  return (
    <Modal title="Go to a circle or channel" testid="switcher-modal">
      <input
        class="switch-input"
        data-testid="switcher-input"
        aria-label="Circle or channel name"
        placeholder="circle or #channel"
        autofocus
        value={query()}
        onInput={(e) => {
          setQuery(e.currentTarget.value);
          setSel(0);
        }}
        onKeyDown={onKey}
      />
      <ul class="switch-list" data-testid="switcher-list">
        <For each={found()}>
          {(t, i) => (
            // biome-ignore lint/a11y/useAriaPropsSupportedByRole: driven from the text box (↑/↓, Enter); aria-selected marks the pick
            <li
              aria-selected={i() === sel()}
              classList={{ sel: i() === sel() }}
              onMouseDown={(e) => {
                e.preventDefault();
                go(t);
              }}
            >
              <Show when={t.channelId} fallback={<span class="switch-circle">{t.circle}</span>}>
                <span class="switch-chan">#{channelLabel(t.channelId!)}</span>
                <span class="muted">{t.circle}</span>
              </Show>
            </li>
          )}
        </For>
        <Show when={!found().length}>
          <li class="muted">nothing matches</li>
        </Show>
      </ul>
    </Modal>
  );
}
