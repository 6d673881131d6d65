// The message log's debug pane (/debug on): the last lines of gossip activity. A chunk.
import { useApp } from "../app-store.ts";

export function DebugPane() {
  const app = useApp();
  return (
    <pre class="debug" data-testid="debug">
      {app.state().debug.slice(-60).join("\n") || "(debug log on: gossip activity appears here)"}
    </pre>
  );
}
