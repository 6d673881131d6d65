// The actions of one message (issue 16), shown while it is hovered, tapped or focused: Reply,
// React (a few quick emoji, or the picker), Edit (mine), Delete (mine, or any as the circle
// owner; asks first), Pin (who may), Copy. Each runs the action the slash commands run
// (ui/shared/ref-commands.ts, pins.ts); which are offered: ui/shared/message-actions.ts.
import { For, Show, createSignal } from "solid-js";
import type { MessageActions } from "../../../shared/message-actions.ts";
import { refAction } from "../../../shared/ref-commands.ts";
import type { MessageView } from "../../../shared/types.ts";
import type { AppStore } from "../app-store.ts";
import { react } from "./reactions.tsx";
import { startReply } from "./reply-bar.tsx";

const QUICK = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

export function Actions(p: { app: AppStore; m: MessageView; can: MessageActions; edit(): void }) {
  const [reacting, setReacting] = createSignal(false);
  const [confirming, setConfirming] = createSignal(false);
  const failed = (e: Error) => p.app.notice(e.message, "error");
  const pick = (e: string) => {
    setReacting(false);
    void react(p.app, p.m, e);
  };
  const more = () =>
    void import("./emoji-picker.tsx").then((x) => x.openPicker(document.querySelector(".inputbar"), pick, () => {}));
  const del = () => {
    setConfirming(false);
    refAction(p.app.core, p.m, { op: "delete" }).catch(failed);
  };
  const copy = () =>
    navigator.clipboard
      ?.writeText(p.m.text)
      .then(() => p.app.notice("copied"))
      .catch(failed);
  return (
    <div class="msg-actions" data-testid="msg-actions" role="toolbar" aria-label="Message actions">
      <Show when={p.can.reply}>
        <button type="button" title="Reply" aria-label="Reply" onClick={() => startReply(p.app, p.m)}>
          ↩
        </button>
      </Show>
      <Show when={p.can.react}>
        <button
          type="button"
          title="React"
          aria-label="React"
          aria-expanded={reacting()}
          onClick={() => setReacting(!reacting())}
        >
          ☺
        </button>
      </Show>
      <Show when={p.can.edit}>
        <button type="button" title="Edit" aria-label="Edit" onClick={() => p.edit()}>
          ✎
        </button>
      </Show>
      <Show when={p.can.delete}>
        <button
          type="button"
          title="Delete"
          aria-label="Delete"
          class="ico ico-trash"
          onClick={() => setConfirming(true)}
        />
      </Show>
      <Show when={p.can.pin}>
        <button
          type="button"
          class="ico ico-pin"
          title="Pin"
          aria-label="Pin"
          onClick={() =>
            import("../../../shared/pins.ts").then((x) => x.setPinned(p.app.core, p.m.msgId, true)).catch(failed)
          }
        />
      </Show>
      <Show when={p.can.copy}>
        <button type="button" title="Copy text" aria-label="Copy" class="ico ico-copy" onClick={copy} />
      </Show>
      <Show when={reacting()}>
        <div class="quick-react" data-testid="quick-react">
          <For each={QUICK}>
            {(e) => (
              <button type="button" aria-label={`React ${e}`} onClick={() => pick(e)}>
                {e}
              </button>
            )}
          </For>
          <button type="button" aria-label="More emoji" title="More emoji" onClick={more}>
            …
          </button>
        </div>
      </Show>
      <Show when={confirming()}>
        <div class="confirm" role="alertdialog" aria-label="Delete message" data-testid="confirm-delete">
          <span>Delete this message for everyone?</span>
          <button type="button" class="danger small" onClick={del} ref={(el) => queueMicrotask(() => el.focus())}>
            Delete
          </button>
          <button type="button" class="ghost small" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      </Show>
    </div>
  );
}
