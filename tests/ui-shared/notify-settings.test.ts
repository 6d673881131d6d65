// Notification settings in the shared chat store (issue 16): a channel set to "mentions" or a
// muted circle raises no unread badge but still counts mentions and keywords; "none" raises
// nothing (no desktop notification either); the commands change and save them.
import { expect, test } from "bun:test";
import { checkPrefs, emptyPrefs, type NotifyPrefs, raised } from "../../src/peer/notify-prefs.ts";
import { ChatStore, keyOf } from "../../ui/shared/chat-store.ts";
import { COMMANDS } from "../../ui/shared/commands.ts";
import { attachPrefs, type PrefsIO } from "../../ui/shared/notify-settings.ts";
import { NOTIFY_PREFS_KEY, notifyPrefsSaved } from "../../ui/shared/notify-saved.ts";
import { FakeBackend, msg } from "./fake-backend.ts";

const C = "c".repeat(24);

test("the rules", () => {
  const p: NotifyPrefs = {
    levels: { [`${C}/quiet`]: "mentions", [`${C}/off`]: "none" },
    muted: [],
    keywords: { [C]: ["Deploy"] },
  };
  const m = (channelId: string, text: string) => ({ circleId: C, channelId, text });
  expect(raised(p, m("general", "hi"), false)).toEqual({ badge: true, mention: false });
  expect(raised(p, m("quiet", "hi"), false)).toEqual({ badge: false, mention: false });
  expect(raised(p, m("quiet", "hi @me"), true)).toEqual({ badge: false, mention: true });
  expect(raised(p, m("quiet", "the deploy is done"), false)).toEqual({ badge: false, mention: true });
  expect(raised(p, m("off", "hi @me deploy"), true)).toEqual({ badge: false, mention: false });
  expect(raised({ ...p, muted: [C] }, m("general", "hi"), false)).toEqual({ badge: false, mention: false });
  expect(raised({ ...p, muted: [C] }, m("general", "hi @me"), true)).toEqual({ badge: false, mention: true });
  expect(() => checkPrefs({ levels: { a: "loud" }, muted: [], keywords: {} })).toThrow("all, mentions or none");
  expect(checkPrefs(emptyPrefs())).toEqual(emptyPrefs());
});

async function setup() {
  const backend = new FakeBackend();
  backend.addCircle(C, "friends", ["general", "random"]);
  const store = new ChatStore(backend);
  await store.init();
  await store.select(C, "random");
  await store.select(C, "general");
  let saved: NotifyPrefs = emptyPrefs();
  const io: PrefsIO = {
    load: async () => structuredClone(saved),
    save: async (p) => void (saved = structuredClone(p)),
  };
  await attachPrefs(store, io);
  const mentions: string[] = [];
  store.onMention = (m) => mentions.push(m.text);
  const run = async (line: string) => {
    const [name, ...args] = line.slice(1).split(" ");
    await COMMANDS.find((c) => c.name === name)!.run({ store, ui: { frontend: "tui", openModal() {} } }, args);
  };
  return { backend, store, mentions, run, saved: () => saved };
}

test("/notify, /mute, /keywords: badges and mention hooks follow them, and they are saved", async () => {
  const { backend, store, mentions, run, saved } = await setup();
  const k = keyOf(C, "random");
  const say = (text: string) =>
    backend.emit({ t: "message", message: msg({ circleId: C, channelId: "random", text }) });
  await store.select(C, "random");
  await run("/notify mentions");
  await store.select(C, "general");
  expect(saved().levels).toEqual({ [k]: "mentions" });
  say("just chatting");
  expect(store.state.unread[k] ?? 0).toBe(0);
  say("hey @alice");
  expect(store.state.mentioned[k]).toBe(1);
  expect(mentions).toEqual(["hey @alice"]);
  await store.select(C, "random");
  await run("/notify none");
  await store.select(C, "general");
  say("hey @alice again");
  expect(store.state.mentioned[k] ?? 0).toBe(0);
  expect(mentions).toEqual(["hey @alice"]);
  // a muted circle: no badge for plain messages, keywords count as mentions
  await store.select(C, "random");
  await run("/notify all");
  await run("/mute");
  await run("/keywords deploy, release");
  await store.select(C, "general");
  expect(saved()).toEqual({ levels: {}, muted: [C], keywords: { [C]: ["deploy", "release"] } });
  say("lunch?");
  expect(store.state.unread[k] ?? 0).toBe(0);
  say("release is out");
  expect(store.state.mentioned[k]).toBe(1);
  expect(mentions).toEqual(["hey @alice", "release is out"]);
  await run("/unmute");
  say("lunch now?");
  expect(store.state.unread[k]).toBe(2);
  await run("/keywords -");
  expect(saved().keywords).toEqual({});
  await expect(run("/notify loud")).rejects.toThrow("usage: /notify all|mentions|none");
});

test("the web client loads them at start only when some are saved: the defaults raise what the store raises alone", async () => {
  // with none saved nothing changes: every message raises its badge, and a mention as the store judges it
  for (const [channelId, mentionsMe] of [
    ["general", false],
    ["random", true],
  ] as const)
    expect(raised(emptyPrefs(), { circleId: C, channelId, text: "hi" }, mentionsMe)).toEqual({
      badge: true,
      mention: mentionsMe,
    });
  const kv = new Map<string, string>();
  const g = globalThis as { localStorage?: unknown };
  const before = g.localStorage;
  g.localStorage = {
    getItem: (k: string) => kv.get(k) ?? null,
    setItem: (k: string, v: string) => void kv.set(k, v),
    removeItem: (k: string) => void kv.delete(k),
  };
  try {
    // the relay-only browser (no getNotify): none saved until a command saves some
    const backend = new FakeBackend();
    backend.addCircle(C, "friends", ["general"]);
    expect(notifyPrefsSaved(backend)).toBe(false);
    const store = new ChatStore(backend);
    await store.init();
    await COMMANDS.find((c) => c.name === "mute")!.run({ store, ui: { frontend: "web", openModal() {} } }, []);
    expect(JSON.parse(kv.get(NOTIFY_PREFS_KEY)!).muted).toEqual([C]);
    expect(notifyPrefsSaved(backend)).toBe(true); // (the next start attaches them)
    // a node keeps them: always
    kv.clear();
    expect(notifyPrefsSaved(Object.assign(new FakeBackend(), { getNotify: async () => emptyPrefs() }))).toBe(true);
  } finally {
    g.localStorage = before;
  }
});

test("changes made at once (a level, then keywords) while a load is still in flight all land", async () => {
  const backend = new FakeBackend();
  backend.addCircle(C, "friends", ["general", "random"]);
  const store = new ChatStore(backend);
  await store.init();
  await store.select(C, "random");
  let saved: NotifyPrefs = emptyPrefs();
  // a slow node: every answer takes a few milliseconds, a load returns what was saved when it began
  const io: PrefsIO = {
    load: async () => {
      const copy = structuredClone(saved);
      await Bun.sleep(15);
      return copy;
    },
    save: async (p) => {
      await Bun.sleep(10);
      saved = structuredClone(p);
    },
  };
  await attachPrefs(store, io);
  const run = (line: string) => {
    const [name, ...args] = line.slice(1).split(" ");
    return COMMANDS.find((c) => c.name === name)!.run({ store, ui: { frontend: "web", openModal() {} } }, args);
  };
  // the menu opens (a fresh load), the user picks "nothing" and saves keywords before any answer
  const reopened = attachPrefs(store, io);
  await Promise.all([reopened, run("/notify none"), run("/keywords pizza"), run("/mute")]);
  expect(saved).toEqual({ levels: { [`${C}/random`]: "none" }, muted: [C], keywords: { [C]: ["pizza"] } });
  expect(await attachPrefs(store, io)).toEqual(saved);
});
