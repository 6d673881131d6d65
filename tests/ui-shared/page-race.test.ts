// A message that arrives while a page of its channel is on its way (ui/shared/held-arrivals.ts):
// the node may have read the page before it stored the message, and the live event may reach
// the page before that answer does. Before, such a message was lost from view: the channel's first
// page (it was only counted as unread, then the page replaced the list without it; the CI failure
// of tests/web/local-nodes.test.ts, alice's first message right after bob joined), "latest", or the way down
// when it ends in the newest page.
import { describe, expect, test } from "bun:test";
import { ChatStore, keyOf, PAGE } from "../../ui/shared/chat-store.ts";
import { hasNewer, WEB_WINDOW } from "../../ui/shared/chat-state.ts";
import type { MessageView } from "../../ui/shared/types.ts";
import { FakeBackend, msg } from "./fake-backend.ts";

const C = "e".repeat(24);

/** A backend whose page answers (while `slow`) are read at once but delivered only when the test says so (or fail). */
class SlowPages extends FakeBackend {
  private gates: { open: () => void; fail: () => void }[] = [];
  slow = true;
  held = 0;
  override async listMessages(...a: Parameters<FakeBackend["listMessages"]>): Promise<MessageView[]> {
    const page = await super.listMessages(...a); // read now: before what arrives next is stored
    if (!this.slow) return page;
    this.held++;
    await new Promise<void>((open, no) => this.gates.push({ open, fail: () => no(new Error("page failed")) }));
    return page;
  }
  release(fail = false) {
    for (const g of this.gates.splice(0)) (fail ? g.fail : g.open)();
  }
}

/** A message stored by the node now, and its live event. */
function arrives(b: FakeBackend, channel: string, text: string): MessageView {
  const m = msg({ circleId: C, channelId: channel, text });
  (b.messages.get(`${C}/${channel}`) ?? b.messages.set(`${C}/${channel}`, []).get(`${C}/${channel}`)!).push(m);
  b.emit({ t: "message", message: m });
  return m;
}

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 100 && !ok(); i++) await Bun.sleep(1);
  expect(ok()).toBe(true);
};

describe("a message arriving while its channel's page is on its way", () => {
  test("the first page of the channel just opened: shown once the page lands, not counted unread", async () => {
    const b = new SlowPages();
    b.addCircle(C, "friends", ["general"]);
    b.messages.set(`${C}/general`, [msg({ circleId: C, text: "bob joined" })]);
    const store = new ChatStore(b);
    const incoming: string[] = [];
    store.onIncoming = (m) => incoming.push(m.text);
    const init = store.init();
    await until(() => b.held === 1);
    arrives(b, "general", "hello from alice");
    b.release();
    await init;
    expect(store.currentMessages.map((m) => m.text)).toEqual(["bob joined", "hello from alice"]);
    expect(store.state.unread[keyOf(C, "general")] ?? 0).toBe(0);
    expect(incoming).toEqual(["hello from alice"]);
    // and once only, when it comes again (the push and a reconnect's page)
    b.emit({ t: "message", message: b.messages.get(`${C}/general`)![1]! });
    expect(store.currentMessages.length).toBe(2);
  });

  test("'latest' while scrolled back: the message comes with the newest page", async () => {
    const b = new SlowPages();
    b.addCircle(C, "long", ["general"]);
    const n = WEB_WINDOW * 2 + 5;
    b.messages.set(
      `${C}/general`,
      Array.from({ length: n }, (_, i) => msg({ circleId: C, text: `m${i}`, createdTs: 1_600_000_000 + i })),
    );
    const store = new ChatStore(b);
    store.windowSize = WEB_WINDOW;
    b.slow = false;
    await store.init();
    for (let i = 0; i < 40 && !hasNewer(store.state, store.currentKey); i++) await store.loadOlder();
    expect(hasNewer(store.state, store.currentKey)).toBe(true); // scrolled back: the newest were dropped
    b.slow = true;
    const held = b.held;
    const latest = store.toLatest();
    await until(() => b.held === held + 1);
    arrives(b, "general", "sent while you scrolled");
    b.release();
    expect(await latest).toBe(PAGE);
    expect(store.currentMessages.at(-1)?.text).toBe("sent while you scrolled");
  });

  test("the way down, when a gap below the window is too wide to page through, goes to the newest page: the message comes with it", async () => {
    const b = new SlowPages();
    b.addCircle(C, "long", ["general"]);
    const all = Array.from({ length: WEB_WINDOW * 3 }, (_, i) =>
      msg({ circleId: C, text: `m${i}`, createdTs: 1_600_000_000 + i * 100 }),
    );
    b.messages.set(`${C}/general`, all);
    const store = new ChatStore(b);
    store.windowSize = WEB_WINDOW;
    b.slow = false;
    await store.init();
    for (let i = 0; i < 40 && store.state.hasMore[store.currentKey] !== false; i++) await store.loadOlder();
    expect(hasNewer(store.state, store.currentKey)).toBe(true);
    // late arrivals inside the page below the window: more pages of them than the way down pages through
    const hi = store.currentMessages.at(-1)!;
    const late = Array.from({ length: PAGE * 10 }, (_, i) =>
      msg({ circleId: C, text: `late${i}`, createdTs: hi.createdTs + 1 + (i % 90) }),
    );
    all.push(...late);
    all.sort((x, y) => x.sortMs - y.sortMs || x.seq - y.seq);
    // only the newest page (no `before`: the fallback) is slow
    const newest = b.listMessages.bind(b);
    b.listMessages = async (circleId, channelId, opts) => {
      b.slow = !opts.before;
      return newest(circleId, channelId, opts);
    };
    const held = b.held;
    const down = store.loadNewer();
    await until(() => b.held === held + 1);
    arrives(b, "general", "sent while you scrolled");
    b.release();
    await down;
    expect(hasNewer(store.state, store.currentKey)).toBe(false);
    expect(store.currentMessages.at(-1)?.text).toBe("sent while you scrolled");
  });

  test("a page that fails: the message is counted as before (the channel loads it when opened)", async () => {
    const b = new SlowPages();
    b.addCircle(C, "friends", ["general", "random"]);
    const store = new ChatStore(b);
    const init = store.init();
    await until(() => b.held === 1);
    b.release();
    await init;
    const opening = store.select(C, "random").catch((e: Error) => e.message);
    await until(() => b.held === 2);
    arrives(b, "random", "meanwhile");
    b.release(true);
    expect(await opening).toBe("page failed");
    expect(store.state.messages[keyOf(C, "random")]).toBeUndefined();
    expect(store.state.unread[keyOf(C, "random")]).toBe(1);
  });
});
