// A message's reactions as chips under it (docs/PROTOCOL.md §18): the emoji and how many,
// highlighted when one is mine, who reacted in the title; a click adds mine or takes it back
// (the same toggle as /react). Part of the message-body chunk.
import { For, Show } from "solid-js";
import { refAction } from "../../../shared/ref-commands.ts";
import type { MessageView } from "../../../shared/types.ts";
import type { AppStore } from "../app-store.ts";

/** Add or take back my reaction `emoji` on `m` (no `add`: toggle), with a notice if refused. */
export function react(app: AppStore, m: MessageView, emoji: string): Promise<void> {
  return refAction(app.core, m, { op: "react", emoji }).then(
    () => undefined,
    (e: Error) => app.notice(e.message, "error"),
  );
}

export function Reactions(p: { app: AppStore; m: MessageView; canReact: boolean }) {
  return (
    <Show when={p.m.reactions?.length}>
      <div class="reactions" data-testid="reactions">
        <For each={p.m.reactions}>
          {(r) => (
            <button
              type="button"
              class="chip"
              classList={{ mine: r.mine }}
              data-testid="reaction"
              data-emoji={r.emoji}
              aria-pressed={r.mine}
              disabled={!p.canReact}
              title={`${r.who.join(", ")} reacted with ${r.emoji}${r.mine ? " (click to take yours back)" : ""}`}
              onClick={() => void react(p.app, p.m, r.emoji)}
            >
              {r.emoji} <span class="chip-count">{r.count}</span>
            </button>
          )}
        </For>
      </div>
    </Show>
  );
}
