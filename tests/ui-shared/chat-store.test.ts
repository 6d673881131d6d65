// The framework-agnostic ChatStore: merge order and dedupe, unread and mention counts,
// scroll-back paging, reconnect resync, and the mention hook used for notifications.
import { describe, expect, test } from "bun:test";
import { ChatStore, PAGE, keyOf, mergeMessages } from "../../ui/shared/chat-store.ts";
import { FakeBackend, msg } from "./fake-backend.ts";

const C = "c".repeat(24);

async function setup(history = 0) {
  const backend = new FakeBackend();
  backend.addCircle(C, "friends", ["general", "random"]);
  backend.messages.set(
    `${C}/general`,
    Array.from({ length: history }, (_, i) => msg({ circleId: C, text: `old ${i}`, createdTs: 1_600_000_000 + i })),
  );
  const store = new ChatStore(backend);
  await store.init();
  return { backend, store };
}

describe("mergeMessages", () => {
  test("orders by (sortMs, then seq: the order the peer stored them), drops duplicates, keeps the list when nothing is new", () => {
    const a = msg({ circleId: C, text: "a", createdTs: 10, msgId: "b".repeat(32) });
    const b = msg({ circleId: C, text: "b", createdTs: 10, msgId: "a".repeat(32) });
    const c = msg({ circleId: C, text: "c", createdTs: 5 });
    const list = mergeMessages([a], [b, c, a, b]);
    // a and b share a second: a was stored first (lower seq), whatever the msg_ids say
    expect(list.map((m) => m.text)).toEqual(["c", "a", "b"]);
    expect(mergeMessages(list, [a, c])).toBe(list);
    // milliseconds order within a second
    const d = msg({ circleId: C, text: "d", createdTs: 10, sortMs: 10_900 });
    const e = msg({ circleId: C, text: "e", createdTs: 10, sortMs: 10_100 });
    expect(mergeMessages(list, [d, e]).map((m) => m.text)).toEqual(["c", "a", "b", "e", "d"]);
  });

  test("a history arriving one message at a time, shuffled with copies: the same list as one sort", () => {
    let x = 7;
    const rand = (n: number) => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const all = Array.from({ length: 5_000 }, (_, i) =>
      msg({
        circleId: C,
        text: `m${i}`,
        createdTs: 100 + rand(50),
        sortMs: 100_000 + rand(50) * 10,
        msgId: i.toString(16).padStart(32, "0"),
      }),
    );
    const arrivals = all.map((_, i) => all[rand(i + 1)]!).concat(all);
    for (let i = arrivals.length - 1; i > 0; i--) {
      const j = rand(i + 1);
      [arrivals[i], arrivals[j]] = [arrivals[j]!, arrivals[i]!];
    }
    let list: ReturnType<typeof mergeMessages> = [];
    for (const m of arrivals) list = mergeMessages(list, [m]);
    const once = mergeMessages([], [...arrivals]);
    expect(list.map((m) => m.msgId)).toEqual(once.map((m) => m.msgId));
    expect(new Set(list.map((m) => m.msgId)).size).toBe(5_000);
  });
});

describe("ChatStore", () => {
  test("init selects the first circle and loads its latest page", async () => {
    const { store } = await setup(3);
    expect(store.state.ready).toBe(true);
    expect(store.state.circleId).toBe(C);
    expect(store.currentMessages.map((m) => m.text)).toEqual(["old 0", "old 1", "old 2"]);
    expect(store.state.hasMore[keyOf(C, "general")]).toBe(false);
  });

  test("live messages: current channel merges, other channels count unread and mentions", async () => {
    const { backend, store } = await setup();
    backend.emit({ t: "message", message: msg({ circleId: C, text: "hi all" }) });
    expect(store.currentMessages.map((m) => m.text)).toEqual(["hi all"]);
    expect(store.state.unread[keyOf(C, "general")] ?? 0).toBe(0);
    backend.emit({ t: "message", message: msg({ circleId: C, channelId: "random", text: "psst" }) });
    backend.emit({ t: "message", message: msg({ circleId: C, channelId: "random", text: "@alice look" }) });
    backend.emit({ t: "message", message: msg({ circleId: C, channelId: "random", text: "mine", own: true }) });
    expect(store.state.unread[keyOf(C, "random")]).toBe(2);
    expect(store.state.mentioned[keyOf(C, "random")]).toBe(1);
    await store.select(C, "random");
    expect(store.state.unread[keyOf(C, "random")]).toBe(0);
    expect(store.state.mentioned[keyOf(C, "random")]).toBe(0);
  });

  test("a duplicate delivery (send answer + live event) shows once", async () => {
    const { backend, store } = await setup();
    await store.sendText("once");
    const mine = store.currentMessages[0]!;
    backend.emit({ t: "message", message: mine });
    expect(store.currentMessages.length).toBe(1);
  });

  test("onMention fires for others' messages that @mention us, not for our own", async () => {
    const { backend, store } = await setup();
    const seen: string[] = [];
    store.onMention = (m) => seen.push(m.text);
    backend.emit({ t: "message", message: msg({ circleId: C, text: "hey @Alice, lunch?" }) });
    backend.emit({ t: "message", message: msg({ circleId: C, text: "@alice me", own: true }) });
    backend.emit({ t: "message", message: msg({ circleId: C, text: "email alice@example.org" }) });
    expect(seen).toEqual(["hey @Alice, lunch?"]);
  });

  test("loadOlder pages back until the beginning", async () => {
    const { backend, store } = await setup(PAGE * 2 + 7);
    expect(store.currentMessages.length).toBe(PAGE);
    expect(store.currentMessages[0]!.text).toBe(`old ${PAGE + 7}`);
    expect(await store.loadOlder()).toBe(PAGE);
    expect(await store.loadOlder()).toBe(7);
    expect(store.state.hasMore[store.currentKey]).toBe(false);
    expect(await store.loadOlder()).toBe(0);
    expect(store.currentMessages.map((m) => m.text)).toEqual(
      Array.from({ length: PAGE * 2 + 7 }, (_, i) => `old ${i}`),
    );
    expect(backend.calls.filter((c) => c.includes("before")).length).toBe(2);
  });

  test("control messages are not shown; they refresh circles and channels", async () => {
    const { backend, store } = await setup();
    backend.state.circles[0]!.channels.push({
      channelId: "dev",
      accessMode: "public",
      createdBy: "",
      createdTs: 0,
      members: [],
      requests: [],
      joined: true,
    });
    backend.emit({ t: "message", message: msg({ circleId: C, channelId: "__control", text: "{}" }) });
    await Bun.sleep(5);
    expect(store.circle!.channels.map((c) => c.channelId)).toContain("dev");
    expect(store.currentMessages.length).toBe(0);
  });

  test("reconnecting resyncs loaded channels", async () => {
    const { backend, store } = await setup();
    backend.messages.set(`${C}/general`, [msg({ circleId: C, text: "missed while offline" })]);
    backend.emit({ t: "connection", state: "offline" });
    expect(store.state.connection).toBe("offline");
    backend.emit({ t: "connection", state: "live" });
    await Bun.sleep(5);
    expect(store.currentMessages.map((m) => m.text)).toEqual(["missed while offline"]);
  });

  test("a rename (newest view of an author) relabels messages already shown and completions", async () => {
    const { backend, store } = await setup();
    const first = msg({ circleId: C, text: "before" });
    backend.emit({ t: "message", message: first });
    expect(store.authorName(first)).toBe("bob");
    backend.emit({ t: "message", message: msg({ circleId: C, channelId: "__control", text: "{}", author: "bobby" }) });
    expect(store.authorName(store.currentMessages[0]!)).toBe("bobby");
    expect(store.knownNames()).toEqual(["bobby"]);
  });

  test("two members showing the same name (or one taking yours) are told apart by an id suffix", async () => {
    const { backend, store } = await setup();
    const bob = msg({ circleId: C, text: "hi" });
    backend.emit({ t: "message", message: bob });
    expect(store.authorName(bob)).toBe("bob");
    const fake = msg({ circleId: C, text: "I am bob", authorNodeId: "f00d".padEnd(24, "0"), author: "Bob" });
    backend.emit({ t: "message", message: fake });
    expect(store.authorName(bob)).toBe("bob#b0b0");
    expect(store.authorName(fake)).toBe("Bob#f00d");
    const me = msg({ circleId: C, text: "I am alice", authorNodeId: "e7e7".padEnd(24, "0"), author: "alice" });
    backend.emit({ t: "message", message: me });
    expect(store.authorName(me)).toBe("alice#e7e7");
    // the same labels wherever a member is named (call participants, /who)
    expect(store.nameOf("f00d".padEnd(24, "0"))).toBe("Bob#f00d");
    expect(store.nameOf("b0b0b0b0b0b0b0b0b0b0b0b0")).toBe("bob#b0b0");
  });

  test("notices are kept in order with a kind", () => {
    const store = new ChatStore(new FakeBackend());
    store.notice("one");
    store.notice("two", "error");
    expect(store.state.notices.map((n) => [n.kind, n.text])).toEqual([
      ["info", "one"],
      ["error", "two"],
    ]);
    store.clearNotices();
    expect(store.state.notices).toEqual([]);
  });
});
