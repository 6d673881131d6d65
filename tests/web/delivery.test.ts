// Delivery state and the offline banner in the web client (issue 14 item 4), desktop and
// 390×844 at once: an own message shows a pending mark (◷) until another member or the relay
// holds it, then a sent mark (✓) whose title says who holds it; the offline banner shows while
// there is no live path to another member and goes when one comes.
// Local mode: node A alone, then node B joins (a live v2 session). Relay-only: the relay stops
// (the page's one path), a message waits, the relay comes back on the same port.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { openMemoryDb } from "../../db/client.ts";
import { webClient } from "../../src/node/web-static.ts";
import { createRelayApp } from "../../src/relay/app.ts";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, newPage, say, startServe } from "./browser.ts";
import { waitFor } from "./relay-helpers.ts";

const BANNER = ".offline";
const VIEWPORTS = [
  { width: 1200, height: 760 },
  { width: 390, height: 844 },
];

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

async function pages(url: string): Promise<Page[]> {
  const out: Page[] = [];
  for (const vp of VIEWPORTS) {
    const p = await newPage(browser, vp);
    p.page.on("pageerror", (e) => errors.push(e.message));
    await p.page.goto(url);
    out.push(p.page);
  }
  return out;
}

/** the delivery mark of the message with this text: "pending", "sent", or null (none) */
const mark = (p: Page, text: string) =>
  p.evaluate((t) => {
    const m = [...document.querySelectorAll('[data-testid="message"]')].find(
      (e) => e.querySelector(".msg-text")?.textContent === t,
    );
    const d = m?.querySelector(".dlv");
    return m ? (d ? `${d.getAttribute("data-state")}|${d.getAttribute("title")}` : "none") : null;
  }, text);

const bannerShown = (p: Page) => p.evaluate((s) => !!document.querySelector(s), BANNER);

test("local mode: pending while alone, with the offline banner; sent (held by 1) once a member is reachable", async () => {
  const [A, B] = await Promise.all([startServe("alice"), startServe("bob")]);
  stops.push(A.stop, B.stop);
  const { circleId } = await api(A, "POST", "/circles", { name: "friends" });
  const ps = await pages(A.url);
  for (const p of ps) await waitFor("the banner", () => bannerShown(p), 8000);
  expect(await ps[0]!.textContent(BANNER)).toContain("offline — messages will be sent when a member is reachable");
  await say(ps[0]!, "desktop says hi");
  await say(ps[1]!, "phone says hi");
  for (const p of ps)
    for (const t of ["desktop says hi", "phone says hi"])
      expect(await waitFor(`${t} pending`, async () => (await mark(p, t))?.startsWith("pending"))).toBe(true);

  const { code } = await api<{ code: string }>(A, "GET", `/circles/${circleId}/invite`);
  expect((await api(B, "POST", "/circles/join", { code })).ok).toBe(true);
  for (const p of ps) {
    for (const t of ["desktop says hi", "phone says hi"]) {
      await waitFor(`${t} sent`, async () => (await mark(p, t))?.startsWith("sent"), 10_000);
      expect(await mark(p, t)).toBe("sent|sent: held by 1 member(s)");
    }
    await waitFor("the banner gone", async () => !(await bannerShown(p)), 8000);
  }
  // /info in the web: the details of your last message
  await say(ps[1]!, "/info");
  await waitFor("/info", async () =>
    (await ps[1]!.textContent('[data-testid="log"]'))?.includes("holders: 1 member(s)"),
  );
  await ps[0]!.context().close();
  await ps[1]!.context().close();
}, 60_000);

function relayOn(port: number, db = openMemoryDb()) {
  const app = createRelayApp({ db, config: { rate: false, docs: false } }).use(
    webClient({ mode: "relay", build: false }),
  );
  app.listen({ hostname: "127.0.0.1", port });
  return { app, db, port: app.server!.port! };
}

test("relay-only: the banner while the relay is gone, a message waits pending, then sent to the relay", async () => {
  let r = relayOn(0);
  stops.push(() => r.app.stop(true));
  const base = `http://127.0.0.1:${r.port}`;
  const ps = await pages(`${base}/`);
  for (const [i, p] of ps.entries()) {
    await p.fill('input[name="displayName"]', `web${i}`);
    await p.fill('input[name="circleName"]', `circle ${i}`);
    await p.click('[data-testid="setup-form"] button[type="submit"]');
    await p.waitForSelector('[data-testid="channel-title"]');
    await say(p, `hello ${i}`);
    await waitFor("sent to the relay", async () => (await mark(p, `hello ${i}`))?.startsWith("sent"), 8000);
    expect(await mark(p, `hello ${i}`)).toBe("sent|sent: on the relay");
    expect(await bannerShown(p)).toBe(false);
  }
  await r.app.stop(true);
  for (const p of ps) await waitFor("the banner", () => bannerShown(p), 15_000);
  for (const [i, p] of ps.entries()) {
    await say(p, `later ${i}`);
    expect(await waitFor("pending", async () => (await mark(p, `later ${i}`))?.startsWith("pending"))).toBe(true);
  }
  r = relayOn(r.port, r.db);
  for (const [i, p] of ps.entries()) {
    await waitFor(
      "sent after the relay came back",
      async () => (await mark(p, `later ${i}`))?.startsWith("sent"),
      20_000,
    );
    await waitFor("the banner gone", async () => !(await bannerShown(p)), 10_000);
  }
}, 60_000);
