// Benchmark of issue 2: delivery delay from a send on one node to the message being stored on
// the others (2 and 5 real `felund run` processes on loopback, p50/p99/max over 100 messages),
// and the idle RSS/CPU of one `felund run`. All timing is done here, in one process, with
// performance.now(), so there is one clock. Run: `npx bun bench/delivery.ts`.
import { release } from "node:os";
import { startCluster, type Cluster } from "./lib/cluster.ts";
import { api, cleanupAll, stopNodes } from "./lib/node-proc.ts";
import { clockTicks, cpuTicks, loadAvg1, machine, rssKiB } from "./lib/proc-stat.ts";
import { ms, summary, verdict } from "./lib/stats.ts";

const MESSAGES = 100;
const WARMUP = 10;
const GAP_MS = 20;
const INTERVAL_S = 5; // the default gossip interval; delivery must not depend on it
const DELIVERY_TIMEOUT_MS = 5_000;
const IDLE_S = 20;
const TARGET = { p50: 20, p99: 100, rssMB: 60 };
/** Stop sending when the bench has run this long, so it ends in < 3 minutes even if messages are lost. */
const SEND_DEADLINE_MS = 140_000;
const benchStart = performance.now();

interface Delivery {
  n: number;
  first: number[];
  all: number[];
  ack: number[];
  cpuMsPerMsg: number;
  exchangesPerMsg: number;
}

/** One message in flight at a time: POST at a rotating sender, wait for every other node. */
async function measureDelivery(c: Cluster, tag: string): Promise<Delivery> {
  const n = c.nodes.length;
  const out: Delivery = { n, first: [], all: [], ack: [], cpuMsPerMsg: 0, exchangesPerMsg: 0 };
  const cpu = () => c.nodes.reduce((s, x) => s + cpuTicks(x.pid), 0);
  let cpu0 = 0,
    ex0 = 0;
  for (let i = -WARMUP; i < MESSAGES && performance.now() - benchStart < SEND_DEADLINE_MS; i++) {
    if (i === 0) [cpu0, ex0] = [cpu(), c.exchanges()];
    const from = ((i % n) + n) % n;
    const text = `bench ${tag} #${i} ${crypto.randomUUID()}`;
    const others = c.nodes.map((_, j) => j).filter((j) => j !== from);
    const arrivals = others.map((j) => c.storedAt(j, text, DELIVERY_TIMEOUT_MS));
    const t0 = performance.now();
    await api(c.nodes[from]!, "POST", `/circles/${c.circleId}/messages`, { channel: "general", text });
    const acked = performance.now();
    const at = (await Promise.all(arrivals)).map((t) => t - t0);
    if (i >= 0) {
      out.ack.push(acked - t0);
      out.first.push(Math.min(...at));
      out.all.push(Math.max(...at));
    }
    await Bun.sleep(GAP_MS);
  }
  const sent = Math.max(1, out.all.length);
  out.cpuMsPerMsg = (((cpu() - cpu0) / clockTicks()) * 1000) / sent;
  out.exchangesPerMsg = (c.exchanges() - ex0) / sent;
  return out;
}

const mib = (kib: number) => kib / 1024;
const mb = (kib: number) => (kib * 1024) / 1e6;

/** RSS and CPU of one node over IDLE_S seconds with nothing to do but its gossip rounds. */
async function measureIdle(pid: number) {
  const hz = clockTicks();
  const samples = [rssKiB(pid)];
  const ticks0 = cpuTicks(pid);
  const t0 = performance.now();
  for (let s = 0; s < IDLE_S; s++) {
    await Bun.sleep(1000);
    samples.push(rssKiB(pid));
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpuS = (cpuTicks(pid) - ticks0) / hz;
  const peak = samples.reduce((a, b) => (b.rss > a.rss ? b : a));
  return { start: samples[0]!, end: samples.at(-1)!, peak, cpuS, cpuPct: (cpuS / wallS) * 100, wallS };
}

function row(label: string, xs: number[]): string {
  const s = summary(xs);
  return `  ${label.padEnd(30)}${ms(s.p50).padStart(8)}${ms(s.p99).padStart(8)}${ms(s.max).padStart(8)}`;
}
const memLine = (r: { rss: number; anon: number; file: number }) =>
  `${mib(r.rss).toFixed(1)} MiB = ${mb(r.rss).toFixed(1)} MB (private ${mib(r.anon).toFixed(1)} MiB + mapped files ${mib(r.file).toFixed(1)} MiB)`;

async function main(): Promise<void> {
  const m = machine();
  console.log("felund bench: delivery delay and idle cost (issue 2)");
  console.log("setup");
  console.log(
    `  machine   ${m.nproc} CPUs (${m.cpu}), ${m.memGiB.toFixed(1)} GiB RAM, Linux ${release()}, bun ${m.bun}`,
  );
  console.log(
    `  nodes     separate \`felund run --interval ${INTERVAL_S}\` processes on 127.0.0.1, one temp state dir each, one circle;`,
  );
  console.log(
    "            node 1 invites, the others join with its code; timing starts once every node lists the other N-1",
  );
  console.log(
    `  messages  N = 2 and N = 5: ${MESSAGES} each (+${WARMUP} warm-up, not counted), one in flight, ${GAP_MS} ms gap, sender rotates`,
  );
  console.log(
    `  delay     POST /api/circles/:id/messages at the sender -> "message" event on each receiver's local WebSocket`,
  );
  console.log(
    `  load      1-minute load average ${loadAvg1().toFixed(2)} at start (the nodes share the ${m.nproc} CPUs with everything else)`,
  );
  console.log(
    `  idle      node 1 of the fresh N = 2 circle (1 peer), ${IDLE_S} s before its messages; /proc VmRSS, utime+stime`,
  );

  const two = await startCluster(2, INTERVAL_S, "two");
  await Bun.sleep(1000);
  const idle = await measureIdle(two.nodes[0]!.pid);
  const d2 = await measureDelivery(two, "two");
  const afterRun = rssKiB(two.nodes[0]!.pid);
  two.close();
  await stopNodes(two.nodes);

  const protos = [two.proto];
  const five = await startCluster(5, INTERVAL_S, "five");
  protos.push(five.proto);
  const d5 = await measureDelivery(five, "five");
  five.close();
  await stopNodes(five.nodes);

  console.log(`  protocol  between the nodes, as node 1's peers list says: N=2 ${protos[0]}, N=5 ${protos[1]}`);
  console.log("");
  console.log(`delivery delay, ms (${MESSAGES} messages per N)          p50     p99     max`);
  console.log(row("N=2, the other node", d2.all));
  console.log(row("N=5, first other node", d5.first));
  console.log(row("N=5, all other nodes", d5.all));
  console.log(row("N=2, send acknowledged (HTTP)", d2.ack));
  console.log(row("N=5, send acknowledged (HTTP)", d5.ack));
  if (d2.all.length < MESSAGES || d5.all.length < MESSAGES)
    console.log(`  TIME LIMIT: only ${d2.all.length} (N=2) and ${d5.all.length} (N=5) messages were measured`);
  const lost = [...d2.all, ...d5.all].filter((x) => !Number.isFinite(x)).length;
  console.log(`  lost (not stored within ${DELIVERY_TIMEOUT_MS / 1000} s): ${lost}`);
  console.log(`  per message, all nodes together (exchanges = "sync" events of finished exchanges / 2):`);
  console.log(
    `            N=2 ${d2.exchangesPerMsg.toFixed(1)} exchanges, ${d2.cpuMsPerMsg.toFixed(1)} ms CPU; N=5 ${d5.exchangesPerMsg.toFixed(1)} exchanges, ${d5.cpuMsPerMsg.toFixed(1)} ms CPU`,
  );
  console.log("");
  console.log("idle felund run (1 circle, 1 peer)");
  console.log(`  RSS       start ${memLine(idle.start)}`);
  console.log(`            peak  ${memLine(idle.peak)}`);
  console.log(`            after the N=2 messages: ${memLine(afterRun)}`);
  console.log(
    `  CPU       ${idle.cpuS.toFixed(2)} s over ${idle.wallS.toFixed(1)} s = ${idle.cpuPct.toFixed(2)}% of one core`,
  );
  console.log("");
  const s2 = summary(d2.all),
    s5 = summary(d5.all);
  const peakMB = mb(idle.peak.rss);
  console.log("targets (issue 2; N=5 judged on all other nodes)");
  console.log(
    `  p50 < ${TARGET.p50} ms    N=2 ${ms(s2.p50)} ms ${verdict(s2.p50 < TARGET.p50)}; N=5 ${ms(s5.p50)} ms ${verdict(s5.p50 < TARGET.p50)}`,
  );
  console.log(
    `  p99 < ${TARGET.p99} ms   N=2 ${ms(s2.p99)} ms ${verdict(s2.p99 < TARGET.p99)}; N=5 ${ms(s5.p99)} ms ${verdict(s5.p99 < TARGET.p99)}`,
  );
  console.log(`  RSS < ${TARGET.rssMB} MB    idle peak ${peakMB.toFixed(1)} MB ${verdict(peakMB < TARGET.rssMB)}`);
  console.log("original felund, for comparison: 1.9 s median between two nodes, 3.7 s across ten, 30 MB idle");
  console.log(
    `load average at the end ${loadAvg1().toFixed(2)}; bench took ${((performance.now() - benchStart) / 1000).toFixed(1)} s`,
  );
}

let failed = false;
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.on(sig, () => void cleanupAll().finally(() => process.exit(130)));
try {
  await main();
} catch (e) {
  failed = true;
  console.error(`delivery bench failed: ${(e as Error).stack ?? e}`);
} finally {
  await cleanupAll();
}
process.exit(failed ? 1 : 0);
