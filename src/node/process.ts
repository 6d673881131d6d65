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
  stop(): void;
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
  let stopHttp: () => void;
  try {
    if (o.mount) {
      const [{ Elysia }, { createLocalApi }] = await Promise.all([import("elysia"), import("./local-api-elysia.ts")]);
      const app = o.mount(new Elysia().use(createLocalApi(apiOpts)), node);
      app.listen({ hostname: host, port: wantPort });
      httpPort = app.server!.port!;
      stopHttp = () => void app.stop(true);
    } else {
      const h = createLocalHandler(apiOpts);
      const server = Bun.serve({
        hostname: host,
        port: wantPort,
        fetch: async (req, srv) =>
          req.url.includes("/api")
            ? await h.fetch(req, srv)
            : Response.json({ ok: false, error: "not found" }, { status: 404 }),
        websocket: { open: (ws) => h.ws.open(ws), close: (ws) => h.ws.close(ws), message() {} },
      });
      httpPort = server.port!;
      stopHttp = () => void server.stop(true);
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
  const stop = () => {
    clearRuntime(o.stateDir);
    node.stop();
    stopHttp();
    store.sql.close();
  };
  return { node, url, token, httpPort, stop };
}
