// What the web client costs to download: the JavaScript a real Chromium fetches (each file
// gzip level 9, as a server would send it), relay-only mode (the browser is its own v2 peer)
// at its first load after setup and after sending a message, local mode (thin client of a
// node) at its first load; plus every JS file in ui/web/dist/assets, the most any page could
// load. Service workers are blocked, so their background precache is not counted.
// `npx bun bench/bundle.ts`; tests/web/bundle.test.ts holds the first loads to the budget.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { buildWeb } from "../ui/web/build.ts";
import { WEB_DIST } from "../ui/web/dist-info.ts";
import { removeTempDirs } from "../tests/cli/helpers.ts";
import { api, launchBrowser, say, startServe } from "../tests/web/browser.ts";
import { startRelay } from "../tests/web/relay-helpers.ts";

/**
 * The first-load budget: issue 4 and issue 16 ask for 45 KB of JavaScript gzip (46,080 B). The
 * relay-only first load carries no Ed25519 code: it loads with the first signature (ed-noble.ts).
 */
export const FIRST_LOAD_BUDGET = 45 * 1024;
/**
 * After the first message is sent, the relay-only page has also fetched what its first keystroke
 * loads: typing's sending half (~1.3 KB) and the Ed25519 code that signs (~4.2 KB); held to
 * 48.5 KB so it does not grow unnoticed.
 */
export const AFTER_SEND_BUDGET = 48.5 * 1024;

const ASSETS = join(WEB_DIST, "assets");
/** bytes of `gzip -9` of one asset (zlib at level 9 where there is no gzip binary) */
function gz(file: string): number {
  const path = join(ASSETS, file);
  const r = Bun.spawnSync(["gzip", "-9c", path], { stdout: "pipe", stderr: "ignore" });
  return r.exitCode === 0 ? r.stdout.length : gzipSync(readFileSync(path), { level: 9 }).length;
}

export interface Load {
  files: string[];
  bytes: number;
}
const load = (files: Iterable<string>): Load => {
  const list = [...new Set(files)].sort();
  return { files: list, bytes: list.reduce((n, f) => n + gz(f), 0) };
};

/** Record the scripts a page fetches from the app's /assets/ from now on. */
function watchScripts(page: Page): Set<string> {
  const seen = new Set<string>();
  page.on("request", (r) => {
    const m = new URL(r.url()).pathname.match(/^\/assets\/([^/]+\.js)$/);
    if (m) seen.add(m[1]!);
  });
  return seen;
}

async function newPage(browser: Browser): Promise<Page> {
  const ctx = await browser.newContext({ serviceWorkers: "block", viewport: { width: 1200, height: 760 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  return page;
}

export interface BundleFigures {
  relayFirstLoad: Load;
  relayAfterSend: Load;
  localFirstLoad: Load;
  allChunks: Load;
}

export async function measureBundle(): Promise<BundleFigures> {
  await buildWeb({ ifStale: true });
  const browser = await launchBrowser();
  const relay = startRelay({ web: true });
  const node = await startServe("bench");
  try {
    // relay-only: first-run setup (a v2-only circle), then a fresh load of the page as a returning user
    const rp = await newPage(browser);
    await rp.goto(relay.base + "/");
    await rp.fill('input[name="displayName"]', "bench");
    await rp.fill('input[name="circleName"]', "bench circle");
    await rp.click('[data-testid="setup-form"] button[type="submit"]');
    await rp.waitForSelector('[data-testid="channel-title"]');
    await rp.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === "relay live");
    // a returning user: the new circle's first pull has saved its cursor (else the reload is a first pull again)
    await Bun.sleep(1000);
    const relaySeen = watchScripts(rp);
    await rp.reload();
    await rp.waitForSelector('[data-testid="channel-title"]');
    await rp.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === "relay live");
    await Bun.sleep(300); // anything fetched just after start (admission poll, sync) counts too
    const relayFirstLoad = load(relaySeen);
    await say(rp, "hello from the bench");
    await rp.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="message"] .msg-text')].some(
        (e) => e.textContent === "hello from the bench",
      ),
    );
    await Bun.sleep(300);
    const relayAfterSend = load(relaySeen);

    // local: a node with a circle, its page opened with the token
    await api(node, "POST", "/circles", { name: "bench circle" });
    const lp = await newPage(browser);
    const localSeen = watchScripts(lp);
    await lp.goto(node.url);
    await lp.waitForSelector('[data-testid="channel-title"]');
    await Bun.sleep(300);
    const localFirstLoad = load(localSeen);

    const allChunks = load(readdirSync(ASSETS).filter((f) => f.endsWith(".js")));
    return { relayFirstLoad, relayAfterSend, localFirstLoad, allChunks };
  } finally {
    await browser.close();
    node.stop();
    relay.stop();
    removeTempDirs();
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

if (import.meta.main) {
  const f = await measureBundle();
  console.log("web client JavaScript, gzip -9 per file (ui/web/dist, Chromium, service worker blocked)");
  const row = (label: string, l: Load) =>
    console.log(
      `${label.padEnd(44)} ${String(l.bytes).padStart(7)} B  ${kb(l.bytes).padStart(8)}  (${l.files.length} files)`,
    );
  row("relay-only, first load after setup", f.relayFirstLoad);
  row("relay-only, after sending a message", f.relayAfterSend);
  row("local mode, first load", f.localFirstLoad);
  row("every chunk in dist/assets", f.allChunks);
  console.log(`budget: ${kb(FIRST_LOAD_BUDGET)} at first load, ${kb(AFTER_SEND_BUDGET)} after sending a message`);
  if (process.argv.includes("--files"))
    for (const [k, l] of Object.entries(f) as [string, Load][])
      console.log(`${k}: ${l.files.map((x) => `${x} ${gz(x)}`).join(", ")}`);
}
