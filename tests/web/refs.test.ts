// The web client's replies, reactions, edits and deletes (issue 16; docs/PROTOCOL.md §18) between
// two local nodes (anna's page; ben through his node's API: a live v2 session between them, both
// on a relay) and a relay-only browser (rita): the hover actions, the reply bar and the quote's
// jump, the reaction chips, the inline editor with its history and ↑, the delete with its
// tombstone, and the erase: the body is gone from both nodes' SQLite files and from the
// relay-only browser's IndexedDB.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, messageTexts, newPage, say, startServe, type ServeNode } from "./browser.ts";
import { startRelay, type TestRelay, waitFor } from "./relay-helpers.ts";

setDefaultTimeout(90_000);
let browser: Browser;
let relay: TestRelay;
let anna: ServeNode;
let ben: ServeNode;
let circleId = "";
let lp: Page; // anna's local page
let rp: Page; // rita, relay-only
/** ben's "lunch at noon?": the far-back quote's target (the last test) */
let farTarget = "";
const errors: string[][] = [];

/** The message row of a page whose text is `text`. */
const row = (p: Page, text: string) =>
  p.locator('[data-testid="message"]', { has: p.locator(".msg-text", { hasText: text }) }).last();
const until = (p: Page, text: string, timeout = 20_000) =>
  p.waitForFunction(
    (t) => [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === t),
    text,
    { timeout },
  );
/**
 * Hover a message and click one of its actions. A row is drawn again when its view changes (its delivery mark)
 * and the log may scroll to the bottom for it, leaving the pointer elsewhere: then hover again, as a user would.
 */
async function act(p: Page, text: string, action: string) {
  const r = row(p, text);
  const b = r.locator(`[data-testid="msg-actions"] button[aria-label="${action}"]`);
  await waitFor(
    `the ${action} action`,
    async () => {
      await r.hover({ position: { x: 120, y: 8 } });
      await b.click({ timeout: 1000 });
      return true;
    },
    10_000,
  );
}
const benMessages = async () =>
  (await api(ben, "GET", `/circles/${circleId}/messages?channel=general&limit=200`)).messages as any[];
const benView = async (msgId: string) => (await benMessages()).find((m) => m.msgId === msgId);
const idOf = (p: Page, text: string) => row(p, text).getAttribute("data-msg-id") as Promise<string>;
/** What a node's SQLite database and its WAL hold, as text. */
const onDisk = (n: ServeNode) =>
  ["felund.sqlite", "felund.sqlite-wal"]
    .map((f) => join(n.dir, f))
    .map((f) => (existsSync(f) ? readFileSync(f).toString("latin1") : ""))
    .join("");
/** Everything the relay-only page keeps in IndexedDB (both stores), as JSON. */
const indexedDbText = (p: Page) =>
  p.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open("felund-web");
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const all = (store: string) =>
      new Promise<unknown[]>((ok, fail) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
    const text = JSON.stringify([await all("messages"), await all("kv")]);
    db.close();
    return text;
  });

beforeAll(async () => {
  relay = startRelay({ web: true });
  [browser, anna, ben] = await Promise.all([
    launchBrowser(),
    startServe("anna", ["--relay", relay.base]),
    startServe("ben", ["--relay", relay.base]),
  ]);
  const made = await api(anna, "POST", "/circles", { name: "refs" });
  circleId = made.circleId;
  expect((await api(ben, "POST", "/circles/join", { code: made.code })).ok).toBe(true);
  const l = await newPage(browser);
  lp = l.page;
  errors.push(l.errors);
  await lp.goto(anna.url);
  await lp.waitForSelector('[data-testid="channel-title"]');
  const viaRelay = await api(anna, "GET", `/circles/${circleId}/invite?viaRelay=1`);
  const r = await newPage(browser);
  rp = r.page;
  errors.push(r.errors);
  await rp.goto(relay.base + "/");
  await rp.fill('input[name="displayName"]', "rita");
  await rp.click('text="Join with a code"');
  await rp.fill('textarea[name="code"]', viaRelay.code);
  await rp.click('[data-testid="setup-form"] button[type="submit"]');
  await rp.waitForFunction(() => document.querySelector('[data-testid="sidebar"]')?.textContent?.includes("refs"));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  anna?.stop();
  ben?.stop();
  relay?.stop();
  removeTempDirs();
});

describe("refs in the web client", () => {
  test("reply: the bar with cancel, the quote on every side, a click on it jumps to the message", async () => {
    await api(ben, "POST", `/circles/${circleId}/messages`, { channel: "general", text: "lunch at *noon*?\nor later" });
    await until(lp, "lunch at noon?\nor later");
    await act(lp, "lunch at noon?", "Reply");
    expect(await lp.textContent('[data-testid="reply-bar"]')).toContain("replying to ben: lunch at noon?");
    await lp.click('button[aria-label="Cancel reply"]');
    expect(await lp.$('[data-testid="reply-bar"]')).toBeNull();
    // cancelled: the next line is an ordinary message
    await say(lp, "just a message");
    await until(lp, "just a message");
    expect(await row(lp, "just a message").locator('[data-testid="quote"]').count()).toBe(0);
    // Esc cancels too
    await act(lp, "lunch at noon?", "Reply");
    await lp.press('[data-testid="input"]', "Escape");
    expect(await lp.$('[data-testid="reply-bar"]')).toBeNull();

    await act(lp, "lunch at noon?", "Reply");
    await say(lp, "noon works");
    await until(lp, "noon works");
    await lp.waitForSelector('[data-testid="reply-bar"]', { state: "detached" });
    expect(await row(lp, "noon works").locator('[data-testid="quote"]').textContent()).toBe("ben lunch at noon?");
    const target = await idOf(lp, "lunch at noon?");
    farTarget = target;
    const reply = await waitFor(
      "ben holds the reply",
      async () => (await benMessages()).find((m) => m.text === "noon works"),
      20_000,
    );
    expect(reply).toMatchObject({ kind: 3, reply: { msgId: target, author: "ben", line: "lunch at *noon*?" } });
    // the relay-only page shows the same quote
    await until(rp, "noon works");
    expect(await row(rp, "noon works").locator('[data-testid="quote"]').textContent()).toBe("ben lunch at noon?");

    // rita answers through her own peer; anna's node gets a reply
    await act(rp, "just a message", "Reply");
    expect(await rp.textContent('[data-testid="reply-bar"]')).toContain("replying to anna: just a message");
    await say(rp, "rita's answer");
    await until(lp, "rita's answer");
    expect(await row(lp, "rita's answer").locator('[data-testid="quote"]').textContent()).toBe("anna just a message");
  });

  test("reactions: chips with counts, mine highlighted, who in the title, a click toggles mine", async () => {
    await say(lp, "pizza tonight");
    await until(lp, "pizza tonight");
    const id = await idOf(lp, "pizza tonight");
    await act(lp, "pizza tonight", "React");
    await row(lp, "pizza tonight").locator('button[aria-label="React 👍"]').click();
    const chip = (p: Page) => row(p, "pizza tonight").locator('[data-testid="reaction"][data-emoji="👍"]');
    await chip(lp).waitFor();
    expect(await chip(lp).textContent()).toBe("👍 1");
    expect(await chip(lp).getAttribute("aria-pressed")).toBe("true");
    expect(await chip(lp).evaluate((e) => e.classList.contains("mine"))).toBe(true);
    // ben reacts through his node: anna's page counts two, and says who
    await waitFor("ben holds the message", () => benView(id), 20_000);
    await api(ben, "POST", `/circles/${circleId}/messages/${id}/react`, { emoji: "👍" });
    await lp.waitForFunction(
      () => document.querySelector('[data-testid="reaction"][data-emoji="👍"] .chip-count')?.textContent === "2",
      null,
      { timeout: 20_000 },
    );
    expect(await chip(lp).getAttribute("title")).toContain("anna, ben reacted with 👍");
    // rita's page shows them; her click adds hers
    await until(rp, "pizza tonight");
    await rp.waitForFunction(
      () => document.querySelector('[data-testid="reaction"][data-emoji="👍"] .chip-count')?.textContent === "2",
      null,
      { timeout: 20_000 },
    );
    expect(await chip(rp).getAttribute("aria-pressed")).toBe("false");
    await chip(rp).click();
    await rp.waitForFunction(() =>
      document.querySelector('[data-testid="reaction"][data-emoji="👍"]')?.classList.contains("mine"),
    );
    await waitFor("ben counts three", async () => (await benView(id))?.reactions?.[0]?.count === 3, 20_000);
    // anna takes hers back with a click on the chip
    await chip(lp).click();
    await waitFor(
      "anna's reaction taken back",
      async () => {
        const r = (await benView(id))?.reactions?.[0];
        return r?.count === 2 && !r.who.includes("anna");
      },
      20_000,
    );
    expect(await chip(lp).getAttribute("aria-pressed")).toBe("false");
    // the picker: any emoji
    await act(lp, "pizza tonight", "React");
    await row(lp, "pizza tonight").locator('button[aria-label="More emoji"]').click();
    await lp.fill('[data-testid="emoji-picker"] input', "tada");
    await lp.press('[data-testid="emoji-picker"] input', "Enter");
    await row(lp, "pizza tonight").locator('[data-testid="reaction"][data-emoji="🎉"]').waitFor();
    await waitFor(
      "ben sees 🎉",
      async () => (await benView(id))?.reactions?.some((r: any) => r.emoji === "🎉"),
      20_000,
    );
  });

  test("edit: inline editor (Enter saves, Esc cancels), the edited mark and its history, ↑ edits my last", async () => {
    await say(lp, "meet at 5");
    await until(lp, "meet at 5");
    const id = await idOf(lp, "meet at 5");
    // not on others' messages
    await row(lp, "lunch at noon?").hover();
    expect(await row(lp, "lunch at noon?").locator('button[aria-label="Edit"]').count()).toBe(0);
    await act(lp, "meet at 5", "Edit");
    await lp.fill('[data-testid="edit-input"]', "meet at 6");
    await lp.press('[data-testid="edit-input"]', "Enter");
    await until(lp, "meet at 6");
    await row(lp, "meet at 6").locator('[data-testid="edited"]').click();
    const history = await row(lp, "meet at 6").locator('[data-testid="edit-history"] li').allTextContents();
    expect(history.length).toBe(2);
    expect(history[0]).toContain("original");
    expect(history[0]).toContain("meet at 5");
    expect(history[1]).toContain("meet at 6");
    await waitFor("ben has the edit", async () => (await benView(id))?.text === "meet at 6", 20_000);
    expect((await benView(id)).edited.count).toBe(1);
    // ↑ in the empty box edits my last message; Esc leaves it as it was
    await lp.focus('[data-testid="input"]');
    await lp.press('[data-testid="input"]', "ArrowUp");
    await lp.waitForSelector('[data-testid="edit-input"]');
    expect(await lp.inputValue('[data-testid="edit-input"]')).toBe("meet at 6");
    await lp.fill('[data-testid="edit-input"]', "never mind");
    await lp.press('[data-testid="edit-input"]', "Escape");
    expect(await lp.$('[data-testid="edit-input"]')).toBeNull();
    expect(await messageTexts(lp)).toContain("meet at 6");
    expect(await messageTexts(lp)).not.toContain("never mind");
    // ↑ again, Enter saves
    await lp.press('[data-testid="input"]', "ArrowUp");
    await lp.fill('[data-testid="edit-input"]', "meet at 7");
    await lp.press('[data-testid="edit-input"]', "Enter");
    await until(lp, "meet at 7");
    // rita sees the newest text and the mark; she edits her own answer
    await until(rp, "meet at 7");
    expect(await row(rp, "meet at 7").locator('[data-testid="edited"]').count()).toBe(1);
    await act(rp, "rita's answer", "Edit");
    await rp.fill('[data-testid="edit-input"]', "rita's answer, fixed");
    await rp.press('[data-testid="edit-input"]', "Enter");
    await until(lp, "rita's answer, fixed");
    await waitFor(
      "ben has rita's edit",
      async () => (await benMessages()).some((m) => m.text === "rita's answer, fixed" && m.edited),
      20_000,
    );
  });

  test("delete: confirm, tombstone everywhere, erased from both SQLite files and from IndexedDB", async () => {
    const secret = "hunter2quokka";
    await say(lp, `the password is ${secret}`);
    await until(rp, `the password is ${secret}`); // rita holds it before the delete
    const id = await idOf(lp, `the password is ${secret}`);
    await waitFor("ben holds it", () => benView(id), 20_000);
    expect(onDisk(anna) + onDisk(ben)).toContain(secret);
    expect(await indexedDbText(rp)).toContain(secret);
    // rita may not delete anna's message; anna (the circle owner) may delete ben's
    await row(rp, `the password is ${secret}`).hover();
    expect(await row(rp, `the password is ${secret}`).locator('button[aria-label="Delete"]').count()).toBe(0);
    await row(lp, "lunch at noon?").hover();
    expect(await row(lp, "lunch at noon?").locator('button[aria-label="Delete"]').count()).toBe(1);

    await act(lp, `the password is ${secret}`, "Delete");
    await lp.click('[data-testid="confirm-delete"] button:has-text("Cancel")');
    expect(await messageTexts(lp)).toContain(`the password is ${secret}`);
    await act(lp, `the password is ${secret}`, "Delete");
    await lp.click('[data-testid="confirm-delete"] button:has-text("Delete")');
    const tomb = (p: Page) => p.waitForSelector(`[data-msg-id="${id}"] [data-testid="tombstone"]`, { timeout: 20_000 });
    await tomb(lp);
    expect(await lp.textContent(`[data-msg-id="${id}"] [data-testid="tombstone"]`)).toBe("message deleted");
    await tomb(rp);
    await waitFor("deleted on ben", async () => (await benView(id))?.deleted, 20_000);
    expect((await benView(id)).text).toBe("");
    // erased: not in either node's database or WAL, nor in the relay-only browser's IndexedDB
    await waitFor("gone from the disks", () => !(onDisk(anna) + onDisk(ben)).includes(secret), 20_000);
    await waitFor("gone from IndexedDB", async () => !(await indexedDbText(rp)).includes(secret), 20_000);

    // rita deletes her own message from the relay-only page
    const hers = "rita says zebracornflakes";
    await say(rp, hers);
    await until(lp, hers);
    const hid = await idOf(rp, hers);
    await waitFor("rita's message in IndexedDB", async () => (await indexedDbText(rp)).includes(hers), 20_000);
    await act(rp, hers, "Delete");
    await rp.click('[data-testid="confirm-delete"] button:has-text("Delete")');
    await tomb(rp);
    await lp.waitForSelector(`[data-msg-id="${hid}"] [data-testid="tombstone"]`, { timeout: 20_000 });
    await waitFor("rita's gone from IndexedDB", async () => !(await indexedDbText(rp)).includes("zebracorn"), 20_000);
    await waitFor("rita's gone from the disks", () => !(onDisk(anna) + onDisk(ben)).includes("zebracorn"), 20_000);
    // after a reload the tombstone stays
    await rp.reload();
    await rp.waitForSelector(`[data-msg-id="${hid}"] [data-testid="tombstone"]`, { timeout: 20_000 });
  });

  test("pin (the circle owner) and copy from the menu; rita, not an owner, is offered neither pin", async () => {
    await act(lp, "pizza tonight", "Pin");
    const id = await idOf(lp, "pizza tonight");
    await waitFor(
      "ben lists the pin",
      async () =>
        (await api(ben, "GET", `/circles/${circleId}/pins?channel=general`)).pins.some((x: any) => x.msgId === id),
      20_000,
    );
    await lp.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(anna.base).origin });
    await act(lp, "lunch at noon?", "Copy");
    await lp.waitForFunction(async () => (await navigator.clipboard.readText()) === "lunch at noon?\nor later");
    await row(rp, "pizza tonight").hover();
    await row(rp, "pizza tonight").locator('[data-testid="msg-actions"]').waitFor();
    expect(await row(rp, "pizza tonight").locator('button[aria-label="Pin"]').count()).toBe(0);
  });

  test("a phone (390×844, touch): a tap shows the actions; the keyboard reaches them too", async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const p = await ctx.newPage();
    p.setDefaultTimeout(8_000);
    await p.goto(anna.url);
    await until(p, "pizza tonight");
    await row(p, "pizza tonight").tap();
    const bar = row(p, "pizza tonight").locator('[data-testid="msg-actions"]');
    await bar.waitFor();
    const box = (await bar.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    // on a touch screen a row under the text (not over the message above), with finger-sized buttons
    const text = (await row(p, "pizza tonight").locator(".msg-text").boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(text.y + text.height - 1);
    expect((await bar.locator('button[aria-label="Reply"]').boundingBox())!.height).toBeGreaterThanOrEqual(36);
    await bar.locator('button[aria-label="React"]').tap();
    await row(p, "pizza tonight").locator('button[aria-label="React 😂"]').tap();
    await row(p, "pizza tonight").locator('[data-testid="reaction"][data-emoji="😂"]').waitFor();
    await row(p, "meet at 7").tap();
    await row(p, "meet at 7").locator('button[aria-label="Reply"]').tap();
    expect(await p.textContent('[data-testid="reply-bar"]')).toContain("replying to anna: meet at 7");
    await p.click('button[aria-label="Cancel reply"]');
    await ctx.close();

    // keyboard: Shift+Tab from the message box to the last message, Tab to its actions
    await say(lp, "keys only");
    await until(rp, "keys only"); // (its delivery marks have settled on anna's page)
    const keys = await idOf(lp, "keys only");
    await waitFor("ben holds it", () => benView(keys), 20_000);
    await lp.focus('[data-testid="input"]');
    // (past the log's "↓ latest" button when it shows)
    for (let i = 0; i < 3; i++) {
      await lp.keyboard.press("Shift+Tab");
      if ((await lp.evaluate(() => document.activeElement?.getAttribute("data-testid"))) === "message") break;
    }
    expect(await lp.evaluate(() => document.activeElement?.textContent)).toContain("keys only");
    // the row is drawn again when its view changes (ben reacts): the focus stays on it
    await api(ben, "POST", `/circles/${circleId}/messages/${keys}/react`, { emoji: "👀" });
    await row(lp, "keys only").locator('[data-testid="reaction"][data-emoji="👀"]').waitFor({ timeout: 20_000 });
    await lp.waitForFunction(() => document.activeElement?.textContent?.includes("keys only"));
    await lp.waitForSelector(':focus [data-testid="msg-actions"]');
    await lp.keyboard.press("Tab");
    expect(await lp.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Reply");
    await lp.keyboard.press("Enter");
    await lp.waitForSelector('[data-testid="reply-bar"]');
  });

  // last: the fillers push every earlier message out of the first page (and the virtual log's window)
  test("a quote whose message is far back: the click loads history until it is there, and shows it", async () => {
    const target = farTarget;
    expect(target).not.toBe("");
    // a quote whose message is far back: the click loads history until it is there, and shows it
    for (let i = 0; i < 70; i++)
      await api(ben, "POST", `/circles/${circleId}/messages`, { channel: "general", text: `filler ${i}` });
    await api(ben, "POST", `/circles/${circleId}/messages/${target}/reply`, { text: "still noon?" });
    for (const p of [lp, rp]) {
      await until(p, "still noon?", 30_000); // all of them here before the reload
      await p.reload();
      await until(p, "still noon?", 30_000);
      expect(await p.$(`[data-msg-id="${target}"]`)).toBeNull(); // not in the first page
      await row(p, "still noon?").locator('[data-testid="quote"]').click();
      await p.waitForSelector(`[data-msg-id="${target}"].found`, { timeout: 20_000 });
      expect(await p.locator(`[data-msg-id="${target}"]`).isVisible()).toBe(true);
    }
  });

  test("no page errors", () => {
    expect(errors.flat()).toEqual([]);
  });
});
