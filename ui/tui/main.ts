// Entry point of the terminal front end, run by `felund serve --tui` in the node's own
// process. It talks to the node like any front end, through the local API (LocalBackend:
// HTTP + WebSocket on loopback), and owns the terminal while it runs: every way out —
// ctrl+q, /quit, ctrl+c, SIGTERM/SIGINT/SIGHUP, an uncaught error — restores the terminal
// (renderer.destroy()) before anything else is printed or the process exits.
import { createCliRenderer, type CliRenderer } from "@opentui/core";
import { FelundError } from "../../src/protocol/errors.ts";
import { ChatStore } from "../shared/chat-store.ts";
import { LocalBackend } from "../shared/local-backend.ts";
import { attachPrefs } from "../shared/notify-settings.ts";
import { TuiApp } from "./app.ts";
import { theme } from "./theme.ts";

export interface RunTuiOptions {
  /** the node's local API, e.g. http://127.0.0.1:9990 */
  apiUrl: string;
  token: string;
  webUrl?: string;
  stateDir?: string;
  /** open the gossip debug pane at start (felund serve --tui --debug) */
  debug?: boolean;
  /** first log line, e.g. where the node listens for peers */
  greeting?: string;
  /** stop the node (called after the terminal is restored) */
  stopNode(): void;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const;

async function restore(r: CliRenderer): Promise<void> {
  if (r.isDestroyed) return;
  try {
    r.destroy();
  } catch {
    return; // the terminal is gone (SIGHUP): nothing left to restore
  }
  // the terminal modes are reset once the native session has closed
  await Promise.race([r.closed.catch(() => {}), Bun.sleep(1000)]);
}

/** Run the TUI until the user quits; resolves to the process exit code. */
export async function runTui(o: RunTuiOptions): Promise<number> {
  const renderer = await createCliRenderer({
    exitOnCtrlC: false, // ctrl+c is a key here; the app quits cleanly on it
    exitSignals: [], // signals are handled below, so the node is stopped too
    openConsoleOnError: false,
    targetFps: 30,
    useMouse: true,
    backgroundColor: theme.bg,
  });
  renderer.setTerminalTitle("felundchat");

  let done: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => {
    done = resolve;
  });
  let finished = false;
  const finish = (code: number) => {
    if (!finished) {
      finished = true;
      done(code);
    }
  };

  // A bug must not leave the terminal in raw mode and must not be swallowed: restore the
  // terminal (and wait until it is back on the main screen, or the message would be
  // printed on the alternate one and vanish), print the error, stop the node, exit 1.
  let crashing = false;
  const crash = (e: unknown) => {
    if (crashing) return;
    crashing = true;
    const report = () => {
      process.stderr.write(
        `felund: the terminal UI crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      try {
        o.stopNode();
      } catch {
        /* exiting anyway */
      }
      process.exit(1);
    };
    restore(renderer).then(report, report);
  };
  const backend = new LocalBackend({ base: o.apiUrl, token: o.token });
  const store = new ChatStore(backend);
  // notification settings (/notify, /mute, /keywords): badges and mentions follow them
  void attachPrefs(store).catch((e) => store.notice(`notification settings: ${(e as Error).message}`, "error"));
  // The store refreshes in the background on node events; the node not answering for a
  // moment is not a bug: show it in the log and go on. Anything else is one.
  const onRejection = (e: unknown) => {
    if (e instanceof FelundError) store.notice(e.message, "error");
    else crash(e);
  };
  const onSignal = () => finish(0);
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", onRejection);

  const app = new TuiApp(renderer, store, {
    webUrl: o.webUrl,
    stateDir: o.stateDir,
    debug: o.debug,
    greeting: o.greeting,
    onQuit: () => finish(0),
  });
  let code = 1;
  try {
    await Promise.race([app.start(), exited]);
    code = await exited;
  } finally {
    try {
      await app.flushDraft(); // the line being typed is there at the next start
      app.dispose();
      backend.close();
    } finally {
      await restore(renderer);
      for (const s of SIGNALS) process.off(s, onSignal);
      process.off("uncaughtException", crash);
      process.off("unhandledRejection", onRejection);
      o.stopNode();
    }
  }
  return code;
}
