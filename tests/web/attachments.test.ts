// Attachments in the web client (docs/PROTOCOL.md §20): a local node's web UI attaches an image
// (the page makes its thumbnail with a canvas; the node uploads the chunks to the circle's
// relay); a relay-only browser in the circle shows the thumbnail from the signed message and
// downloads the file through the relay with the same bytes. Nothing is loaded from elsewhere.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { circleHint } from "../../src/protocol/ids.ts";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, newPage, type ServeNode, startServe } from "./browser.ts";
import { startRelay, type TestRelay, waitFor } from "./relay-helpers.ts";

let browser: Browser;
let relay: TestRelay;
let node: ServeNode;
const errors: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  relay = startRelay({ web: true });
  browser = await launchBrowser();
  node = await startServe("erin", ["--relay", relay.base]);
}, 40_000);

afterAll(async () => {
  await browser?.close();
  node?.stop();
  relay?.stop();
  removeTempDirs();
});

/** A 200×120 PNG drawn in the page (a gradient, so the thumbnail has content). */
async function makePng(p: Page): Promise<number[]> {
  return p.evaluate(async () => {
    const c = document.createElement("canvas");
    c.width = 200;
    c.height = 120;
    const g = c.getContext("2d")!;
    for (let x = 0; x < 200; x++) {
      g.fillStyle = `rgb(${x},${120 - (x % 120)},200)`;
      g.fillRect(x, 0, 1, 120);
    }
    const b = await new Promise<Blob>((ok) => c.toBlob((x) => ok(x!), "image/png"));
    return [...new Uint8Array(await b.arrayBuffer())];
  });
}

test("local node UI attaches an image; a relay-only browser shows its thumbnail and downloads the same bytes", async () => {
  const made = await api(node, "POST", "/circles", { name: "pics" });
  expect(made.ok).toBe(true);
  const { page: p2 } = await newPage(browser);
  p2.on("pageerror", (e) => errors.push(`relay page: ${e.message}`));
  p2.on("request", (r) => requests.push(r.url()));
  await p2.goto(relay.base + "/");
  await p2.fill('input[name="displayName"]', "frank");
  await p2.click('text="Join with a code"');
  await p2.fill('textarea[name="code"]', made.code);
  await p2.click('[data-testid="setup-form"] button[type="submit"]');
  await p2.waitForFunction(
    () => document.querySelector('[data-testid="sidebar"]')?.textContent?.includes("pics"),
    null,
    {
      timeout: 15_000,
    },
  );

  const { page: p1 } = await newPage(browser);
  p1.on("pageerror", (e) => errors.push(`local page: ${e.message}`));
  await p1.goto(node.url);
  await p1.waitForSelector('[data-testid="channel-title"]');
  const png = await makePng(p1);
  await p1.setInputFiles('[data-testid="attach"]', {
    name: "gradient.png",
    mimeType: "image/png",
    buffer: Buffer.from(png),
  });
  // the sender's own log shows the thumbnail made in its page
  await p1.waitForSelector('[data-testid="attachment"] [data-testid="thumb"]', { timeout: 15_000 });
  await waitFor(
    "the chunks on the relay",
    () =>
      (
        relay.db.$client
          .query("SELECT COUNT(*) AS n FROM relay_blobs WHERE circle_hint = ?")
          .get(circleHint(made.circleId)) as {
          n: number;
        }
      ).n >= 1,
    10_000,
  );

  // the relay-only browser: the thumbnail (a data: image from the signed message), then the file
  const thumb = await p2.waitForSelector('[data-testid="attachment"] [data-testid="thumb"]', { timeout: 20_000 });
  expect(await thumb.getAttribute("src")).toMatch(/^data:image\/jpeg;base64,/);
  expect(await thumb.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(96);
  expect(await p2.textContent('[data-testid="attachment"] .file-name')).toBe("gradient.png");
  const [dl] = await Promise.all([p2.waitForEvent("download"), p2.click('[data-testid="download"]')]);
  expect(dl.suggestedFilename()).toBe("gradient.png");
  const got = readFileSync((await dl.path())!);
  expect(Buffer.compare(got, Buffer.from(png))).toBe(0);
  // opening the thumbnail shows the full image (an object URL of the fetched bytes)
  await p2.click('[data-testid="thumb"]');
  const full = await p2.waitForSelector('[data-testid="full-image"]');
  expect(await full.getAttribute("src")).toMatch(/^blob:/);
  await p2.waitForFunction(
    () => (document.querySelector('[data-testid="full-image"]') as HTMLImageElement).naturalWidth === 200,
  );

  // only the relay's origin was ever asked
  const origins = new Set(requests.filter((u) => /^https?:/.test(u)).map((u) => new URL(u).origin));
  expect([...origins]).toEqual([relay.base]);
  expect(errors).toEqual([]);
}, 90_000);
