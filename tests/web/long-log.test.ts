// Issue 17's virtual message list in the web client: a node (vera) whose #general holds 3,000
// messages (tests/web/long-history.ts) and a second member (bob) who writes while vera's page is
// scrolled up. On vera's local page, desktop and 390x844: scrolling back through all of it keeps
// the DOM under 2,000 nodes and reaches the first message, then "latest" comes back down; a search
// result far back (2,880 messages) is jumped to, shown and marked; PageUp scrolls the log; a new
// message while scrolled up (inside the loaded window, and past it) does not move the view; a page
// fetched ahead is in place in the frame that reached the top, with little rendered beyond the view.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, newPage, startServe, type ServeNode } from "./browser.ts";
import { lineId, startWithHistory } from "./long-history.ts";
import { waitFor } from "./relay-helpers.ts";

setDefaultTimeout(90_000);
const N = 3_000;
let browser: Browser;
let vera: ServeNode;
let bob: ServeNode;
let circleId = "";
const errors: string[] = [];

beforeAll(async () => {
  [browser, bob] = await Promise.all([launchBrowser(), startServe("bob")]);
  const h = await startWithHistory(N, async (_v, _c, code) => {
    expect((await api(bob, "POST", "/circles/join", { code })).ok).toBe(true);
  });
  vera = h.node;
  circleId = h.circleId;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  vera?.stop();
  bob?.stop();
  removeTempDirs();
});

async function open(size: { width: number; height: number }): Promise<Page> {
  const { page, errors: e } = await newPage(browser, size);
  page.on("pageerror", (x) => errors.push(x.message));
  void e;
  await page.goto(vera.url);
  await page.waitForSelector(`[data-msg-id="${lineId(N - 1)}"]`);
  return page;
}

const domNodes = (p: Page) =>
  p.evaluate(() => {
    let n = 0;
    const w = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
    while (w.nextNode()) n++;
    return n;
  });
const logState = (p: Page) =>
  p.$eval('[data-testid="log"]', (el) => ({
    top: el.scrollTop,
    gap: el.scrollHeight - el.scrollTop - el.clientHeight,
    start: !!el.querySelector(".log-start"),
  }));
/** Scroll the log to its top and wait for the older page to be in place (or the channel's start). */
async function olderPage(p: Page) {
  await p.$eval('[data-testid="log"]', (el) => (el.scrollTop = 0));
  await waitFor("an older page", async () => {
    const s = await logState(p);
    return s.top >= 120 || s.start ? true : null;
  });
}
/** The top of a message against the log's top (it is rendered). */
const topOf = (p: Page, id: string) =>
  p.$eval(
    `.log [data-msg-id="${id}"]`,
    (e) => e.getBoundingClientRect().top - document.querySelector(".log")!.getBoundingClientRect().top,
  );
/** Wait until the view holds still (rows just rendered are measured over the next frames). */
async function settled(p: Page) {
  let last = "";
  await waitFor("the view settled", async () => {
    const now = await p.$eval('[data-testid="log"]', (el) =>
      JSON.stringify([el.scrollTop, el.scrollHeight, el.querySelector(".vlist > div")?.getBoundingClientRect().top]),
    );
    const same = now === last;
    last = now;
    await Bun.sleep(150);
    return same ? true : null;
  });
}
/** The first message whose top is in the view. */
const firstInView = (p: Page) =>
  p.$$eval(".log [data-msg-id]", (els) => {
    const log = document.querySelector(".log")!.getBoundingClientRect();
    return els.find((e) => e.getBoundingClientRect().top >= log.top)?.getAttribute("data-msg-id") ?? "";
  });

describe("a long history in the web log", () => {
  for (const [name, size] of [
    ["desktop", { width: 1200, height: 760 }],
    ["390x844", { width: 390, height: 844 }],
  ] as const)
    test(`${name}: scrolling back through ${N} messages keeps the DOM under 2,000 nodes and reaches the first; latest comes back`, async () => {
      const p = await open(size);
      let most = await domNodes(p);
      let pages = 0;
      while (!(await logState(p)).start) {
        await olderPage(p);
        pages++;
        if (pages % 5 === 0) most = Math.max(most, await domNodes(p));
        expect(pages).toBeLessThan(N / 50 + 5);
      }
      most = Math.max(most, await domNodes(p));
      expect(pages).toBeGreaterThanOrEqual(N / 50 - 1);
      expect(most).toBeLessThan(2_000);
      // the store holds a window, not the whole history (its newest pages were dropped)
      expect(await p.$$eval(".log [data-msg-id]", (els) => els.length)).toBeLessThan(200);
      await p.$eval('[data-testid="log"]', (el) => (el.scrollTop = 0));
      expect(await p.textContent(`.log [data-msg-id="${lineId(0)}"] .msg-text`)).toStartWith("line 0 k0z");
      // back to the newest: the jump button loads the latest page and goes to the bottom
      expect(await p.textContent('[data-testid="jump"]')).toBe("↓ latest");
      await p.click('[data-testid="jump"]');
      await p.waitForSelector(`[data-msg-id="${lineId(N - 1)}"]`);
      await waitFor("at the bottom", async () => ((await logState(p)).gap < 2 ? true : null));
      await p.waitForSelector('[data-testid="jump"]', { state: "hidden" });
      await p.context().close();
    });

  test("desktop: a page fetched ahead is in place in the frame that reached the top, little beyond the view rendered; the overscan follows", async () => {
    const p = await open({ width: 1200, height: 760 });
    await olderPage(p);
    await settled(p); // (and the next pages fetched ahead meanwhile)
    const r = await p.$eval('[data-testid="log"]', async (log) => {
      /** rows rendered more than 150 px above or below the view */
      const beyond = () => {
        const v = log.getBoundingClientRect();
        return [...log.querySelectorAll(".vrow")].filter((e) => {
          const b = e.getBoundingClientRect();
          return b.bottom < v.top - 150 || b.top > v.bottom + 150;
        }).length;
      };
      log.scrollTop = 0;
      await new Promise(requestAnimationFrame); // the frame of the scroll event
      const first = { top: log.scrollTop, beyond: beyond() };
      await new Promise((ok) => setTimeout(ok, 500));
      return { first, later: beyond() };
    });
    expect(r.first.top).toBeGreaterThanOrEqual(120); // the older page is above the view already
    expect(r.first.beyond).toBe(0);
    expect(r.later).toBeGreaterThan(10); // the overscan (a view height each way) came after that frame
    await p.context().close();
  });

  test("a search result 2,880 messages back: history loads to it, it is shown in the middle and marked", async () => {
    const p = await open({ width: 1200, height: 760 });
    const id = lineId(120);
    expect(await p.$(`.log [data-msg-id="${id}"]`)).toBeNull();
    await p.click('[data-testid="log"]');
    await p.keyboard.press("Control+f");
    await p.fill('[data-testid="search-modal"] input[name="q"]', "k120z");
    await p.press('[data-testid="search-modal"] input[name="q"]', "Enter");
    await p.waitForSelector('[data-testid="search-hit"]');
    await p.click('[data-testid="search-hit"]');
    await p.waitForSelector(`.log [data-msg-id="${id}"].found`, { timeout: 60_000 });
    await waitFor("the found message in view", async () => {
      const t = await topOf(p, id);
      return t >= 0 && t < 700 ? true : null;
    });
    await Bun.sleep(700); // and it stays there
    const t = await topOf(p, id);
    expect(t >= 0 && t < 700).toBe(true);
    expect(await domNodes(p)).toBeLessThan(2_000);
    await p.context().close();
  });

  test("PageUp scrolls the log from the composer; bob's new message while vera is scrolled up does not move her view", async () => {
    const p = await open({ width: 1200, height: 760 });
    await p.focus(".inputbar textarea"); // typing, she pages back without leaving the composer
    // measured once the log has settled at its bottom (its rows' heights measured)
    await waitFor("at the bottom", async () => ((await logState(p)).gap < 2 ? true : null));
    await Bun.sleep(200);
    const bottom = (await logState(p)).top;
    await p.keyboard.press("PageUp");
    await p.keyboard.press("PageUp");
    await waitFor("PageUp scrolled", async () => ((await logState(p)).top < bottom - 600 ? true : null));
    const up = (await logState(p)).top;
    await p.keyboard.press("PageDown");
    await waitFor("PageDown scrolled", async () => ((await logState(p)).top > up + 300 ? true : null));
    await p.keyboard.press("PageUp");
    await waitFor("PageUp again", async () => ((await logState(p)).top < up + 300 ? true : null));
    await settled(p);
    const anchor = await firstInView(p);
    const at = await topOf(p, anchor);
    const post = async (text: string) => {
      const sent = (await api(bob, "POST", `/circles/${circleId}/messages`, { channel: "general", text })).message;
      await waitFor(
        "vera has bob's message",
        async () => {
          const r = await api(vera, "GET", `/circles/${circleId}/messages?channel=general&limit=5`);
          return r.messages.some((m: { msgId: string }) => m.msgId === sent.msgId) ? true : null;
        },
        30_000,
      );
      await Bun.sleep(500);
      return sent.msgId as string;
    };
    const first = await post("bob here while you read");
    expect(Math.abs((await topOf(p, anchor)) - at)).toBeLessThan(2);
    expect(await p.textContent('[data-testid="jump"]')).toBe("↓ latest");

    // scrolled back past the loaded window (its newest pages dropped): the new message waits
    for (let i = 0; i < 12; i++) await olderPage(p);
    await settled(p);
    const anchor2 = await firstInView(p);
    const at2 = await topOf(p, anchor2);
    const second = await post("and once more");
    expect(Math.abs((await topOf(p, anchor2)) - at2)).toBeLessThan(2);
    await p.click('[data-testid="jump"]');
    await p.waitForSelector(`[data-msg-id="${second}"]`);
    await p.waitForSelector(`[data-msg-id="${first}"]`);
    await waitFor("at the bottom", async () => ((await logState(p)).gap < 2 ? true : null));
    expect(errors).toEqual([]);
    await p.context().close();
  });
});
