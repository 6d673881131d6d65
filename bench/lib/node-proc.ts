// Real `felund run` processes for the benches: each in its own temp state dir, on loopback,
// spawned as `bun src/cli/main.ts run` directly (no npx wrapper), so the child's pid is the
// node's pid. Every process and dir is registered and removed by cleanupAll(), also on error.
import type { Subprocess } from "bun";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const CLI = join(ROOT, "src", "cli", "main.ts");

export interface BenchNode {
  name: string;
  dir: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  pid: number;
  tcpPort: number;
  /** the address peers dial (127.0.0.1, or the node's address in its network namespace) */
  host: string;
  /** the network namespace the node runs in, if any (bench/lib/netns.ts) */
  netns?: string;
  api: string;
  token: string;
  /** stdout + stderr so far, for error reports */
  output: () => string;
}

const procs = new Set<Subprocess>();
const dirs = new Set<string>();

/** A fresh state dir under the system temp dir, removed by cleanupAll(). */
export function tempStateDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `felund-bench-${prefix}-`));
  dirs.add(d);
  return d;
}

/** argv that runs `felund ...args`, inside network namespace `netns` when given. */
const felundArgv = (args: string[], netns?: string) => [
  ...(netns ? ["ip", "netns", "exec", netns] : []),
  process.execPath,
  CLI,
  ...args,
];

/** Run a one-shot CLI command on a state dir (in `netns` if given); throws with its output on a non-zero exit. */
export async function cli(dir: string, args: string[], netns?: string): Promise<string> {
  const p = Bun.spawn(felundArgv(args, netns), {
    cwd: ROOT,
    env: { ...process.env, FELUND_STATE_DIR: dir },
    stdout: "pipe",
    stderr: "pipe",
  });
  procs.add(p);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  procs.delete(p);
  if (code !== 0) throw new Error(`felund ${args.join(" ")} exited ${code}: ${err || out}`);
  return out;
}

/** A free TCP port on loopback (bound then released; fine for a bench on one machine). */
export function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

/**
 * `felund init` then `felund run`; resolves once the node prints its local API URL. With `net`,
 * the node listens on net.host:net.port inside network namespace net.netns (its local API is
 * then reachable only from inside that namespace), with no relay configured.
 */
export async function startNode(
  name: string,
  intervalS: number,
  net?: { netns: string; host: string; port: number },
): Promise<BenchNode> {
  const dir = tempStateDir(name);
  const tcpPort = net?.port ?? freePort();
  const host = net?.host ?? "127.0.0.1";
  await cli(dir, ["init", "--bind", host, "--port", String(tcpPort), "--name", name]);
  const env: Record<string, string | undefined> = { ...process.env, FELUND_STATE_DIR: dir };
  if (net) delete env.FELUND_API_BASE;
  const proc = Bun.spawn(felundArgv(["run", "--interval", String(intervalS)], net?.netns), {
    cwd: ROOT,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  procs.add(proc);
  let text = "";
  const collect = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    const r = s.getReader();
    for (let c = await r.read(); !c.done; c = await r.read()) text += dec.decode(c.value, { stream: true });
  };
  void collect(proc.stdout);
  void collect(proc.stderr);
  const t0 = performance.now();
  let api = "";
  while (!api) {
    api = text.match(/local API (http:\/\/[^\s;]+)/)?.[1] ?? "";
    if (proc.exitCode !== null) throw new Error(`node ${name} exited ${proc.exitCode}: ${text}`);
    if (performance.now() - t0 > 15_000) throw new Error(`node ${name} did not start within 15 s: ${text}`);
    if (!api) await Bun.sleep(10);
  }
  const token = readFileSync(join(dir, "api-token"), "utf8").trim();
  return { name, dir, proc, pid: proc.pid, tcpPort, host, netns: net?.netns, api, token, output: () => text };
}

/** Call a node's local API; throws on an error status. */
export async function api(n: BenchNode, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${n.api}/api${path}`, {
    method,
    headers: {
      authorization: `Bearer ${n.token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json().catch(() => ({}))) as any;
  if (!res.ok || json.ok === false)
    throw new Error(`${n.name} ${method} ${path}: HTTP ${res.status} ${json.error ?? ""}`);
  return json;
}

/** Stop the given nodes (SIGTERM, then SIGKILL after 3 s). */
export async function stopNodes(nodes: BenchNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => stopProc(n.proc)));
}

async function stopProc(p: Subprocess): Promise<void> {
  if (p.exitCode === null && p.signalCode === null) {
    p.kill("SIGTERM");
    const t = setTimeout(() => p.kill("SIGKILL"), 3000);
    await p.exited;
    clearTimeout(t);
  }
  procs.delete(p);
}

/** Stop every process started here and remove every temp dir. */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...procs].map(stopProc));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}
