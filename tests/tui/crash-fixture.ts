// Run by tmux.test.ts in a real terminal: a node with the TUI, and a bug (an uncaught
// error) one second in. The TUI must restore the terminal, print the error and exit 1.
import { startNodeProcess } from "../../src/node/process.ts";
import { runTui } from "../../ui/tui/main.ts";

const dir = process.env.FELUND_STATE_DIR!;
const r = await startNodeProcess({ stateDir: dir, mode: "serve", http: "127.0.0.1:0", bind: "127.0.0.1", port: 0 });
setTimeout(() => {
  throw new Error("boom from the crash test");
}, 1000);
process.exit(await runTui({ apiUrl: r.url, token: r.token, stateDir: dir, stopNode: r.stop }));
