// The chat layout (as the original): sidebar with circles and channels, the message log,
// the input bar and a status line; function keys open the help, invite, settings and call
// panels. With no circle yet, the first-run setup takes the whole page.
import { onDemand } from "./components/on-demand.tsx";
import { Show, createSignal, onCleanup, onMount, untrack, type Component } from "solid-js";
import { useApp } from "./app-store.ts";
import { InputBar } from "./components/input-bar.tsx";
import { MessageLog } from "./components/message-log.tsx";
import { Sidebar } from "./components/sidebar.tsx";
import { StatusLine } from "./components/status-line.tsx";
import { TopBar, membersOpen, setMembersOpen } from "./components/top-bar.tsx";

const FKEYS: Record<string, "help" | "invite" | "settings" | "calls"> = {
  F1: "help",
  F2: "invite",
  F3: "settings",
  F4: "calls",
};
// calls (WebRTC, devices, the panel) are a chunk of their own, loaded on first use
type Panel = Component<{ app: ReturnType<typeof useApp> }>;
const [CallPanel, setCallPanel] = createSignal<Panel | null>(null);
const loadCallPanel = () => void import("./calls/call-panel.tsx").then((m) => setCallPanel(() => m.default));
const [MemberPanel, setMemberPanel] = createSignal<Component<{ app: ReturnType<typeof useApp>; close(): void }>>();
const loadMemberPanel = () => void import("./components/member-panel.tsx").then((m) => setMemberPanel(() => m.default));
// so are the first-run setup and the dialogs: a returning user chats without them
const Setup = onDemand(() => import("./components/setup.tsx").then((m) => m.Setup));
const Modals = onDemand(() => import("./components/modals.tsx").then((m) => m.Modals));
// a key or invite channel not joined shows as locked, with the way in instead of the input
const Locked = onDemand(() => import("./components/locked.tsx").then((m) => m.Locked));
// "Alice is typing…": a chunk loaded the first time someone types where the user looks
const TypingLine = onDemand(() => import("./components/typing-line.tsx").then((m) => m.TypingLine));

export function App() {
  const app = useApp();
  const onKey = (e: KeyboardEvent) => {
    const m = FKEYS[e.key];
    if (m) {
      e.preventDefault();
      if (m === "invite" && !app.circle()) return app.notice("no active circle: create or join one first", "error");
      if (m === "calls") return app.toggleCallPanel();
      app.openModal(m);
    } else if ((e.ctrlKey || e.metaKey) && e.key === "f") {
      e.preventDefault();
      app.openModal("search");
    } else if (e.ctrlKey || e.metaKey ? e.key === "k" : e.altKey && /^Arrow[UD]/.test(e.key)) {
      // Ctrl+K the quick switcher, Alt+↑/↓ the channel before or after this one: a chunk on first use
      e.preventDefault();
      void import("./quick-keys.ts").then((q) => q.quickKey(app, e.key));
    } else if (e.key === "Escape") {
      e.preventDefault();
      app.setSidebarOpen(false);
      app.closeModal(); // also puts the focus back in the input
    }
  };
  onMount(() => window.addEventListener("keydown", onKey));
  onCleanup(() => window.removeEventListener("keydown", onKey));

  return (
    <>
      <Show when={app.state().app?.circles.length} fallback={<Setup firstRun />}>
        <div class="layout" classList={{ "sidebar-open": app.sidebarOpen(), "members-open": membersOpen() }}>
          <Sidebar />
          <div class="scrim" aria-hidden="true" onClick={() => app.setSidebarOpen(false)} />
          <main class="main">
            <TopBar />
            <Show when={app.callPanel() && (CallPanel() ?? (loadCallPanel(), null))}>
              {(P) => untrack(() => P()({ app }))}
            </Show>
            <Show when={(app.state(), app.core.offline())}>
              <div class="offline" role="status">
                offline — messages will be sent when a member is reachable
              </div>
            </Show>
            <Show when={app.channel()?.joined !== false} fallback={<Locked />}>
              <MessageLog />
              <Show when={app.state().typing[app.core.currentKey]?.length}>
                <TypingLine />
              </Show>
              <InputBar />
            </Show>
            <StatusLine />
          </main>
          <Show when={membersOpen() && (MemberPanel() ?? (loadMemberPanel(), null))}>
            {(P) => untrack(() => P()({ app, close: () => setMembersOpen(false) }))}
          </Show>
          <div class="members-scrim" aria-hidden="true" onClick={() => setMembersOpen(false)} />
        </div>
      </Show>
      <Show when={app.modal()}>
        <Modals />
      </Show>
    </>
  );
}
