// The web client served by a relay (relay-only mode, no node behind the page): each browser
// runs its own felund v2 peer (Ed25519 key and history in IndexedDB, signed messages in v2
// envelopes through /v1). Two browsers share a v2-only circle (felund2 code redeemed through
// the relay's /v1/signal), chat, share channels and keep history across a reload; a local
// node (`felund serve --relay`) admits a browser and is admitted by one, all through the
// relay; a circle created "compatible with original clients" uses felund1 codes and v1
// envelopes as well.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { circleHint, circleIdFromSecret } from "../../src/protocol/ids.ts";
import { decodeInvite } from "../../src/protocol/invite.ts";
import { decodeInvite2 } from "../../src/protocol/v2/invite.ts";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, messageTexts, newPage, say, startServe, type ServeNode } from "./browser.ts";
import { startRelay, waitFor, type TestRelay } from "./relay-helpers.ts";

let browser: Browser;
let relay: TestRelay;
let p1: Page;
let p2: Page;
let node: ServeNode | null = null;
let code = "";
let circleId = "";
const pageErrors: string[] = [];

beforeAll(async () => {
  relay = startRelay({ web: true });
  browser = await launchBrowser();
  p1 = (await newPage(browser)).page;
  p2 = (await newPage(browser)).page;
  for (const [n, p] of [
    ["1", p1],
    ["2", p2],
  ] as const)
    p.on("pageerror", (e) => pageErrors.push(`${n}: ${e.message}`));
}, 30_000);

afterAll(async () => {
  await browser?.close();
  node?.stop();
  relay?.stop();
  removeTempDirs();
});

const hasMessage = (p: Page, text: string, timeout = 8_000) =>
  p.waitForFunction(
    (t) => [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === t),
    text,
    { timeout },
  );
/** messages shown with the "unverified author" mark (no v2 signature) */
const unverified = (p: Page) => p.$$eval('[data-testid="message"] .unverified', (els) => els.length);
const inSidebar = (p: Page, name: string) =>
  p.waitForFunction((n) => document.querySelector('[data-testid="sidebar"]')?.textContent?.includes(n), name, {
    timeout: 10_000,
  });
const stored = (cid: string) =>
  (
    relay.db.$client
      .query("SELECT payload FROM relay_messages WHERE circle_hint = ? ORDER BY seq")
      .all(circleHint(cid)) as { payload: string }[]
  ).map((r) => r.payload);
const nodeMessages = async (n: ServeNode, cid: string) =>
  ((await api(n, "GET", `/circles/${cid}/messages?channel=general&limit=50`)).messages ?? []) as {
    text: string;
    verified: string;
  }[];

describe("relay-only web client (felund v2)", () => {
  test("first run in relay mode creates a v2 identity and a v2-only circle with a felund2 code", async () => {
    const cfg = (await (await fetch(`${relay.base}/config.json`)).json()) as { mode: string };
    expect(cfg.mode).toBe("relay");
    await p1.goto(relay.base + "/");
    await p1.waitForSelector('[data-testid="setup"]');
    expect(await p1.textContent('[data-testid="setup"]')).toContain("This browser is its own felund peer");
    expect(await p1.inputValue('input[name="relayBase"]')).toBe(relay.base);
    expect(await p1.isChecked('input[name="legacy"]')).toBe(false);
    await p1.fill('input[name="displayName"]', "caroline");
    await p1.fill('input[name="circleName"]', "outdoors");
    await p1.click('[data-testid="setup-form"] button[type="submit"]');
    await p1.waitForSelector('[data-testid="channel-title"]');
    await p1.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === "relay live");
    expect(await p1.textContent(".brand .pill")).toBe("relay");
    await p1.keyboard.press("F2");
    await p1.waitForFunction(() =>
      (document.querySelector('[data-testid="invite-code"]') as HTMLTextAreaElement | null)?.value.startsWith(
        "felund2.",
      ),
    );
    code = await p1.inputValue('[data-testid="invite-code"]');
    const inv = decodeInvite2(code, Math.floor(Date.now() / 1000));
    if (!inv.ok) throw new Error(inv.reason);
    expect([inv.value.peer, inv.value.circleName]).toEqual([relay.base, "outdoors"]);
    circleId = inv.value.circleId;
    await p1.keyboard.press("Escape");
  }, 15_000);

  test("a second browser joins with the felund2 code (admitted through the relay); signed chat both ways; the relay holds only v2 envelopes", async () => {
    await p2.goto(relay.base + "/");
    await p2.fill('input[name="displayName"]', "davidson");
    await p2.click('text="Join with a code"');
    await p2.fill('textarea[name="code"]', code);
    const t0 = Date.now();
    await p2.click('[data-testid="setup-form"] button[type="submit"]');
    await inSidebar(p2, "outdoors");
    const t1 = Date.now();
    await say(p1, "anyone up for a hike?");
    await hasMessage(p2, "anyone up for a hike?");
    const t2 = Date.now();
    await say(p2, "count me in");
    await hasMessage(p1, "count me in");
    console.error(
      `relay web e2e: admission ${t1 - t0} ms, carol->dave ${t2 - t1} ms, dave->carol ${Date.now() - t2} ms`,
    );
    // (which comes first is each screen's display order: time, then the order stored; the set is what counts here)
    expect((await p1.$$eval(".author", (els) => els.map((e) => e.textContent))).sort()).toEqual([
      "caroline",
      "davidson",
    ]);
    expect([await unverified(p1), await unverified(p2)]).toEqual([0, 0]);
    // a member who is not the owner gets no code for a v2-only circle
    await p2.keyboard.press("F2");
    await p2.waitForFunction(() =>
      document
        .querySelector('[data-testid="invite-modal"]')
        ?.textContent?.includes("only the circle's owner can invite"),
    );
    await p2.keyboard.press("Escape");
    const rows = stored(circleId);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const r of rows) {
      expect(Object.keys(JSON.parse(r)).sort()).toEqual(["created_ts", "msg_id", "v2"]);
      for (const clear of ["a hike", "count me", "caroline", "davidson", "outdoors", "general", circleId])
        expect(r).not.toContain(clear);
    }
  }, 25_000);

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
    expect(await unverified(p2)).toBe(0);
    expect(await p2.textContent('[data-testid="status"]')).toContain("davidson");
  }, 20_000);

  test("a local node admits a relay-only browser through the relay, and a browser admits the node; signed both ways", async () => {
    node = await startServe("erin", ["--relay", relay.base]);
    // the node owns a circle; its ordinary code names its host:port, which a browser cannot dial:
    // the browser asks the owner through its relay instead, where the node answers
    const made = await api(node, "POST", "/circles", { name: "erins" });
    expect(made.ok).toBe(true);
    expect(String(made.code).startsWith("felund2.")).toBe(true);
    await say(p2, `/join ${made.code}`);
    await inSidebar(p2, "erins");
    // (the node can also name its relay in a code: felund invite --circle-id ID --via-relay)
    const viaRelay = await api(node, "GET", `/circles/${made.circleId}/invite?viaRelay=1&maxUses=1`);
    const vr = decodeInvite2(viaRelay.code, Math.floor(Date.now() / 1000));
    expect(vr.ok && [vr.value.peer, vr.value.maxUses]).toEqual([relay.base, 1]);
    await api(node, "POST", `/circles/${made.circleId}/messages`, { channel: "general", text: "hello from a node" });
    await hasMessage(p2, "hello from a node", 10_000);
    expect(await unverified(p2)).toBe(0);
    await say(p2, "hello node owner");
    await waitFor(
      "the node has the browser's signed message",
      async () =>
        (await nodeMessages(node!, made.circleId)).some((m) => m.text === "hello node owner" && m.verified === "sig"),
      10_000,
    );

    // the reverse: the node joins the browser's circle with carol's code (peer = the relay URL)
    const joined = await api(node, "POST", "/circles/join", { code });
    expect(joined.ok).toBe(true);
    expect(joined.circleId).toBe(circleId);
    await waitFor(
      "history from the relay, signed",
      async () => {
        const ms = await nodeMessages(node!, circleId);
        return (
          ms.some((m) => m.text === "count me in" && m.verified === "sig") &&
          ms.some((m) => m.text === "anyone up for a hike?" && m.verified === "sig")
        );
      },
      10_000,
    );
    await p1.click('[data-channel="general"]');
    await api(node, "POST", `/circles/${circleId}/messages`, { channel: "general", text: "erin is here" });
    await hasMessage(p1, "erin is here", 10_000);
    await say(p1, "welcome, erin");
    await waitFor(
      "node receives",
      async () => (await nodeMessages(node!, circleId)).some((m) => m.text === "welcome, erin" && m.verified === "sig"),
      10_000,
    );
    expect(await unverified(p1)).toBe(0);
  }, 40_000);

  test("a circle compatible with original clients: felund1 code, v1 envelopes beside v2 ones", async () => {
    await p1.click('button:has-text("New circle or join")');
    await p1.waitForSelector('[data-testid="new-circle-modal"]');
    await p1.fill('[data-testid="new-circle-modal"] input[name="circleName"]', "classic");
    await p1.check('[data-testid="new-circle-modal"] input[name="legacy"]');
    await p1.click('[data-testid="new-circle-modal"] button[type="submit"]');
    await inSidebar(p1, "classic");
    await p1.keyboard.press("F2");
    await p1.waitForFunction(() =>
      (document.querySelector('[data-testid="invite-code"]') as HTMLTextAreaElement | null)?.value.startsWith(
        "felund1.",
      ),
    );
    const legacyCode = await p1.inputValue('[data-testid="invite-code"]');
    await p1.keyboard.press("Escape");
    const inv = decodeInvite(legacyCode);
    if (!inv.ok) throw new Error(inv.reason);
    expect(inv.value.peer).toBe(relay.base);
    await say(p2, `/join ${legacyCode}`);
    await inSidebar(p2, "classic");
    await say(p1, "old school");
    await hasMessage(p2, "old school");
    // what an original web client reads (§4.4 envelopes), and what v2 peers read
    const rows = stored(circleIdFromSecret(inv.value.secretHex)).map((r) => JSON.parse(r));
    expect(rows.some((e) => e.enc && e.channel_id === "general")).toBe(true);
    expect(rows.some((e) => e.v2)).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
