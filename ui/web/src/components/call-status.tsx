// The status line's call in progress in this circle (a chunk: status-line.tsx shows it only then):
// its channel and who is in it; a click opens the call panel.
import { Show } from "solid-js";
import { callsIn } from "../../../shared/calls-view.ts";
import { useApp } from "../app-store.ts";

export function CallStatus() {
  const app = useApp();
  return (
    <Show when={callsIn(app.core, app.state().circleId)[0]}>
      {(c) => (
        <>
          <span class="sep" />
          <button
            type="button"
            class="call-status"
            data-testid="call-status"
            title="Calls (F4)"
            onClick={() => app.setCallPanel(true)}
            classList={{ mine: c().participants.includes(app.state().app?.node.nodeId ?? "") }}
          >
            <i />
            call in #{c().channelId} ({c().participants.length}
            {c().viewers?.length ? `+${c().viewers!.length} watching` : ""})
          </button>
        </>
      )}
    </Show>
  );
}
