// Issue 14, items 7 and 9 in the terminal UI (in-process renderer, fake backend): a mention of
// a display name with a space is highlighted as one, notices stay in the channel where they
// were asked, opening a channel with unread messages shows a "new messages" line, and the
// day labels move on at midnight.
import { afterEach, describe, expect, setSystemTime, test } from "bun:test";
import { FakeBackend, T0 } from "./fake-backend.ts";
import { startHarness, type Harness } from "./harness.ts";

const BOB = "b0b011112222333344445555";

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function switchTo(ch: string) {
  await h!.type(`/channel switch ${ch}`);
  await h!.enter();
  await h!.until((f) => f.includes(`#${ch} ←`), `#${ch}`);
}

describe("terminal chat", () => {
  test("a mention of a name with a space is highlighted whole", async () => {
    const b = new FakeBackend({ name: "Alice W." });
    b.addMessage("bob", BOB, "hi @alice w. and @bob");
    h = await startHarness(100, 24, b);
    await h.until((f) => f.includes("hi @alice w. and @bob"));
    const spans = h.t.captureSpans().lines.flatMap((l) => l.spans);
    const self = spans.find((s) => s.text === "@alice w.");
    const plain = spans.find((s) => s.text === " and ");
    expect(self).toBeDefined();
    expect(self!.bg.toInts()).not.toEqual(plain!.bg.toInts());
  });

  test("notices stay in the channel where they were asked", async () => {
    const b = new FakeBackend({ name: "me" });
    b.addMessage("bob", BOB, "hello");
    h = await startHarness(80, 24, b);
    await h.until((f) => f.includes("bob: hello"));
    await h.type("/frobnicate");
    await h.enter();
    await h.until((f) => f.includes("! unknown command /frobnicate"));
    await switchTo("random");
    expect(await h.until((f) => f.includes("#random ←"))).not.toContain("unknown command");
    await switchTo("general");
    await h.until((f) => f.includes("! unknown command /frobnicate"), "the notice back in #general");
  });

  test('opening a channel with unread messages shows a "new messages" line above the first unread', async () => {
    const b = new FakeBackend({ name: "me" });
    b.addMessage("bob", BOB, "read before", { channelId: "random", ts: T0 });
    h = await startHarness(80, 24, b);
    await switchTo("random");
    await switchTo("general");
    b.addMessage("bob", BOB, "first new", { channelId: "random", ts: T0 + 60, emit: true });
    b.addMessage("bob", BOB, "second new", { channelId: "random", ts: T0 + 120, emit: true });
    await h.until((f) => f.includes("#random (2)"), "unread mark");
    await switchTo("random");
    const f = await h.until((f) => f.includes("second new"));
    const rows = f.split("\n");
    const line = rows.findIndex((r) => r.includes("── new messages ──"));
    expect(line).toBeGreaterThan(rows.findIndex((r) => r.includes("read before")));
    expect(rows[line + 1]).toContain("bob: first new");
  });
});

describe("day labels", () => {
  test('a log left open past midnight labels the day before "Yesterday"', async () => {
    const day = new Date(T0 * 1000);
    // half a second before the next midnight: the redraw is due 1.5 s later, at 00:00:01
    setSystemTime(new Date(day.getFullYear(), day.getMonth(), day.getDate(), 23, 59, 59, 500));
    try {
      const b = new FakeBackend({ name: "me" });
      b.addMessage("bob", BOB, "late one", { ts: T0 });
      h = await startHarness(80, 24, b);
      const f = await h.until((f) => f.includes("bob: late one"));
      expect(f).not.toContain("Yesterday"); // today's messages have no label
      setSystemTime(new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1, 0, 0, 2));
      await h.until((f) => f.includes("── Yesterday ──"), "the label after midnight", 4000);
    } finally {
      setSystemTime();
    }
  }, 10_000);
});
