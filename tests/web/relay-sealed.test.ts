// Key channels in the relay-only browser, whose first load leaves out the sealed channels' code
// (ui/web/src/relay/sealed-soon.ts): it loads with the channel actions, with the first control
// event, and at start when a channel key is stored. Two browsers: the owner creates a key channel
// and writes in it, the member joins with the passphrase and reads the history, each reloads and
// keeps writing and reading sealed text that the relay never holds in the clear.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { circleHint } from "../../src/protocol/ids.ts";
import { decodeInvite2 } from "../../src/protocol/v2/invite.ts";
import { removeTempDirs } from "../cli/helpers.ts";
import { launchBrowser, newPage, say } from "./browser.ts";
import { startRelay, type TestRelay } from "./relay-helpers.ts";

let browser: Browser;
let relay: TestRelay;
let p1: Page;
let p2: Page;
const pageErrors: string[] = [];
/** the app's scripts each page fetched since the last reset */
const fetched = new Map<Page, Set<string>>();

beforeAll(async () => {
  relay = startRelay({ web: true });
  browser = await launchBrowser();
  p1 = (await newPage(browser)).page;
  p2 = (await newPage(browser)).page;
  for (const [n, p] of [
    ["1", p1],
    ["2", p2],
  ] as const) {
    p.on("pageerror", (e) => pageErrors.push(`${n}: ${e.message}`));
    fetched.set(p, new Set());
    p.on("request", (r) => {
      const m = new URL(r.url()).pathname.match(/^\/assets\/([^/]+)-[\w-]{8}\.js$/);
      if (m) fetched.get(p)!.add(m[1]!);
    });
  }
}, 30_000);

afterAll(async () => {
  await browser?.close();
  relay?.stop();
  removeTempDirs();
});

const hasMessage = (p: Page, text: string) =>
  p.waitForFunction(
    (t) => [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === t),
    text,
    { timeout: 10_000 },
  );
const live = (p: Page) =>
  p.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === "relay live");
const title = (p: Page, t: string) =>
  p.waitForFunction((x) => document.querySelector('[data-testid="channel-title"]')?.textContent === x, t);

test("key channel between relay-only browsers: sealed text written, read, and kept across reloads", async () => {
  await p1.goto(relay.base + "/");
  await p1.fill('input[name="displayName"]', "ines");
  await p1.fill('input[name="circleName"]', "vaults");
  await p1.click('[data-testid="setup-form"] button[type="submit"]');
  await p1.waitForSelector('[data-testid="channel-title"]');
  await live(p1);
  await p1.keyboard.press("F2");
  await p1.waitForFunction(() =>
    (document.querySelector('[data-testid="invite-code"]') as HTMLTextAreaElement | null)?.value.startsWith("felund2."),
  );
  const code = await p1.inputValue('[data-testid="invite-code"]');
  const inv = decodeInvite2(code, Math.floor(Date.now() / 1000));
  if (!inv.ok) throw new Error(inv.reason);
  await p1.keyboard.press("Escape");

  await p1.click(".circle-head .icon-btn");
  await p1.fill('[data-testid="new-channel-modal"] input[name="channel"]', "vault");
  await p1.selectOption('[data-testid="new-channel-modal"] select', "key");
  await p1.fill('[data-testid="new-channel-modal"] input[name="key"]', "open sesame");
  await p1.click('[data-testid="new-channel-modal"] button[type="submit"]');
  await title(p1, "#vault");
  await say(p1, "the combination is 1234");
  await hasMessage(p1, "the combination is 1234");

  // a fresh page of the owner: the stored key loads the sealed code at start, before anything is applied
  fetched.get(p1)!.clear();
  await p1.reload();
  await live(p1);
  expect([...fetched.get(p1)!]).toContain("v2-events");
  await p1.click('[data-channel="vault"]');
  await hasMessage(p1, "the combination is 1234");
  await say(p1, "and the door code is 9876");
  await hasMessage(p1, "and the door code is 9876");

  // the member: joins the circle (its first load has no sealed code), then the channel with the passphrase
  await p2.goto(relay.base + "/");
  await p2.fill('input[name="displayName"]', "jonas");
  await p2.click('text="Join with a code"');
  await p2.fill('textarea[name="code"]', code);
  await p2.click('[data-testid="setup-form"] button[type="submit"]');
  await p2.waitForSelector('[data-channel="vault"]', { timeout: 15_000 });
  await p2.click('[data-channel="vault"]');
  await p2.waitForSelector('[data-testid="locked"]');
  await p2.click('[data-testid="join-with-key"]');
  await p2.fill('input[name="channel-key"]', "open sesame");
  await p2.press('input[name="channel-key"]', "Enter");
  await hasMessage(p2, "the combination is 1234");
  await hasMessage(p2, "and the door code is 9876");

  // a sealed message that reaches the member's fresh page through the relay, and one back
  fetched.get(p2)!.clear();
  await p2.reload();
  await live(p2);
  expect([...fetched.get(p2)!]).toContain("v2-events");
  await p2.click('[data-channel="vault"]');
  await say(p1, "written after jonas came back");
  await hasMessage(p2, "written after jonas came back");
  await say(p2, "got it");
  await hasMessage(p1, "got it");

  // the relay holds none of it in the clear
  const rows = (
    relay.db.$client
      .query("SELECT payload FROM relay_messages WHERE circle_hint = ?")
      .all(circleHint(inv.value.circleId)) as { payload: string }[]
  ).map((r) => r.payload);
  for (const r of rows)
    for (const clear of ["1234", "9876", "jonas came back", "got it"]) expect(r).not.toContain(clear);
  expect(pageErrors).toEqual([]);
}, 60_000);
