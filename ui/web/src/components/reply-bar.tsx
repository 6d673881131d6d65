// Replying (docs/PROTOCOL.md §18): "replying to Alice: first line" over the input bar, with a
// cancel button (or Esc in the message box). While it shows, what the box sends goes out as the
// reply (ui/shared/ref-commands.ts refAction, as /reply does). Another channel, or another
// reply started, replaces it. It mounts itself over the input bar, as the emoji picker does.
import { createEffect, on } from "solid-js";
import { render } from "solid-js/web";
import { quoteLine } from "../../../shared/message-actions.ts";
import { refAction } from "../../../shared/ref-commands.ts";
import type { MessageView } from "../../../shared/types.ts";
import type { AppStore } from "../app-store.ts";

let cancel: (() => void) | null = null;

/** Show the reply bar for `m` and send the next message as a reply to it. */
export function startReply(app: AppStore, m: MessageView): void {
  cancel?.();
  const bar = document.querySelector(".inputbar");
  const ta = bar?.querySelector("textarea");
  if (!bar || !ta) return;
  const host = document.createElement("div");
  bar.prepend(host);
  const line = quoteLine(app.core, m);
  const dispose = render(() => <ReplyBar app={app} line={line} />, host);
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    e.stopPropagation();
    cancel?.();
  };
  ta.addEventListener("keydown", onKey);
  app.sendHook = async (text) => {
    await refAction(app.core, m, { op: "reply", text });
    cancel?.();
  };
  cancel = () => {
    cancel = null;
    app.sendHook = null;
    ta.removeEventListener("keydown", onKey);
    dispose();
    host.remove();
  };
  ta.focus();
}

function ReplyBar(p: { app: AppStore; line: string }) {
  // another channel: no longer a reply (deferred: not from inside this render)
  createEffect(on(p.app.key, () => queueMicrotask(() => cancel?.()), { defer: true }));
  return (
    <div class="reply-bar" data-testid="reply-bar">
      <span class="ellipsis">
        replying to <strong>{p.line}</strong>
      </span>
      <button
        type="button"
        class="icon-btn small"
        aria-label="Cancel reply"
        title="Cancel reply (Esc)"
        onClick={() => {
          cancel?.();
          p.app.focusInput();
        }}
      >
        ×
      </button>
    </div>
  );
}
