// Issue 14, items 7-9 in the web client, at desktop size and on a 390x844 phone: mentions of a
// name with a space (badge, highlight), the menu button's unread and mention dots, the "new
// messages" line with its jump button, notices only in the channel where they were asked, help
// that fits a phone, the log pinned to the bottom when the viewport shrinks (soft keyboard),
// notices naming buttons on touch screens, and day dividers that roll over at midnight.
// One real node for the pages (alice), one more (bob) that writes to it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, say, startServe, type ServeNode } from "./browser.ts";
import { startRelay, type TestRelay } from "./relay-helpers.ts";

let browser: Browser;
let A: ServeNode;
let B: ServeNode;
let relay: TestRelay | null = null;
let circleId = "";
const errors: string[] = [];
const SIZES = { desktop: { width: 1200, height: 760 }, phone: { width: 390, height: 844 } } as const;
const pages: Record<keyof typeof SIZES, Page> = {} as never;

async function open(opts: BrowserContextOptions): Promise<Page> {
  const ctx = await browser.newContext(opts);
  const page = await ctx.newPage();
  page.setDefaultTimeout(8_000);
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(A.url);
  await page.waitForSelector('[data-testid="channel-title"]');
  return page;
}
const title = (p: Page) => p.textContent('[data-testid="channel-title"]');
async function switchTo(p: Page, ch: string) {
  await p.bringToFront(); // only the page in front renders frames (resize observers, timers)
  await say(p, `/channel switch ${ch}`);
  await p.waitForFunction((c) => document.querySelector('[data-testid="channel-title"]')?.textContent === `#${c}`, ch);
}
const notices = (p: Page) => p.$$eval('[data-testid="notice"]', (els) => els.map((e) => e.textContent ?? ""));
const distanceFromBottom = (p: Page) =>
  p.$eval('[data-testid="log"]', (el) => el.scrollHeight - el.scrollTop - el.clientHeight);

beforeAll(async () => {
  [browser, A, B] = await Promise.all([launchBrowser(), startServe("alice"), startServe("bob")]);
  await api(A, "POST", "/settings", { displayName: "Alice W." });
  await api(B, "POST", "/settings", { displayName: "Bob" });
  const c = await api(A, "POST", "/circles", { name: "friends" });
  circleId = c.circleId;
  await api(A, "POST", `/circles/${circleId}/channels`, { name: "side" });
  const j = await api(B, "POST", "/circles/join", { code: c.code });
  expect(j.ok).toBe(true);
  for (const [k, size] of Object.entries(SIZES)) pages[k as keyof typeof SIZES] = await open({ viewport: size });
}, 40_000);

afterAll(async () => {
  await browser?.close();
  A?.stop();
  B?.stop();
  relay?.stop();
  removeTempDirs();
});

describe("unread, mentions and the new-messages line", () => {
  test("mentions by a name with a space count, show on the menu button, and the line marks the first unread", async () => {
    for (const p of Object.values(pages)) await switchTo(p, "side");
    // bob writes 40 lines to #general, two of them mention "Alice W." (one in another case)
    const texts = Array.from({ length: 40 }, (_, i) =>
      i === 20 ? "@Alice W. look here" : i === 30 ? "hey @alice w., again" : `line ${i}`,
    );
    for (const text of texts) await api(B, "POST", `/circles/${circleId}/messages`, { channel: "general", text });
    for (const [k, p] of Object.entries(pages)) {
      await p.waitForFunction(
        () => document.querySelector('[data-channel="general"] [data-testid="unread"]')?.textContent === "@ 40",
        undefined,
        { timeout: 15_000 },
      );
      // the menu button (phones) has a dot, in the mention colour
      const dot = await p.$eval('[data-testid="menu-dot"]', (e) => ({
        cls: e.className,
        shown: getComputedStyle(e).display !== "none" && (e as HTMLElement).offsetParent !== null,
      }));
      expect(dot.cls).toContain("on");
      expect(dot.cls).toContain("at");
      expect(dot.shown).toBe(k === "phone");

      await switchTo(p, "general");
      // the line sits right above the first of bob's 40 lines
      const after = await p.$eval(
        ".new-line",
        (e) =>
          [...document.querySelectorAll(".log article.msg")].filter(
            (x) => e.compareDocumentPosition(x) & Node.DOCUMENT_POSITION_FOLLOWING,
          ).length,
      );
      expect(after).toBe(40);
      const mentioned = await p.$$eval("article.msg.mention .mention-tag.self", (els) => els.map((e) => e.textContent));
      expect(mentioned.sort()).toEqual(["@Alice W.", "@alice w."]); // (same-second order is item 1)
      // at the bottom, the line is above the view: the jump button goes to it, then back down
      const jump = p.locator('[data-testid="jump"]');
      await p.waitForFunction(() => document.querySelector('[data-testid="jump"]')?.textContent === "↑ new messages");
      await jump.click();
      await p.waitForFunction(() => {
        const line = document.querySelector(".new-line")!.getBoundingClientRect();
        const log = document.querySelector('[data-testid="log"]')!.getBoundingClientRect();
        return line.top >= log.top - 2 && line.bottom <= log.bottom;
      });
      await p.waitForFunction(() => document.querySelector('[data-testid="jump"]')?.textContent === "↓ latest");
      await jump.click();
      await p.waitForSelector('[data-testid="jump"]', { state: "hidden" });
      expect(await distanceFromBottom(p)).toBeLessThan(2);
      // the dot goes once nothing is unread
      expect(await p.$eval('[data-testid="menu-dot"]', (e) => e.className)).not.toContain("on");
    }
  }, 60_000);

  test("the log stays at the bottom when the viewport gets shorter (a phone's keyboard)", async () => {
    for (const [k, p] of Object.entries(pages)) {
      const size = SIZES[k as keyof typeof SIZES];
      await switchTo(p, "general");
      expect(await distanceFromBottom(p)).toBeLessThan(2);
      await p.setViewportSize({ width: size.width, height: 420 });
      await p
        .waitForFunction(
          () => {
            const el = document.querySelector('[data-testid="log"]')!;
            return el.scrollHeight - el.scrollTop - el.clientHeight < 2;
          },
          undefined,
          { timeout: 2_000 },
        )
        .catch(() => {});
      expect(await distanceFromBottom(p)).toBeLessThan(2);
      await p.setViewportSize(size);
    }
  }, 20_000);
});

describe("notices", () => {
  test("command output and errors show only in the channel where they were asked", async () => {
    for (const p of Object.values(pages)) {
      await switchTo(p, "general");
      await say(p, "/who");
      await say(p, "/nonsense");
      // /who asks the node for the members; the unknown command is answered at once, so its
      // error may show first: wait for both
      await p.waitForFunction(() => {
        const texts = [...document.querySelectorAll('[data-testid="notice"]')].map((e) => e.textContent ?? "");
        return texts.some((t) => t.includes("/nonsense")) && texts.some((t) => t.includes("(you)"));
      });
      const here = await notices(p);
      expect(here.some((n) => n.includes("(you)"))).toBe(true);
      await switchTo(p, "side");
      expect((await notices(p)).filter((n) => n.includes("(you)") || n.includes("/nonsense"))).toEqual([]);
      await switchTo(p, "general");
      expect((await notices(p)).filter((n) => n.includes("(you)") || n.includes("/nonsense")).length).toBe(2);
      expect(await title(p)).toBe("#general");
    }
  }, 20_000);

  test("on a touch screen a notice names the button, not the function key", async () => {
    const touch = await open({ viewport: SIZES.phone, hasTouch: true, isMobile: true });
    await say(touch, "/help call start");
    await touch.waitForSelector('[data-testid="notice"]:has-text("call panel")');
    expect((await notices(touch)).at(-1)).toContain("(Call: call panel)");
    await touch.context().close();
    // a keyboard and mouse still read the key
    await say(pages.desktop, "/help call start");
    await pages.desktop.waitForSelector('[data-testid="notice"]:has-text("(F4: call panel)")');
  }, 20_000);
});

describe("help", () => {
  test("the help panel fits the screen: no sideways scrolling on a phone", async () => {
    for (const [k, p] of Object.entries(pages)) {
      await p.click('button[aria-label="Help"]');
      await p.waitForSelector('[data-testid="help-modal"]');
      const fit = await p.evaluate(() => {
        const body = document.querySelector('[data-testid="help-modal"] .modal-body') as HTMLElement;
        const box = document.querySelector('[data-testid="help-modal"]')!.getBoundingClientRect();
        return {
          page: document.documentElement.scrollWidth - window.innerWidth,
          body: body.scrollWidth - body.clientWidth,
          right: box.right - window.innerWidth,
        };
      });
      expect([k, fit.page <= 0, fit.body <= 0, fit.right <= 0]).toEqual([k, true, true, true]);
      await p.keyboard.press("Escape");
      await p.waitForSelector('[data-testid="help-modal"]', { state: "detached" });
    }
  }, 20_000);
});

describe("relay-only browser (its own peer)", () => {
  test("on a touch phone: setup names the Invite button; a mention by a name with a space marks the menu, the channel and the message; the new-messages line", async () => {
    relay = startRelay({ web: true });
    const phone = await (await browser.newContext({ viewport: SIZES.phone, hasTouch: true, isMobile: true })).newPage();
    const desk = await (await browser.newContext({ viewport: SIZES.desktop })).newPage();
    for (const p of [phone, desk]) p.on("pageerror", (e) => errors.push(e.message));
    await phone.goto(relay.base + "/");
    await phone.fill('input[name="displayName"]', "Carol Ann");
    await phone.fill('input[name="circleName"]', "hikers");
    await phone.click('[data-testid="setup-form"] button[type="submit"]');
    await phone.waitForSelector('[data-testid="channel-title"]');
    expect(await notices(phone)).toContain("circle created: tap Invite for its invite code");
    await phone.click('button:has-text("Invite")');
    await phone.waitForFunction(() =>
      (document.querySelector('[data-testid="invite-code"]') as HTMLTextAreaElement | null)?.value.startsWith(
        "felund2.",
      ),
    );
    const code = await phone.inputValue('[data-testid="invite-code"]');
    await phone.keyboard.press("Escape");
    await say(phone, "/channel create side");
    await switchTo(phone, "side");
    // the setup notice stays in #general
    expect((await notices(phone)).filter((n) => n.includes("circle created"))).toEqual([]);

    await desk.goto(relay.base + "/");
    await desk.fill('input[name="displayName"]', "dan");
    await desk.click('text="Join with a code"');
    await desk.fill('textarea[name="code"]', code);
    await desk.click('[data-testid="setup-form"] button[type="submit"]');
    await desk.waitForFunction(
      () => document.querySelector('[data-testid="sidebar"]')?.textContent?.includes("hikers"),
      undefined,
      {
        timeout: 10_000,
      },
    );
    await say(desk, "morning all");
    await say(desk, "@carol ann are you coming?");
    await phone.bringToFront();
    await phone.waitForFunction(
      () => document.querySelector('[data-channel="general"] [data-testid="unread"]')?.textContent === "@ 2",
      undefined,
      { timeout: 10_000 },
    );
    expect(await phone.$eval('[data-testid="menu-dot"]', (e) => e.className)).toContain("on at");
    await switchTo(phone, "general");
    // both of dan's lines follow the line (same second: their order is item 1's)
    expect(
      await phone.$eval(".new-line", (e) =>
        [...document.querySelectorAll(".log article.msg")]
          .filter((x) => e.compareDocumentPosition(x) & Node.DOCUMENT_POSITION_FOLLOWING)
          .map((x) => x.querySelector(".msg-text")?.textContent ?? "")
          .sort(),
      ),
    ).toEqual(["@carol ann are you coming?", "morning all"]);
    expect(await phone.$$eval("article.msg.mention .mention-tag.self", (els) => els.map((e) => e.textContent))).toEqual(
      ["@carol ann"],
    );
    await phone.context().close();
    await desk.context().close();
  }, 40_000);
});

describe("day dividers", () => {
  test('"Today" becomes "Yesterday" at midnight without a reload', async () => {
    for (const size of Object.values(SIZES)) {
      const ctx = await browser.newContext({ viewport: size, timezoneId: "UTC" });
      const p = await ctx.newPage();
      p.on("pageerror", (e) => errors.push(e.message));
      const day = new Date().toISOString().slice(0, 10);
      await p.clock.install({ time: new Date(`${day}T23:59:50Z`) });
      await p.goto(A.url);
      await p.waitForSelector('[data-testid="message"]');
      const labels = () => p.$$eval(".day:not(.new-line) span", (els) => els.map((e) => e.textContent));
      expect(await labels()).toEqual(["Today"]);
      await p.clock.fastForward("00:20");
      await p.waitForFunction(() => document.querySelector(".day span")?.textContent === "Yesterday");
      await ctx.close();
    }
  }, 30_000);

  test("no page errors", () => {
    expect(errors).toEqual([]);
  });
});
