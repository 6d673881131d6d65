// Call viewers through a relay (issue 15 part 4): alice on a local node (`felund serve --relay`)
// hosts; carol, a relay-only browser (her own v2 peer, signals through the relay's /v1/signal),
// watches with /call view: she hears alice and sends nothing; alice's revoke closes her link to
// carol within 2 s. Everything runs in a loopback-only network namespace (tests/web/netns.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { say } from "./browser.ts";
import { waitFor } from "./relay-helpers.ts";
import { Netns, callStats, nodeApi, statOf, type NsNode } from "./netns.ts";

let ns: Netns;
let browser: Browser;
let relay: { base: string };
let A: NsNode;
let pa: Page;
let pc: Page;
let a = "";
let c = "";
const errors: string[] = [];

beforeAll(async () => {
  ns = Netns.create("callsvr");
  [browser, relay] = await Promise.all([ns.browser(), ns.relay()]);
  A = await ns.serve("alice", ["--relay", relay.base]);
  const page = async (who: string, viewport: { width: number; height: number }) => {
    const p = await (await browser.newContext({ viewport })).newPage();
    p.setDefaultTimeout(10_000);
    p.on("pageerror", (e) => errors.push(`${who}: ${e.message}`));
    return p;
  };
  [pa, pc] = await Promise.all([
    page("alice", { width: 390, height: 844 }),
    page("carol", { width: 1200, height: 800 }),
  ]);
  await pa.goto(A.url);
  const made = await nodeApi(pa, A, "POST", "/circles", { name: "relayed" });
  await pa.reload();
  await pa.waitForSelector('[data-testid="channel-title"]');
  await pc.goto(relay.base + "/");
  await pc.fill('input[name="displayName"]', "carol");
  await pc.click('text="Join with a code"');
  await pc.fill('textarea[name="code"]', made.code);
  await pc.click('[data-testid="setup-form"] button[type="submit"]');
  await pc.waitForSelector('[data-testid="channel-title"]', { timeout: 20_000 });
  a = (await nodeApi(pa, A, "GET", "/state")).node.nodeId;
  c = await pc.evaluate(
    () => document.querySelector('[data-testid="status"] span[title]')?.getAttribute("title") ?? "",
  );
}, 80_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  ns?.close();
  removeTempDirs();
});

const linkState = (p: Page, peer: string) => callStats(p).then((s) => s.find((x) => x.nodeId === peer)?.state);

describe("a relay-only browser watches a local node's call", () => {
  test("carol watches with /call view: she hears alice, sends nothing; alice (390x844) revokes her with ✕", async () => {
    await say(pa, "/call start");
    await pc.waitForSelector('[data-testid="call-status"]', { timeout: 15_000 });
    await say(pc, "/call view");
    await waitFor("linked through the relay", async () => (await linkState(pa, c)) === "connected", 25_000);
    await waitFor("carol hears alice", async () => (await statOf(pc, a)).inBytes > 0, 10_000);
    const mine = await statOf(pc, a);
    expect(mine.outBytes).toBe(0);
    expect(mine.senders).toBe(0);
    await pa.waitForSelector(`[data-testid="viewer"][data-node="${c}"]`);
    const t0 = Date.now();
    await pa.click(`[data-testid="viewer"][data-node="${c}"] [data-testid="viewer-revoke"]`);
    await waitFor("alice's link to carol is gone", async () => (await linkState(pa, c)) === undefined, 2000);
    await Bun.sleep(Math.max(0, 2000 - (Date.now() - t0)));
    const s1 = (await callStats(pc)).find((x) => x.nodeId === a)?.inBytes ?? 0;
    await Bun.sleep(1000);
    expect((await callStats(pc)).find((x) => x.nodeId === a)?.inBytes ?? 0).toBe(s1);
    await pc.waitForSelector("text=you are no longer in the call", { timeout: 15_000 });
    await say(pa, "/call end");
  }, 60_000);

  test("no page errors", () => {
    expect(errors).toEqual([]);
  });
});
