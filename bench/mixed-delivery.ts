// Benchmark of issue 11: in a legacy circle of N real `felund run` processes (N = 10 and 30),
// how long until a message from an original member behind NAT (a scripted v1 peer with no
// listen_addr that dials node 1) is held by every node, in a star (node 1 the hub) and a chain
// (node i knows only i-1 and i+1). Measured over the v1 wire only (bench/lib/v1-wire.ts), the
// same way for any implementation. The topology is enforced by network namespaces
// (bench/lib/netns.ts); each case runs in bench/lib/mixed-case.ts inside the measurement
// namespace, with a hard time limit. A local API send on node 1 is timed the same way as a
// control. Needs root and iproute2. Run: `npx bun bench/mixed-delivery.ts` (all four cases, 50
// messages each), or e.g. `npx bun bench/mixed-delivery.ts star:5 chain:5 --messages 10`.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildNet,
  checkNetns,
  destroyNet,
  routesOf,
  sweepStale,
  type NetLayout,
  type TopologyKind,
} from "./lib/netns.ts";
import type { CaseConfig, CaseResult } from "./lib/mixed-case.ts";
import { MAX_LOST_IN_A_ROW, type SeriesResult } from "./lib/series.ts";
import { POLL_SCHEDULE, POLLS_IN_FLIGHT } from "./lib/v1-wire.ts";
import { loadAvg1, machine } from "./lib/proc-stat.ts";
import { ms, summary, verdict } from "./lib/stats.ts";

const argv = process.argv.slice(2);
const picked = argv
  .filter((a) => /^(star|chain):\d+$/.test(a))
  .map((a) => ({ kind: a.split(":")[0] as TopologyKind, n: Number(a.split(":")[1]) }));
const CASES: { kind: TopologyKind; n: number }[] = picked.length
  ? picked
  : [
      { kind: "star", n: 10 },
      { kind: "chain", n: 10 },
      { kind: "star", n: 30 },
      { kind: "chain", n: 30 },
    ];
const MESSAGES = argv.includes("--messages") ? Number(argv[argv.indexOf("--messages") + 1]) || 50 : 50;
if (CASES.some((c) => c.n < 3 || c.n > 200)) throw new Error("N must be 3-200 (node k gets 10.77.0.k)");
const TIMEOUT_MS = 5_000;
const SERIES_BUDGET_MS = 60_000;
/** a case that is not done by then is killed (with everything in its namespaces) and reported */
const CASE_LIMIT_MS = 300_000;
const TARGET = { p50: 20, p99: 100 };
const benchStart = performance.now();

let current: NetLayout | null = null;
const tmpBase = mkdtempSync(join(tmpdir(), `felund-bench-mixed-${process.pid}-`));
function cleanup(): void {
  if (current) destroyNet(current);
  current = null;
  rmSync(tmpBase, { recursive: true, force: true });
}

/** State dirs of earlier runs that were killed outright (their bench process is gone). */
function sweepTempDirs(): void {
  for (const d of readdirSync(tmpdir())) {
    const pid = Number(d.match(/^felund-bench-mixed-(\d+)-/)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(tmpdir(), d), { recursive: true, force: true });
    }
  }
}

/** Each node's routes must be exactly its neighbours and the measurement side. */
function checkRoutes(net: NetLayout): string {
  const bad: string[] = [];
  for (let k = 1; k <= net.n; k++) {
    const want = [...net.neighbours[k]!.map((j) => net.host[j]!), net.measHost].sort().join(" ");
    const got = routesOf(net, k).sort().join(" ");
    if (got !== want) bad.push(`node ${k}: ${got}`);
  }
  return bad.length
    ? `WRONG ROUTES: ${bad.slice(0, 3).join("; ")}`
    : "every node routes only to its neighbours and the measurement side";
}

async function runCase(
  kind: TopologyKind,
  n: number,
): Promise<{ result: CaseResult | null; routes: string; failure: string }> {
  const net = (current = buildNet(kind, n));
  try {
    const routes = checkRoutes(net);
    const cfg: CaseConfig = {
      net,
      port: 9999,
      intervalS: 5,
      messages: MESSAGES,
      timeoutMs: TIMEOUT_MS,
      seriesBudgetMs: SERIES_BUDGET_MS,
    };
    const child = Bun.spawn(
      [
        "ip",
        "netns",
        "exec",
        net.meas,
        process.execPath,
        join(import.meta.dir, "lib", "mixed-case.ts"),
        JSON.stringify(cfg),
      ],
      {
        cwd: join(import.meta.dir, ".."),
        env: { ...process.env, TMPDIR: tmpBase },
        stdin: "ignore",
        stdout: "pipe",
        stderr: "inherit",
      },
    );
    const limit = setTimeout(() => child.kill("SIGKILL"), CASE_LIMIT_MS);
    const out = await new Response(child.stdout).text();
    const code = await child.exited;
    clearTimeout(limit);
    const line = out.split("\n").find((l) => l.startsWith("RESULT "));
    if (!line)
      return {
        result: null,
        routes,
        failure: child.signalCode === "SIGKILL" ? `killed after ${CASE_LIMIT_MS / 1000} s` : `case exited ${code}`,
      };
    // JSON has no Infinity: lost messages come back as null
    const result = JSON.parse(line.slice(7), (_k, v) => (v === null ? Infinity : v)) as CaseResult;
    return { result, routes, failure: "" };
  } finally {
    destroyNet(net);
    current = null;
  }
}

const fig = (xs: number[]) => summary(xs);
function row(label: string, s: SeriesResult): string {
  const all = fig(s.all),
    first = fig(s.first);
  const lost = s.all.filter((x) => !Number.isFinite(x)).length;
  return `  ${label.padEnd(34)}${String(s.sent).padStart(5)}${String(lost).padStart(6)}${ms(all.p50).padStart(8)}${ms(all.p99).padStart(8)}${ms(all.max).padStart(8)}${ms(first.p50).padStart(9)}${ms(first.max).padStart(8)}`;
}
/** PASS when the upper bound meets the target, FAIL when even the lower bound misses it, else unresolved. */
function judge(s: SeriesResult): string {
  if (!s.sent) return "NOT MEASURED";
  const up = fig(s.all),
    lo = fig(s.allLo);
  const one = (name: string, l: number, u: number, target: number) => {
    if (!Number.isFinite(u)) return `${name} lost ${verdict(false)}`;
    const range = `${name} ${ms(l)}-${ms(u)} ms`;
    return u < target
      ? `${range} ${verdict(true)}`
      : l >= target
        ? `${range} ${verdict(false)}`
        : `${range} NOT RESOLVED (polling too coarse here)`;
  };
  return `${one("p50", lo.p50, up.p50, TARGET.p50)}; ${one("p99", lo.p99, up.p99, TARGET.p99)}`;
}
const notes = (s: SeriesResult) =>
  [
    s.stopped && `stopped early: ${s.stopped}`,
    s.heldWhenLost.length &&
      `lost messages were on ${[...new Set(s.heldWhenLost)].join("/")} of ${s.nodes} nodes after ${TIMEOUT_MS / 1000} s`,
    s.warmupLost && `${s.warmupLost} warm-up message(s) lost`,
    s.errors.length && `send errors: ${s.errors.slice(0, 2).join("; ")}`,
  ]
    .filter(Boolean)
    .join("; ");

async function main(): Promise<number> {
  const m = machine();
  const sched = POLL_SCHEDULE.map(
    (p) => `every ${p.everyMs} ms${Number.isFinite(p.untilMs) ? ` to ${p.untilMs} ms` : ` to ${TIMEOUT_MS / 1000} s`}`,
  ).join(", ");
  console.log("felund bench: mixed-circle delivery over the v1 wire (issue 11)");
  console.log("setup");
  console.log(
    `  machine   ${m.nproc} CPUs (${m.cpu}), ${m.memGiB.toFixed(1)} GiB RAM, Linux ${release()}, bun ${m.bun}; load average ${loadAvg1().toFixed(2)} at start`,
  );
  console.log(
    `  nodes     N = ${[...new Set(CASES.map((c) => c.n))].join(" and ")} \`felund run --interval 5\` processes, each in its own network namespace, in one legacy circle:`,
  );
  console.log(
    "            node 1: felund invite --legacy; star: every node joins with node 1's felund1. code; chain: node i with node i-1's",
  );
  console.log(
    "  topology  enforced by the network: veth links only between neighbours (star: node 1 is the hub; chain: i <-> i-1, i+1),",
  );
  console.log(
    "            no default route, no forwarding, so a node cannot reach a non-neighbour even after PEERS gossip names it",
  );
  console.log(
    "  injection a scripted original-style v1 peer (tests/node/fake-peer.ts) with an empty listen_addr (behind NAT) dials node 1",
  );
  console.log("            and offers one new MAC'd message in an encrypted v1 exchange; t0 = just before it dials");
  console.log(
    "  control   the same timing for a local API send on node 1 (POST /api/circles/:id/messages); t0 = just before the request,",
  );
  console.log(
    "            polling starts when the API answers (the msg_id is the node's), so its figures include that round trip",
  );
  console.log(
    "  polling   each node over v1 as a member of the circle (plaintext, empty listen_addr): HELLO/CHALLENGE/HELLO_AUTH/WELCOME,",
  );
  console.log(
    "            its PEERS and MSGS_HAVE; a node holds the message when its MSGS_HAVE lists the msg_id, timed when that frame",
  );
  console.log(
    `            was read: an upper bound; the start of that node's last poll without it is a lower bound (the table shows`,
  );
  console.log(
    `            upper bounds, the verdicts both: PASS if the upper bound meets the target, FAIL if the lower bound misses it);`,
  );
  console.log(
    `            only nodes that do not list it yet are polled, ${sched}, at most ${POLLS_IN_FLIGHT} polls in flight`,
  );
  console.log(
    `  messages  ${MESSAGES} per series (+3 control / +1 v1 warm-up), one in flight, 20 ms gap; lost = not on every node within ${TIMEOUT_MS / 1000} s;`,
  );
  console.log(`            a series stops after ${MAX_LOST_IN_A_ROW} lost in a row or ${SERIES_BUDGET_MS / 1000} s`);
  checkNetns();
  const swept = sweepStale();
  if (swept) console.log(`  (removed ${swept} namespace(s) left by an earlier killed run)`);
  sweepTempDirs();

  const done: { kind: string; n: number; result: CaseResult | null; routes: string; failure: string }[] = [];
  for (const c of CASES) done.push({ ...c, ...(await runCase(c.kind, c.n)) });

  console.log("");
  console.log(`delivery, ms                          sent  lost  all p50 all p99 all max  1st p50 1st max`);
  for (const d of done) {
    const tag = `${d.kind} N=${d.n}`.padEnd(12);
    if (!d.result) {
      console.log(`  ${tag}  NOT MEASURED: ${d.failure}`);
      continue;
    }
    console.log(row(`${tag}v1 peer behind NAT`, d.result.v1));
    console.log(row(`${tag}control (local API)`, d.result.control));
  }
  console.log("");
  console.log("per case");
  for (const d of done) {
    console.log(`  ${d.kind} N=${d.n}: ${d.routes}`);
    if (!d.result) continue;
    const r = d.result,
      g = r.graph;
    const avg = (f: (x: (typeof g)[number]) => number) => (g.reduce((s, x) => s + f(x), 0) / g.length).toFixed(1);
    const stray = g.reduce((s, x) => s + x.strayReached, 0);
    console.log(`    set up in ${r.setupS.toFixed(1)} s; between nodes: ${r.proto}; ${r.reachCheck.join("; ")}`);
    console.log(
      `    peers per node at the end (felund peers): ${avg((x) => x.known)} known with an address, ${avg((x) => x.reached)} dialled successfully; non-neighbours dialled: ${stray}`,
    );
    for (const [name, s] of [
      ["v1", r.v1],
      ["control", r.control],
    ] as const) {
      console.log(
        `    ${name}: ${s.polls} polls (${s.pollErrors} failed); arrival windows (resolution) median ${ms(s.windowP50)} ms, max ${ms(s.windowMax)} ms${notes(s) ? `; ${notes(s)}` : ""}`,
      );
    }
  }
  console.log("");
  console.log(
    `targets (issue 11, v1 peer behind NAT, all nodes): p50 < ${TARGET.p50} ms, p99 < ${TARGET.p99} ms; lower-upper bound; the original takes 2-5 s per hop`,
  );
  for (const d of done)
    console.log(
      `  ${`${d.kind} N=${d.n}`.padEnd(12)} ${d.result ? judge(d.result.v1) : `NOT MEASURED (${d.failure})`}`,
    );
  console.log(
    `load average at the end ${loadAvg1().toFixed(2)}; bench took ${((performance.now() - benchStart) / 1000).toFixed(1)} s`,
  );
  return done.every((d) => d.result) ? 0 : 1;
}

let code = 1;
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
try {
  code = await main();
} catch (e) {
  console.error(`mixed-delivery bench failed: ${(e as Error).stack ?? e}`);
} finally {
  cleanup();
}
process.exit(code);
