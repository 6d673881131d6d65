// Search in the web client: two nodes (anna, ben) and a relay-only browser (rita) share a circle;
// ben wrote a message long ago (70 messages back, beyond the first page of the log). On anna's
// local page (Ctrl+F) and on rita's relay-only page (/search words) the search panel finds it
// with the words marked; a click opens #general with history loaded back to it, scrolled into
// view and marked. Desktop and 390x844 for each page.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, newPage, say, startServe, type ServeNode } from "./browser.ts";
import { startRelay, waitFor, type TestRelay } from "./relay-helpers.ts";

setDefaultTimeout(60_000);
let browser: Browser;
let relay: TestRelay;
let anna: ServeNode;
let ben: ServeNode;
let lp: Page;
let rp: Page;
let needleId = "";

beforeAll(async () => {
  relay = startRelay({ web: true });
  [browser, anna, ben] = await Promise.all([
    launchBrowser(),
    startServe("anna", ["--relay", relay.base]),
    startServe("ben", ["--relay", relay.base]),
  ]);
  const made = await api(anna, "POST", "/circles", { name: "finders" });
  const circleId = made.circleId as string;
  expect((await api(ben, "POST", "/circles/join", { code: made.code })).ok).toBe(true);
  const viaRelay = await api(anna, "GET", `/circles/${circleId}/invite?viaRelay=1`);
  ({ page: rp } = await newPage(browser, { width: 390, height: 844 }));
  await rp.goto(relay.base + "/");
  await rp.fill('input[name="displayName"]', "rita");
  await rp.click('text="Join with a code"');
  await rp.fill('textarea[name="code"]', viaRelay.code);
  await rp.click('[data-testid="setup-form"] button[type="submit"]');
  await rp.waitForFunction(() => document.querySelector('[data-testid="sidebar"]')?.textContent?.includes("finders"));

  const post = (text: string) => api(ben, "POST", `/circles/${circleId}/messages`, { channel: "general", text });
  needleId = (await post("the Zebra crossing on Main St is closed")).message.msgId;
  for (let i = 0; i < 70; i++) await post(`filler ${i}`);
  const count = async (n: ServeNode) =>
    (await api(n, "GET", `/circles/${circleId}/messages?channel=general&limit=200`)).messages.length;
  await waitFor("anna holds ben's messages", async () => ((await count(anna)) >= 71 ? true : null), 30_000);
  ({ page: lp } = await newPage(browser));
  await lp.goto(anna.url);
  await lp.waitForSelector('[data-testid="channel-title"]');
  for (const p of [lp, rp])
    await p.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === "filler 69"),
    );
}, 60_000);

afterAll(async () => {
  await browser?.close();
  anna?.stop();
  ben?.stop();
  relay?.stop();
  removeTempDirs();
});

const needle = () => `.log [data-msg-id="${needleId}"]`;

/** Search in the open panel, check the hit, click it: the message is in view in #general and marked. */
async function findAndJump(p: Page, words: string, open: "ctrl-f" | "command", marks = ["Zebra", "crossing"]) {
  expect(await p.$(needle())).toBeNull(); // not loaded: 70 newer messages
  if (open === "ctrl-f") {
    await p.click('[data-testid="log"]');
    await p.keyboard.press("Control+f");
    await p.waitForSelector('[data-testid="search-modal"] input[name="q"]');
    await p.fill('[data-testid="search-modal"] input[name="q"]', words);
    await p.press('[data-testid="search-modal"] input[name="q"]', "Enter");
  } else await say(p, `/search ${words}`);
  await p.waitForSelector('[data-testid="search-hit"]');
  const hits = await p.$$eval('[data-testid="search-hit"]', (els) =>
    els.map((e) => ({
      text: e.querySelector(".search-text")?.textContent,
      marks: [...e.querySelectorAll("mark")].map((m) => m.textContent),
    })),
  );
  expect(hits).toEqual([{ text: "the Zebra crossing on Main St is closed", marks }]);
  expect(await p.textContent('[data-testid="search-hit"] .search-meta')).toContain("#general ben");
  const modal = await p.$eval('[data-testid="search-modal"]', (e) => e.getBoundingClientRect());
  expect(modal.right).toBeLessThanOrEqual((p.viewportSize()?.width ?? 0) + 0.5);
  await p.click('[data-testid="search-hit"]');
  await p.waitForSelector('[data-testid="search-modal"]', { state: "detached" });
  await p.waitForSelector(`${needle()}.found`);
  await waitFor("the found message scrolled into view", () =>
    p.$eval(needle(), (e) => {
      const r = e.getBoundingClientRect();
      const log = document.querySelector(".log")!.getBoundingClientRect();
      return r.top >= log.top && r.bottom <= log.bottom;
    }),
  );
  await Bun.sleep(700); // and it stays there (no late pull to the bottom)
  expect(await p.$eval(needle(), (e) => e.getBoundingClientRect().bottom > 0)).toBe(true);
  expect(await p.textContent('[data-testid="channel-title"]')).toContain("general");
}

/** Back to a fresh log: reload the page (only the newest page loaded again). */
async function reload(p: Page) {
  await p.reload();
  await p.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === "filler 69"),
  );
}

describe("search", () => {
  test("a node's local page (desktop, Ctrl+F) finds ben's old message and jumps to it", async () => {
    await findAndJump(lp, "zebra cross", "ctrl-f");
  });

  test("the relay-only page (390x844, /search) finds it in its own history and jumps to it", async () => {
    await reload(rp); // it saw every message arrive live: start from the newest page, as after a visit
    await findAndJump(rp, "zebra cross", "command");
  });

  test("the other way round: local at 390x844 (/search), relay-only at desktop (Ctrl+F); nothing found says so", async () => {
    await lp.setViewportSize({ width: 390, height: 844 });
    await rp.setViewportSize({ width: 1200, height: 760 });
    await reload(lp);
    await reload(rp);
    await findAndJump(lp, '"zebra crossing"', "command", ["Zebra crossing"]);
    await findAndJump(rp, "ZEBRA", "ctrl-f", ["Zebra"]);
    await say(rp, "/search okapi");
    await rp.waitForSelector('[data-testid="search-count"]');
    expect(await rp.textContent('[data-testid="search-count"]')).toBe("nothing found");
  });
});
