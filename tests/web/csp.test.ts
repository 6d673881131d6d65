// The Content-Security-Policy of the web client and the relay's /docs, in a real browser:
// the local page (felund serve) and the relay page (felund relay) boot and chat with no CSP
// violation (so the policy allows exactly what the built client needs), and /docs runs no
// script and requests nothing from another origin.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { openMemoryDb } from "../../db/client.ts";
import { createRelayApp } from "../../src/relay/app.ts";
import { webClient } from "../../src/node/web-static.ts";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, newPage, say, startServe, type ServeNode } from "./browser.ts";

setDefaultTimeout(60_000);

let browser: Browser;
let node: ServeNode;
let relay: ReturnType<typeof createRelayApp>;
let relayBase = "";

beforeAll(async () => {
  relay = createRelayApp({ db: openMemoryDb(), config: { rate: false } }).use(
    webClient({ mode: "relay", build: false }),
  ) as unknown as ReturnType<typeof createRelayApp>;
  relay.listen({ hostname: "127.0.0.1", port: 0 });
  relayBase = `http://127.0.0.1:${relay.server!.port}`;
  [browser, node] = await Promise.all([launchBrowser(), startServe("csp")]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  node?.stop();
  relay?.stop(true);
  removeTempDirs();
});

/** A page that records CSP violations (Chromium reports each on the console) and every request's origin. */
async function watched(): Promise<{ page: Page; violations: string[]; origins: Set<string>; errors: string[] }> {
  const { page, errors } = await newPage(browser);
  const violations: string[] = [];
  const origins = new Set<string>();
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on("request", (r) => origins.add(new URL(r.url()).origin));
  return { page, violations, origins, errors };
}

describe("Content-Security-Policy in the browser", () => {
  test("the local page boots, sets up and chats with no violation", async () => {
    const { page, violations, errors } = await watched();
    await page.goto(node.url);
    await page.waitForSelector('[data-testid="setup"]');
    await page.fill('input[name="displayName"]', "carol");
    await page.fill('input[name="circleName"]', "csp");
    await page.click('[data-testid="setup-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="channel-title"]');
    await say(page, "styled **text**");
    await page.waitForSelector('[data-testid="message"] .author'); // its colour is a dynamic style
    expect((await api(node, "GET", "/state")).circles).toHaveLength(1);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  });

  test("the relay page boots with no violation", async () => {
    const { page, violations, errors, origins } = await watched();
    await page.goto(relayBase + "/");
    await page.waitForSelector('[data-testid="setup"]');
    await page.fill('input[name="displayName"]', "dave");
    await page.fill('input[name="circleName"]', "csp-relay");
    await page.click('[data-testid="setup-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="channel-title"]', { timeout: 15_000 });
    await say(page, "through the relay");
    await page.waitForSelector('[data-testid="message"]');
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    expect([...origins]).toEqual([relayBase]);
  });

  test("/docs renders the endpoints with no script and nothing from another origin", async () => {
    const { page, violations, origins } = await watched();
    const res = await page.goto(relayBase + "/docs");
    expect(res!.headers()["content-security-policy"]).toContain("default-src 'none'");
    expect(await page.$$eval("h3", (hs) => hs.map((h) => h.textContent))).toContain("POST/v1/messages");
    expect(await page.$$eval("script", (s) => s.length)).toBe(0);
    expect(violations).toEqual([]);
    expect([...origins]).toEqual([relayBase]);
  });
});
