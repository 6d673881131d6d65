// Long-running commands: `run` (headless node) and `serve` (node + HTTP side on loopback).
import { FelundError } from "../protocol/errors.ts";
import { ATTACH_FILE_MAX_DEFAULT, ATTACH_PROTOCOL_MAX } from "../protocol/limits.ts";
import type { Cmd } from "./commands.ts";
import { parseHostPort } from "../protocol/hostport.ts";
import { type RunningNode, startNodeProcess, type ProcessOptions } from "../node/process.ts";
import { logEvent, setLogFormat, type LogFormat } from "../peer/log.ts";
import { configFlags, printSettings, resolveSettings, type Setting, settingFlags } from "./settings.ts";
import { stopOnSignals } from "./shutdown.ts";

/** Settings of `run` and `serve` (README "Operator settings"); `http` is serve's only. */
const nodeSettings = (mode: "run" | "serve"): Setting[] => [
  ...(mode === "serve"
    ? [
        {
          key: "http",
          type: "string",
          default: "127.0.0.1:9990",
          flag: "http",
          help: "where the HTTP side listens",
        } as const,
      ]
    : []),
  { key: "port", type: "int", min: 0, max: 65535, flag: "port", help: "TCP port for peers (default: from init, 9999)" },
  {
    key: "attach_max_bytes",
    type: "int",
    default: ATTACH_FILE_MAX_DEFAULT,
    min: 1,
    max: ATTACH_PROTOCOL_MAX,
    help: "largest attachment sent or fetched, in bytes (checked before a download starts)",
  },
  {
    key: "interval",
    type: "int",
    default: 5,
    min: 1,
    max: 3600,
    flag: "interval",
    help: "seconds between gossip rounds",
  },
  {
    key: "relay",
    type: "string",
    flag: "relay",
    help: "relay base URL (default: $FELUND_API_BASE, else the stored setting)",
  },
  {
    key: "debug",
    type: "bool",
    default: false,
    flag: "debug",
    help: "log gossip activity to stderr (with --tui: in the debug pane)",
  },
  {
    key: "log_format",
    type: "enum",
    values: ["text", "json"],
    default: "text",
    flag: "log-format",
    help: "log lines: text or json (one object per line)",
  },
];

const nodeFlags = [
  ...configFlags,
  { name: "peer", type: "string", placeholder: "HOST:PORT", help: "sync with this peer at start (with --circle-id)" },
  { name: "circle-id", type: "string", placeholder: "ID", help: "the circle to sync with --peer" },
  ...settingFlags(nodeSettings("run")),
] as const;

async function startFromFlags(
  p: { flags: Record<string, unknown> },
  dir: string,
  mode: "run" | "serve",
  http: string,
  tui = false,
): Promise<RunningNode | { printed: string }> {
  const specs = nodeSettings(mode);
  const settings = resolveSettings(specs, {
    file: p.flags.config as string | undefined,
    env: process.env,
    flags: p.flags,
  });
  if (p.flags["print-config"]) return { printed: printSettings(specs, settings, `felund ${mode}`) };
  const v = settings.values;
  const interval = v.interval as number;
  const peer = p.flags.peer as string | undefined;
  const circleId = p.flags["circle-id"] as string | undefined;
  if (peer && !parseHostPort(peer)) throw new FelundError("E_USAGE", `--peer must be HOST:PORT, got "${peer}"`);
  if ((peer && !circleId) || (circleId && !peer))
    throw new FelundError("E_USAGE", "--peer and --circle-id go together");
  const port = v.port as number | undefined;
  const relay = (v.relay as string | undefined) || process.env.FELUND_API_BASE;
  if (relay && !/^https?:\/\/[^\s]+$/.test(relay))
    throw new FelundError("E_USAGE", `--relay must be an http(s) URL, got "${relay}"`);
  if (mode === "serve") {
    http = String(v.http);
    if (!parseHostPort(http) && !/^[^:]+:0$/.test(http))
      throw new FelundError("E_USAGE", `--http must be HOST:PORT, got "${http}"`);
  }
  setLogFormat(v.log_format as LogFormat);
  const opts: ProcessOptions = {
    stateDir: dir,
    mode,
    http,
    intervalS: interval,
    debug: !!v.debug,
    port,
    relay,
    mount: mode === "serve" ? (await import("./mounts.ts")).mountExtras : undefined,
  };
  const running = await startNodeProcess(opts);
  running.node.attachments.maxBytes = v.attach_max_bytes as number;
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

const say = (event: string, text: string, fields?: Record<string, unknown>) =>
  logEvent("info", event, text, fields, (l) => console.log(l));

export const nodeCommands: Cmd[] = [
  {
    name: "run",
    summary: "run the node headless: listen for peers and gossip until stopped",
    usage:
      "felund run [--config PATH] [--print-config] [--interval S] [--peer HOST:PORT --circle-id ID] [--port N] [--debug] [--log-format text|json]",
    flags: [...nodeFlags],
    async run(p, dir) {
      const r = await startFromFlags(p, dir, "run", "127.0.0.1:0");
      if ("printed" in r) {
        console.log(r.printed);
        return 0;
      }
      say(
        "node.listening",
        `felund node ${r.node.nodeId} listening on ${r.node.listenAddr} (tcp port ${r.node.port}); local API ${r.url}; Ctrl-C to stop`,
        { nodeId: r.node.nodeId, listen: r.node.listenAddr, tcpPort: r.node.port, api: r.url },
      );
      await new Promise(() => {});
      return 0;
    },
  },
  {
    name: "serve",
    summary: "run the node with its HTTP side (local API, web UI, relay) on loopback",
    usage:
      "felund serve [--config PATH] [--print-config] [--tui] [--http HOST:PORT] [--interval S] [--peer HOST:PORT --circle-id ID] [--port N] [--debug] [--log-format text|json]",
    flags: [
      { name: "tui", type: "bool", help: "the terminal UI in this terminal (`felund --tui` does the same)" },
      {
        name: "http",
        type: "string",
        placeholder: "HOST:PORT",
        help: 'where the HTTP side listens (default "127.0.0.1:9990")',
      },
      ...nodeFlags,
    ],
    async run(p, dir) {
      const tui = !!p.flags.tui;
      if (tui && !p.flags["print-config"] && !(process.stdin.isTTY && process.stdout.isTTY))
        throw new FelundError("E_USAGE", "--tui needs an interactive terminal (stdin and stdout must be a TTY)");
      const r = await startFromFlags(p, dir, "serve", "", tui);
      if ("printed" in r) {
        console.log(r.printed);
        return 0;
      }
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
      say("node.listening", `felund node ${r.node.nodeId} listening for peers on ${r.node.listenAddr}`, {
        nodeId: r.node.nodeId,
        listen: r.node.listenAddr,
      });
      say("node.url", `open ${r.url}/#token=${r.token}`, { url: r.url });
      await new Promise(() => {});
      return 0;
    },
  },
];
