// The web notification menu (🔔 in the top bar, a part of the dialogs' chunk): per channel all /
// mentions / nothing, mute the circle, keywords; it runs the shared /notify, /mute, /keywords, and
// the unread badges follow: a channel set to nothing counts no unread message, mentions-only
// counts a keyword, all counts every message; a muted circle counts none but a keyword.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, newPage, startServe } from "./browser.ts";
import { waitFor } from "./relay-helpers.ts";

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

const badge = (p: Page, ch: string) =>
  p.evaluate(
    (c) => document.querySelector(`[data-channel="${c}"] [data-testid="unread"]`)?.textContent?.trim() ?? "",
    ch,
  );

test("the menu sets what #random notifies, mutes the circle and keeps keywords; the badges follow", async () => {
  const [A, B] = await Promise.all([startServe("alice"), startServe("bob")]);
  stops.push(A.stop, B.stop);
  const { circleId } = await api(A, "POST", "/circles", { name: "friends" });
  await api(A, "POST", `/circles/${circleId}/channels`, { name: "random" });
  const { code } = await api<{ code: string }>(A, "GET", `/circles/${circleId}/invite`);
  expect((await api(B, "POST", "/circles/join", { code })).ok).toBe(true);
  const bob = (text: string) => api(B, "POST", `/circles/${circleId}/messages`, { channel: "random", text });
  const { page: p } = await newPage(browser);
  p.on("pageerror", (e) => errors.push(e.message));
  await p.goto(A.url);
  await p.waitForSelector('[data-channel="random"]');
  await waitFor(
    "bob's node has #random",
    async () =>
      (await api(B, "GET", `/circles/${circleId}/channels`)).channels?.some((c: any) => c.channelId === "random"),
    10_000,
  );

  // #random: nothing
  await p.click('[data-channel="random"]');
  await p.click('[data-testid="notify-open"]');
  await p.waitForSelector('[data-testid="notify-menu"]');
  await p.check('[data-testid="notify-none"]');
  await p.fill('[data-testid="notify-keywords"]', "pizza");
  await p.click('[data-testid="notify-menu"] button[type="submit"]');
  await waitFor(
    "saved",
    async () => (await api(A, "GET", "/notify")).prefs?.keywords?.[circleId]?.[0] === "pizza",
    15_000,
  );
  expect((await api(A, "GET", "/notify")).prefs.levels).toEqual({ [`${circleId}/random`]: "none" });
  await p.keyboard.press("Escape");
  await p.click('[data-channel="general"]');
  await bob("one");
  await waitFor("bob's message reached alice", async () =>
    ((await api(A, "GET", `/circles/${circleId}/messages?channel=random`)).messages ?? []).some(
      (m: any) => m.text === "one",
    ),
  );
  await Bun.sleep(300);
  expect(await badge(p, "random")).toBe("");

  // mentions: a keyword counts, a plain message does not
  await p.click('[data-channel="random"]');
  await p.click('[data-testid="notify-open"]');
  expect(await p.isChecked('[data-testid="notify-none"]')).toBe(true);
  expect(await p.inputValue('[data-testid="notify-keywords"]')).toBe("pizza");
  await p.check('[data-testid="notify-mentions"]');
  await waitFor(
    "saved",
    async () => (await api(A, "GET", "/notify")).prefs.levels[`${circleId}/random`] === "mentions",
  );
  await p.keyboard.press("Escape");
  await p.click('[data-channel="general"]');
  await bob("two");
  await bob("pizza tonight?");
  await waitFor("the keyword counts, as a mention", async () => (await badge(p, "random")) === "@ 1", 8000);

  // all, then the circle muted: only the keyword counts again
  await p.click('[data-channel="random"]');
  await p.click('[data-testid="notify-open"]');
  await p.check('[data-testid="notify-all"]');
  await waitFor("saved", async () => !(`${circleId}/random` in (await api(A, "GET", "/notify")).prefs.levels), 15_000);
  await p.check('[data-testid="notify-mute"]');
  await waitFor("muted", async () => (await api(A, "GET", "/notify")).prefs.muted.includes(circleId), 15_000);
  await p.uncheck('[data-testid="notify-mute"]');
  await waitFor("unmuted", async () => !(await api(A, "GET", "/notify")).prefs.muted.includes(circleId), 15_000);
  await p.keyboard.press("Escape");
  await p.click('[data-channel="general"]');
  await bob("three");
  await waitFor("every message counts", async () => (await badge(p, "random")) === "1", 8000);
}, 90_000);

test("desktop notifications follow the settings: a channel set to nothing raises none, mentions-only raises a keyword", async () => {
  const [A, B] = await Promise.all([startServe("alice"), startServe("bob")]);
  stops.push(A.stop, B.stop);
  const { circleId } = await api(A, "POST", "/circles", { name: "friends" });
  await api(A, "POST", `/circles/${circleId}/channels`, { name: "random" });
  const { code } = await api<{ code: string }>(A, "GET", `/circles/${circleId}/invite`);
  expect((await api(B, "POST", "/circles/join", { code })).ok).toBe(true);
  // saved before the page opens: the client attaches them at start
  const prefs = { levels: { [`${circleId}/random`]: "none" }, muted: [], keywords: { [circleId]: ["pizza"] } };
  expect((await api(A, "PUT", "/notify", { prefs })).ok).toBe(true);
  await waitFor(
    "bob's node has #random",
    async () =>
      (await api(B, "GET", `/circles/${circleId}/channels`)).channels?.some((c: any) => c.channelId === "random"),
    10_000,
  );
  const bob = async (channel: string, text: string) => {
    await api(B, "POST", `/circles/${circleId}/messages`, { channel, text });
    await waitFor(`alice has "${text}"`, async () =>
      ((await api(A, "GET", `/circles/${circleId}/messages?channel=${channel}`)).messages ?? []).some(
        (m: any) => m.text === text,
      ),
    );
  };
  const { ctx, page: p } = await newPage(browser);
  // a hidden tab that records desktop notifications instead of showing them
  await ctx.addInitScript(() => {
    const w = window as unknown as { __notes: string[]; Notification: unknown };
    w.__notes = [];
    w.Notification = class {
      static permission = "granted";
      static requestPermission = async () => "granted";
      onclick: (() => void) | null = null;
      constructor(title: string, o?: { body?: string }) {
        w.__notes.push(`${title} | ${o?.body ?? ""}`);
      }
      close() {}
    };
    Object.defineProperty(Document.prototype, "hidden", { get: () => true, configurable: true });
  });
  p.on("pageerror", (e) => errors.push(e.message));
  await p.goto(A.url);
  await p.waitForSelector('[data-channel="random"]');
  const notes = () => p.evaluate(() => (window as unknown as { __notes: string[] }).__notes);

  // #random notifies nothing: neither a mention nor the keyword; #general (all) notifies a mention
  await bob("random", "@alice are you there?");
  await bob("random", "pizza tonight?");
  await bob("general", "@alice over here");
  await waitFor("the #general mention notified", async () => (await notes()).some((n) => n.includes("over here")));
  await Bun.sleep(500);
  expect((await notes()).filter((n) => /there\?|pizza/.test(n))).toEqual([]);

  // mentions-only (set in the menu): the keyword and a mention notify, a plain message does not
  await p.click('[data-channel="random"]');
  await p.click('[data-testid="notify-open"]');
  await p.check('[data-testid="notify-mentions"]');
  await waitFor(
    "saved",
    async () => (await api(A, "GET", "/notify")).prefs.levels[`${circleId}/random`] === "mentions",
    15_000,
  );
  await p.keyboard.press("Escape");
  await p.click('[data-channel="general"]');
  await bob("random", "just chatting");
  await bob("random", "more pizza?");
  await waitFor("the keyword notified", async () => (await notes()).some((n) => n.includes("more pizza?")));
  await Bun.sleep(500);
  expect((await notes()).some((n) => n.includes("just chatting"))).toBe(false);
  expect((await notes()).filter((n) => /there\?|pizza tonight/.test(n))).toEqual([]);
}, 90_000);
