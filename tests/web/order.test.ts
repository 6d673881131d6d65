// Message order end to end (issue 14, item 1): six messages sent 150 ms apart through a node's
// local API show in the order sent in its API, in `felund inbox --json`, in its own web UI, on a
// second node that receives them over TCP, and in two relay-only browsers that receive them
// through the relay (each page at desktop size and at 390x844). Then a backlog that reaches the browsers well after newer messages is placed
// by its time and marked "arrived later" (the browsers' clocks are moved ahead instead of waiting).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { felund, removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, messageTexts, newPage, startServe, type ServeNode } from "./browser.ts";
import { startRelay, waitFor, type TestRelay } from "./relay-helpers.ts";

const SIX = ["one", "two", "three", "four", "five", "six"];
let browser: Browser;
let relay: TestRelay;
let ann: ServeNode;
let bob: ServeNode;
let circleId = "";
const pages: { name: string; page: Page; errors: string[] }[] = [];

/** Date.now() of the page plus window.__skewMs: the test moves a browser's clock ahead. */
const SKEWABLE_CLOCK = `(() => { const real = Date.now; window.__skewMs = 0; Date.now = () => real() + window.__skewMs; })()`;

beforeAll(async () => {
  relay = startRelay({ web: true });
  [ann, bob, browser] = await Promise.all([
    startServe("ann", ["--relay", relay.base]),
    startServe("bob"),
    launchBrowser(),
  ]);
  const made = await api(ann, "POST", "/circles", { name: "ordered" });
  if (!made.ok) throw new Error(JSON.stringify(made));
  circleId = made.circleId;
  for (const [name, size] of [
    ["desk", { width: 1200, height: 760 }],
    ["phone", { width: 390, height: 844 }],
  ] as const) {
    const p = await newPage(browser, size);
    await p.page.addInitScript(SKEWABLE_CLOCK);
    pages.push({ name, ...p });
  }
}, 40_000);

afterAll(async () => {
  await browser?.close();
  ann?.stop();
  bob?.stop();
  relay?.stop();
  removeTempDirs();
});

const chatTexts = async (n: ServeNode) =>
  ((await api(n, "GET", `/circles/${circleId}/messages?channel=general&limit=50`)).messages ?? []).map(
    (m: { text: string }) => m.text,
  ) as string[];

describe("order", () => {
  test("two nodes and two relay-only browsers join the circle", async () => {
    const code = (await api(ann, "GET", `/circles/${circleId}/invite`)).code as string;
    expect((await api(bob, "POST", "/circles/join", { code })).ok).toBe(true);
    for (const { name, page } of pages) {
      const own = (await api(ann, "GET", `/circles/${circleId}/invite`)).code as string;
      await page.goto(relay.base + "/");
      await page.fill('input[name="displayName"]', name);
      await page.click('text="Join with a code"');
      await page.fill('textarea[name="code"]', own);
      await page.click('[data-testid="setup-form"] button[type="submit"]');
      await page.waitForFunction(
        () => document.querySelector('[data-testid="channel-title"]')?.textContent?.includes("general"),
        undefined,
        { timeout: 15_000 },
      );
    }
  }, 40_000);

  test("six messages sent 150 ms apart: the same order in the API, felund inbox --json, the other node and both browsers", async () => {
    for (const text of SIX) {
      const r = await api(ann, "POST", `/circles/${circleId}/messages`, { channel: "general", text });
      expect(r.ok).toBe(true);
      await Bun.sleep(150);
    }
    const only = (xs: string[]) => xs.filter((x) => SIX.includes(x));
    expect(only(await chatTexts(ann))).toEqual(SIX);
    const inbox = await felund(ann.dir, "inbox", "--circle-id", circleId, "--json");
    expect(inbox.code).toBe(0);
    const rows = JSON.parse(inbox.stdout) as { text: string; sortMs: number; authorSeq?: number; late: boolean }[];
    expect(only(rows.map((m) => m.text))).toEqual(SIX);
    const six = rows.filter((m) => SIX.includes(m.text));
    for (let i = 1; i < 6; i++) expect(six[i]!.sortMs).toBeGreaterThanOrEqual(six[i - 1]!.sortMs + 100);
    expect(six.every((m, i) => i === 0 || m.authorSeq === six[i - 1]!.authorSeq! + 1)).toBe(true);
    // the second node received them over TCP
    await waitFor("bob has all six", async () => only(await chatTexts(bob)).length === 6, 15_000);
    expect(only(await chatTexts(bob))).toEqual(SIX);
    // the node's own web UI (local mode), desktop and phone
    for (const size of [
      { width: 1200, height: 760 },
      { width: 390, height: 844 },
    ]) {
      const local = await newPage(browser, size);
      await local.page.goto(ann.url);
      await waitFor("local page shows all six", async () => only(await messageTexts(local.page)).length === 6, 10_000);
      expect(only(await messageTexts(local.page))).toEqual(SIX);
      expect(local.errors).toEqual([]);
      await local.ctx.close();
    }
    // the browsers received them through the relay
    for (const { name, page } of pages) {
      await waitFor(`${name} shows all six`, async () => only(await messageTexts(page)).length === 6, 15_000);
      expect(only(await messageTexts(page))).toEqual(SIX);
    }
  }, 45_000);

  test("a backlog that arrives well after newer messages is placed by its time and marked 'arrived later'", async () => {
    const [desk, phone] = [pages[0]!.page, pages[1]!.page];
    // both browsers' clocks move 200 s ahead: what the node writes now reaches them "200 s late"
    for (const p of [desk, phone])
      await p.evaluate(() => ((window as unknown as { __skewMs: number }).__skewMs = 200_000));
    await desk.fill('[data-testid="input"]', "newer, from the desk");
    await desk.press('[data-testid="input"]', "Enter");
    for (const p of [desk, phone])
      await waitFor("the newer message", async () => (await messageTexts(p)).includes("newer, from the desk"), 10_000);
    await api(ann, "POST", `/circles/${circleId}/messages`, { channel: "general", text: "backlog from ann" });
    for (const { name, page } of pages) {
      await waitFor(
        `${name} has the backlog`,
        async () => (await messageTexts(page)).includes("backlog from ann"),
        15_000,
      );
      const texts = await messageTexts(page);
      // placed by its time: before the newer message, after the six
      expect(texts.indexOf("backlog from ann")).toBeLessThan(texts.indexOf("newer, from the desk"));
      expect(texts.indexOf("backlog from ann")).toBeGreaterThan(texts.indexOf("six"));
      const marks = await page.$$eval('[data-testid="message"]', (els) =>
        els
          .filter((e) => e.querySelector('[data-testid="late"]'))
          .map((e) => [
            e.querySelector(".msg-text")?.textContent,
            e.querySelector('[data-testid="late"]')?.getAttribute("title"),
          ]),
      );
      expect(marks.map((m) => m[0])).toEqual(["backlog from ann"]);
      expect(marks[0]![1]).toMatch(/^arrived /);
      expect(await page.isVisible('[data-testid="late"]')).toBe(true);
    }
    // the node that wrote it does not mark it: it was not late there
    const own = await api(ann, "GET", `/circles/${circleId}/messages?channel=general&limit=50`);
    expect(own.messages.find((m: { text: string }) => m.text === "backlog from ann").late).toBe(false);
    for (const p of pages) expect(p.errors).toEqual([]);
  }, 40_000);
});
