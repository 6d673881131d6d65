// The chat store's window on a channel (ui/shared/chat-window.ts, issue 17): with windowSize set (the
// web client) scrolling back holds at most that many messages, the newest dropped load again page by
// page on the way down without a gap or a duplicate (late arrivals in a dropped span included), a live
// message newer than a scrolled-back window waits for its page, and opening the channel or sending
// goes back to the newest. Without windowSize (the TUI) nothing is dropped.
import { describe, expect, test } from "bun:test";
import { ChatStore, PAGE } from "../../ui/shared/chat-store.ts";
import { hasNewer, WEB_WINDOW } from "../../ui/shared/chat-state.ts";
import type { MessageView } from "../../ui/shared/types.ts";
import { FakeBackend, msg } from "./fake-backend.ts";

const C = "d".repeat(24);
const N = WEB_WINDOW * 3 + 17;

async function setup(windowSize = WEB_WINDOW) {
  const backend = new FakeBackend();
  backend.addCircle(C, "long", ["general", "random"]);
  backend.messages.set(
    `${C}/general`,
    Array.from({ length: N }, (_, i) => msg({ circleId: C, text: `m${i}`, createdTs: 1_600_000_000 + i })),
  );
  const store = new ChatStore(backend);
  store.windowSize = windowSize;
  await store.init();
  return { backend, store };
}
const texts = (s: ChatStore) => s.currentMessages.map((m) => m.text);
/** the messages are consecutive, each once, in order */
const contiguous = (list: MessageView[], all: MessageView[]) => {
  const at = all.findIndex((m) => m.msgId === list[0]!.msgId);
  return list.every((m, i) => all[at + i]?.msgId === m.msgId);
};

describe("the store's window (web client)", () => {
  test("scrolling back holds at most the window; the way down loads the dropped pages again, none lost, none twice", async () => {
    const { backend, store } = await setup();
    const all = backend.messages.get(`${C}/general`)!;
    let pages = 0;
    while ((await store.loadOlder()) > 0) {
      pages++;
      expect(store.currentMessages.length).toBeLessThanOrEqual(WEB_WINDOW);
      expect(contiguous(store.currentMessages, all)).toBe(true);
    }
    expect(pages).toBe(Math.ceil((N - PAGE) / PAGE));
    expect(texts(store)[0]).toBe("m0");
    expect(hasNewer(store.state, store.currentKey)).toBe(true);
    expect(store.currentMessages.at(-1)!.text).toBe(`m${WEB_WINDOW - 1}`);
    // back down: the pages come again, contiguous, until the newest
    const seen = new Set(texts(store));
    while (hasNewer(store.state, store.currentKey)) {
      expect(await store.loadNewer()).toBeGreaterThan(0);
      expect(store.currentMessages.length).toBeLessThanOrEqual(WEB_WINDOW);
      expect(contiguous(store.currentMessages, all)).toBe(true);
      for (const t of texts(store)) seen.add(t);
    }
    expect(seen.size).toBe(N);
    expect(store.currentMessages.at(-1)!.text).toBe(`m${N - 1}`);
    expect(store.state.hasMore[store.currentKey]).toBe(true); // the oldest were dropped: they load again going up
    expect(await store.loadOlder()).toBe(PAGE);
    expect(contiguous(store.currentMessages, all)).toBe(true);
  });

  test("a message that arrived late inside a dropped page, and the newest written meanwhile, come on the way down", async () => {
    const { backend, store } = await setup();
    const all = backend.messages.get(`${C}/general`)!;
    for (let i = 0; i < 12; i++) await store.loadOlder();
    const lastHeld = store.currentMessages.at(-1)!;
    // late: its time is inside the dropped span (seq: stored after all the others)
    const late = msg({ circleId: C, text: "late", createdTs: lastHeld.createdTs + 3 });
    const newest = msg({ circleId: C, text: "newest", createdTs: 1_700_000_000 });
    all.push(late, newest);
    all.sort((a, b) => a.sortMs - b.sortMs || a.seq - b.seq);
    // live: both are newer than the window, which has pages below it: not held (no gap above them)
    backend.emit({ t: "message", message: late });
    backend.emit({ t: "message", message: newest });
    expect(texts(store)).not.toContain("late");
    expect(texts(store)).not.toContain("newest");
    const seen = new Set(texts(store));
    while (hasNewer(store.state, store.currentKey)) {
      await store.loadNewer();
      expect(contiguous(store.currentMessages, all)).toBe(true);
      for (const t of texts(store)) seen.add(t);
    }
    expect(seen.has("late")).toBe(true);
    expect(texts(store).at(-1)).toBe("newest");
  });

  test("sending or opening the channel again shows its newest; a reconnect does not fill a scrolled-back window", async () => {
    const { backend, store } = await setup();
    for (let i = 0; i < 10; i++) await store.loadOlder();
    expect(hasNewer(store.state, store.currentKey)).toBe(true);
    const before = texts(store);
    backend.emit({ t: "connection", state: "live" }); // resync: loadLatest of each loaded channel
    await Bun.sleep(10);
    expect(texts(store)).toEqual(before);
    await store.sendText("from here");
    expect(hasNewer(store.state, store.currentKey)).toBe(false);
    expect(texts(store).slice(-2)).toEqual([`m${N - 1}`, "from here"]);
    for (let i = 0; i < 10; i++) await store.loadOlder();
    await store.select(C, "random");
    await store.select(C, "general");
    expect(hasNewer(store.state, store.currentKey)).toBe(false);
    expect(texts(store).at(-1)).toBe(`m${N - 1}`); // (the fake backend keeps no sent message)
    expect(store.currentMessages.length).toBe(PAGE);
  });

  test("pages are fetched ahead (going back the next two, in one request; going down the next three); one already in lands at once", async () => {
    const { backend, store } = await setup();
    const all = backend.messages.get(`${C}/general`)!;
    const lists = () => backend.calls.filter((c) => c.startsWith("listMessages"));
    const settle = () => new Promise((r) => setTimeout(r, 0));
    await store.loadOlder();
    await settle();
    const asked = lists().length;
    for (let i = 0; i < 12; i++) {
      const first = store.currentMessages[0]!.msgId;
      const loaded = store.loadOlder();
      expect(store.currentMessages[0]!.msgId).not.toBe(first); // no await: in the same task
      expect(await loaded).toBe(PAGE);
      await settle();
      expect(contiguous(store.currentMessages, all)).toBe(true);
    }
    expect(lists().length - asked).toBe(6); // one request for every two pages
    // on the way down too (the ends of the next pages are known: asked at once, one new a page)
    await store.loadNewer();
    await settle();
    for (let i = 0; i < 2; i++) {
      const n = lists().length;
      const last = store.currentMessages.at(-1)!.msgId;
      const loaded = store.loadNewer();
      expect(store.currentMessages.at(-1)!.msgId).not.toBe(last);
      expect(await loaded).toBe(PAGE);
      await settle();
      expect(lists().length).toBe(n + 1);
      expect(contiguous(store.currentMessages, all)).toBe(true);
    }
  });

  test("a page fetched ahead is not used once a message arrived or changed: its edit shows", async () => {
    const { backend, store } = await setup();
    const all = backend.messages.get(`${C}/general`)!;
    await store.loadOlder(); // and the page before it fetched ahead
    const i = all.findIndex((m) => m.msgId === store.currentMessages[0]!.msgId) - 5; // in that page
    const edited = { ...all[i]!, text: "edited later", update: true };
    all[i] = edited;
    backend.emit({ t: "message", message: edited }); // not held here: shows as it is when its page loads
    expect(texts(store)).not.toContain("edited later");
    await store.loadOlder();
    expect(texts(store)).toContain("edited later");
    expect(contiguous(store.currentMessages, all)).toBe(true);
  });

  test("toLatest drops the window for the newest page", async () => {
    const { store } = await setup();
    for (let i = 0; i < 10; i++) await store.loadOlder();
    expect(await store.toLatest()).toBe(PAGE);
    expect(texts(store).at(-1)).toBe(`m${N - 1}`);
    expect(hasNewer(store.state, store.currentKey)).toBe(false);
  });

  test("without a window (the TUI) scroll-back keeps everything it loaded", async () => {
    const { store } = await setup(Number.POSITIVE_INFINITY);
    while ((await store.loadOlder()) > 0);
    expect(store.currentMessages.length).toBe(N);
    expect(hasNewer(store.state, store.currentKey)).toBe(false);
    expect(await store.loadNewer()).toBe(0);
  });
});
