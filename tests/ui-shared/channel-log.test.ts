// What a channel's log holds besides messages (issue 14, item 9): notices in the channel where
// they were asked (an error answering after a switch included), /clear for that channel only,
// and the first message unread when the channel was opened (the "new messages" line).
import { describe, expect, test } from "bun:test";
import { ChatStore, keyOf } from "../../ui/shared/chat-store.ts";
import { runLine } from "../../ui/shared/line.ts";
import { FakeBackend, msg } from "./fake-backend.ts";

const C = "c".repeat(24);
async function setup() {
  const backend = new FakeBackend();
  backend.addCircle(C, "friends", ["general", "random"]);
  const store = new ChatStore(backend);
  await store.init();
  return { backend, store };
}
const texts = (store: ChatStore, key?: string) => store.noticesIn(key).map((n) => n.text);

describe("notices per channel", () => {
  test("a notice shows in the channel where it was asked, not in every channel", async () => {
    const { store } = await setup();
    store.notice("asked in general");
    await store.select(C, "random");
    store.notice("asked in random");
    expect(texts(store)).toEqual(["asked in random"]);
    expect(texts(store, keyOf(C, "general"))).toEqual(["asked in general"]);
  });

  test("an error that comes back after a switch stays where it was asked", async () => {
    const { store } = await setup();
    await runLine(store, "/slow", async () => {
      await store.select(C, "random");
      throw new Error("too late");
    });
    expect(texts(store)).toEqual([]);
    expect(texts(store, keyOf(C, "general"))).toEqual(["error: too late"]);
  });

  test("/clear clears the open channel's notices only", async () => {
    const { store } = await setup();
    store.notice("general one");
    await store.select(C, "random");
    store.notice("random one");
    store.clearNotices();
    expect(texts(store)).toEqual([]);
    expect(texts(store, keyOf(C, "general"))).toEqual(["general one"]);
  });
});

describe('the "new messages" line', () => {
  test("marks the first message from others that was unread when the channel was opened", async () => {
    const { backend, store } = await setup();
    await store.select(C, "random");
    const old = msg({ circleId: C, channelId: "random", text: "read" });
    backend.emit({ t: "message", message: old });
    await store.select(C, "general");
    const first = msg({ circleId: C, channelId: "random", text: "new 1" });
    backend.emit({ t: "message", message: first });
    backend.emit({ t: "message", message: msg({ circleId: C, channelId: "random", text: "mine", own: true }) });
    backend.emit({ t: "message", message: msg({ circleId: C, channelId: "random", text: "new 2" }) });
    await store.select(C, "random");
    expect(store.state.newFrom[keyOf(C, "random")]).toBe(first.msgId);
    // opened again with nothing unread: no line
    await store.select(C, "general");
    await store.select(C, "random");
    expect(store.state.newFrom[keyOf(C, "random")]).toBe("");
  });
});
