// The web client's state, behind one context: the shared ChatStore (ui/shared) exposed as
// Solid signals, plus what only the browser has (open modal, phone sidebar, notifications,
// unread count in the tab title). Views read from here and call its actions; the network
// I/O stays in the Backend.
import { createContext, createEffect, createMemo, createSignal, useContext } from "solid-js";
import type { Backend } from "../../shared/backend.ts";
import { ChatStore, keyOf, type ChatState } from "../../shared/chat-store.ts";
import { WEB_WINDOW } from "../../shared/chat-state.ts";
import type { CommandContext, ModalName } from "../../shared/commands.ts";
import { runLine } from "../../shared/line.ts";
import { notifyPrefsSaved } from "../../shared/notify-saved.ts";
import type { CircleView } from "../../shared/types.ts";
import type { Mode } from "./boot.ts";

export type Modal = ModalName | "new-channel" | "new-circle" | "switcher" | "notify";

export function createAppStore(backend: Backend, mode: Mode) {
  const core = new ChatStore(backend);
  core.windowSize = WEB_WINDOW; // the view holds a window of each channel (the log renders only its rows in view)
  const [state, setState] = createSignal<ChatState>(core.state, { equals: false });
  core.subscribe(setState);

  const [modal, setModal] = createSignal<{ name: Modal; arg?: string } | null>(null);
  // the call panel (F4) is docked, not a modal; its code (calls/*) loads on first use
  const [callPanel, setCallPanel] = createSignal(false);
  const calls = () => import("./calls/controller.ts").then((m) => m.callController(store));
  // the slash-command registry (help texts and all) loads at the first "/", not to chat
  // the command registry and its completion: one chunk, loaded when a line starts with "/"
  type Commands = typeof import("../../shared/commands.ts") & typeof import("../../shared/completion.ts");
  const [commands, setCommands] = createSignal<Commands | null>(null);
  const loadCommands = () =>
    Promise.all([import("../../shared/commands.ts"), import("../../shared/completion.ts")]).then(([a, b]) => {
      const m: Commands = { ...a, ...b };
      setCommands(() => m);
      return m;
    });
  const [sidebarOpen, setSidebarOpen] = createSignal(false);
  let inputEl: HTMLTextAreaElement | undefined;

  const circle = createMemo<CircleView | undefined>(() =>
    state().app?.circles.find((c) => c.circleId === state().circleId),
  );
  const channel = createMemo(() => circle()?.channels.find((c) => c.channelId === state().channelId));
  const key = createMemo(() => (state().circleId ? keyOf(state().circleId!, state().channelId) : ""));
  const messages = createMemo(() => state().messages[key()] ?? []);
  const me = createMemo(() => state().app?.node.displayName ?? "");
  // other members' names, for mentions; the same list keeps the same array (no re-render)
  // "#channel", or "@member" in a direct-message conversation
  const title = () => (state(), core.title());
  const names = createMemo(() => (state(), core.knownNames()), [], { equals: (a, b) => `${a}` === `${b}` });
  // the time of day labels ("Today"), moved on at each midnight: "Yesterday" without a reload
  const [today, setToday] = createSignal(0);
  const tick = () => {
    setToday(Date.now() / 1000);
    setTimeout(tick, new Date().setHours(24, 0, 1, 0) - Date.now());
  };
  tick();
  const totalUnread = createMemo(() => Object.values(state().unread).reduce((a, b) => a + b, 0));

  const focusInput = () => queueMicrotask(() => inputEl?.focus());
  const openModal = (name: Modal, arg?: string) => (name === "calls" ? setCallPanel(true) : setModal({ name, arg }));
  const closeModal = () => {
    setModal(null);
    focusInput();
  };

  const ctx: CommandContext = {
    store: core,
    ui: {
      frontend: "web",
      openModal: (name, arg) => openModal(name, arg),
      copy: (text) => void navigator.clipboard?.writeText(text),
      call: backend.callAction ? async (op, a) => (await calls()).run(op, a) : undefined,
      // /attach opens the file chooser (a page cannot read a path); /save hands the file over as a download
      pickFile: () => document.querySelector<HTMLInputElement>('[data-testid="attach"]')?.click(),
      saveFile: async (name, bytes) => ((await import("./components/download.ts")).download(name, bytes), "downloads"),
    },
  };

  async function select(circleId: string, channelId?: string) {
    setSidebarOpen(false);
    try {
      await core.select(circleId, channelId);
    } catch (e) {
      core.notice((e as Error).message, "error");
    }
    focusInput();
  }

  // desktop notifications (notify.ts) load with the first mention, not to chat
  core.onMention = (m) => {
    const c = state().app?.circles.find((x) => x.circleId === m.circleId);
    void import("./notify.ts").then((n) =>
      n.notifyMention(
        m,
        `${core.title(m.channelId, m.circleId)}${c?.name ? ` (${c.name})` : ""}`,
        () => void select(m.circleId, m.channelId),
      ),
    );
  };

  // notification settings (/notify, /mute, /keywords): unread badges and notifications follow them from the
  // start when there are some; with none (the defaults) the store raises the same by itself, and the
  // code loads with the commands when the user first sets one
  if (notifyPrefsSaved(backend)) void import("../../shared/notify-attach.ts").then((m) => m.attachPrefs(core));

  createEffect(() => {
    const n = totalUnread();
    document.title = n ? `(${n}) felund` : "felund";
  });

  const store = {
    mode,
    core,
    backend,
    state,
    circle,
    channel,
    key,
    title,
    messages,
    me,
    names,
    today,
    modal,
    openModal,
    closeModal,
    sidebarOpen,
    setSidebarOpen,
    select,
    focusInput,
    setInput(el: HTMLTextAreaElement) {
      inputEl = el;
    },
    /** a line from the input bar: slash command or message (ui/shared/line.ts, commands.ts), a reply while replying */
    submit: (line: string) =>
      runLine(core, line, async (t) => (await loadCommands()).runCommand(ctx, t), store.sendHook ?? undefined),
    /** sends the input bar's messages another way while set (the reply bar, components/reply-bar.tsx) */
    sendHook: null as ((text: string) => Promise<void>) | null,
    /** the command registry once loaded (completion, help) */
    commands,
    loadCommands,
    notice: (text: string, kind: "info" | "error" = "info") => core.notice(text, kind),
    callPanel,
    setCallPanel,
    toggleCallPanel: () => setCallPanel(!callPanel()),
  };
  return store;
}

export type AppStore = ReturnType<typeof createAppStore>;
export const AppContext = createContext<AppStore>();
export function useApp(): AppStore {
  const s = useContext(AppContext);
  if (!s) throw new Error("useApp outside AppContext");
  return s;
}
