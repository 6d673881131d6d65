// The status line: who we are, where we are, how many members are online now, a history still
// streaming in ("syncing history: 42,000 of 100,000"), and the connection state.
import { Show } from "solid-js";
import { shortId } from "../../../shared/format.ts";
import { useApp } from "../app-store.ts";
import { onDemand } from "./on-demand.tsx";
import { callsIn } from "../../../shared/calls-view.ts";

// (only while a history streams in: out of the first load)
const FillNote = onDemand(() => import("./fill-note.tsx").then((m) => m.FillNote));

const LABEL = { live: "live", connecting: "connecting", offline: "offline" } as const;

export function StatusLine() {
  const app = useApp();
  const online = () => {
    app.state(); // re-evaluate on every store change (the member lists)
    return app.core.onlineCount();
  };
  return (
    <footer class="status" data-testid="status">
      <span title={app.state().app?.node.nodeId}>node {shortId(app.state().app?.node.nodeId ?? "")}</span>
      <span class="sep" />
      <span>{app.me()}</span>
      <span class="sep" />
      <span class="ellipsis">{app.circle()?.name || shortId(app.state().circleId ?? "")}</span>
      <span>#{app.state().channelId}</span>
      <span class="sep" />
      <span data-testid="peer-count">{online()} online</span>
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
      <Show when={app.state().fill[app.state().circleId ?? ""] ?? app.circle()?.fill}>
        <FillNote />
      </Show>
      <span class="grow" />
      <span class={`conn conn-${app.state().connection}`} data-testid="connection">
        <i />
        {app.mode === "relay" ? "relay " : ""}
        {LABEL[app.state().connection]}
      </span>
    </footer>
  );
}
