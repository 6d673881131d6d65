// Timeline events in the shared chat store (issue 16): a control row that is an event goes to
// the log of the channel it is about, quietly (no unread count, no notification hook); any
// other control row stays out of the logs.
import { expect, test } from "bun:test";
import { ChatStore, keyOf } from "../../ui/shared/chat-store.ts";
import { FakeBackend, msg } from "./fake-backend.ts";

const C = "c".repeat(24);
const BOB = "b0b0b0b0b0b0b0b0b0b0b0b0";

test("events join the channel they are about, raise nothing; other control rows are not shown", async () => {
  const backend = new FakeBackend();
  backend.addCircle(C, "friends", ["general", "random"]);
  const store = new ChatStore(backend);
  await store.init();
  await store.select(C, "random");
  await store.select(C, "general");
  let hooks = 0;
  store.onIncoming = () => hooks++;
  store.onMention = () => hooks++;
  const join = msg({
    circleId: C,
    text: "bob joined",
    channelId: "__control",
    event: { kind: "join", channelId: "general", actor: BOB },
  });
  const left = msg({
    circleId: C,
    text: "bob left #random",
    channelId: "__control",
    event: { kind: "channel_leave", channelId: "random", actor: BOB, name: "random" },
  });
  const plain = msg({ circleId: C, text: '{"t":"V2_CALL"}', channelId: "__control" });
  for (const m of [join, left, plain]) backend.emit({ t: "message", message: m });
  expect(store.state.messages[keyOf(C, "general")]!.map((m) => m.msgId)).toEqual([join.msgId]);
  expect(store.state.messages[keyOf(C, "random")]!.map((m) => m.msgId)).toEqual([left.msgId]);
  expect(store.state.unread[keyOf(C, "random")] ?? 0).toBe(0);
  expect(hooks).toBe(0);
});
