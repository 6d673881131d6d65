// Entry point: pick the backend for the mode the server announced, then render the app.
// Local mode talks to the node that served the page; relay mode runs its own peer in the
// browser. Each backend is a chunk of its own, so a page loads only its mode's.
import { createRoot } from "solid-js";
import { render } from "solid-js/web";
import type { Backend } from "../../shared/backend.ts";
import type { FelundError } from "../../../src/protocol/errors.ts";
import { App } from "./app.tsx";
import { AppContext, createAppStore } from "./app-store.ts";
import { forgetToken, pageConfig, registerServiceWorker, takeToken, type Mode } from "./boot.ts";
import "./styles.css";

const root = document.getElementById("root")!;
/** The full-page explanation when the app cannot start: a chunk of its own, as a working page never needs it. */
const blocked = (reason: "no-token" | "refused" | "unreachable", detail?: string) =>
  void import("./components/blocked.tsx").then(({ Blocked }) =>
    render(() => <Blocked reason={reason} detail={detail} />, root),
  );

async function start(backend: Backend, mode: Mode) {
  // the store lives as long as the page
  const store = createRoot(() => createAppStore(backend, mode));
  try {
    await store.core.init();
  } catch (e) {
    backend.close();
    // (its code, not instanceof: this entry file stays free of the error module, first load)
    if ((e as Partial<FelundError> | null)?.code === "E_UNAUTHORIZED") {
      forgetToken();
      return blocked("refused");
    }
    return blocked("unreachable", (e as Error).message);
  }
  // what the backend wants the user to know once (e.g. the relay-only peer's new v2 identity)
  for (const n of (backend as { notices?: string[] }).notices ?? []) store.core.notice(n);
  render(
    () => (
      <AppContext.Provider value={store}>
        <App />
      </AppContext.Provider>
    ),
    root,
  );
}

// Opening the printed URL in a tab that is already here only changes the fragment: adopt the token.
addEventListener("hashchange", () => {
  if (/(?:^#|&)token=/.test(location.hash)) location.reload();
});

// (no top-level await: this module is part of the app shell's chunk, which the relay chunk imports)
const cfg = pageConfig();
const token = cfg.mode === "local" ? takeToken() : null;
if (cfg.mode === "local" && !token) blocked("no-token");
else
  void (
    cfg.mode === "local"
      ? import("../../shared/local-backend.ts").then(({ LocalBackend }) =>
          start(new LocalBackend({ base: "", token: token! }), "local"),
        )
      : import("./relay/open.ts").then(async ({ openRelayBackend }) =>
          start(await openRelayBackend({ relayBase: cfg.relayBase || location.origin }), "relay"),
        )
  ).then(registerServiceWorker);
