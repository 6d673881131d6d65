// Benchmark of issue 17's relay side. A felund relay (createRelayApp in this process, SQLite on
// disk, default rate limits and the push allowance of docs/PROTOCOL.md §25) serves the relay-only
// web client. A node (FelundNode in this process) owns a v2 circle whose #general holds
// RELAY_FILL_N signed messages (default 100,000; composeText, the node's own code, in
// transactions of 10,000), then is pointed at the relay: its history push is timed until the relay
// holds every envelope (envelopes/s, wall and CPU). Then a relay-only browser (Debian Chromium,
// tests/web/browser.ts) opens the relay's page, joins with the circle's felund2 code (admitted by
// the node through the relay) and is timed: the latest message shown (from the join's Enter), the
// whole history in IndexedDB (messages/s from the latest page shown), JS heap max after a GC
// (sampled every few seconds while filling, and at the end), DOM nodes, and whether the log
// answers while filling (one scroll to its top, timed to the next frame).
// Targets: latest page < 2 s; fill >= 2,000 messages/s; heap < 100 MiB; push >= 5,000 envelopes/s.
// Run: `npx bun bench/relay-fill.ts` (RELAY_FILL_N=10000 for a quick run; RELAY_FILL_PUSH_ONLY=1: no browser;
// RELAY_FILL_HEAP=1: each heap sample, and a heap snapshot of the page at the end, summed by constructor and kind;
// RELAY_FILL_RELOAD=1: then a reload of the page, timed, with its heap while loading and after).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "../db/client.ts";
import { webClient } from "../src/node/web-static.ts";
import { circleHint } from "../src/protocol/ids.ts";
import { createRelayApp } from "../src/relay/app.ts";
import { composeText } from "../src/sync/v2-apply.ts";
import { startV2Node } from "../tests/node/helpers.ts";
import { launchBrowser, newPage } from "../tests/web/browser.ts";
import { readdirSync, readFileSync } from "node:fs";
import { clockTicks, cpuTicks, loadAvg1, machine } from "./lib/proc-stat.ts";
import { verdict } from "./lib/stats.ts";
import { heapSummary } from "./lib/heap-summary.ts";

const N = Number(process.env.RELAY_FILL_N ?? 100_000);
const PUSH_ONLY = process.env.RELAY_FILL_PUSH_ONLY === "1";
const BATCH = 10_000;
const uptime = () => Bun.spawnSync(["uptime"]).stdout.toString().trim();
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
/** CPU seconds of this process's descendants (the browser's processes; none else are started). */
const childCpuS = () => {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  let ticks = 0;
  const walk = (pid: number) => {
    for (const k of kids.get(pid) ?? []) {
      try {
        ticks += cpuTicks(k);
      } catch {
        /* gone */
      }
      walk(k);
    }
  };
  walk(process.pid);
  return ticks / clockTicks();
};
const text = (i: number) => `m${i} ${"abcdefghij".slice(0, 3 + (i % 8))} said number ${i}`;

const m = machine();
console.log(
  `setup: ${N.toLocaleString("en")} signed messages; relay (createRelayApp, SQLite file, default rate limits) and node ` +
    `(FelundNode, in-memory SQLite) in this process, browser Debian Chromium headless 1200x760; ` +
    `machine: ${m.nproc} CPU(s) ${m.cpu}, ${m.memGiB.toFixed(1)} GiB, bun ${m.bun}`,
);
console.log(`load before: ${uptime()}`);

const dir = mkdtempSync(join(tmpdir(), "felund-relay-fill-"));
const db = openDb(join(dir, "relay.db"));
// the per-hint quota (64 MiB) would evict the oldest of 100,000 envelopes: raised so the whole history stays
const relay = createRelayApp({ db, config: { docs: false, hintQuotaBytes: 1024 * 1024 * 1024 } }).use(
  webClient({ mode: "relay", build: false }),
);
relay.listen({ hostname: "127.0.0.1", port: 0 });
const base = `http://127.0.0.1:${relay.server!.port}`;

const node = await startV2Node("olivia", { relayWs: true });
const { circleId } = node.createCircle("big");
const hint = circleHint(circleId);
const code = node.inviteCode(circleId);
let t0 = performance.now();
// one millisecond apart from now on (the circle's card is now; 100,000 messages span 100 s, within the 300 s skew)
const startMs = Date.now() + 1000;
const ctx = { store: node.store, calls: node.calls, self: node.keys };
for (let b = 0; b < N; b += BATCH)
  node.store.transaction(() => {
    for (let i = b; i < Math.min(N, b + BATCH); i++) {
      const nowMs = startMs + i;
      const at = Math.floor(nowMs / 1000);
      const r = composeText(
        { ...ctx, now: Math.floor(Date.now() / 1000) },
        { circleId, channelId: "general", displayName: "olivia", now: at, nowMs, rng: node.ctx.rng, text: text(i) },
      );
      if (!r.ok) throw new Error(r.reason);
    }
  });
const chat = node.store.countChatMessages(circleId);
// every row of the circle (its chat messages, the owner's card and the circle's control events): what the relay and the browser end up holding
const inStore = (
  node.store.sql.query("SELECT count(*) AS n FROM messages WHERE circle_id = ?").get(circleId) as { n: number }
).n;
console.log(
  `history: ${chat.toLocaleString("en")} chat messages (${inStore.toLocaleString("en")} rows with the circle's control events) in the node's store (composeText) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

// ---- the node's history push ----
const relayCount = () =>
  (db.$client.query("SELECT count(*) AS n FROM relay_messages WHERE circle_hint = ?").get(hint) as { n: number }).n;
t0 = performance.now();
const c0 = cpuS();
node.configureRelay(base);
const pushEnd = performance.now() + Math.max(60_000, N * 5);
let pushed = 0;
while (performance.now() < pushEnd) {
  pushed = relayCount();
  if (pushed >= inStore) break;
  await Bun.sleep(50);
}
const pushS = (performance.now() - t0) / 1000;
const pushCpu = cpuS() - c0;
console.log(
  `push: the relay holds ${pushed.toLocaleString("en")} envelopes of the circle after ${pushS.toFixed(2)} s: ` +
    `${Math.round(pushed / pushS).toLocaleString("en")} envelopes/s ${verdict(pushed / pushS >= 5000)} ` +
    `(${pushCpu.toFixed(1)} CPU-s in this process, node and relay together: ${Math.round(pushed / pushCpu).toLocaleString("en")} envelopes per CPU-second; load ${loadAvg1().toFixed(2)})`,
);

if (!PUSH_ONLY) await browserFill();
node.stop();
relay.stop(true);
rmSync(dir, { recursive: true, force: true });
console.log(`load after: ${uptime()}`);
process.exit(0);

async function browserFill() {
  const browser = await launchBrowser();
  try {
    const { page, ctx: bctx, errors } = await newPage(browser);
    if (process.env.RELAY_FILL_PROFILE) page.on("console", (m) => console.log(`console: ${m.text()}`));
    page.setDefaultTimeout(30_000);
    const cdp = await bctx.newCDPSession(page);
    const heap = async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      return (await cdp.send("Runtime.getHeapUsage")).usedSize / 1024 / 1024;
    };
    await page.goto(base + "/");
    await page.fill('input[name="displayName"]', "jack");
    await page.click('text="Join with a code"');
    await page.fill('textarea[name="code"]', code);
    const latest = text(N - 1);
    const tJoin = performance.now();
    await page.click('[data-testid="setup-form"] button[type="submit"]');
    await page.waitForFunction(
      (t) => [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === t),
      latest,
      { timeout: 120_000, polling: 20 },
    );
    const tLatest = performance.now();
    const cpu0 = { browser: childCpuS(), self: cpuS() };
    const shownMs = tLatest - tJoin;
    console.log(`browser: latest message shown ${shownMs.toFixed(0)} ms after the join ${verdict(shownMs < 2000)}`);
    if (process.env.RELAY_FILL_PROFILE) void profile(cdp);
    const idbCount = () =>
      page.evaluate(
        (cid) =>
          new Promise<number>((ok, fail) => {
            const r = indexedDB.open("felund-web");
            r.onerror = () => fail(r.error);
            r.onsuccess = () => {
              const d = r.result;
              const q = d.transaction("messages").objectStore("messages").index("circle").count(cid);
              q.onsuccess = () => {
                ok(q.result);
                d.close();
              };
              q.onerror = () => fail(q.error);
            };
          }),
        circleId,
      );
    const dom = () => page.evaluate(() => document.getElementsByTagName("*").length);
    let maxHeap = 0;
    let maxDom = 0;
    let count = 0;
    let lastHeapAt = 0;
    let scrollMs = -1;
    let lastCountAt = 0;
    let sawProgress = "";
    const progress = () =>
      page.evaluate(() => document.querySelector('[data-testid="sync-progress"]')?.textContent ?? "");
    const end = performance.now() + Math.max(120_000, N * 10);
    while (performance.now() < end) {
      // (counting IndexedDB walks its index: every 2 s, and at once when the progress line goes away)
      const line = await progress();
      if (line) sawProgress ||= line;
      if (!line || performance.now() - lastCountAt > 2000) {
        count = await idbCount();
        lastCountAt = performance.now();
      }
      maxDom = Math.max(maxDom, await dom());
      if (count >= inStore) break;
      // the log answers while the history fills: scroll to its top, time to the frame after
      if (scrollMs < 0 && count > inStore / 4)
        scrollMs = await page.evaluate(async () => {
          const log = document.querySelector<HTMLElement>('[data-testid="log"]')!;
          const t = performance.now();
          log.scrollTop = 0;
          await new Promise(requestAnimationFrame);
          await new Promise(requestAnimationFrame);
          return performance.now() - t;
        });
      if (performance.now() - lastHeapAt > 3000) {
        const h = await heap();
        maxHeap = Math.max(maxHeap, h);
        lastHeapAt = performance.now();
        if (process.env.RELAY_FILL_HEAP)
          console.log(`  heap ${h.toFixed(1)} MiB at ${count.toLocaleString("en")} in IndexedDB`);
      }
      await Bun.sleep(100);
    }
    const fillS = (performance.now() - tLatest) / 1000;
    const cpu = { browser: childCpuS() - cpu0.browser, self: cpuS() - cpu0.self };
    const endHeap = await heap();
    if (process.env.RELAY_FILL_HEAP) for (const l of await heapSummary(cdp)) console.log(l);
    maxHeap = Math.max(maxHeap, endHeap);
    maxDom = Math.max(maxDom, await dom());
    const rate = count / fillS;
    console.log(
      `browser: ${count.toLocaleString("en")} of ${inStore.toLocaleString("en")} messages in IndexedDB ${fillS.toFixed(1)} s after the latest page: ` +
        `${Math.round(rate).toLocaleString("en")} messages/s ${verdict(count >= inStore && rate >= 2000)}; ` +
        `JS heap max ${maxHeap.toFixed(1)} MiB after GC (end ${endHeap.toFixed(1)} MiB) ${verdict(maxHeap < 100)}; ` +
        `DOM max ${maxDom} elements; a scroll to the log's top while filling: ${scrollMs < 0 ? "not tried" : `${scrollMs.toFixed(0)} ms to the second frame`}; load ${loadAvg1().toFixed(2)}`,
    );
    console.log(`browser: the status line said "${sawProgress}" early in the fill`);
    console.log(
      `browser: the fill used ${cpu.browser.toFixed(1)} CPU-s in Chromium's processes (${Math.round(count / cpu.browser).toLocaleString("en")} messages per Chromium CPU-second) and ${cpu.self.toFixed(1)} CPU-s in this process (relay, node, the bench's polling)`,
    );
    if (process.env.RELAY_FILL_RELOAD) {
      // a reload with the whole history in IndexedDB: the latest message shown again, the heap while it loads
      // (sampled without a GC every 50 ms: garbage counts, an upper bound) and after a GC once shown
      const t = performance.now();
      let peak = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          try {
            peak = Math.max(peak, (await cdp.send("Runtime.getHeapUsage")).usedSize / 1024 / 1024);
          } catch {
            /* between documents */
          }
          await Bun.sleep(50);
        }
      })();
      await page.reload();
      await page.waitForFunction(
        (x) => [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === x),
        latest,
        { timeout: 120_000, polling: 20 },
      );
      const shownMs = performance.now() - t;
      sampling = false;
      await sampler;
      console.log(
        `reload: latest message shown ${shownMs.toFixed(0)} ms after the reload; JS heap while loading at most ` +
          `${peak.toFixed(1)} MiB (garbage included), ${(await heap()).toFixed(1)} MiB after GC once shown; load ${loadAvg1().toFixed(2)}`,
      );
    }
    if (errors.length) console.log(`page errors: ${errors.join("; ")}`);
    await bctx.close();
  } finally {
    await browser.close();
  }
}

/** RELAY_FILL_PROFILE=1: a CPU profile of the page for 8 s of the fill, the top functions by self time. */
async function profile(cdp: import("playwright-core").CDPSession) {
  await cdp.send("Profiler.enable");
  await Bun.sleep(Number(process.env.RELAY_FILL_PROFILE_WAIT ?? 0));
  await cdp.send("Profiler.start");
  await Bun.sleep(8000);
  const { profile: p } = (await cdp.send("Profiler.stop")) as unknown as {
    profile: {
      nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
      samples: number[];
      timeDeltas: number[];
    };
  };
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byName = new Map<string, number>();
  for (const n of p.nodes) {
    const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
    byName.set(k, (byName.get(k) ?? 0) + (self.get(n.id) ?? 0));
  }
  for (const [k, us] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`  ${(us / 1000).toFixed(0)} ms ${k}`);
}
