// `felund search`: straight on the database and through a running node's local API (the same
// page either way), newest first, the snippet marked, --json, --channel, paging with --before,
// and user errors (no query, a query with no word, a bad --limit or --before).
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { felund, freePort, removeTempDirs, startFelund, stoppedAfterEach, tempDir } from "./helpers.ts";

afterAll(removeTempDirs);
setDefaultTimeout(60_000);
const procs = stoppedAfterEach();

test("search: direct and through the running node, newest first, marked, paged, by channel", async () => {
  const d = tempDir();
  await felund(d, "init", "--bind", "127.0.0.1", "--port", String(freePort()), "--name", "alice");
  const { circleId } = JSON.parse((await felund(d, "invite", "--name", "club", "--json")).stdout);
  for (const t of ["the deploy broke", "lunch?", "deployed the fix", "DEPLOYING again"])
    expect((await felund(d, "send", "--circle-id", circleId, t)).code).toBe(0);

  const direct = await felund(d, "search", "--circle-id", circleId, "deploy");
  expect(direct.code).toBe(0);
  const lines = direct.stdout.trim().split("\n");
  expect(lines.map((l) => l.replace(/^\[[^\]]+\] /, ""))).toEqual([
    "#general alice: [DEPLOYING] again",
    "#general alice: [deployed] the fix",
    "#general alice: the [deploy] broke",
  ]);
  const json = JSON.parse((await felund(d, "search", "--circle-id", circleId, "--json", "the", "deploy")).stdout);
  expect(json.hits.map((h: { text: string }) => h.text)).toEqual(["deployed the fix", "the deploy broke"]);
  expect(json.hits[0].snippet).toEqual({
    text: "deployed the fix",
    marks: [
      [0, 8],
      [9, 12],
    ],
  });

  const page1 = await felund(d, "search", "--circle-id", circleId, "--limit", "2", "deploy");
  const more = /more: --before (\d+:\d+)/.exec(page1.stdout)?.[1];
  expect(more).toBeDefined();
  const page2 = await felund(d, "search", "--circle-id", circleId, "--limit", "2", "--before", more!, "deploy");
  expect(page2.stdout).toContain("the [deploy] broke");
  expect(page2.stdout).not.toContain("more:");
  expect((await felund(d, "search", "--circle-id", circleId, "--channel", "#random", "deploy")).stderr).toMatch(
    /unknown channel: #random/,
  );
  expect((await felund(d, "search", "--circle-id", circleId, "nothing")).stdout.trim()).toBe(
    "(nothing found for nothing)",
  );

  procs.push(await startFelund(d, ["run"], /local API (http:\/\/\S+);/));
  const viaNode = await felund(d, "search", "--circle-id", circleId, "--json", "the", "deploy");
  expect(viaNode.code).toBe(0);
  expect(JSON.parse(viaNode.stdout)).toEqual(json);
  const bad = await felund(d, "search", "--circle-id", circleId, '"', "*");
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/nothing to search for/);
});

test("search: usage errors", async () => {
  const d = tempDir();
  for (const [args, re] of [
    [["search", "--circle-id", "abcd"], /usage: felund search/],
    [["search", "hello"], /--circle-id is required/],
    [["search", "--circle-id", "abcd", "--limit", "0", "x"], /--limit must be 1-100/],
    [["search", "--circle-id", "abcd", "--before", "yesterday", "x"], /--before must be MS:SEQ/],
  ] as [string[], RegExp][]) {
    const r = await felund(d, ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
  }
});
