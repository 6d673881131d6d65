// The web client's message actions in a legacy circle (docs/PROTOCOL.md §18.1): what original
// clients could not see is not offered (no React, no Pin); a reply and an edit made in the page
// reach an original-style v1 peer (tests/node/fake-peer.ts, which checks every MAC) as the
// documented fallback texts, and a delete erases the node's copy while the original keeps its own.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { decodeInvite } from "../../src/protocol/invite.ts";
import { removeTempDirs } from "../cli/helpers.ts";
import { FakePeer, fakeMessage } from "../node/fake-peer.ts";
import { api, launchBrowser, newPage, say, startServe, type ServeNode } from "./browser.ts";
import { waitFor } from "./relay-helpers.ts";

setDefaultTimeout(60_000);
let browser: Browser;
let anna: ServeNode;
let f: FakePeer;
let p: Page;

beforeAll(async () => {
  [browser, anna] = await Promise.all([launchBrowser(), startServe("anna")]);
}, 30_000);
afterAll(async () => {
  await browser?.close();
  anna?.stop();
  f?.stop();
  removeTempDirs();
});

const row = (text: string) =>
  p.locator('[data-testid="message"]', { has: p.locator(".msg-text", { hasText: text }) }).last();
const until = (text: string) =>
  p.waitForFunction(
    (t) => [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === t),
    text,
    { timeout: 20_000 },
  );
/** The labels of a message's actions, once they show (hovering again if the log moved under the pointer). */
const actions = (text: string) =>
  waitFor(
    "the actions",
    async () => {
      await row(text).hover({ position: { x: 120, y: 8 } });
      const l = await row(text)
        .locator('[data-testid="msg-actions"] button')
        .evaluateAll((bs) => bs.map((b) => b.getAttribute("aria-label")));
      return l.length ? l : null;
    },
    10_000,
  );
async function act(text: string, action: string) {
  await waitFor(
    `the ${action} action`,
    async () => {
      await row(text).hover({ position: { x: 120, y: 8 } });
      await row(text).locator(`[data-testid="msg-actions"] button[aria-label="${action}"]`).click({ timeout: 1000 });
      return true;
    },
    10_000,
  );
}

test("legacy circle: no React or Pin; reply and edit reach an original as its fallback texts; a delete erases only ours", async () => {
  const made = await api(anna, "POST", "/circles", { name: "old friends", legacy: true });
  const inv = decodeInvite(made.code);
  if (!inv.ok) throw new Error(inv.reason);
  f = new FakePeer({ secretHex: inv.value.secretHex });
  const addr = (await api(anna, "GET", "/state")).node.listenAddr as string;
  const orig = fakeMessage(inv.value.secretHex, f.nodeId, Math.floor(Date.now() / 1000), "from the original\nline two");
  f.addMessages([orig]);
  await f.dial(addr);

  ({ page: p } = await newPage(browser));
  await p.goto(anna.url);
  await until("from the original\nline two");
  // anna owns the circle: she may delete the original's message, but not react or pin in a legacy circle
  expect(await actions("from the original")).toEqual(["Reply", "Delete", "Copy"]);

  await act("from the original", "Reply");
  expect(await p.textContent('[data-testid="reply-bar"]')).toContain("replying to py: from the original");
  await say(p, "an answer");
  await until("an answer");
  expect(await row("an answer").locator('[data-testid="quote"]').textContent()).toBe("py from the original");

  await say(p, "typo heer");
  await until("typo heer");
  expect(await actions("typo heer")).toEqual(["Reply", "Edit", "Delete", "Copy"]);
  await act("typo heer", "Edit");
  await p.fill('[data-testid="edit-input"]', "typo here");
  await p.press('[data-testid="edit-input"]', "Enter");
  await until("typo here");

  await say(p, "a mistake");
  await until("a mistake");
  const mistake = await row("a mistake").getAttribute("data-msg-id");
  await f.dial(addr);
  expect(f.messages.get(mistake!)?.text).toBe("a mistake");
  await act("a mistake", "Delete");
  await p.click('[data-testid="confirm-delete"] button:has-text("Delete")');
  await p.waitForSelector(`[data-msg-id="${mistake}"] [data-testid="tombstone"]`);

  await f.dial(addr);
  expect(f.sessions.flatMap((s) => s.rejected)).toEqual([]);
  const texts = [...f.messages.values()].filter((m) => m.channel_id !== "__control").map((m) => m.text);
  expect(texts.sort()).toEqual(
    [
      "from the original\nline two",
      "> py: from the original\n\nan answer",
      "typo heer",
      "(edit) typo here",
      "a mistake", // an original keeps its copy: nothing can take it back
    ].sort(),
  );
  const ours = (await api(anna, "GET", `/circles/${made.circleId}/messages?channel=general`)).messages as any[];
  expect(ours.find((m) => m.msgId === mistake)).toMatchObject({ deleted: true, text: "" });
});
