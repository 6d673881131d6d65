// Network namespaces that enforce a bench topology for real. felund nodes gossip peer lists
// (PEERS) and would dial every member they learn of, so a "chain" made only by who joins
// through whom soon becomes a mesh. Here each node lives in its own namespace with a
// point-to-point veth link to each topology neighbour only, plus one link to a measurement
// namespace. A node namespace has no default route, only /32 routes to its neighbours and to
// the measurement side, so dialling a non-neighbour fails at once (ENETUNREACH) even when
// gossip hands it the address; the measurement side reaches every node but forwards nothing
// (ip_forward = 0, and no node has a route through it anyway). Addresses (10.77.0.k for node k,
// 10.78.0.1 for the measurement side) exist only inside these namespaces. Needs root and
// iproute2. Every namespace is named felund-bench-<pid>-..., so a sweep can remove the ones a
// killed run left behind.
import { existsSync, readdirSync } from "node:fs";

export type TopologyKind = "star" | "chain";

export interface NetLayout {
  kind: TopologyKind;
  n: number;
  /** the measurement namespace (the bench's v1 observer and injector run in it) */
  meas: string;
  measHost: string;
  /** namespace and address of node k (1-based) */
  ns: string[];
  host: string[];
  edges: [number, number][];
  neighbours: number[][];
}

const PREFIX = "felund-bench-";

function sh(argv: string[], stdin?: string): string {
  const r = Bun.spawnSync(argv, {
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0)
    throw new Error(`${argv.join(" ")} failed: ${(r.stderr.toString() || r.stdout.toString()).trim()}`);
  return r.stdout.toString();
}

/** star: node 1 is the hub; chain: node i links to i-1 and i+1 (1-based). */
export function topologyEdges(kind: TopologyKind, n: number): [number, number][] {
  return Array.from({ length: n - 1 }, (_, i) => (kind === "star" ? [1, i + 2] : [i + 1, i + 2]) as [number, number]);
}

/** Throws a clear error when namespaces cannot be made here (not root, no iproute2). */
export function checkNetns(): void {
  const probe = `${PREFIX}${process.pid}-probe`;
  try {
    sh(["ip", "netns", "add", probe]);
  } catch (e) {
    throw new Error(`this bench needs network namespaces (root and iproute2): ${(e as Error).message}`);
  }
  sh(["ip", "netns", "delete", probe]);
}

/** Build the namespaces and links of one topology; on any failure, removes what it made. */
export function buildNet(kind: TopologyKind, n: number): NetLayout {
  const tag = `${PREFIX}${process.pid}-${kind}${n}`;
  const ns = Array.from({ length: n + 1 }, (_, k) => (k === 0 ? "" : `${tag}-${k}`));
  const host = Array.from({ length: n + 1 }, (_, k) => (k === 0 ? "" : `10.77.0.${k}`));
  const edges = topologyEdges(kind, n);
  const neighbours: number[][] = Array.from({ length: n + 1 }, () => []);
  for (const [a, b] of edges) {
    neighbours[a]!.push(b);
    neighbours[b]!.push(a);
  }
  const net: NetLayout = { kind, n, meas: `${tag}-m`, measHost: "10.78.0.1", ns, host, edges, neighbours };
  try {
    for (const name of [net.meas, ...ns.slice(1)]) sh(["ip", "netns", "add", name]);
    // veth ends are created directly inside their namespaces: nothing appears in the host's
    const links = [
      ...edges.map(([a, b]) => `link add to${b} netns ${ns[a]} type veth peer name to${a} netns ${ns[b]}`),
      ...ns.slice(1).map((name, i) => `link add meas netns ${name} type veth peer name n${i + 1} netns ${net.meas}`),
    ];
    sh(["ip", "-batch", "-"], links.join("\n") + "\n");
    for (let k = 1; k <= n; k++) {
      const cmds = ["link set lo up", "link set meas up", `addr add ${host[k]}/32 peer ${net.measHost}/32 dev meas`];
      for (const j of neighbours[k]!)
        cmds.push(`link set to${j} up`, `addr add ${host[k]}/32 peer ${host[j]}/32 dev to${j}`);
      sh(["ip", "-n", ns[k]!, "-batch", "-"], cmds.join("\n") + "\n");
    }
    const m = ["link set lo up"];
    for (let k = 1; k <= n; k++)
      m.push(`link set n${k} up`, `addr add ${net.measHost}/32 peer ${host[k]}/32 dev n${k}`);
    sh(["ip", "-n", net.meas, "-batch", "-"], m.join("\n") + "\n");
    for (const name of [net.meas, ...ns.slice(1)])
      sh(["ip", "netns", "exec", name, "sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward"]);
  } catch (e) {
    destroyNet(net);
    throw e;
  }
  return net;
}

/** The IPv4 routes of node k's namespace, as destinations (for the report's topology check). */
export function routesOf(net: NetLayout, k: number): string[] {
  return sh(["ip", "-n", net.ns[k]!, "-4", "route"])
    .split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter(Boolean);
}

/** Kill every process still inside the namespaces (all started by this bench), then delete them. */
export function destroyNet(net: Pick<NetLayout, "meas" | "ns">): void {
  removeNamespaces([net.meas, ...net.ns.filter(Boolean)]);
}

function removeNamespaces(names: string[]): void {
  for (const name of names) {
    if (!existsSync(`/var/run/netns/${name}`)) continue;
    const pids = Bun.spawnSync(["ip", "netns", "pids", name], { stdout: "pipe", stderr: "pipe" })
      .stdout.toString()
      .split(/\s+/)
      .filter(Boolean);
    for (const pid of pids)
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        /* already gone */
      }
    Bun.spawnSync(["ip", "netns", "delete", name], { stdout: "ignore", stderr: "ignore" });
  }
}

/** Remove namespaces left by bench runs whose process no longer exists (a kill -9, a crash). */
export function sweepStale(): number {
  let names: string[] = [];
  try {
    names = readdirSync("/var/run/netns");
  } catch {
    return 0;
  }
  const stale = names.filter((x) => {
    const m = x.match(/^felund-bench-(\d+)-/);
    if (!m || Number(m[1]) === process.pid) return false;
    try {
      process.kill(Number(m[1]), 0);
      return false;
    } catch {
      return true;
    }
  });
  removeNamespaces(stale);
  return stale.length;
}
