// Browser-test harness: Debian Chromium through playwright-core (never a downloaded browser),
// real `felund serve` processes on loopback, and the web bundle built once up front.
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { ensureWebBuild } from "../../src/node/web-static.ts";
import { felund, startFelund, tempDir, type Running } from "../cli/helpers.ts";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser(): Promise<Browser> {
  ensureWebBuild((l) => console.error(l));
  // launch() gives every run a fresh temporary profile; each context is isolated on top
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS, headless: true, timeout: 20_000 });
}

export async function newPage(
  browser: Browser,
  opts: { width?: number; height?: number } = {},
): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1200, height: opts.height ?? 760 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(8_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // a path that signs or verifies before the Ed25519 code loaded (primitives-web.ts) says so here, and fails the test
  page.on(
    "console",
    (m) => void (m.type() === "error" && m.text().includes("Ed25519 code not loaded") && errors.push(m.text())),
  );
  return { ctx, page, errors };
}

export interface ServeNode {
  dir: string;
  base: string;
  url: string;
  token: string;
  run: Running;
  stop(): void;
}

/** `felund init --bind 127.0.0.1` then `felund serve` on free loopback ports. */
export async function startServe(name: string, extra: string[] = []): Promise<ServeNode> {
  const dir = tempDir();
  const init = await felund(dir, "init", "--bind", "127.0.0.1", "--name", name);
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  const run = await startFelund(
    dir,
    ["serve", "--http", "127.0.0.1:0", "--port", "0", "--interval", "1", ...extra],
    /open (http:\/\/127\.0\.0\.1:\d+)\/#token=([0-9a-f]{64})/,
    20_000,
  );
  const base = run.match[1]!;
  const token = run.match[2]!;
  return { dir, base, token, url: `${base}/#token=${token}`, run, stop: () => run.proc.kill() };
}

/** Call the node's local API as its own front ends do. */
export async function api<T = any>(n: ServeNode, method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${n.base}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${n.token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return (await r.json()) as T;
}

/** Type into the input bar and press Enter. */
export async function say(page: Page, text: string): Promise<void> {
  await page.fill('[data-testid="input"]', text);
  await page.press('[data-testid="input"]', "Enter");
}

export const messageTexts = (page: Page) =>
  page.$$eval('[data-testid="message"] .msg-text', (els) => els.map((e) => e.textContent ?? ""));
