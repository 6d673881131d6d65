// Simulation of one circle with many nodes (issue 17): the real v2 engine, fan-out and store of
// each node, in one process, over a simulated network (bench/lib/sim-net.ts: latency, jitter,
// loss with TCP retransmission, partitions, churn). No sockets; times are virtual.
//
// For 10, 100 and 1,000 nodes (each dials DEGREE random others: average degree 2 × DEGREE):
//   - delivery: MESSAGES messages from random authors; time from the send until each node stored
//     it (p50, p99 over every message × node) and until all had it (p50, p99, max over messages);
//     bytes and lines each node sent per message;
//   - the same with 1 % loss;
//   - a partition into halves for 20 s with messages on both sides, then heal (the cut links
//     dial again): time until every node holds every message, bytes per node;
//   - churn: 10 % of the nodes go down, messages flow, they come back: time until they hold all;
//   - an idle heal round (every session reconciles again, nothing new): bytes per node.
// Run: `npx bun bench/sim.ts [--nodes 10,100,1000] [--degree 5] [--latency 50] [--messages 20]`.
import { cpus, release } from "node:os";
import { parseArgs } from "node:util";
import { DIALS_PER_ROUND } from "../src/protocol/limits.ts";
import { EventQueue, type LinkModel, prng } from "./lib/sim-net.ts";
import { type Observer, type SimConn, SimNode } from "./lib/sim-node.ts";
import { ms, percentile, verdict } from "./lib/stats.ts";

const { values: opt } = parseArgs({
  options: {
    nodes: { type: "string", default: "10,100,1000" },
    degree: { type: "string", default: String(DIALS_PER_ROUND) },
    latency: { type: "string", default: "50" },
    messages: { type: "string", default: "20" },
  },
});
const SIZES = opt.nodes.split(",").map(Number);
const DEGREE = Number(opt.degree);
const MESSAGES = Number(opt.messages);
const LINK: LinkModel = { latencyMs: Number(opt.latency), jitterMs: 10, loss: 0, rtoMs: 200 };
const GAP_MS = 250;

class Circle implements Observer {
  q = new EventQueue();
  nodes: SimNode[] = [];
  conns: { a: number; b: number; conn: SimConn | null }[] = [];
  /** msg id → (node index → virtual time it was first stored there) */
  seen = new Map<string, Map<number, number>>();
  sentAt = new Map<string, number>();
  rand = prng(4242);

  constructor(
    n: number,
    public link: LinkModel,
  ) {
    const owner = new SimNode(0, this.q, this, null);
    this.nodes.push(owner);
    for (let i = 1; i < n; i++) this.nodes.push(new SimNode(i, this.q, this, owner.keys.edPublic));
    // a random graph: node i dials one earlier node (connected) and DEGREE-1 others
    const edges = new Set<string>();
    for (let i = 1; i < n; i++) {
      const targets = new Set([Math.floor(this.rand() * i)]);
      for (let k = 1; k < Math.min(DEGREE, n - 1) * 4 && targets.size < Math.min(DEGREE, n - 1); k++) {
        const t = Math.floor(this.rand() * n);
        if (t !== i) targets.add(t);
      }
      for (const t of targets) {
        const key = i < t ? `${i}-${t}` : `${t}-${i}`;
        if (edges.has(key)) continue;
        edges.add(key);
        this.conns.push({ a: i, b: t, conn: null });
      }
    }
  }

  stored(node: SimNode, ms: readonly { msgId: string; channelId: string }[]): void {
    for (const m of ms) {
      if (m.channelId !== "general") continue;
      let per = this.seen.get(m.msgId);
      if (!per) this.seen.set(m.msgId, (per = new Map()));
      if (!per.has(node.index)) per.set(node.index, this.q.now);
    }
  }

  /** Dial every edge whose ends are up and not connected (staggered over `spreadMs`). */
  connectAll(spreadMs = 1000, filter: (e: { a: number; b: number }) => boolean = () => true): void {
    for (const e of this.conns) {
      if (!filter(e) || (e.conn && !e.conn.closed)) continue;
      this.q.after(this.rand() * spreadMs, () => {
        if (e.conn && !e.conn.closed) return;
        e.conn = this.nodes[e.a]!.dial(this.nodes[e.b]!, this.link, this.rand);
      });
    }
  }

  settle(maxMs = 600_000): void {
    this.q.run(this.q.now + maxMs);
  }

  bytes(): number {
    let b = 0;
    for (const e of this.conns) if (e.conn) b += e.conn.bytes();
    return b + this.closedBytes;
  }
  lines(): number {
    let l = 0;
    for (const e of this.conns) if (e.conn) l += e.conn.client.out.lines + e.conn.server.out.lines;
    return l + this.closedLines;
  }
  private closedBytes = 0;
  private closedLines = 0;
  /** close the connections that `cut` selects (their traffic so far stays counted) */
  cut(select: (e: { a: number; b: number }) => boolean): void {
    for (const e of this.conns)
      if (e.conn && select(e)) {
        this.closedBytes += e.conn.bytes();
        this.closedLines += e.conn.client.out.lines + e.conn.server.out.lines;
        e.conn.close();
        e.conn = null;
      }
  }

  post(from: SimNode, text: string): string {
    const m = from.send(text);
    this.sentAt.set(m.msgId, this.q.now);
    return m.msgId;
  }

  /** per (message, node) delays and per-message time to all of `among` */
  delays(ids: string[], among: SimNode[]) {
    const each: number[] = [];
    const all: number[] = [];
    let missing = 0;
    for (const id of ids) {
      const t0 = this.sentAt.get(id)!;
      const per = this.seen.get(id);
      let worst = 0;
      for (const n of among) {
        const t = per?.get(n.index);
        if (t === undefined) {
          missing++;
          worst = Number.POSITIVE_INFINITY;
          continue;
        }
        each.push(t - t0);
        worst = Math.max(worst, t - t0);
      }
      all.push(worst);
    }
    return { each, all, missing };
  }

  /** time at which every node in `among` held every message of `ids` (or Infinity) */
  convergedAt(ids: string[], among: SimNode[]): number {
    let t = 0;
    for (const id of ids)
      for (const n of among) {
        const x = this.seen.get(id)?.get(n.index);
        if (x === undefined) return Number.POSITIVE_INFINITY;
        t = Math.max(t, x);
      }
    return t;
  }
}

function deliveryRun(n: number, link: LinkModel) {
  const c = new Circle(n, link);
  const cpu0 = process.cpuUsage();
  c.connectAll();
  c.settle();
  const setupCpu = process.cpuUsage(cpu0);
  const b0 = c.bytes();
  const l0 = c.lines();
  const cpu1 = process.cpuUsage();
  const ids: string[] = [];
  for (let i = 0; i < MESSAGES; i++)
    c.q.after(i * GAP_MS, () => ids.push(c.post(c.nodes[Math.floor(c.rand() * n)]!, `message ${i} of the sim`)));
  c.settle();
  const cpu = process.cpuUsage(cpu1);
  const d = c.delays(ids, c.nodes);
  return {
    c,
    each: d.each,
    all: d.all,
    missing: d.missing,
    bytesPerNodeMsg: (c.bytes() - b0) / n / MESSAGES,
    linesPerNodeMsg: (c.lines() - l0) / n / MESSAGES,
    cpuMsPerDelivery: (cpu.user + cpu.system) / 1000 / (MESSAGES * n),
    setupCpuS: (setupCpu.user + setupCpu.system) / 1e6,
    links: c.conns.length,
    degree: (2 * c.conns.length) / n,
  };
}

function partitionRun(n: number) {
  const c = new Circle(n, LINK);
  c.connectAll();
  c.settle();
  const half = (i: number) => i < n / 2;
  const crossing = (e: { a: number; b: number }) => half(e.a) !== half(e.b);
  c.cut(crossing);
  const ids: string[] = [];
  for (let i = 0; i < MESSAGES; i++)
    c.q.after(i * 1000, () => ids.push(c.post(c.nodes[Math.floor(c.rand() * n)]!, `split ${i}`)));
  c.settle(20_000);
  c.settle();
  const b0 = c.bytes();
  const healAt = c.q.now;
  c.connectAll(100, crossing);
  c.settle();
  return { converge: c.convergedAt(ids, c.nodes) - healAt, bytesPerNode: (c.bytes() - b0) / n };
}

function churnRun(n: number) {
  const c = new Circle(n, LINK);
  c.connectAll();
  c.settle();
  const gone = c.nodes.filter((x) => x.index > 0 && c.rand() < 0.1);
  for (const x of gone) x.down();
  c.cut((e) => !c.nodes[e.a]!.up || !c.nodes[e.b]!.up);
  const up = c.nodes.filter((x) => x.up);
  const ids: string[] = [];
  for (let i = 0; i < MESSAGES; i++)
    c.q.after(i * GAP_MS, () => ids.push(c.post(up[Math.floor(c.rand() * up.length)]!, `churn ${i}`)));
  c.settle();
  const during = c.delays(ids, up);
  const back = c.q.now;
  for (const x of gone) x.up = true;
  c.connectAll(100);
  c.settle();
  return { gone: gone.length, p99Up: percentile(during.all, 99), converge: c.convergedAt(ids, gone) - back };
}

function idleRun(c: Circle) {
  const b0 = c.bytes();
  for (const x of c.nodes) x.resync();
  c.settle();
  return (c.bytes() - b0) / c.nodes.length;
}

console.log("bench/sim.ts: one circle, simulated network (virtual time), real v2 engine, fan-out and MemStore");
console.log(
  `setup: ${cpus().length} CPU (${cpus()[0]?.model ?? "?"}), Linux ${release()}, Bun ${Bun.version}; ` +
    `each node dials ${DEGREE} random others; links ${LINK.latencyMs} ms one way + 0–${LINK.jitterMs} ms jitter, ` +
    `RTO ${LINK.rtoMs} ms; ${MESSAGES} messages ${GAP_MS} ms apart from random authors`,
);
const rows: string[] = [];
const table = (cells: (string | number)[]) => rows.push(`| ${cells.join(" | ")} |`);
table([
  "nodes",
  "links",
  "avg degree",
  "loss",
  "to each p50",
  "to each p99",
  "to all p50",
  "to all p99",
  "to all max",
  "B/node/msg",
  "lines/node/msg",
  "B/msg per link end",
  "CPU ms/delivery",
  "setup CPU s",
]);
table(Array(14).fill("---"));
const p99All: Record<string, number> = {};
const perNode: number[] = [];
let largest: Circle | null = null;
for (const n of SIZES) {
  for (const loss of [0, 0.01]) {
    const r = deliveryRun(n, { ...LINK, loss });
    if (loss === 0) {
      perNode.push(r.bytesPerNodeMsg / r.degree);
      largest = r.c;
    }
    p99All[`${n}/${loss}`] = percentile(r.all, 99);
    table([
      n,
      r.links,
      r.degree.toFixed(1),
      `${loss * 100} %`,
      ms(percentile(r.each, 50)),
      ms(percentile(r.each, 99)),
      ms(percentile(r.all, 50)),
      ms(percentile(r.all, 99)),
      ms(percentile(r.all, 100)),
      r.bytesPerNodeMsg.toFixed(0),
      r.linesPerNodeMsg.toFixed(1),
      (r.bytesPerNodeMsg / r.degree).toFixed(0),
      r.cpuMsPerDelivery.toFixed(3),
      r.setupCpuS.toFixed(1),
    ]);
  }
}
console.log(`\nDelivery (times in virtual ms from the send):\n${rows.join("\n")}`);
const idle = largest ? idleRun(largest) : 0;
console.log(
  `\nIdle heal round at ${largest?.nodes.length} nodes (every session reconciles again, nothing new): ${idle.toFixed(0)} B per node`,
);
console.log("\nPartition into halves (20 s, messages on both sides), then the cut links dial again:");
for (const n of SIZES.filter((x) => x >= 10)) {
  const p = partitionRun(n);
  console.log(
    `  ${n} nodes: every node holds every message ${ms(p.converge)} ms after the heal; ${p.bytesPerNode.toFixed(0)} B per node`,
  );
}
console.log("\nChurn (10 % of the nodes down while messages flow, then back):");
for (const n of SIZES.filter((x) => x >= 10)) {
  const r = churnRun(n);
  console.log(
    `  ${n} nodes, ${r.gone} down: to all that were up p99 ${ms(r.p99Up)} ms; the returning hold all ${ms(r.converge)} ms after they come back`,
  );
}
const big = Math.max(...SIZES);
const growth = perNode.length > 1 ? perNode[perNode.length - 1]! / perNode[0]! : 1;
console.log(
  `\nTarget: p99 delivery to all < 1 s with ${LINK.latencyMs} ms links at ${big} nodes: ${ms(p99All[`${big}/0`]!)} ms ${verdict(p99All[`${big}/0`]! < 1000)}`,
);
console.log(
  `Target: per-node traffic per message independent of N beyond the degree (bytes per message per link end): ${SIZES[0]} → ${big} nodes changes it ×${growth.toFixed(2)} ${verdict(growth < 1.5)}`,
);
