// The web client served by a relay (relay-only mode, no node behind the page): two
// browsers each run their own peer (IndexedDB, envelopes through /v1), join by invite code,
// chat both ways, share channels, keep history across a reload, and chat with the user of a
// local node that bridges the same relay.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, messageTexts, newPage, say, startServe, type ServeNode } from "./browser.ts";
import { startRelay, waitFor, type TestRelay } from "./relay-helpers.ts";

let browser: Browser;
let relay: TestRelay;
let p1: Page;
let p2: Page;
let node: ServeNode | null = null;
let code = "";
const pageErrors: string[] = [];

beforeAll(async () => {
  relay = startRelay({ web: true });
  browser = await launchBrowser();
  p1 = (await newPage(browser)).page;
  p2 = (await newPage(browser)).page;
  for (const [n, p] of [["1", p1], ["2", p2]] as const) p.on("pageerror", (e) => pageErrors.push(`${n}: ${e.message}`));
}, 30_000);

afterAll(async () => {
  await browser?.close();
  node?.stop();
  relay?.stop();
  removeTempDirs();
});

const hasMessage = (p: Page, text: string, timeout = 8_000) =>
  p.waitForFunction((t) => [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === t), text, { timeout });

describe("relay-only web client", () => {
  test("first run in relay mode creates an identity and a circle", async () => {
    const cfg = (await (await fetch(`${relay.base}/config.json`)).json()) as { mode: string };
    expect(cfg.mode).toBe("relay");
    await p1.goto(relay.base + "/");
    await p1.waitForSelector('[data-testid="setup"]');
    expect(await p1.textContent('[data-testid="setup"]')).toContain("This browser is its own felund peer");
    expect(await p1.inputValue('input[name="relayBase"]')).toBe(relay.base);
    await p1.fill('input[name="displayName"]', "carol");
    await p1.fill('input[name="circleName"]', "outdoors");
    await p1.click('[data-testid="setup-form"] button[type="submit"]');
    await p1.waitForSelector('[data-testid="channel-title"]');
    await p1.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === "relay live");
    expect(await p1.textContent(".brand .pill")).toBe("relay");
    await p1.keyboard.press("F2");
    await p1.waitForFunction(() => (document.querySelector('[data-testid="invite-code"]') as HTMLTextAreaElement | null)?.value.startsWith("felund1."));
    code = await p1.inputValue('[data-testid="invite-code"]');
    const payload = JSON.parse(Buffer.from(code.slice(8), "base64url").toString());
    expect(payload).toEqual({ v: 1, secret: expect.stringMatching(/^[0-9a-f]{64}$/), peer: relay.base });
    await p1.keyboard.press("Escape");
  }, 15_000);

  test("a second browser joins by invite code and they chat both ways", async () => {
    await p2.goto(relay.base + "/");
    await p2.fill('input[name="displayName"]', "dave");
    await p2.click('text="Join with a code"');
    await p2.fill('textarea[name="code"]', code);
    await p2.click('[data-testid="setup-form"] button[type="submit"]');
    await p2.waitForFunction(() => document.querySelector('[data-testid="sidebar"]')?.textContent?.includes("outdoors"), undefined, { timeout: 8_000 });
    const t0 = Date.now();
    await say(p1, "anyone up for a hike?");
    await hasMessage(p2, "anyone up for a hike?");
    const t1 = Date.now();
    await say(p2, "count me in");
    await hasMessage(p1, "count me in");
    console.error(`relay web e2e: carol->dave ${t1 - t0} ms, dave->carol ${Date.now() - t1} ms`);
    // both within one second: the order is by msg_id, as on every felund client
    expect((await p1.$$eval(".author", (els) => els.map((e) => e.textContent))).sort()).toEqual(["carol", "dave"]);
  }, 20_000);

  test("a channel created in one browser appears in the other; history survives a reload", async () => {
    await p1.click(".circle-head .icon-btn");
    await p1.waitForSelector('[data-testid="new-channel-modal"]');
    await p1.fill('input[name="channel"]', "Trips");
    await p1.click('[data-testid="new-channel-modal"] button[type="submit"]');
    await p1.waitForFunction(() => document.querySelector('[data-testid="channel-title"]')?.textContent === "#trips");
    await p2.waitForSelector('[data-channel="trips"]', { timeout: 8_000 });
    await p2.click('[data-channel="trips"]');
    await say(p2, "saturday?");
    await hasMessage(p1, "saturday?");

    await p2.reload();
    await p2.waitForSelector('[data-testid="channel-title"]');
    await p2.click('[data-channel="general"]');
    expect((await messageTexts(p2)).sort()).toEqual(["anyone up for a hike?", "count me in"]);
    expect(await p2.textContent('[data-testid="status"]')).toContain("dave");
  }, 20_000);

  test("a local node's user on the same relay chats with the relay-only browsers", async () => {
    node = await startServe("erin", ["--relay", relay.base]);
    const joined = await api(node, "POST", "/circles/join", { code });
    expect(joined.ok).toBe(true);
    const circleId = joined.circleId as string;
    await waitFor("history from the relay", async () => {
      const r = await api(node!, "GET", `/circles/${circleId}/messages?channel=general&limit=10`);
      return r.messages?.some((m: { text: string }) => m.text === "count me in");
    }, 10_000);
    await p1.click('[data-channel="general"]');
    await api(node, "POST", `/circles/${circleId}/messages`, { channel: "general", text: "hello from a node" });
    await hasMessage(p1, "hello from a node", 10_000);
    await say(p2, "welcome, node user");
    await waitFor("node receives the browser's message", async () => {
      const r = await api(node!, "GET", `/circles/${circleId}/messages?channel=general&limit=10`);
      return r.messages?.some((m: { text: string }) => m.text === "welcome, node user");
    }, 10_000);
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
