// Receive-only call viewers and revoke (issue 15 part 4), between two local nodes in a
// loopback-only network namespace (tests/web/netns.ts), Chromium with fake media: bob watches
// alice's call (phone-sized page, the Watch button; then a desktop page, /call view): he hears
// her (inbound audio bytes grow), opens no microphone and sends nothing (no sender carries a
// track, no outbound bytes); alice's panel lists him with a ✕, the status lines count him. When
// alice revokes him, her page closes its connection to him: he stops receiving within 2 s even
// though his page is kept from learning about the revoke (it does not cooperate).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { say } from "./browser.ts";
import { waitFor } from "./relay-helpers.ts";
import { Netns, callStats, nodeApi, statOf, type NsNode } from "./netns.ts";

let ns: Netns;
let browser: Browser;
let A: NsNode;
let B: NsNode;
let pa: Page;
let pb: Page;
let a = "";
let b = "";
const errors: string[] = [];

beforeAll(async () => {
  ns = Netns.create("callsv");
  [browser, A, B] = await Promise.all([ns.browser(), ns.serve("alice"), ns.serve("bob")]);
  const page = async (who: string, viewport: { width: number; height: number }) => {
    const p = await (await browser.newContext({ viewport })).newPage();
    p.setDefaultTimeout(10_000);
    p.on("pageerror", (e) => errors.push(`${who}: ${e.message}`));
    return p;
  };
  pa = await page("alice", { width: 1200, height: 800 });
  pb = await page("bob", { width: 390, height: 844 });
  // count microphone and camera requests on bob's page: a viewer makes none
  await pb.addInitScript(() => {
    const md = navigator.mediaDevices;
    const real = md.getUserMedia.bind(md);
    (globalThis as any).__gum = 0;
    md.getUserMedia = (c) => {
      (globalThis as any).__gum++;
      return real(c);
    };
  });
  await pa.goto(A.url);
  await pb.goto(B.url);
  const made = await nodeApi(pa, A, "POST", "/circles", { name: "watchers" });
  expect((await nodeApi(pb, B, "POST", "/circles/join", { code: made.code })).ok).toBe(true);
  await pa.reload();
  await pb.reload();
  await pa.waitForSelector('[data-testid="channel-title"]');
  await pb.waitForSelector('[data-testid="channel-title"]');
  a = (await nodeApi(pa, A, "GET", "/state")).node.nodeId;
  b = (await nodeApi(pb, B, "GET", "/state")).node.nodeId;
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  ns?.close();
  removeTempDirs();
});

const linkState = (p: Page, peer: string) => callStats(p).then((s) => s.find((x) => x.nodeId === peer)?.state);
const gum = (p: Page) => p.evaluate(() => (globalThis as any).__gum as number);

describe("call viewers between two local nodes", () => {
  test("390x844: bob watches alice's call with the Watch button; both status lines count him", async () => {
    await say(pa, "/call start");
    await pa.waitForSelector('[data-testid="call-panel"] [data-testid="participant"]');
    await pb.waitForSelector('[data-testid="call-status"]', { timeout: 10_000 });
    await pb.click('[data-testid="call-status"]');
    await pb.click('[data-testid="call-watch"]');
    await waitFor("the host's link to its viewer", async () => (await linkState(pa, b)) === "connected", 20_000);
    await waitFor("the viewer's link to the host", async () => (await linkState(pb, a)) === "connected", 10_000);
    await pa.waitForSelector(`[data-testid="viewer"][data-node="${b}"] [data-testid="viewer-revoke"]`);
    await pb.waitForSelector(`[data-testid="viewer"][data-node="${b}"]`);
    // a viewer has no ✕ (only the host), no mute and no camera
    expect(await pb.$('[data-testid="viewer-revoke"]')).toBeNull();
    expect(await pb.$('[data-testid="call-mute"]')).toBeNull();
    await waitFor(
      "counted on both status lines",
      async () =>
        (await pa.textContent('[data-testid="call-status"]'))!.includes("(1+1 watching)") &&
        (await pb.textContent('[data-testid="call-status"]'))!.includes("(1+1 watching)"),
      10_000,
    );
    // the panel fits the phone's width
    const w = await pb.$eval('[data-testid="call-panel"]', (el) => el.getBoundingClientRect().right);
    expect(w).toBeLessThanOrEqual(390);
  }, 45_000);

  test("bob receives alice's audio and sends none (no microphone, no sender with a track)", async () => {
    const in0 = (await statOf(pb, a)).inBytes;
    const out0 = (await statOf(pa, b)).outBytes;
    await Bun.sleep(1500);
    const mine = await statOf(pb, a);
    expect(mine.inBytes).toBeGreaterThan(in0);
    expect((await statOf(pa, b)).outBytes).toBeGreaterThan(out0);
    expect(mine.outBytes).toBe(0);
    expect(mine.senders).toBe(0);
    expect((await statOf(pa, b)).inBytes).toBe(0);
    expect(await gum(pb)).toBe(0);
  }, 15_000);

  test("alice revokes bob with ✕: her link to him closes and he stops receiving within 2 s, uncooperative as he is", async () => {
    // bob's page is kept on the state from before the revoke: it will not hang up by itself
    const stale = await nodeApi(pb, B, "GET", "/state");
    await pb.route("**/api/state", (r) => r.fulfill({ json: stale }));
    const t0 = Date.now();
    await pa.click(`[data-testid="viewer"][data-node="${b}"] [data-testid="viewer-revoke"]`);
    await waitFor("alice's link to bob is gone", async () => (await linkState(pa, b)) === undefined, 2000);
    await pa.waitForSelector(`[data-testid="viewer"][data-node="${b}"]`, { state: "detached", timeout: 2000 });
    await Bun.sleep(Math.max(0, 2000 - (Date.now() - t0)));
    const s1 = await statOf(pb, a); // his page still holds its end of the link
    await Bun.sleep(1500);
    expect((await statOf(pb, a)).inBytes).toBe(s1.inBytes);
    // both nodes know: bob is revoked and cannot watch this call again
    const call = (await nodeApi(pa, A, "GET", "/calls")).calls[0];
    expect(call.viewers).toEqual([]);
    const again = await nodeApi(pb, B, "POST", `/circles/${call.circleId}/calls`, {
      op: "view",
      sessionId: call.sessionId,
    });
    expect(again).toMatchObject({ ok: false });
    expect(again.error).toContain("the host removed you");
    // once his page hears of it (any control event refreshes its state), it hangs up
    await pb.unroute("**/api/state");
    await nodeApi(pa, A, "POST", `/circles/${call.circleId}/channels`, { name: "after", mode: "public" });
    await pb.waitForSelector("text=you are no longer in the call", { timeout: 10_000 });
    expect((await callStats(pb)).length).toBe(0);
  }, 30_000);

  test("desktop: /call view and /call list on bob's page, /call revoke <name> on alice's", async () => {
    await say(pa, "/call end");
    await pb.waitForSelector('[data-testid="call-status"]', { state: "detached", timeout: 10_000 });
    await pb.setViewportSize({ width: 1200, height: 800 });
    await say(pa, "/call start");
    await pb.waitForSelector('[data-testid="call-status"]', { timeout: 10_000 });
    await say(pb, "/call view");
    await waitFor("linked", async () => (await linkState(pb, a)) === "connected", 20_000);
    await waitFor("audio", async () => (await statOf(pb, a)).inBytes > 0, 5000);
    expect((await statOf(pb, a)).outBytes).toBe(0);
    await say(pb, "/call list");
    await pb.waitForSelector("text=watching 1/6: bob");
    await say(pa, "/call revoke bob");
    await waitFor("alice's link to bob is gone", async () => (await linkState(pa, b)) === undefined, 2000);
    await pb.waitForSelector("text=you are no longer in the call", { timeout: 10_000 });
    await say(pa, "/call end");
  }, 45_000);

  test("no page errors", () => {
    expect(errors).toEqual([]);
  });
});
