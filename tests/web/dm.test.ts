// Direct messages between a relay-only browser and a node's user (docs/PROTOCOL.md §21): two
// nodes (anna, ben) and a relay-only page (rita) share a circle through a relay. Rita opens a
// conversation with anna from the member list and writes; anna's node reads it and answers, and
// the answer shows on rita's page; anna's own web page lists the conversation under "Direct
// messages"; ben's node stores and relays the DM but its database never holds the words.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, messageTexts, newPage, say, startServe, type ServeNode } from "./browser.ts";
import { startRelay, waitFor, type TestRelay } from "./relay-helpers.ts";

setDefaultTimeout(60_000);
let browser: Browser;
let relay: TestRelay;
let anna: ServeNode;
let ben: ServeNode;

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

const SECRET = "rita-to-anna-only-7f3a9c";
const ANSWER = "anna-to-rita-only-2b8e41";

test("a DM from the relay-only browser to a node's user and back; the third member holds only ciphertext", async () => {
  const made = await api(anna, "POST", "/circles", { name: "trio" });
  const circleId: string = made.circleId;
  expect((await api(ben, "POST", "/circles/join", { code: made.code })).ok).toBe(true);
  const viaRelay = await api(anna, "GET", `/circles/${circleId}/invite?viaRelay=1`);

  const { page: rp } = await newPage(browser);
  await rp.goto(relay.base + "/");
  await rp.fill('input[name="displayName"]', "rita");
  await rp.click('text="Join with a code"');
  await rp.fill('textarea[name="code"]', viaRelay.code);
  await rp.click('[data-testid="setup-form"] button[type="submit"]');
  await rp.waitForFunction(() => document.querySelector('[data-testid="sidebar"]')?.textContent?.includes("trio"));

  // rita: the member list, "Message" on anna's row (once anna's member card has arrived)
  await rp.click('[data-testid="members-toggle"]');
  const annaRow = '[data-testid="member"]:has(.member-name:text-is("anna")) [data-testid="dm-member"]';
  await rp.waitForSelector(annaRow, { timeout: 20_000 });
  await rp.click(annaRow);
  await rp.waitForFunction(() => document.querySelector('[data-testid="channel-title"]')?.textContent === "@anna");
  await say(rp, SECRET);
  await waitFor("rita's own DM shows", async () => ((await messageTexts(rp)).includes(SECRET) ? true : null));

  // anna's node: the conversation is listed, and reads
  const conv = await waitFor(
    "anna's node lists the conversation",
    async () => (await api(anna, "GET", `/circles/${circleId}/dms`)).dms?.[0] ?? null,
    20_000,
  );
  expect(conv.name).toBe("rita");
  expect(conv.channelId).toMatch(/^__dm_[0-9a-f]{24}$/);
  const read = async (n: ServeNode) =>
    ((await api(n, "GET", `/circles/${circleId}/messages?channel=${conv.channelId}`)).messages ?? []).map(
      (m: { text: string }) => m.text,
    );
  await waitFor("anna reads it", async () => ((await read(anna)).includes(SECRET) ? true : null), 20_000);

  // anna answers from her node; it shows on rita's page, in the conversation she has open
  const sent = await api(anna, "POST", `/circles/${circleId}/messages`, { channel: conv.channelId, text: ANSWER });
  expect(sent.ok).toBe(true);
  await waitFor("rita sees the answer", async () => ((await messageTexts(rp)).includes(ANSWER) ? true : null), 20_000);

  // anna's own web page: the conversation under "Direct messages", titled @rita when opened
  const { page: lp } = await newPage(browser);
  await lp.goto(anna.url);
  await lp.waitForSelector('[data-testid="dm-list"] [data-dm]');
  expect(await lp.textContent('[data-testid="dm-list"]')).toContain("rita");
  await lp.click('[data-testid="dm-list"] [data-dm]');
  await lp.waitForFunction(() => document.querySelector('[data-testid="channel-title"]')?.textContent === "@rita");
  await waitFor("the log shows both", async () => {
    const t = await messageTexts(lp);
    return t.includes(SECRET) && t.includes(ANSWER) ? true : null;
  });

  // ben's node holds both rows (it relays them), without their words, and lists no conversation
  await waitFor("ben stores the two DMs", async () => ((await read(ben)).length === 2 ? true : null), 20_000);
  expect(await read(ben)).toEqual(["", ""]);
  expect((await api(ben, "GET", `/circles/${circleId}/dms`)).dms).toEqual([]);
  const files = readdirSync(ben.dir).filter((f) => /\.(db|sqlite)(-wal)?$/.test(f));
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) {
    const bytes = readFileSync(join(ben.dir, f)).toString("latin1");
    expect(bytes).not.toContain(SECRET);
    expect(bytes).not.toContain(ANSWER);
  }
});
