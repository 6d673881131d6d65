// Delivery state in the terminal UI (issue 14 item 4): ◷ after an own message that no other
// member or relay holds yet, ✓ once one does (live, by a "delivery" event); /info shows a
// message's details; the offline banner while the node has no live path to another member.
import { afterEach, expect, test } from "bun:test";
import { FakeBackend } from "./fake-backend.ts";
import { startHarness, type Harness } from "./harness.ts";

const BOB = "b0b011112222333344445555";
// (the banner wraps at this width)
const BANNER = "offline — messages will be sent when a member is";

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function backend(reachable: boolean): FakeBackend {
  const b = new FakeBackend({ name: "me" });
  b.app.circles[0]!.reachable = reachable;
  b.addMessage("bob", BOB, "yo");
  const m = b.addMessage("me", b.app.node.nodeId, "anyone?");
  m.delivery = { state: "pending", holders: 0, relay: false };
  return b;
}

test("own messages: ◷ pending, then ✓ when a member holds it; /info says who holds it", async () => {
  h = await startHarness(80, 24, backend(true));
  const f = await h.until((f) => f.includes("me: anyone?"));
  expect(f).toContain("me: anyone? ◷");
  expect(f).not.toContain("bob: yo ◷");
  expect(f).not.toContain(BANNER);
  const m = h.backend.messages.find((x) => x.text === "anyone?")!;
  h.backend.emit({
    t: "delivery",
    circleId: m.circleId,
    msgId: m.msgId,
    delivery: { state: "sent", holders: 1, relay: true },
  });
  await h.until((f) => f.includes("me: anyone? ✓"), "the sent mark");
  await h.type("/info");
  await h.enter();
  const g = await h.until((f) => f.includes("delivery: sent"), "/info");
  expect(g).toContain("author: me (you)");
  expect(g).toContain("verified: signed by its author");
  expect(g).toContain("delivery: sent: held by 1 member(s), on the relay");
  expect(g).toContain("holders: 1 member(s) + the relay");
  await h.type("/info 2");
  await h.enter();
  await h.until((f) => f.includes("author: bob"), "/info 2: the message above");
});

test("the offline banner shows with no live path and goes when one comes", async () => {
  h = await startHarness(80, 24, backend(false));
  await h.until((f) => f.includes(BANNER), "the banner");
  h.backend.emit({ t: "reach", circleId: h.backend.app.circles[0]!.circleId, reachable: true });
  await h.until((f) => !f.includes(BANNER), "the banner gone");
  h.backend.emit({ t: "reach", circleId: h.backend.app.circles[0]!.circleId, reachable: false });
  await h.until((f) => f.includes(BANNER), "the banner back");
});
