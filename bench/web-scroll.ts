// Benchmark of issue 17's virtual message list: a node whose #general holds WEB_SCROLL_N messages
// (default 100,000; built through the node's own store, tests/web/long-history.ts), its local web
// page in Debian Chromium (tests/web/browser.ts), at desktop size (1200x760) and on a phone
// (390x844). The page scrolls the log back to the top again and again until the channel's first
// message shows; each older page is timed from the scroll to the frame after it is in place (the
// view kept on the row it showed). Printed: DOM nodes in the document (max, all nodes and
// elements), JS heap after a GC (max over samples every 100 pages, and at the end), per-page p50 /
// p95 / max, long tasks (> 50 ms) in the page, and the page's main-thread task time per page
// (Chromium's TaskDuration: CPU-bound work, less swayed by other load than wall times). Then the same
// back down (newer pages re-fetched). Targets: DOM < 2,000 nodes, heap < 50 MiB, page < 30 ms.
// Beside it, a user-like scroll: from the bottom, wheel-sized steps (100 px a frame, a fast wheel)
// up through WEB_SCROLL_WHEEL pages' worth of frames: frames over 30 ms, and frames stuck at the
// top (the view at 0 with older messages still to come: the user waits for a page).
// Run: `npx bun bench/web-scroll.ts` (WEB_SCROLL_N=10000 for a quick run; WEB_SCROLL_SIZES=desktop).
import type { Page } from "playwright-core";
import { removeTempDirs } from "../tests/cli/helpers.ts";
import { launchBrowser, newPage } from "../tests/web/browser.ts";
import { startWithHistory } from "../tests/web/long-history.ts";
import { loadavg } from "node:os";
import { machine } from "./lib/proc-stat.ts";
import { percentile, verdict } from "./lib/stats.ts";

const N = Number(process.env.WEB_SCROLL_N ?? 100_000);
const SIZES = { desktop: { width: 1200, height: 760 }, phone: { width: 390, height: 844 } } as const;
const which = (process.env.WEB_SCROLL_SIZES ?? "desktop,phone").split(",") as (keyof typeof SIZES)[];
const WHEEL_FRAMES = Number(process.env.WEB_SCROLL_WHEEL_FRAMES ?? 1200);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/** In the page: scroll the log up by `px` a frame for up to `frames` frames (or to the channel's start). */
const wheel = (p: Page, px: number, frames: number) =>
  p.evaluate(
    async ([px, frames]) => {
      const log = document.querySelector<HTMLElement>('[data-testid="log"]')!;
      const gaps: number[] = [];
      let stuck = 0;
      let moved = 0;
      let last = await new Promise<number>(requestAnimationFrame);
      for (let i = 0; i < frames && !(document.querySelector(".log-start") && log.scrollTop === 0); i++) {
        const before = log.scrollTop;
        log.scrollTop = before - px;
        const now = await new Promise<number>(requestAnimationFrame);
        gaps.push(now - last);
        last = now;
        if (log.scrollTop === 0 && !document.querySelector(".log-start")) stuck++;
        moved += px;
      }
      return { gaps, stuck, moved };
    },
    [px, frames] as const,
  );

/** In the page: scroll the log to one end and wait for the page there to be in place; its time, or -1 at the end. */
const step = (p: Page, dir: "up" | "down") =>
  p.evaluate(async (d) => {
    const log = document.querySelector<HTMLElement>('[data-testid="log"]')!;
    const gap = () => (d === "up" ? log.scrollTop : log.scrollHeight - log.scrollTop - log.clientHeight);
    const end = () =>
      d === "up"
        ? !!document.querySelector(".log-start")
        : document.querySelector('[data-testid="jump"]')?.textContent === "";
    if (end()) return -1;
    const t0 = performance.now();
    log.scrollTop = d === "up" ? 0 : log.scrollHeight;
    for (;;) {
      await new Promise(requestAnimationFrame);
      if (gap() >= 120 || end()) return performance.now() - t0;
      if (performance.now() - t0 > 10_000) throw new Error("no page came in 10 s");
    }
  }, dir);

const domCount = (p: Page) =>
  p.evaluate(() => {
    let nodes = 0;
    const w = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
    while (w.nextNode()) nodes++;
    return { nodes, elements: document.getElementsByTagName("*").length };
  });

async function run(size: keyof typeof SIZES, url: string, browser: Awaited<ReturnType<typeof launchBrowser>>) {
  const { page, ctx, errors } = await newPage(browser, SIZES[size]);
  page.setDefaultTimeout(30_000);
  const cdp = await ctx.newCDPSession(page);
  const heap = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    return (await cdp.send("Runtime.getHeapUsage")).usedSize / 1024 / 1024;
  };
  await page.goto(url);
  await page.waitForSelector('[data-testid="message"]');
  await page.evaluate(() => {
    const w = window as unknown as { __long: number };
    w.__long = 0;
    new PerformanceObserver((l) => (w.__long += l.getEntries().length)).observe({ type: "longtask", buffered: false });
  });
  await cdp.send("Performance.enable");
  const taskMs = async () => {
    const { metrics } = await cdp.send("Performance.getMetrics");
    return (metrics.find((x) => x.name === "TaskDuration")?.value ?? 0) * 1000;
  };
  const out: Record<string, string> = {};
  for (const dir of ["up", "down"] as const) {
    const tasks: number[] = []; // the page's main-thread task time over each step (the bench's samples left out)
    const times: number[] = [];
    let maxNodes = 0;
    let maxEls = 0;
    let maxHeap = 0;
    const t0 = performance.now();
    for (let i = 0; ; i++) {
      const task0 = await taskMs();
      const t = await step(page, dir);
      if (t < 0) break;
      tasks.push((await taskMs()) - task0);
      times.push(t);
      if (i % 20 === 0) {
        const c = await domCount(page);
        maxNodes = Math.max(maxNodes, c.nodes);
        maxEls = Math.max(maxEls, c.elements);
      }
      if (i % 100 === 0) maxHeap = Math.max(maxHeap, await heap());
    }
    const end = await domCount(page);
    const endHeap = await heap();
    const long = await page.evaluate(() => (window as unknown as { __long: number }).__long);
    await page.evaluate(() => ((window as unknown as { __long: number }).__long = 0));
    const first = await page.$eval(".log [data-msg-id]", (e) => e.textContent ?? "");
    const wall = (performance.now() - t0) / 1000;
    maxHeap = Math.max(maxHeap, endHeap);
    const okPages = percentile(times, 95) < 30;
    out[dir] =
      `${size} ${dir === "up" ? "back" : "down"}: ${times.length} pages in ${wall.toFixed(0)} s; ` +
      `DOM max ${Math.max(maxNodes, end.nodes)} nodes (${Math.max(maxEls, end.elements)} elements) ${verdict(Math.max(maxNodes, end.nodes) < 2000)}; ` +
      `JS heap max ${maxHeap.toFixed(1)} MiB, end ${endHeap.toFixed(1)} MiB ${verdict(maxHeap < 50)}; ` +
      `page p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms, max ${percentile(times, 100).toFixed(0)} ms ${verdict(okPages)}; ` +
      `long tasks ${long}; main-thread tasks a page p50 ${percentile(tasks, 50).toFixed(1)} ms, mean ${(tasks.reduce((a, b) => a + b, 0) / Math.max(1, tasks.length)).toFixed(1)} ms; load ${load()}` +
      (dir === "up" ? `; top row: ${first.slice(0, 40).replace(/\s+/g, " ")}` : "");
    console.log(out[dir]);
  }
  // back at the latest: wheel-sized steps up
  const w = await wheel(page, 100, WHEEL_FRAMES);
  const over = w.gaps.filter((g) => g > 30).length;
  console.log(
    `${size} wheel up (100 px a frame): ${w.gaps.length} frames, ${(w.moved / 1000).toFixed(0)}k px; frame p50 ${percentile(w.gaps, 50).toFixed(1)} ms, ` +
      `p95 ${percentile(w.gaps, 95).toFixed(1)} ms, max ${percentile(w.gaps, 100).toFixed(0)} ms; frames over 30 ms: ${over} ` +
      `(${((100 * over) / Math.max(1, w.gaps.length)).toFixed(1)} %); frames stuck at the top: ${w.stuck}; load ${load()}`,
  );
  if (errors.length) console.log(`page errors: ${errors.join("; ")}`);
  await ctx.close();
}

const h = await startWithHistory(N);
const m = machine();
console.log(
  `setup: ${N.toLocaleString("en")} messages in #general of a node (filled through NodeStore.insertMessage in ${h.fillS.toFixed(1)} s), ` +
    `its local web page in Chromium; machine: ${m.nproc} CPU(s) ${m.cpu}, ${m.memGiB.toFixed(1)} GiB, bun ${m.bun}; load average ${load()}`,
);
const browser = await launchBrowser();
try {
  for (const s of which) await run(s, h.node.url, browser);
} finally {
  await browser.close();
  h.node.stop();
  removeTempDirs();
}
