// The relay-only web client in Chromium joining a circle whose relay holds a long history (issue
// 17, docs/PROTOCOL.md §27): the newest message shows first with "syncing history: N of M" in the
// status line, IndexedDB ends up with every message once, and the log scrolls back through the
// whole history to its first message (older pages come from the store as the log asks); after a
// reload too (the history read back in batches, kept compact), with every wire still stored.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser } from "playwright-core";
import type { FelundNode } from "../../src/node/node.ts";
import { composeText } from "../../src/sync/v2-apply.ts";
import { startV2Node } from "../node/helpers.ts";
import { launchBrowser, newPage } from "./browser.ts";
import { startRelay, type TestRelay, waitFor } from "./relay-helpers.ts";

setDefaultTimeout(90_000);
const N = 1500;
let relay: TestRelay;
let node: FelundNode;
let browser: Browser;
let circleId = "";

beforeAll(async () => {
  relay = startRelay({ web: true });
  node = await startV2Node("olivia");
  circleId = node.createCircle("long").circleId;
  const start = Date.now();
  const now = Math.floor(start / 1000);
  node.store.transaction(() => {
    for (let i = 0; i < N; i++) {
      const nowMs = start + i;
      const at = Math.floor(nowMs / 1000);
      const ctx = { store: node.store, calls: node.calls, self: node.keys, now };
      const r = composeText(ctx, {
        circleId,
        channelId: "general",
        displayName: "olivia",
        now: at,
        nowMs,
        rng: node.ctx.rng,
        text: `line ${i}`,
      });
      if (!r.ok) throw new Error(r.reason);
    }
  });
  node.configureRelay(relay.base);
  const rows = () => (relay.db.$client.query("SELECT count(*) AS n FROM relay_messages").get() as { n: number }).n;
  await waitFor("the relay holds the history", () => rows() >= N, 30_000);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  node?.stop();
  relay?.stop();
});

test("newest first with a progress line, all of it in IndexedDB once, and the log scrolls back to the first message", async () => {
  const { page, errors } = await newPage(browser);
  // older pages held back a little, so the fill lasts long enough to be seen
  await page.route(/\/v1\/messages\?.*before=/, async (route) => {
    if (!route.request().url().includes("count=1")) await Bun.sleep(300);
    await route.continue();
  });
  await page.goto(relay.base + "/");
  await page.fill('input[name="displayName"]', "jack");
  await page.click('text="Join with a code"');
  await page.fill('textarea[name="code"]', node.inviteCode(circleId));
  await page.click('[data-testid="setup-form"] button[type="submit"]');
  const shown = (t: string) =>
    page.waitForFunction(
      (x) => [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === x),
      t,
      { timeout: 20_000 },
    );
  /** scroll the log back page by page until its start: the first message shows */
  const backToStart = async () => {
    for (let i = 0; i < 200; i++) {
      const atStart = await page.evaluate(async () => {
        if (document.querySelector(".log-start")) return true;
        const log = document.querySelector<HTMLElement>('[data-testid="log"]')!;
        log.scrollTop = 0;
        await new Promise((r) => setTimeout(r, 60));
        return false;
      });
      if (atStart) break;
    }
    await shown("line 0");
  };
  await shown(`line ${N - 1}`);
  // the progress line while older pages come in (the relay's total names every envelope of the circle)
  const progress = await page
    .waitForFunction(() => document.querySelector('[data-testid="sync-progress"]')?.textContent ?? "", undefined, {
      timeout: 10_000,
      polling: 20,
    })
    .then((h) => h.jsonValue());
  const idb = () =>
    page.evaluate(
      (cid) =>
        new Promise<string[]>((ok, fail) => {
          const r = indexedDB.open("felund-web");
          r.onerror = () => fail(r.error);
          r.onsuccess = () => {
            const q = r.result.transaction("messages").objectStore("messages").index("circle").getAll(cid);
            q.onsuccess = () => {
              ok(
                (q.result as { channelId: string; text: string }[])
                  .filter((m) => m.channelId === "general")
                  .map((m) => m.text),
              );
              r.result.close();
            };
            q.onerror = () => fail(q.error);
          };
        }),
      circleId,
    );
  await waitFor("every message in IndexedDB", async () => (await idb()).length >= N, 60_000);
  const texts = await idb();
  expect(texts.length).toBe(N);
  expect(new Set(texts).size).toBe(N);
  expect(progress).toMatch(/^syncing history: [\d,]+ of 1,50\d$/);
  await page.waitForFunction(() => !document.querySelector('[data-testid="sync-progress"]'), undefined, {
    timeout: 10_000,
  });
  await backToStart();

  // a reload reads the long history back in batches, each kept compact in memory (ui/web/src/relay/mem-cold.ts):
  // the log shows it as before, and IndexedDB still holds every message's signed wire
  await page.reload();
  await shown(`line ${N - 1}`);
  const wires = () =>
    page.evaluate(
      (cid) =>
        new Promise<number>((ok, fail) => {
          const r = indexedDB.open("felund-web");
          r.onerror = () => fail(r.error);
          r.onsuccess = () => {
            const q = r.result.transaction("messages").objectStore("messages").index("circle").getAll(cid);
            q.onsuccess = () => {
              ok((q.result as { v2?: { wire: string } }[]).filter((m) => (m.v2?.wire.length ?? 0) > 100).length);
              r.result.close();
            };
            q.onerror = () => fail(q.error);
          };
        }),
      circleId,
    );
  expect(await wires()).toBeGreaterThanOrEqual(N);
  await backToStart();
  expect(errors).toEqual([]);
});
