// Two real `felund serve` nodes, each with its own browser: first-run setup, invite modal,
// joining by code, chat both ways in real time, channels, settings, mentions, scroll-back,
// the phone layout, and the local API refusing the token-less page and other origins.
import { decodeInvite2 } from "../../src/protocol/v2/invite.ts";
import { AUTHOR_COLORS, authorColorIndex } from "../../ui/shared/format.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, messageTexts, newPage, say, startServe, type ServeNode } from "./browser.ts";

let browser: Browser;
let A: ServeNode;
let B: ServeNode;
let pa: Page;
let pb: Page;
const pageErrors: string[] = [];
let circleId = "";

beforeAll(async () => {
  [browser, A, B] = await Promise.all([launchBrowser(), startServe("node-a"), startServe("node-b")]);
  const a = await newPage(browser);
  const b = await newPage(browser);
  await a.ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: A.base });
  // bob's tab can be "hidden" on demand, and records desktop notifications instead of showing them
  await b.ctx.addInitScript(() => {
    const w = window as unknown as { __notes: string[]; __hidden: boolean; Notification: unknown };
    w.__notes = [];
    w.__hidden = false;
    w.Notification = class {
      static permission = "granted";
      static requestPermission = async () => "granted";
      onclick: (() => void) | null = null;
      constructor(title: string, o?: { body?: string }) {
        w.__notes.push(`${title} | ${o?.body ?? ""}`);
      }
      close() {}
    };
    Object.defineProperty(Document.prototype, "hidden", { get: () => w.__hidden, configurable: true });
  });
  pa = a.page;
  pb = b.page;
  pa.on("pageerror", (e) => pageErrors.push(`A: ${e.message}`));
  pb.on("pageerror", (e) => pageErrors.push(`B: ${e.message}`));
}, 40_000);

afterAll(async () => {
  await browser?.close();
  A?.stop();
  B?.stop();
  removeTempDirs();
});

const sidebarChannels = (p: Page) =>
  p.$$eval("[data-channel]", (els) => els.map((e) => e.getAttribute("data-channel")));

describe("web client on two local nodes", () => {
  test("first-run setup creates a circle; the token leaves the address bar", async () => {
    await pa.goto(A.url);
    await pa.waitForSelector('[data-testid="setup"]');
    expect(pa.url()).toBe(`${A.base}/`);
    expect(await pa.evaluate(() => localStorage.getItem("felund.token"))).toBe(A.token);
    await pa.fill('input[name="displayName"]', "alice");
    await pa.fill('input[name="circleName"]', "friends");
    await pa.click('[data-testid="setup-form"] button[type="submit"]');
    await pa.waitForSelector('[data-testid="channel-title"]');
    expect(await pa.textContent('[data-testid="channel-title"]')).toBe("#general");
    expect(await pa.textContent('[data-testid="status"]')).toContain("alice");
    expect(await pa.textContent('[data-testid="sidebar"]')).toContain("friends");
    const st = await api(A, "GET", "/state");
    expect(st.node.displayName).toBe("alice");
    circleId = st.circles[0].circleId;
    // a reload keeps working with the stored token
    await pa.reload();
    await pa.waitForSelector('[data-testid="channel-title"]');
    // installable: manifest with icons, and a service worker that caches the shell but never /api
    const manifest = await (await fetch(`${A.base}/manifest.webmanifest`)).json();
    expect(manifest.icons.map((i: { sizes: string }) => i.sizes)).toContain("512x512");
    const cached = await pa.evaluate(async () => {
      await navigator.serviceWorker.ready;
      const keys = await caches.keys();
      const urls = (
        await Promise.all(
          keys.map(async (k) => (await (await caches.open(k)).keys()).map((r) => new URL(r.url).pathname)),
        )
      ).flat();
      return urls;
    });
    expect(cached).toContain("/");
    expect(cached.some((u) => u.startsWith("/assets/") && u.endsWith(".js"))).toBe(true);
    expect(cached.some((u) => u.startsWith("/api"))).toBe(false);
  }, 15_000);

  test("F2 shows the invite code with a copy button; the other user joins with it at setup", async () => {
    await pa.keyboard.press("F2");
    const codeBox = await pa.waitForSelector('[data-testid="invite-code"]');
    await pa.waitForFunction(() =>
      (document.querySelector('[data-testid="invite-code"]') as HTMLTextAreaElement).value.startsWith("felund2."),
    );
    const code = await codeBox.inputValue();
    // felund2. codes are issued per request (own invite id and owner signature): same circle, same inviter
    const fresh = decodeInvite2(
      (await api(A, "GET", `/circles/${circleId}/invite`)).code,
      Math.floor(Date.now() / 1000),
    );
    const shown = decodeInvite2(code, Math.floor(Date.now() / 1000));
    expect(shown.ok && fresh.ok && shown.value.circleId === circleId && shown.value.peer === fresh.value.peer).toBe(
      true,
    );
    await pa.click('[data-testid="invite-modal"] button.primary');
    await pa.waitForSelector('text="Copied ✓"');
    expect(await pa.evaluate(() => navigator.clipboard.readText())).toBe(code);
    await pa.keyboard.press("Escape");
    await pa.waitForSelector('[data-testid="invite-modal"]', { state: "detached" });
    expect(await pa.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("input");

    await pb.goto(B.url);
    await pb.fill('input[name="displayName"]', "bob");
    await pb.click('text="Join with a code"');
    await pb.fill('textarea[name="code"]', code);
    await pb.click('[data-testid="setup-form"] button[type="submit"]');
    await pb.waitForSelector('[data-testid="channel-title"]');
    // the circle's name arrives with the first sync from alice's node
    await pb.waitForFunction(
      () => document.querySelector('[data-testid="sidebar"]')?.textContent?.includes("friends"),
      undefined,
      { timeout: 8_000 },
    );
  }, 20_000);

  test("they chat both ways in real time", async () => {
    const t0 = Date.now();
    await say(pa, "hello from **alice**");
    await pb.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="message"]')].some((e) =>
          e.textContent?.includes("hello from alice"),
        ),
      undefined,
      { timeout: 8_000 },
    );
    const aToB = Date.now() - t0;
    expect(await pb.textContent('[data-testid="message"] strong')).toBe("alice");
    const t1 = Date.now();
    await say(pb, "hi alice, bob here");
    await pa.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="message"]')].some((e) => e.textContent?.includes("bob here")),
      undefined,
      { timeout: 8_000 },
    );
    const bToA = Date.now() - t1;
    console.error(`web e2e: alice->bob ${aToB} ms, bob->alice ${bToA} ms`);
    expect(await messageTexts(pa)).toContain("hi alice, bob here");
    // the author line carries bob's name in a per-author colour
    const authors = (
      await pa.$$eval(".author", (els) => els.map((e) => [e.textContent, (e as HTMLElement).style.color]))
    ).sort();
    expect(authors.map((x) => x[0])).toEqual(["alice", "bob"]); // same second: ordered by msg_id
    // each author's colour is the one derived from their node id (two of 8 colours may coincide)
    const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;
    for (const [n, name] of [
      [A, "alice"],
      [B, "bob"],
    ] as const) {
      const id = (await api(n, "GET", "/state")).node.nodeId as string;
      expect(authors.find((x) => x[0] === name)![1]).toBe(rgb(AUTHOR_COLORS[authorColorIndex(id)]!));
    }
  }, 20_000);

  test("channel create and switch; unread counts for the other channel", async () => {
    await say(pa, "/channel create dev");
    await pa.waitForFunction(() => document.querySelector('[data-testid="channel-title"]')?.textContent === "#dev");
    expect(await sidebarChannels(pa)).toEqual(["general", "dev"]);
    await pb.waitForFunction(() => !!document.querySelector('[data-channel="dev"]'), undefined, { timeout: 8_000 });
    await pb.click('[data-channel="dev"]');
    expect(await pb.textContent('[data-testid="channel-title"]')).toBe("#dev");
    await pa.click('[data-channel="general"]');
    await say(pb, "news in dev");
    await pa.waitForSelector('[data-channel="dev"] [data-testid="unread"]', { timeout: 8_000 });
    expect(await pa.textContent('[data-channel="dev"] [data-testid="unread"]')).toBe("1");
    await pa.click('[data-channel="dev"]');
    await pa.waitForFunction(() =>
      [...document.querySelectorAll(".msg-text")].some((e) => e.textContent === "news in dev"),
    );
    expect(await pa.$('[data-channel="dev"] [data-testid="unread"]')).toBeNull();
    // an unknown command gets a clear notice and sends nothing
    await say(pa, "/frobnicate");
    await pa.waitForSelector('.notice.error:has-text("unknown command /frobnicate")');
  }, 20_000);

  test("settings change the display name; the other side sees it", async () => {
    await pb.keyboard.press("F3");
    await pb.waitForSelector('[data-testid="settings-modal"]');
    await pb.fill('input[name="displayName"]', "bobby");
    await pb.click('[data-testid="settings-modal"] button[type="submit"]');
    await pb.waitForSelector('[data-testid="settings-modal"]', { state: "detached" });
    await pb.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent?.includes("bobby"));
    expect((await api(B, "GET", "/state")).node.displayName).toBe("bobby");
    await pa.click('[data-channel="general"]');
    await pa.waitForFunction(
      () => [...document.querySelectorAll(".author")].some((e) => e.textContent === "bobby"),
      undefined,
      { timeout: 8_000 },
    );
  }, 20_000);

  test("completion in the web input is the terminal's: command words, then channel names after /channel switch", async () => {
    await pa.fill('[data-testid="input"]', "");
    await pa.type('[data-testid="input"]', "/chan");
    await pa.waitForSelector('[data-testid="suggestions"] li:has-text("/channel")');
    await pa.press('[data-testid="input"]', "Tab");
    expect(await pa.inputValue('[data-testid="input"]')).toBe("/channel ");
    await pa.type('[data-testid="input"]', "sw");
    await pa.waitForSelector('[data-testid="suggestions"] li:has-text("/channel switch")');
    await pa.press('[data-testid="input"]', "Tab");
    await pa.type('[data-testid="input"]', "gen");
    await pa.waitForSelector('[data-testid="suggestions"] li:has-text("general")');
    await pa.press('[data-testid="input"]', "Tab");
    expect(await pa.inputValue('[data-testid="input"]')).toBe("/channel switch general ");
    await pa.fill('[data-testid="input"]', "");
  }, 20_000);

  test("@mention: Tab completes the name, the mentioned user sees it highlighted and notified", async () => {
    await pb.evaluate(() => ((window as unknown as { __hidden: boolean }).__hidden = true));
    await pa.fill('[data-testid="input"]', "");
    await pa.type('[data-testid="input"]', "ping @bo");
    await pa.waitForSelector('[data-testid="suggestions"] li:has-text("@bobby")');
    await pa.press('[data-testid="input"]', "Tab");
    expect(await pa.inputValue('[data-testid="input"]')).toBe("ping @bobby ");
    await pa.type('[data-testid="input"]', "look <img src=x onerror=alert(1)>");
    await pa.press('[data-testid="input"]', "Enter");
    await pb.click('[data-channel="general"]');
    const mention = await pb.waitForSelector(".msg.mention .mention-tag.self", { timeout: 8_000 });
    expect(await mention.textContent()).toBe("@bobby");
    // markup in a message is text, never HTML
    expect(await pb.$$eval(".msg-text img", (e) => e.length)).toBe(0);
    expect(await pb.textContent(".msg.mention .msg-text")).toBe("ping @bobby look <img src=x onerror=alert(1)>");
    // the tab was hidden: one desktop notification, naming who and where
    expect(await pb.evaluate(() => (window as unknown as { __notes: string[] }).__notes)).toEqual([
      "alice mentioned you in #general (friends) | ping @bobby look <img src=x onerror=alert(1)>",
    ]);
    await pb.evaluate(() => ((window as unknown as { __hidden: boolean }).__hidden = false));
  }, 20_000);

  test("F1 lists the shared command registry; scroll-back loads older history", async () => {
    await pa.keyboard.press("F1");
    await pa.waitForSelector('[data-testid="help-modal"]');
    const rows = await pa.$$eval('[data-testid="help-modal"] .cmd-table:not(.keys) tr', (els) =>
      els.map((e) => e.querySelector("code")?.textContent),
    );
    const { COMMANDS } = await import("../../ui/shared/commands.ts");
    expect(rows).toEqual(COMMANDS.map((c) => "/" + c.name));
    await pa.keyboard.press("Escape");

    await say(pa, "/channel create history");
    await pa.waitForFunction(() => document.querySelector('[data-testid="channel-title"]')?.textContent === "#history");
    for (let i = 0; i < 120; i++)
      await api(A, "POST", `/circles/${circleId}/messages`, { channel: "history", text: `line ${i}` });
    await pa.reload();
    await pa.click('[data-channel="history"]');
    await pa.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === "line 119"),
    );
    // 120 messages within a second or two: order inside one second is by msg_id
    expect((await messageTexts(pa)).filter((t) => /^line 11\d$/.test(t)).length).toBeGreaterThan(0);
    // (the log renders only the rows near its view: the texts seen on the way up make the history)
    const seen = new Set(await messageTexts(pa));
    for (let i = 0; i < 10 && seen.size < 120; i++) {
      await pa.$eval('[data-testid="log"]', (el) => el.scrollTo(0, 0));
      await pa.waitForTimeout(150);
      for (const t of await messageTexts(pa)) seen.add(t);
    }
    await pa.waitForSelector("text=This is the beginning of #history");
    expect(seen).toEqual(new Set(Array.from({ length: 120 }, (_, i) => `line ${i}`)));
  }, 25_000);

  test("phone-sized screen: the sidebar hides behind a menu button", async () => {
    await pa.setViewportSize({ width: 390, height: 760 });
    await pa.waitForFunction(() => document.querySelector(".sidebar")!.getBoundingClientRect().right <= 0);
    expect(await pa.isVisible(".menu-btn")).toBe(true);
    await pa.click(".menu-btn");
    await pa.waitForFunction(() => document.querySelector(".sidebar")!.getBoundingClientRect().x >= 0);
    await pa.click('[data-channel="general"]');
    await pa.waitForFunction(() => document.querySelector(".sidebar")!.getBoundingClientRect().right <= 0);
    await pa.setViewportSize({ width: 1200, height: 760 });
  }, 15_000);

  test("without a token the page explains itself; another origin cannot use the local API", async () => {
    const fresh = await newPage(browser);
    await fresh.page.goto(`${A.base}/`);
    await fresh.page.waitForSelector('[data-testid="blocked"]');
    expect(await fresh.page.textContent("h1")).toBe("Open felund from your terminal");
    await fresh.page.goto(`${A.base}/#token=${"0".repeat(64)}`);
    await fresh.page.waitForSelector("text=The node refused this token");

    // a page on another origin that even knows the token
    const evil = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Response("<!doctype html><title>evil</title>", { headers: { "content-type": "text/html" } }),
    });
    try {
      const before = (await api(A, "GET", "/state")).circles.length;
      await fresh.page.goto(`http://127.0.0.1:${evil.port}/`);
      const r = await fresh.page.evaluate(
        async ({ base, token }) => {
          const out: Record<string, string> = {};
          try {
            const res = await fetch(`${base}/api/state`, { headers: { authorization: `Bearer ${token}` } });
            out.read = `status ${res.status}`;
          } catch (e) {
            out.read = `blocked: ${(e as Error).name}`;
          }
          try {
            await fetch(`${base}/api/circles?token=${token}`, {
              method: "POST",
              mode: "no-cors",
              headers: { "content-type": "text/plain" },
              body: '{"name":"pwned"}',
            });
            out.post = "sent (opaque)";
          } catch (e) {
            out.post = `blocked: ${(e as Error).name}`;
          }
          out.ws = await new Promise<string>((done) => {
            const ws = new WebSocket(`${base.replace("http", "ws")}/api/ws?token=${token}`);
            ws.onopen = () => done("open");
            ws.onerror = () => done("refused");
            setTimeout(() => done("timeout"), 3000);
          });
          return out;
        },
        { base: A.base, token: A.token },
      );
      expect(r.read).toBe("blocked: TypeError");
      expect(r.ws).toBe("refused");
      // the no-cors POST reaches the server, which refuses it for its Origin: nothing created
      expect((await api(A, "GET", "/state")).circles.length).toBe(before);
      const direct = await fetch(`${A.base}/api/state`, {
        headers: { authorization: `Bearer ${A.token}`, origin: `http://127.0.0.1:${evil.port}` },
      });
      expect(direct.status).toBe(403);
    } finally {
      evil.stop(true);
      await fresh.ctx.close();
    }
    expect(pageErrors).toEqual([]);
  }, 20_000);
});
