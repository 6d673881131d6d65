// The F2 panel's invite list in Chromium, in both modes: a `felund serve` node (local API) and
// a relay-only browser (its own store). The owner sees id, created, expires, uses/max and state,
// with the shown code marked; Revoke revokes it there (the node's API / the browser's store
// agree), and the panel reopened hands out a new code.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { codeInviteId } from "../../ui/shared/invites.ts";
import { api, launchBrowser, newPage, startServe, type ServeNode } from "./browser.ts";
import { startRelay, type TestRelay } from "./relay-helpers.ts";

let browser: Browser;
let node: ServeNode;
let relay: TestRelay;
const pageErrors: string[] = [];

beforeAll(async () => {
  relay = startRelay({ web: true });
  [browser, node] = await Promise.all([launchBrowser(), startServe("alice")]);
}, 40_000);
afterAll(async () => {
  await browser?.close();
  node?.stop();
  relay?.stop();
  removeTempDirs();
});

async function page(): Promise<Page> {
  const p = (await newPage(browser)).page;
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
