// One case (topology x N) of bench/mixed-delivery.ts. Runs inside the measurement namespace
// (the parent builds the namespaces and starts this with `ip netns exec`): starts N `felund
// run` processes, one per node namespace, makes a legacy circle (node 1: invite --legacy; star:
// everyone joins with node 1's felund1. code; chain: node i joins with node i-1's), then times
// messages over the v1 wire (bench/lib/v1-wire.ts). Progress goes to stderr; the result is one
// line "RESULT {json}" on stdout.
import type { Subprocess } from "bun";
import { join } from "node:path";
import { cleanupAll, cli, startNode, stopNodes, type BenchNode } from "./node-proc.ts";
import type { NetLayout } from "./netns.ts";
import { decodeCodeV1, pollHave, V1Injector, watchArrival } from "./v1-wire.ts";
import { runSeries, type Sender, type SeriesResult } from "./series.ts";

export interface CaseConfig {
  net: NetLayout;
  port: number;
  intervalS: number;
  messages: number;
  timeoutMs: number;
  seriesBudgetMs: number;
}
export interface CaseResult {
  kind: string;
  n: number;
  proto: string;
  setupS: number;
  reachCheck: string[];
  /** per node (index k-1): known peers with an address, peers reached (lastOk), reached non-neighbours */
  graph: { known: number; reached: number; strayReached: number }[];
  control: SeriesResult;
  v1: SeriesResult;
}

const cfg = JSON.parse(process.argv[2]!) as CaseConfig;
const { net } = cfg;
const say = (s: string) => console.error(`  [${net.kind} N=${net.n}] ${s}`);
const addr = (k: number) => `${net.host[k]}:${cfg.port}`;
const OBSERVER_ID = "0be5e7e0be5e7e0be5e7e0be"; // the measuring member (24 hex, like any node_id)

async function pool<T, R>(xs: T[], width: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        out[i] = await fn(xs[i]!);
      }
    }),
  );
  return out;
}

/** Node 1's local API through bench/lib/ns-api-bridge.ts, running in node 1's namespace. */
function bridge(node: BenchNode) {
  const p: Subprocess<"pipe", "pipe", "inherit"> = Bun.spawn(
    [
      "ip",
      "netns",
      "exec",
      node.netns!,
      process.execPath,
      join(import.meta.dir, "ns-api-bridge.ts"),
      node.api,
      node.token,
    ],
    { stdin: "pipe", stdout: "pipe", stderr: "inherit" },
  );
  const reader = p.stdout.getReader();
  const dec = new TextDecoder();
  let buf = "";
  return {
    async call(method: string, path: string, body?: unknown): Promise<any> {
      p.stdin.write(JSON.stringify({ method, path, body }) + "\n");
      p.stdin.flush();
      while (!buf.includes("\n")) {
        const c = await reader.read();
        if (c.done) throw new Error("API bridge ended");
        buf += dec.decode(c.value, { stream: true });
      }
      const i = buf.indexOf("\n");
      const r = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (r.status !== 200 || r.json.ok === false)
        throw new Error(`${method} ${path}: HTTP ${r.status} ${r.json.error ?? ""}`);
      return r.json;
    },
    close: () => {
      p.stdin.end();
      p.kill();
    },
  };
}

async function joinAll(nodes: BenchNode[]): Promise<{ circleId: string; secret: string }> {
  const { circleId, code } = JSON.parse(
    await cli(nodes[0]!.dir, ["invite", "--legacy", "--name", "bench mixed", "--json"], nodes[0]!.netns),
  );
  const joinWith = async (k: number, c: string) => {
    const r = JSON.parse(await cli(nodes[k - 1]!.dir, ["join", "--code", c, "--json"], nodes[k - 1]!.netns));
    if (!r.synced) throw new Error(`node ${k} joined but did not sync with ${r.bootstrap}`);
  };
  if (net.kind === "star")
    await pool(
      nodes.slice(1).map((_, i) => i + 2),
      4,
      (k) => joinWith(k, code),
    );
  else
    for (let k = 2; k <= nodes.length; k++) {
      const prev =
        k === 2
          ? code
          : JSON.parse(await cli(nodes[k - 2]!.dir, ["invite", "--circle-id", circleId, "--json"], nodes[k - 2]!.netns))
              .code;
      if (decodeCodeV1(prev).peer !== addr(k - 1))
        throw new Error(`node ${k - 1}'s code names ${decodeCodeV1(prev).peer}, not ${addr(k - 1)}`);
      await joinWith(k, prev);
    }
  return { circleId, secret: decodeCodeV1(code).secret };
}

/** Until every node's PEERS (as a v1 member sees it) lists all its topology neighbours. */
async function waitNeighbours(secret: string): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const missing: string[] = [];
    await pool(
      net.host.slice(1).map((_, i) => i + 1),
      8,
      async (k) => {
        const have = await pollHave(secret, OBSERVER_ID, addr(k)).catch(() => null);
        const listed = new Set(have?.peers.map((p) => p.addr) ?? []);
        const lack = net.neighbours[k]!.filter((j) => !listed.has(addr(j)));
        if (!have || lack.length) missing.push(`node ${k} lacks ${have ? lack.join(",") : "(no answer)"}`);
      },
    );
    if (!missing.length) return;
    if (performance.now() - t0 > 60_000)
      throw new Error(`neighbours not known after 60 s: ${missing.slice(0, 5).join("; ")}`);
    await Bun.sleep(500);
  }
}

/** Can node a open a TCP connection to node b's felund port? (bash /dev/tcp inside a's namespace) */
function tryConnect(a: number, b: number): string {
  const r = Bun.spawnSync(
    ["ip", "netns", "exec", net.ns[a]!, "timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${net.host[b]}/${cfg.port}`],
    { stdout: "pipe", stderr: "pipe" },
  );
  const what =
    r.exitCode === 0 ? "connected" : (r.stderr.toString().match(/: ([^:\n]+)\n?$/)?.[1] ?? `exit ${r.exitCode}`);
  return `node ${a} -> node ${b}${net.neighbours[a]!.includes(b) ? "" : " (not a neighbour)"}: ${what}`;
}

async function peerGraph(nodes: BenchNode[], circleId: string): Promise<CaseResult["graph"]> {
  const idx = (a: string) => net.host.indexOf(a.slice(0, a.lastIndexOf(":")));
  return pool(
    nodes.map((_, i) => i + 1),
    4,
    async (k) => {
      const peers = JSON.parse(
        await cli(nodes[k - 1]!.dir, ["peers", "--circle-id", circleId, "--json"], net.ns[k]),
      ) as { addr: string; lastOk: number }[];
      const reached = peers.filter((p) => p.addr && p.lastOk > 0);
      return {
        known: peers.filter((p) => p.addr).length,
        reached: reached.length,
        strayReached: reached.filter((p) => !net.neighbours[k]!.includes(idx(p.addr))).length,
      };
    },
  );
}

async function main(): Promise<CaseResult> {
  const t0 = performance.now();
  say(`starting ${net.n} nodes`);
  const nodes = await pool(
    net.ns.slice(1).map((_, i) => i + 1),
    6,
    (k) =>
      startNode(`${net.kind}${net.n}-n${k}`, cfg.intervalS, { netns: net.ns[k]!, host: net.host[k]!, port: cfg.port }),
  );
  say("making the legacy circle");
  const { circleId, secret } = await joinAll(nodes);
  await waitNeighbours(secret);
  const setupS = (performance.now() - t0) / 1000;
  const far = net.kind === "star" ? [2, 3] : [1, 3];
  const reachCheck = [tryConnect(far[0]!, far[1]!), tryConnect(2, 1)];
  say(`set up in ${setupS.toFixed(1)} s; ${reachCheck.join("; ")}`);

  const addrs = net.host.slice(1).map((_, i) => addr(i + 1));
  const watch = (msgId: string, start: number) => watchArrival(secret, OBSERVER_ID, addrs, msgId, start, cfg.timeoutMs);
  const api = bridge(nodes[0]!);
  const control: Sender = async (text) => {
    const start = performance.now();
    const { message } = await api.call("POST", `/circles/${circleId}/messages`, { channel: "general", text });
    return watch(message.msgId, start);
  };
  const injector = new V1Injector(secret);
  const viaV1: Sender = async (text) => {
    const m = injector.message(text);
    const start = performance.now();
    const arrival = watch(String(m.msg_id), start);
    const log = await injector.inject(addr(1), m);
    if (log.outcome !== "done" || log.sent < 1) say(`injection: ${log.outcome}, node 1 took ${log.sent} message(s)`);
    return arrival;
  };
  say("control: local API send on node 1");
  const ctl = await runSeries({ warmup: 3, count: cfg.messages, budgetMs: cfg.seriesBudgetMs }, control, say);
  say("v1 peer behind NAT injects into node 1");
  const v1 = await runSeries({ warmup: 1, count: cfg.messages, budgetMs: cfg.seriesBudgetMs }, viaV1, say);
  api.close();
  const graph = await peerGraph(nodes, circleId);
  const protos = JSON.parse(await cli(nodes[0]!.dir, ["peers", "--circle-id", circleId, "--json"], net.ns[1])) as {
    addr: string;
    proto?: string;
  }[];
  const proto = [...new Set(protos.filter((p) => p.addr).map((p) => p.proto || "?"))].join("/");
  await stopNodes(nodes);
  return { kind: net.kind, n: net.n, proto, setupS, reachCheck, graph, control: ctl, v1 };
}

// the bench that started this may be killed outright (kill -9): then stop the nodes here too
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void cleanupAll().finally(() => process.exit(1));
}, 1000).unref();

let code = 0;
try {
  console.log(`RESULT ${JSON.stringify(await main())}`);
} catch (e) {
  console.error(`  [${net.kind} N=${net.n}] failed: ${(e as Error).stack ?? e}`);
  code = 1;
} finally {
  await cleanupAll();
}
process.exit(code);
