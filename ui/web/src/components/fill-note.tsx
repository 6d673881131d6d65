// "syncing history: 42,000 of 100,000" in the status line while the current circle's history
// streams in, newest first (docs/PROTOCOL.md §23); loaded on demand by status-line.tsx.
import { Show } from "solid-js";
import { syncLine } from "../../../shared/fill-line.ts";
import { useApp } from "../app-store.ts";

export function FillNote() {
  const app = useApp();
  return (
    <Show when={syncLine(app.state())}>
      {(t) => (
        <>
          <span class="sep" />
          <span data-testid="sync-progress" title="older messages are still arriving, newest first" role="status">
            {t()}
          </span>
        </>
      )}
    </Show>
  );
}
