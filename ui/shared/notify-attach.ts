// Notification settings, attached to a chat store (issue 16; the rules: src/peer/notify-prefs.ts):
// the node keeps them (local API), the relay-only browser in localStorage. attachPrefs() makes the
// store's badges and mention notifications follow them; the web client runs it at start when
// some are saved (notify-saved.ts), else with the commands (notify-settings.ts), on first use.
import { FelundError } from "../../src/protocol/errors.ts";
import { checkPrefs, emptyPrefs, type NotifyPrefs, raised } from "../../src/peer/notify-prefs.ts";
import type { ChatStore } from "./chat-store.ts";
import { NOTIFY_PREFS_KEY as LOCAL_KEY } from "./notify-saved.ts";
import type { MessageView } from "./types.ts";

export interface PrefsIO {
  load(): Promise<NotifyPrefs>;
  save(p: NotifyPrefs): Promise<void>;
}

type Kv = { getItem(k: string): string | null; setItem(k: string, v: string): void };

/** The node's settings through its backend; else (the relay-only browser) this origin's localStorage. */
export function defaultIO(store: ChatStore): PrefsIO {
  const b = store.backend;
  if (b.getNotify && b.setNotify) return { load: b.getNotify.bind(b), save: b.setNotify.bind(b) };
  const kv = (globalThis as { localStorage?: Kv }).localStorage;
  if (!kv) throw new FelundError("E_REFUSED", "this client keeps no notification settings");
  return {
    async load() {
      try {
        return checkPrefs(JSON.parse(kv.getItem(LOCAL_KEY) ?? "null"));
      } catch {
        return emptyPrefs(); // none saved yet (or unreadable): the defaults
      }
    },
    async save(p) {
      kv.setItem(LOCAL_KEY, JSON.stringify(p));
    },
  };
}

export const held = new WeakMap<ChatStore, { prefs: NotifyPrefs; io: PrefsIO }>();

// Loads and saves of one store run one after another: a load still in flight must not put back
// what a save just changed, and two quick changes (a level, then keywords) must not both start
// from the same copy, or the second save drops the first change.
const queues = new WeakMap<ChatStore, Promise<unknown>>();
function serial<T>(store: ChatStore, op: () => Promise<T>): Promise<T> {
  const run = (queues.get(store) ?? Promise.resolve()).then(op, op);
  queues.set(
    store,
    run.catch(() => {}),
  );
  return run;
}

/**
 * Load the settings and have the store's badges and mentions follow them: its bump() (unread
 * and mention counts) and mentionsMe() (those counts, and the desktop notification hook) are
 * wrapped here, so the chat store itself carries no code for them (the web client's first load).
 */
export function attachPrefs(store: ChatStore, io = defaultIO(store)): Promise<NotifyPrefs> {
  return serial(store, () => load(store, io));
}

async function load(store: ChatStore, io: PrefsIO): Promise<NotifyPrefs> {
  const prefs = await io.load();
  const first = !held.has(store);
  held.set(store, { prefs, io });
  if (first) {
    const mentionsMe = store.mentionsMe.bind(store);
    const bump = store.bump.bind(store);
    const raise = (m: MessageView) => raised(held.get(store)!.prefs, m, mentionsMe(m));
    store.mentionsMe = (m) => raise(m).mention;
    store.bump = (k, m) => {
      const r = raise(m);
      if (r.badge || r.mention) bump(k, m);
    };
  }
  return prefs;
}

export function update(store: ChatStore, change: (p: NotifyPrefs) => void): Promise<NotifyPrefs> {
  return serial(store, async () => {
    if (!held.has(store)) await load(store, defaultIO(store));
    return save(held.get(store)!, change);
  });
}

async function save(h: { prefs: NotifyPrefs; io: PrefsIO }, change: (p: NotifyPrefs) => void) {
  const next = structuredClone(h.prefs);
  change(next);
  await h.io.save(checkPrefs(next));
  h.prefs = next;
  return next;
}
