// Full-page explanations when the app cannot start: no token, a refused token, or no node.
import { Match, Switch } from "solid-js";

export function Blocked(p: { reason: "no-token" | "refused" | "unreachable"; detail?: string }) {
  return (
    <main class="blocked" data-testid="blocked">
      <div class="blocked-card">
        <img src="/icon.svg" alt="" width="56" height="56" />
        <Switch>
          <Match when={p.reason === "no-token"}>
            <h1>Open felund from your terminal</h1>
            <p>
              This page is the web UI of a felund node on this machine. For your safety it only works with the node's
              access token.
            </p>
            <p>
              Open the address that <code>felund serve</code> printed when it started. It looks like:
            </p>
            <pre>http://127.0.0.1:9990/#token=…</pre>
          </Match>
          <Match when={p.reason === "refused"}>
            <h1>The node refused this token</h1>
            <p>The token in this browser belongs to another felund install, or it was replaced.</p>
            <p>
              Open the address that <code>felund serve</code> printed (with <code>#token=…</code>) again.
            </p>
          </Match>
          <Match when={p.reason === "unreachable"}>
            <h1>Cannot reach your felund node</h1>
            <p>
              Is <code>felund serve</code> still running? Start it again and reload this page.
            </p>
            <p class="muted">{p.detail}</p>
          </Match>
        </Switch>
      </div>
    </main>
  );
}
