// The pins panel (the top bar's 📌, /pins): the open channel's pinned messages, oldest pin
// first; a click jumps to the message (history loaded back to it), the owner can unpin. A chunk
// of its own, loaded on first use.
import { For, Show, createSignal, onMount } from "solid-js";
import { formatDateTime } from "../../../shared/format.ts";
import { channelPins, jumpToPin, setPinned } from "../../../shared/pins.ts";
import type { PinView } from "../../../shared/types.ts";
import { useApp } from "../app-store.ts";
import { Modal } from "./modal.tsx";
import { revealInLog } from "./search-panel.tsx";

export default function PinsPanel() {
  const app = useApp();
  revealInLog(app);
  const [pins, setPins] = createSignal<PinView[] | null>(null);
  const [error, setError] = createSignal("");
  const load = async () => {
    try {
      setPins(await channelPins(app.core));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const act = async (fn: () => Promise<void>, close = false) => {
    try {
      await fn();
      if (close) app.closeModal();
      else await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  onMount(() => void load());
  return (
    <Modal title={`Pinned in #${app.state().channelId}`} testid="pins-modal" wide>
      <Show when={error()}>
        <p class="error-text" role="alert">
          {error()}
        </p>
      </Show>
      <Show when={pins()}>
        {(list) => (
          <>
            <Show when={!list().length}>
              <p class="muted">Nothing pinned here yet: /pin pins the last message.</p>
            </Show>
            <ul class="search-hits">
              <For each={list()}>
                {(p) => (
                  <li class="pin-row">
                    <button
                      type="button"
                      class="search-hit"
                      data-testid="pin"
                      onClick={() => void act(() => jumpToPin(app.core, p), true)}
                    >
                      <span class="search-meta">
                        <b>{p.message ? app.core.authorName(p.message) : "?"}</b>{" "}
                        <time class="muted">{formatDateTime(p.message?.createdTs ?? p.pinnedTs)}</time>
                      </span>
                      <span class="search-text">{p.message ? p.message.text || "(locked)" : "(message not here)"}</span>
                    </button>
                    <Show when={app.circle()?.owned}>
                      <button
                        type="button"
                        class="ghost small"
                        onClick={() => void act(() => setPinned(app.core, p.msgId, false))}
                      >
                        Unpin
                      </button>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </>
        )}
      </Show>
    </Modal>
  );
}
