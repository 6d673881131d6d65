// Timeline events in the terminal log (issue 16): a control row that is a timeline event shows
// as one quiet line at its time, live or from history.
import { afterEach, expect, test } from "bun:test";
import type { MessageView } from "../../ui/shared/types.ts";
import { FakeBackend, T0 } from "./fake-backend.ts";
import { type Harness, startHarness } from "./harness.ts";

const BOB = "b0b011112222333344445555";
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function event(b: FakeBackend, msgId: string, ts: number, text: string, e: MessageView["event"]): MessageView {
  const m = b.addMessage("bob", BOB, text, { ts, channelId: "__control" });
  return { ...m, msgId, event: e };
}

test("a join from history and a live circle rename show as quiet lines in time order", async () => {
  const b = new FakeBackend({ name: "me" });
  b.addMessage("alice", "aaaa11112222333344445555", "hey everyone", { ts: T0 });
  const join = event(b, "e1", T0 + 30, "bob joined", { kind: "join", channelId: "general", actor: BOB, name: "bob" });
  b.messages.splice(b.messages.indexOf(b.messages.find((m) => m.channelId === "__control")!), 1, {
    ...join,
    channelId: "general",
  });
  h = await startHarness(100, 30, b);
  await h.until((f) => f.includes("· bob joined"), "the join line");
  const live = event(b, "e2", T0 + 90, "bob renamed the circle to Hill walkers", {
    kind: "circle_name",
    channelId: "general",
    actor: BOB,
    name: "Hill walkers",
  });
  b.emit({ t: "message", message: live });
  const f = await h.until((x) => x.includes("· bob renamed the circle to Hill walkers"), "the rename line");
  // in time order, after the message before it
  expect(f.indexOf("hey everyone")).toBeLessThan(f.indexOf("bob joined"));
});
