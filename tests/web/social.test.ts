// Issue 16's social features between two local nodes (anna, ben: a live v2 session between
// them, both on a relay) and a relay-only browser (rita): timeline lines for joins.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, messageTexts, newPage, say, startServe, type ServeNode } from "./browser.ts";
import { startRelay, type TestRelay, waitFor } from "./relay-helpers.ts";

setDefaultTimeout(60_000);
let browser: Browser;
let relay: TestRelay;
let anna: ServeNode;
let ben: ServeNode;
let circleId = "";
let lp: Page; // anna's local page
let rp: Page; // rita, relay-only

beforeAll(async () => {
  relay = startRelay({ web: true });
  [browser, anna, ben] = await Promise.all([
    launchBrowser(),
    startServe("anna", ["--relay", relay.base]),
    startServe("ben", ["--relay", relay.base]),
  ]);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  anna?.stop();
  ben?.stop();
  relay?.stop();
  removeTempDirs();
});

/** The timeline lines a page shows. */
const timeline = (p: Page) => p.$$eval(".timeline", (els) => els.map((e) => (e.textContent ?? "").trim()));
async function untilLine(p: Page, line: string) {
  await p.waitForFunction(
    (l) => [...document.querySelectorAll(".timeline")].some((e) => e.textContent?.trim() === l),
    line,
    { timeout: 20_000 },
  );
}

describe("social", () => {
  test("timeline: joins show as quiet lines, live on a node's page and on the relay-only page", async () => {
    const made = await api(anna, "POST", "/circles", { name: "trio" });
    circleId = made.circleId;
    ({ page: lp } = await newPage(browser));
    await lp.goto(anna.url);
    await lp.waitForSelector('[data-testid="channel-title"]');
    await untilLine(lp, "anna created the circle");

    expect((await api(ben, "POST", "/circles/join", { code: made.code })).ok).toBe(true);
    await untilLine(lp, "ben joined"); // live, while the page is open

    const viaRelay = await api(anna, "GET", `/circles/${circleId}/invite?viaRelay=1`);
    ({ page: rp } = await newPage(browser));
    await rp.goto(relay.base + "/");
    await rp.fill('input[name="displayName"]', "rita");
    await rp.click('text="Join with a code"');
    await rp.fill('textarea[name="code"]', viaRelay.code);
    await rp.click('[data-testid="setup-form"] button[type="submit"]');
    await rp.waitForFunction(() => document.querySelector('[data-testid="sidebar"]')?.textContent?.includes("trio"));
    await untilLine(lp, "rita joined");
    await untilLine(rp, "ben joined");
    await untilLine(rp, "rita joined");
    const lines = await timeline(rp);
    expect(lines.indexOf("anna created the circle")).toBeLessThan(lines.indexOf("ben joined"));
    expect(lines.indexOf("ben joined")).toBeLessThan(lines.indexOf("rita joined"));
    // quiet: no message row, no unread mark for them
    expect(await lp.$$eval('[data-testid="message"]', (els) => els.length)).toBe(0);
  });

  test("pins: the owner pins on a node's page; the other node and the relay-only page list it, jump to it", async () => {
    await api(ben, "POST", `/circles/${circleId}/messages`, { channel: "general", text: "meet at the bridge" });
    await lp.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="message"] .msg-text')].some(
        (e) => e.textContent === "meet at the bridge",
      ),
    );
    await say(lp, "/pin 1");
    const benPins = await waitFor(
      "ben holds the pin",
      async () => {
        const r = await api(ben, "GET", `/circles/${circleId}/pins?channel=general`);
        return r.pins.length ? r.pins : null;
      },
      20_000,
    );
    expect(benPins[0].message.text).toBe("meet at the bridge");
    // the relay-only page: the header's pin opens the list
    await waitFor(
      "rita's relay page holds the pin",
      async () => {
        await rp.click('button[title="Pinned"]');
        await rp.waitForSelector('[data-testid="pins-modal"]');
        const n = await rp.$$eval('[data-testid="pin"]', (els) => els.map((e) => e.textContent ?? ""));
        if (n.some((t) => t.includes("meet at the bridge"))) return true;
        await rp.keyboard.press("Escape");
        await Bun.sleep(500);
        return null;
      },
      20_000,
    );
    await rp.click('[data-testid="pin"]');
    await rp.waitForSelector('[data-testid="pins-modal"]', { state: "detached" });
    expect(await messageTexts(rp)).toContain("meet at the bridge");
    // rita is not the owner: refused, with a clear notice
    await say(rp, "/pin 1");
    await rp.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="notice"]')].some((e) =>
        e.textContent?.includes("only the circle owner or the channel owner may pin"),
      ),
    );
  });

  test("notifications: a channel set to nothing raises no badge and no mention; another channel still does", async () => {
    for (const name of ["quiet", "loud"]) await api(anna, "POST", `/circles/${circleId}/channels`, { name });
    await lp.waitForSelector('[data-channel="loud"]');
    await lp.click('[data-channel="quiet"]');
    await say(lp, "/notify none");
    await lp.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="notice"]')].some((e) => e.textContent === "#quiet notifies: none"),
    );
    await lp.click('[data-channel="general"]');
    // ben's messages reach anna's node over their session; her page is on #general
    await waitFor(
      "ben has both channels",
      async () => {
        const r = await api(ben, "GET", `/circles/${circleId}/channels`);
        return r.channels.some((c: { channelId: string }) => c.channelId === "loud") ? true : null;
      },
      20_000,
    );
    await api(ben, "POST", `/circles/${circleId}/messages`, { channel: "quiet", text: "@anna are you there?" });
    await api(ben, "POST", `/circles/${circleId}/messages`, { channel: "loud", text: "@anna over here" });
    await lp.waitForSelector('[data-channel="loud"] [data-testid="unread"]', { timeout: 20_000 });
    expect(await lp.textContent('[data-channel="loud"] [data-testid="unread"]')).toContain("@");
    // quiet got its message too (it is stored), yet shows nothing
    expect(await lp.$('[data-channel="quiet"] [data-testid="unread"]')).toBeNull();
    await lp.click('[data-channel="quiet"]');
    await lp.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="message"] .msg-text')].some(
        (e) => e.textContent === "@anna are you there?",
      ),
    );
    // kept by the node
    const prefs = (await api(anna, "GET", "/notify")).prefs;
    expect(prefs.levels).toEqual({ [`${circleId}/quiet`]: "none" });
  });
});
