// One member list on every screen: two nodes (a live v2 session between them, both on a relay)
// and a relay-only browser share a circle; the member panel and /who on a node's local web page
// and on the relay-only page list the same members, the relay-only one included, with who is
// online; at desktop size the panel is a column beside the log, at 390x844 a drawer.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, newPage, say, startServe, type ServeNode } from "./browser.ts";
import { startRelay, waitFor, type TestRelay } from "./relay-helpers.ts";

setDefaultTimeout(30_000);
let browser: Browser;
let relay: TestRelay;
let anna: ServeNode;
let ben: ServeNode;
let circleId = "";

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

type Row = { name: string; id: string; online: boolean; state: string };
/** The member panel's rows, opened from the top bar. */
async function panel(p: Page): Promise<Row[]> {
  if (!(await p.$('[data-testid="member-panel"]'))) await p.click('[data-testid="members-toggle"]');
  await p.waitForSelector('[data-testid="member"]');
  return p.$$eval('[data-testid="member"]', (els) =>
    els.map((e) => ({
      name: e.querySelector(".member-name")?.textContent ?? "",
      id: e.querySelector(".member-id")?.textContent ?? "",
      online: e.classList.contains("online"),
      state: e.querySelector(".member-state")?.textContent ?? "",
    })),
  );
}
const who = (rows: Row[]) => rows.map((r) => `${r.name} ${r.id}`);

/** Wait until the panel lists `n` members, all online. */
async function allOnline(p: Page, n: number): Promise<Row[]> {
  return waitFor(
    `${n} members online`,
    async () => {
      const rows = await panel(p);
      return rows.length === n && rows.every((r) => r.online) ? rows : null;
    },
    20_000,
  );
}

describe("the member list", () => {
  test("a node's web page and a relay-only page list the same members, the relay-only one included", async () => {
    const made = await api(anna, "POST", "/circles", { name: "trio" });
    circleId = made.circleId;
    expect((await api(ben, "POST", "/circles/join", { code: made.code })).ok).toBe(true);
    const viaRelay = await api(anna, "GET", `/circles/${circleId}/invite?viaRelay=1`);

    const { page: rp } = await newPage(browser, { width: 390, height: 844 });
    await rp.goto(relay.base + "/");
    await rp.fill('input[name="displayName"]', "rita");
    await rp.click('text="Join with a code"');
    await rp.fill('textarea[name="code"]', viaRelay.code);
    await rp.click('[data-testid="setup-form"] button[type="submit"]');
    await rp.waitForFunction(() => document.querySelector('[data-testid="sidebar"]')?.textContent?.includes("trio"));

    const { page: lp } = await newPage(browser);
    await lp.goto(anna.url);
    await lp.waitForSelector('[data-testid="channel-title"]');

    // desktop: the panel is a column beside the log; ben over the live session, rita through the relay
    const local = await allOnline(lp, 3);
    expect(local.map((r) => r.name)).toEqual(["anna", "ben", "rita"]);
    expect(local.find((r) => r.name === "anna")!.state).toBe("you");
    expect(local.find((r) => r.name === "ben")!.state).toBe("online via tcp v2");
    await waitFor("the status line counts the others online", async () =>
      (await lp.textContent('[data-testid="peer-count"]'))?.trim() === "2 online" ? true : null,
    );
    const box = (await lp.$('[data-testid="member-panel"]'))!;
    expect(await box.evaluate((e) => getComputedStyle(e).position)).not.toBe("fixed");

    // the relay-only page at 390x844: the same members, in a drawer over the log
    const remote = await allOnline(rp, 3);
    expect(who(remote)).toEqual(who(local));
    expect(remote.find((r) => r.name === "rita")!.state).toBe("you");
    const drawer = (await rp.$('[data-testid="member-panel"]'))!;
    expect(await drawer.evaluate((e) => getComputedStyle(e).position)).toBe("fixed");
    const w = await drawer.evaluate((e) => e.getBoundingClientRect());
    expect(w.right).toBeLessThanOrEqual(390);
    expect(w.width).toBeLessThanOrEqual(390);
    await rp.click(".members-scrim", { position: { x: 10, y: 400 } });
    await rp.waitForSelector('[data-testid="member-panel"]', { state: "detached" });

    // /who prints the same list in both
    const whoLines = async (p: Page) => {
      await say(p, "/who");
      await p.waitForFunction(() =>
        [...document.querySelectorAll('[data-testid="notice"]')].some((e) => /3 members/.test(e.textContent ?? "")),
      );
      const ns = await p.$$eval('[data-testid="notice"]', (els) => els.map((e) => e.textContent ?? ""));
      return ns
        .filter((t) => /^[*-] /.test(t))
        .slice(-3)
        .map((t) => t.replace(/\] .*/, "]"));
    };
    const lw = await whoLines(lp);
    expect(lw).toEqual([
      "* anna [" + local[0]!.id + "]",
      "* ben [" + local[1]!.id + "]",
      "* rita [" + local[2]!.id + "]",
    ]);
    expect(await whoLines(rp)).toEqual(lw);

    // and the other way round: the local page at phone size has the drawer, the relay page at desktop the column
    await lp.setViewportSize({ width: 390, height: 844 });
    await rp.setViewportSize({ width: 1200, height: 760 });
    expect(await box.evaluate((e) => getComputedStyle(e).position)).toBe("fixed");
    expect(who(await panel(rp))).toEqual(who(local));
    expect(await rp.$eval('[data-testid="member-panel"]', (e) => getComputedStyle(e).position)).not.toBe("fixed");
  });
});
