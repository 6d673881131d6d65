// The F2 panel's invite list in Chromium, in both modes: a `felund serve` node (local API) and
// a relay-only browser (its own store). The owner sees id, created, expires, uses/max and state,
// with the shown code marked; Revoke revokes it there (the node's API / the browser's store
// agree), and the panel reopened hands out a new code.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { codeInviteId } from "../../ui/shared/invites.ts";
import { decodeInvite2 } from "../../src/protocol/v2/invite.ts";
import { api, launchBrowser, newPage, startServe, type ServeNode } from "./browser.ts";
import { startRelay, type TestRelay } from "./relay-helpers.ts";

let browser: Browser;
let node: ServeNode;
let relay: TestRelay;
/** a node with a relay: F2 offers both routes, through the relay by default */
let relayed: ServeNode;
const pageErrors: string[] = [];

beforeAll(async () => {
  relay = startRelay({ web: true });
  [browser, node, relayed] = await Promise.all([
    launchBrowser(),
    startServe("alice"),
    startServe("rita", ["--relay", relay.base]),
  ]);
}, 40_000);
afterAll(async () => {
  await browser?.close();
  node?.stop();
  relayed?.stop();
  relay?.stop();
  removeTempDirs();
});

async function page(size?: { width: number; height: number }): Promise<Page> {
  const p = (await newPage(browser, size)).page;
  p.on("pageerror", (e) => pageErrors.push(e.message));
  return p;
}
const rows = (p: Page) =>
  p.$$eval('[data-testid="invite-row"]', (els) =>
    els.map((e) => ({
      id: e.getAttribute("data-invite")!,
      state: e.getAttribute("data-state")!,
      text: e.textContent ?? "",
    })),
  );
/** open F2 and wait for its code and its list; the code shown */
async function openInvite(p: Page): Promise<string> {
  await p.keyboard.press("F2");
  await p.waitForFunction(() =>
    (document.querySelector('[data-testid="invite-code"]') as HTMLTextAreaElement | null)?.value.startsWith("felund2."),
  );
  await p.waitForSelector('[data-testid="invite-row"]');
  return p.inputValue('[data-testid="invite-code"]');
}
/** revoke the row of `id` and wait until it shows revoked */
async function revoke(p: Page, id: string): Promise<void> {
  await p.click(`[data-testid="invite-row"][data-invite="${id}"] [data-testid="invite-revoke"]`);
  await p.waitForSelector(`[data-testid="invite-row"][data-invite="${id}"][data-state="revoked"]`);
}

describe("F2: the owner's invites", () => {
  test("local mode: list with the shown code marked; Revoke revokes it at the node; reopened, a new code", async () => {
    const made = await api(node, "POST", "/circles", { name: "club", maxUses: 3 });
    const p = await page();
    await p.goto(node.url);
    await p.waitForSelector('[data-testid="channel-title"]');
    const code = await openInvite(p);
    const id = codeInviteId(code)!;
    const r = await rows(p);
    expect(r.map((x) => x.id).sort()).toEqual([codeInviteId(made.code)!, id].sort());
    const mine = r.find((x) => x.id === id)!;
    expect(mine.state).toBe("live");
    expect(mine.text).toContain(id.slice(0, 12));
    expect(mine.text).toContain("(this code)");
    expect(mine.text).toMatch(/0\/∞/);
    expect(r.find((x) => x.id !== id)!.text).toMatch(/0\/3/);
    await revoke(p, id);
    expect(await p.textContent('[data-testid="invite-status"]')).toContain(
      "its code admits no one now (reopen this panel for a new code)",
    );
    const list = (await api(node, "GET", `/circles/${made.circleId}/invites`)).invites as {
      inviteId: string;
      state: string;
    }[];
    expect(list.find((v) => v.inviteId === id)!.state).toBe("revoked");
    await p.keyboard.press("Escape");
    await p.waitForSelector('[data-testid="invite-modal"]', { state: "detached" });
    const next = await openInvite(p);
    expect(next).not.toBe(code);
    expect((await rows(p)).find((x) => x.id === codeInviteId(next))!.state).toBe("live");
    expect(pageErrors).toEqual([]);
  }, 40_000);

  test("relay-only mode: the browser's own invites, revoked in its store (kept across a reload)", async () => {
    const p = await page();
    await p.goto(relay.base + "/");
    await p.waitForSelector('[data-testid="setup"]');
    await p.fill('input[name="displayName"]', "carol");
    await p.fill('input[name="circleName"]', "outdoors");
    await p.click('[data-testid="setup-form"] button[type="submit"]');
    await p.waitForSelector('[data-testid="channel-title"]');
    const code = await openInvite(p);
    const id = codeInviteId(code)!;
    expect(await rows(p)).toEqual([expect.objectContaining({ id, state: "live" })]);
    await revoke(p, id);
    await p.keyboard.press("Escape");
    await p.reload();
    await p.waitForSelector('[data-testid="channel-title"]');
    const next = await openInvite(p);
    expect(next).not.toBe(code);
    const after = await rows(p);
    expect(after.find((x) => x.id === id)?.state).toBe("revoked");
    expect(after.find((x) => x.id === codeInviteId(next))?.state).toBe("live");
    expect(pageErrors).toEqual([]);
  }, 40_000);
});

const VIEWPORTS = [
  ["desktop", { width: 1200, height: 760 }],
  ["phone", { width: 390, height: 844 }],
] as const;
const decoded = (code: string) => {
  const v = decodeInvite2(code, Math.floor(Date.now() / 1000));
  if (!v.ok) throw new Error(v.reason);
  return v.value;
};
/** the invite row of a code, once listed */
const rowOf = async (p: Page, code: string) => {
  const id = codeInviteId(code)!;
  await p.waitForSelector(`[data-testid="invite-row"][data-invite="${id}"]`);
  return (await rows(p)).find((x) => x.id === id)!;
};

describe("F2: route, expiry and use limit chosen before the code", () => {
  for (const [name, size] of VIEWPORTS) {
    test(`${name}: a node with a relay gives a relay code by default; another choice gives a code with it`, async () => {
      await api(relayed, "POST", "/circles", { name: `trip ${name}` });
      const p = await page(size);
      await p.goto(relayed.url);
      await p.waitForSelector('[data-testid="channel-title"]');
      const code = await openInvite(p);
      expect(await p.isChecked('[data-testid="invite-route-relay"]')).toBe(true);
      expect(decoded(code).peer).toBe(relay.base);
      expect(await p.textContent('[data-testid="invite-online-note"]')).toContain("works only while you are online");
      expect(await p.textContent('[data-testid="invite-summary"]')).toContain("through the relay");
      // same network, 1 day, 5 uses
      await p.check('[data-testid="invite-route-lan"]');
      await p.selectOption('[data-testid="invite-ttl"]', "86400");
      await p.selectOption('[data-testid="invite-uses"]', "5");
      await p.click('[data-testid="invite-make"]');
      await p.waitForFunction((old) => {
        const v = (document.querySelector('[data-testid="invite-code"]') as HTMLTextAreaElement | null)?.value ?? "";
        return v.startsWith("felund2.") && v !== old;
      }, code);
      const next = await p.inputValue('[data-testid="invite-code"]');
      const inv = decoded(next);
      const state = await api(relayed, "GET", "/state");
      expect(inv.peer).toBe(state.node.listenAddr);
      expect(inv.expiresTs - inv.issuedTs).toBe(86_400);
      expect(inv.maxUses).toBe(5);
      expect((await rowOf(p, next)).text).toMatch(/0\/5/);
      const listed = (await api(relayed, "GET", `/circles/${inv.circleId}/invites`)).invites as {
        inviteId: string;
        maxUses: number;
        expiresTs: number;
        createdTs: number;
      }[];
      const row = listed.find((v) => v.inviteId === codeInviteId(next))!;
      expect(row.maxUses).toBe(5);
      expect(row.expiresTs - row.createdTs).toBe(86_400);
      expect(await p.textContent('[data-testid="invite-summary"]')).toContain("same network");
      expect(pageErrors).toEqual([]);
    }, 40_000);

    test(`${name}: relay-only mode, the relay is the only route; uses and expiry applied`, async () => {
      const p = await page(size);
      await p.goto(relay.base + "/");
      await p.waitForSelector('[data-testid="setup"]');
      await p.fill('input[name="displayName"]', "dina");
      await p.fill('input[name="circleName"]', `hike ${name}`);
      await p.click('[data-testid="setup-form"] button[type="submit"]');
      await p.waitForSelector('[data-testid="channel-title"]');
      const code = await openInvite(p);
      expect(await p.isChecked('[data-testid="invite-route-relay"]')).toBe(true);
      expect(await p.$('[data-testid="invite-route-lan"]')).toBeNull();
      expect(await p.textContent('[data-testid="invite-online-note"]')).toContain("this browser tab admits");
      await p.selectOption('[data-testid="invite-ttl"]', "3600");
      await p.selectOption('[data-testid="invite-uses"]', "1");
      await p.click('[data-testid="invite-make"]');
      await p.waitForFunction((old) => {
        const v = (document.querySelector('[data-testid="invite-code"]') as HTMLTextAreaElement | null)?.value ?? "";
        return v.startsWith("felund2.") && v !== old;
      }, code);
      const next = await p.inputValue('[data-testid="invite-code"]');
      const inv = decoded(next);
      expect(inv.peer).toBe(relay.base);
      expect(inv.expiresTs - inv.issuedTs).toBe(3600);
      expect(inv.maxUses).toBe(1);
      expect((await rowOf(p, next)).text).toMatch(/0\/1/);
      expect(pageErrors).toEqual([]);
    }, 40_000);
  }

  test("a node without a relay: same network by default, and a hint to set one", async () => {
    await api(node, "POST", "/circles", { name: "lan only" });
    const p = await page();
    await p.goto(node.url);
    await p.waitForSelector('[data-testid="channel-title"]');
    const code = await openInvite(p);
    expect(await p.isChecked('[data-testid="invite-route-lan"]')).toBe(true);
    expect(await p.$('[data-testid="invite-route-relay"]')).toBeNull();
    expect(await p.textContent('[data-testid="invite-options"]')).toContain("Set a relay URL in settings");
    expect(decoded(code).peer).toBe((await api(node, "GET", "/state")).node.listenAddr);
  }, 40_000);
});
