// Typing in the terminal UI (docs/PROTOCOL.md §22) through the shared store: the status line
// says who types in the open channel ("bob is typing…", two names, "Several people…"), nothing
// for another channel, and the line goes when the peer's event says nobody types; typing in the
// bar tells the backend (once per TYPING_SEND_EVERY_MS, not for a /command).
import { afterEach, expect, test } from "bun:test";
import { FakeBackend } from "./fake-backend.ts";
import { startHarness, type Harness } from "./harness.ts";

const BOB = "b0b011112222333344445555";
const CAROL = "ca201111222233334444aaaa";
const DAN = "da9011112222333344445555";

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

test("the status line shows who types in the open channel, and the bar's typing reaches the backend", async () => {
  const b = new FakeBackend({ name: "me" });
  b.addMessage("bob", BOB, "yo");
  b.addMessage("carol", CAROL, "hi");
  b.addMessage("dan", DAN, "hey");
  const told: string[] = [];
  (b as unknown as { typing(c: string, ch: string): Promise<void> }).typing = async (c, ch) =>
    void told.push(`${c}/${ch}`);
  h = await startHarness(120, 24, b);
  await h.until((f) => f.includes("bob: yo"));
  const circleId = b.app.circles[0]!.circleId;
  const line = () => h!.lines()[1]!;
  b.emit({ t: "typing", circleId, channelId: "general", who: [BOB] });
  await h.until(() => line().includes("bob is typing…"), "bob typing");
  b.emit({ t: "typing", circleId, channelId: "general", who: [BOB, CAROL] });
  await h.until(() => line().includes("bob and carol are typing…"), "two names");
  b.emit({ t: "typing", circleId, channelId: "general", who: [BOB, CAROL, DAN] });
  await h.until(() => line().includes("Several people are typing…"), "several");
  b.emit({ t: "typing", circleId, channelId: "random", who: [] });
  b.emit({ t: "typing", circleId, channelId: "general", who: [] });
  await h.until(() => !line().includes("typing"), "cleared");
  b.emit({ t: "typing", circleId, channelId: "random", who: [BOB] });
  await Bun.sleep(50);
  await h.t.renderOnce();
  expect(line()).not.toContain("typing");

  await h.type("/hel");
  expect(told).toEqual([]);
  for (let i = 0; i < 4; i++) await h.t.mockInput.pressBackspace();
  await h.type("hello");
  expect(told).toEqual([`${circleId}/general`]);
});
