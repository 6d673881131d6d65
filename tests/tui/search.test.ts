// /search and /jump in the terminal UI (OpenTUI's test renderer, the fake backend): numbered
// results with time, channel, author and the match in [brackets]; /jump N opens the result's
// channel, loads its history back to the message (here three pages back) and shows it marked.
import { afterEach, expect, test } from "bun:test";
import { FakeBackend, T0 } from "./fake-backend.ts";
import { startHarness, type Harness } from "./harness.ts";

const ALICE = "aaaa11112222333344445555";
const BOB = "b0b011112222333344445555";

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function backend(): FakeBackend {
  const b = new FakeBackend({ name: "me" });
  b.addMessage("alice", ALICE, "the needle in the haystack", { channelId: "random", ts: T0 });
  for (let i = 0; i < 160; i++) b.addMessage("bob", BOB, `hay ${i}`, { channelId: "random", ts: T0 + 60 + i * 60 });
  b.addMessage("bob", BOB, "a needle again", { ts: T0 + 20_000 });
  return b;
}

test("/search lists numbered results; /jump opens one far back in another channel, marked", async () => {
  h = await startHarness(100, 30, backend());
  await h.until((f) => f.includes("a needle again"));
  await h.type("/search needl");
  await h.enter();
  const f = await h.until((f) => f.includes("2. ["), "results");
  expect(f).toContain("2 result(s) for needl, newest first; /jump N opens one");
  expect(f).toMatch(/1\. \[\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?\] #general bob: a \[needle\] again/);
  expect(f).toMatch(/2\. \[[^\]]+\] #random alice: the \[needle\] in the/);

  await h.type("/jump 2");
  await h.enter();
  const j = await h.until((f) => f.includes("▶") && f.includes("mygroup #random"), "jumped");
  const line = j.split("\n").find((l) => l.includes("▶"))!;
  expect(line).toContain("alice: the needle in the haystack");
  expect(h.store.currentMessages.length).toBeGreaterThan(150); // loaded back page by page, no gap
  expect(h.store.currentMessages[0]!.text).toBe("the needle in the haystack");

  await h.type("/jump 9");
  await h.enter();
  const t0 = Date.now();
  while (!h.store.state.notices.some((n) => n.text.includes("no result 9: /search <words> first")))
    if (Date.now() - t0 > 3000) throw new Error("no notice for /jump 9");
    else await Bun.sleep(5);
});
