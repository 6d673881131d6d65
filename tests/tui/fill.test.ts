// The terminal UI's header while a circle's history streams in (issue 17, docs/PROTOCOL.md §23):
// "syncing history: 42,000 of 100,000" from the state it loads (CircleView.fill) and from the
// node's "fill" events, gone once the fill is done. The same line as the web client's
// (ui/shared/fill-line.ts) and `felund join`'s (src/peer/fill-progress.ts).
import { afterEach, expect, test } from "bun:test";
import { FakeBackend } from "./fake-backend.ts";
import { type Harness, startHarness } from "./harness.ts";

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const header = (f: string) => f.split("\n")[1] ?? "";

test("the header shows the history's progress as fill events arrive, and drops it when done", async () => {
  const b = new FakeBackend({ name: "me" });
  const circleId = b.app.circles[0]!.circleId;
  h = await startHarness(120, 30, b);
  await h.until((f) => header(f).includes("mygroup #general"), "header");
  expect(header(h.frame())).not.toContain("syncing history");
  b.emit({ t: "fill", circleId, got: 0, total: 100_000, done: false });
  await h.until((f) => header(f).includes("| syncing history: 0 of 100,000"), "fill announced");
  b.emit({ t: "fill", circleId, got: 42_000, total: 100_000, done: false });
  await h.until((f) => header(f).includes("| syncing history: 42,000 of 100,000"), "progress");
  // another circle's fill is not this one's
  b.emit({ t: "fill", circleId: "d2".repeat(12), got: 7, total: 9, done: false });
  b.emit({ t: "fill", circleId, got: 100_000, total: 100_000, done: true });
  await h.until((f) => !header(f).includes("syncing history"), "done");
});

test("a fill already running when the UI starts shows from the loaded state", async () => {
  const b = new FakeBackend({ name: "me" });
  const circleId = b.app.circles[0]!.circleId;
  b.app.circles[0]!.fill = { circleId, got: 1_234, total: 5_000, done: false };
  h = await startHarness(120, 30, b);
  await h.until((f) => header(f).includes("syncing history: 1,234 of 5,000"), "from the state");
});
