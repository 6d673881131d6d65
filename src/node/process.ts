// Starting a node process: database, TCP node, and the loopback HTTP server with the local
// API (plus whatever else `serve` mounts: relay API, web client). Writes the runtime file so
// one-shot commands go through this node, and removes it on exit.
//
// Without extras (`felund run`) the local API is served by Bun.serve alone; with extras
// (`felund serve`: relay API, web client) by an Elysia app, loaded only then.
import type { Elysia } from "elysia";
import { parseHostPort } from "../protocol/hostport.ts";
import { createLocalHandler } from "./local-api.ts";
import { FelundNode } from "./node.ts";
import { apiToken, clearRuntime, liveRuntime, openNodeStore, writeRuntime } from "./runtime.ts";
import { FelundError } from "../protocol/errors.ts";
import { SHUTDOWN_DRAIN_MS } from "../protocol/limits.ts";
import { closeSqlite } from "../../db/sqlite.ts";
import { drainGate, within } from "./drain.ts";

export interface ProcessOptions {
  stateDir: string;
  mode: "run" | "serve";
  /** HOST:PORT of the HTTP side; "127.0.0.1:0" picks a free port */
  http: string;
  intervalS?: number;
  debug?: boolean;
  bind?: string;
  port?: number;
  relay?: string;
  /** extra Elysia plugins mounted beside the local API (relay, web client) */
  // Elysia generics differ per composition; plugins are typed where they are written
  mount?: (
    app: Elysia<any, any, any, any, any, any, any>,
    node: FelundNode,
  ) => Elysia<any, any, any, any, any, any, any>;
}

export interface RunningNode {
  node: FelundNode;
  url: string;
  token: string;
  httpPort: number;
  /** Stop at once (in-flight requests are cut). */
  stop(): void;
  /**
   * Stop gracefully: the runtime file goes first (one-shot commands then use the database),
   * no new connections, WebSocket clients get 1001, requests being served get
   * SHUTDOWN_DRAIN_MS to finish, then the node stops and the WAL is checkpointed.
   */
  shutdown(): Promise<void>;
}

export async function startNodeProcess(o: ProcessOptions): Promise<RunningNode> {
  const other = liveRuntime(o.stateDir);
  if (other && other.pid !== process.pid)
    throw new FelundError(
      "E_REFUSED",
      `a node is already running on ${o.stateDir} (pid ${other.pid}); use another FELUND_STATE_DIR for a second node`,
    );
  const hp = parseHostPort(o.http);
  if (!hp && !/:0$/.test(o.http)) throw new FelundError("E_BAD_INPUT", `--http must be HOST:PORT, got "${o.http}"`);
  const host = hp?.host ?? o.http.slice(0, o.http.lastIndexOf(":"));
  const wantPort = hp?.port ?? 0;
  const store = openNodeStore(o.stateDir);
  const node = new FelundNode({
    store,
    intervalS: o.intervalS,
    debug: o.debug,
    bind: o.bind,
    port: o.port,
    relay: o.relay,
  });
  try {
    await node.start();
  } catch (e) {
    throw new FelundError(
      "E_SYSTEM",
      `cannot listen for peers on ${o.bind ?? node.settings.bind}:${o.port ?? node.settings.port}: ${(e as Error).message}`,
    );
  }
  const token = apiToken(o.stateDir);
  let httpPort = wantPort;
  const apiOpts = { node, token, port: () => httpPort };
  /** Stop the HTTP side: at once, or (graceful) no new connections and a promise of the drain. */
  let stopHttp: (graceful: boolean) => Promise<unknown>;
  const h = createLocalHandler(apiOpts);
  const closeClients = () => h.goingAway();
  const gate = drainGate();
  try {
    if (o.mount) {
      const [{ Elysia }, { createLocalApi }] = await Promise.all([import("elysia"), import("./local-api-elysia.ts")]);
      const app = o.mount(new Elysia().onRequest(() => gate.refuse()).use(createLocalApi(apiOpts, h)), node);
      app.listen({ hostname: host, port: wantPort });
      httpPort = app.server!.port!;
      stopHttp = (graceful) => app.stop(!graceful);
    } else {
      const server = Bun.serve({
        hostname: host,
        port: wantPort,
        fetch: async (req, srv) =>
          gate.refuse() ??
          (req.url.includes("/api")
            ? await h.fetch(req, srv)
            : Response.json({ ok: false, error: "not found" }, { status: 404 })),
        websocket: { open: (ws) => h.ws.open(ws), close: (ws) => h.ws.close(ws), message() {} },
      });
      httpPort = server.port!;
      stopHttp = (graceful) => server.stop(!graceful);
    }
  } catch (e) {
    node.stop();
    throw new FelundError("E_SYSTEM", `cannot listen for HTTP on ${o.http}: ${(e as Error).message}`);
  }
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${httpPort}`;
  // once start-up is over, hand back what parsing, migrating and the first sync left behind
  // (an idle node should be small: the benchmark holds it to 60 MB)
  setTimeout(() => Bun.gc(true), 3000).unref();
  writeRuntime(o.stateDir, {
    pid: process.pid,
    api: url,
    tcpPort: node.port,
    nodeId: node.nodeId,
    mode: o.mode,
    startedAt: Date.now(),
  });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearRuntime(o.stateDir);
    node.stop();
    void stopHttp(false);
    closeSqlite(store.sql);
  };
  const shutdown = async () => {
    if (stopped) return;
    stopped = true;
    clearRuntime(o.stateDir);
    gate.begin();
    const drained = stopHttp(true);
    closeClients(); // the local API's WebSockets (the relay's close in node.stop, mounts.ts)
    node.stop();
    if (!(await within(drained, SHUTDOWN_DRAIN_MS))) await stopHttp(false);
    closeSqlite(store.sql);
  };
  return { node, url, token, httpPort, stop, shutdown };
}
