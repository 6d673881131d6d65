// "… is typing" in the web client, in a real browser (docs/PROTOCOL.md §22), both modes:
// local: bob types in his page (not sent yet) and alice's page shows "bob is typing…" under the
// message log within a second; bob's message clears it. Relay-only: a node (felund serve
// --relay) types and the relay-only page shows it; the page types and the node hears it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, newPage, startServe } from "./browser.ts";
import { startRelay, type TestRelay, waitFor } from "./relay-helpers.ts";

let browser: Browser;
const stops: (() => void)[] = [];
const errors: string[] = [];
beforeAll(async () => {
  browser = await launchBrowser();
}, 30_000);
afterAll(async () => {
  await browser?.close();
  for (const s of stops) s();
  removeTempDirs();
  expect(errors).toEqual([]);
});

async function page(url: string): Promise<Page> {
  const p = (await newPage(browser)).page;
  p.on("pageerror", (e) => errors.push(e.message));
  await p.goto(url);
  return p;
}
const line = (p: Page) => p.evaluate(() => document.querySelector('[data-testid="typing"]')?.textContent ?? "");

test("local mode: bob's typing shows in alice's page under the log within a second; his message clears it", async () => {
  const [A, B] = await Promise.all([startServe("alice"), startServe("bob")]);
  stops.push(A.stop, B.stop);
  const { circleId } = await api(A, "POST", "/circles", { name: "friends" });
  const { code } = await api<{ code: string }>(A, "GET", `/circles/${circleId}/invite`);
  expect((await api(B, "POST", "/circles/join", { code })).ok).toBe(true);
  await waitFor(
    "a live session",
    async () => (await api(A, "GET", `/circles/${circleId}/members`)).members?.some((m: any) => m.online && !m.you),
    10_000,
  );
  const pa = await page(A.url);
  const pb = await page(B.url);
  for (const p of [pa, pb]) await p.waitForSelector('[data-testid="channel-title"]');
  expect(await line(pa)).toBe("");

  const t0 = Date.now();
  await pb.type('[data-testid="input"]', "hel");
  await waitFor("alice sees bob typing", async () => (await line(pa)) === "bob is typing…", 1000);
  expect(Date.now() - t0).toBeLessThan(1000);
  // the line sits between the log and the input bar
  const order = await pa.evaluate(() => {
    const t = document.querySelector('[data-testid="typing"]')!;
    const input = document.querySelector('[data-testid="input"]')!;
    return !!(t.compareDocumentPosition(input) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  expect(order).toBe(true);
  await pb.type('[data-testid="input"]', "lo alice");
  await pb.press('[data-testid="input"]', "Enter");
  await waitFor("cleared by bob's message", async () => (await line(pa)) === "", 3000);
  // nothing of it was stored: the circle holds the one chat message
  const ms = (await api(A, "GET", `/circles/${circleId}/messages?channel=general&limit=50`)).messages as {
    text: string;
    event?: unknown;
  }[];
  expect(ms.filter((m) => !m.event).map((m) => m.text)).toEqual(["hello alice"]);
}, 60_000);

test("relay-only page: a node's typing shows in the page, and the page's typing reaches the node", async () => {
  const relay: TestRelay = startRelay({ web: true });
  stops.push(() => relay.stop());
  const node = await startServe("nora", ["--relay", relay.base]);
  stops.push(node.stop);
  const made = await api(node, "POST", "/circles", { name: "mixed" });
  const p = await page(`${relay.base}/`);
  await p.fill('input[name="displayName"]', "bea");
  await p.click('[data-testid="setup"] button:has-text("Join with a code")');
  await p.fill('textarea[name="code"]', made.code);
  await p.click('[data-testid="setup-form"] button[type="submit"]');
  await p.waitForSelector('[data-testid="channel-title"]', { timeout: 15_000 });
  await p.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === "relay live");
  await Bun.sleep(500); // the node's relay socket
  let shown = "";
  await waitFor(
    "the page shows nora typing",
    async () => {
      await api(node, "POST", `/circles/${made.circleId}/typing`, { channel: "general" });
      return (shown = await line(p)) === "nora is typing…";
    },
    10_000,
  );
  expect(shown).toBe("nora is typing…");
  await api(node, "POST", `/circles/${made.circleId}/messages`, { channel: "general", text: "hi bea" });
  await waitFor("cleared by nora's message", async () => (await line(p)) === "", 5000);

  const bea = await p.evaluate(() => document.querySelector('[data-testid="status"] span')?.getAttribute("title"));
  await waitFor(
    "the node hears bea typing",
    async () => {
      await p.type('[data-testid="input"]', "x");
      const who = (await api(node, "GET", `/circles/${made.circleId}/typing?channel=general`)).who as string[];
      return who.includes(bea!);
    },
    10_000,
  );
}, 60_000);
