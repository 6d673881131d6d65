// The status line: who we are, where we are, how many members are online now, a history still
// streaming in ("syncing history: 42,000 of 100,000"), and the connection state.
import { Show } from "solid-js";
import { shortId } from "../../../shared/format.ts";
import { useApp } from "../app-store.ts";
import { onDemand } from "./on-demand.tsx";

// (only while a history streams in: out of the first load)
const FillNote = onDemand(() => import("./fill-note.tsx").then((m) => m.FillNote));
// (only while a call is in progress in the circle)
const CallStatus = onDemand(() => import("./call-status.tsx").then((m) => m.CallStatus));

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
      <Show when={app.state().app?.calls?.some((c) => c.circleId === app.state().circleId)}>
        <CallStatus />
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
