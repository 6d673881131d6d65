// Long-running commands: `run` (headless node) and `serve` (node + HTTP side on loopback).
import { FelundError } from "../protocol/errors.ts";
import type { Cmd } from "./commands.ts";
import { parseHostPort } from "../protocol/hostport.ts";
import { startNodeProcess, type ProcessOptions } from "../node/process.ts";
import { stopOnSignals } from "./shutdown.ts";

const nodeFlags = [
  { name: "interval", type: "int", help: "seconds between gossip rounds", default: 5 },
  { name: "peer", type: "string", placeholder: "HOST:PORT", help: "sync with this peer at start (with --circle-id)" },
  { name: "circle-id", type: "string", placeholder: "ID", help: "the circle to sync with --peer" },
  { name: "port", type: "int", help: "TCP port for peers (default: from init, 9999)" },
  {
    name: "relay",
    type: "string",
    placeholder: "URL",
    help: "relay base URL (default: $FELUND_API_BASE, else the stored setting)",
  },
  { name: "debug", type: "bool", help: "log gossip activity to stderr (with --tui: in the debug pane)" },
] as const;

async function startFromFlags(
  p: { flags: Record<string, unknown> },
  dir: string,
  mode: "run" | "serve",
  http: string,
  tui = false,
) {
  const interval = p.flags.interval as number;
  if (interval < 1 || interval > 3600) throw new FelundError("E_USAGE", "--interval must be 1-3600 seconds");
  const peer = p.flags.peer as string | undefined;
  const circleId = p.flags["circle-id"] as string | undefined;
  if (peer && !parseHostPort(peer)) throw new FelundError("E_USAGE", `--peer must be HOST:PORT, got "${peer}"`);
  if ((peer && !circleId) || (circleId && !peer))
    throw new FelundError("E_USAGE", "--peer and --circle-id go together");
  const port = p.flags.port as number | undefined;
  if (port !== undefined && (port < 0 || port > 65535)) throw new FelundError("E_USAGE", "--port must be 0-65535");
  const relay = (p.flags.relay as string | undefined) ?? process.env.FELUND_API_BASE;
  if (relay && !/^https?:\/\/[^\s]+$/.test(relay))
    throw new FelundError("E_USAGE", `--relay must be an http(s) URL, got "${relay}"`);
  const opts: ProcessOptions = {
    stateDir: dir,
    mode,
    http,
    intervalS: interval,
    debug: !!p.flags.debug,
    port,
    relay,
    mount: mode === "serve" ? (await import("./mounts.ts")).mountExtras : undefined,
  };
  const running = await startNodeProcess(opts);
  if (peer && circleId) {
    if (!running.node.store.getCircle(circleId)) {
      running.stop();
      throw new FelundError("E_USAGE", `unknown circle: ${circleId}`);
    }
    void running.node.syncWith(circleId, peer);
  }
  if (tui) return running; // the TUI handles signals: it restores the terminal, then stops the node
  stopOnSignals(mode, running.shutdown);
  // A bug surfaces as an uncaught exception (the node rethrows programmer errors). This
  // process waits forever in a top-level await, and Bun then only prints such an exception
  // and carries on; stop instead, loudly, with a non-zero exit.
  process.on("uncaughtException", (e) => {
    console.error(`felund: internal error, stopping: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    try {
      running.stop();
    } finally {
      process.exit(70);
    }
  });
  return running;
}

export const nodeCommands: Cmd[] = [
  {
    name: "run",
    summary: "run the node headless: listen for peers and gossip until stopped",
    usage: "felund run [--interval S] [--peer HOST:PORT --circle-id ID] [--port N] [--debug]",
    flags: [...nodeFlags],
    async run(p, dir) {
      const r = await startFromFlags(p, dir, "run", "127.0.0.1:0");
      console.log(
        `felund node ${r.node.nodeId} listening on ${r.node.listenAddr} (tcp port ${r.node.port}); local API ${r.url}; Ctrl-C to stop`,
      );
      await new Promise(() => {});
      return 0;
    },
  },
  {
    name: "serve",
    summary: "run the node with its HTTP side (local API, web UI, relay) on loopback",
    usage:
      "felund serve [--tui] [--http HOST:PORT] [--interval S] [--peer HOST:PORT --circle-id ID] [--port N] [--debug]",
    flags: [
      { name: "tui", type: "bool", help: "the terminal UI in this terminal (`felund --tui` does the same)" },
      {
        name: "http",
        type: "string",
        placeholder: "HOST:PORT",
        help: "where the HTTP side listens",
        default: "127.0.0.1:9990",
      },
      ...nodeFlags,
    ],
    async run(p, dir) {
      const http = String(p.flags.http);
      if (!parseHostPort(http) && !/^[^:]+:0$/.test(http))
        throw new FelundError("E_USAGE", `--http must be HOST:PORT, got "${http}"`);
      const tui = !!p.flags.tui;
      if (tui && !(process.stdin.isTTY && process.stdout.isTTY))
        throw new FelundError("E_USAGE", "--tui needs an interactive terminal (stdin and stdout must be a TTY)");
      const r = await startFromFlags(p, dir, "serve", http, tui);
      if (tui) {
        // loaded only here: the TUI modules (and OpenTUI's native renderer) stay out of every other command
        const { runTui } = await import("../../ui/tui/main.ts");
        return runTui({
          apiUrl: r.url,
          token: r.token,
          webUrl: `${r.url}/#token=${r.token}`,
          stateDir: dir,
          debug: !!p.flags.debug,
          stopNode: r.stop,
          greeting: `node ${r.node.nodeId.slice(0, 6)} listening for peers on ${r.node.listenAddr}; web UI and settings: F3`,
        });
      }
      console.log(`felund node ${r.node.nodeId} listening for peers on ${r.node.listenAddr}`);
      console.log(`open ${r.url}/#token=${r.token}`);
      await new Promise(() => {});
      return 0;
    },
  },
];
