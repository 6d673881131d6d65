// Issue 16 in the terminal: a control row that is a timeline event shows
// as one quiet line at its time, live or from history; /pin, /pins, /unpin.
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

test("pins: /pin N pins the Nth message from the bottom (timeline lines not counted), /pins lists, /unpin N unpins", async () => {
  const b = new FakeBackend({ name: "me" });
  b.addMessage("alice", "aaaa11112222333344445555", "the plan", { ts: T0 });
  b.addMessage("bob", BOB, "the map", { ts: T0 + 60 });
  const pins: string[] = [];
  const asked: string[] = [];
  Object.assign(b, {
    async pin(_c: string, ch: string, msgId: string, pinned: boolean) {
      asked.push(`${pinned ? "pin" : "unpin"} ${ch} ${msgId}`);
      if (pinned) pins.push(msgId);
      else pins.splice(pins.indexOf(msgId), 1);
    },
    async listPins(_c: string, channelId: string) {
      return pins.map((id) => {
        const message = b.messages.find((m) => m.msgId === id)!;
        return { msgId: id, channelId, pinnedBy: "me", pinnedTs: T0, message };
      });
    },
  });
  h = await startHarness(100, 30, b);
  await h.until((f) => f.includes("the map"), "the log");
  b.emit({
    t: "message",
    message: {
      ...event(b, "e9", T0 + 120, "bob joined #general", {
        kind: "channel_join",
        channelId: "general",
        actor: BOB,
        name: "general",
      }),
    },
  });
  await h.until((f) => f.includes("· bob joined #general"), "the event line");
  await h.type("/pin 2");
  await h.enter();
  await h.until((f) => f.includes("pinned"), "pinned notice");
  expect(asked).toEqual([`pin general ${b.messages[0]!.msgId}`]);
  await h.type("/pins");
  await h.enter();
  await h.until((f) => f.includes("1 pinned in #general:") && /1\. \[.*\] alice: the plan/.test(f), "the pin list");
  await h.type("/unpin 1");
  await h.enter();
  await h.until((f) => f.includes("unpinned"), "unpinned notice");
  expect(pins).toEqual([]);
  await h.type("/unpin 1");
  await h.enter();
  await h.until((f) => f.includes("no pin 1 in #general"), "the refusal");
});
