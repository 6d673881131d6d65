// The bar above the log: menu button (phones), channel and circle, and the F-key actions.
import { Show, createSignal } from "solid-js";
import { shortId } from "../../../shared/format.ts";
import { useApp } from "../app-store.ts";

/** the member list (member-panel.tsx, a chunk loaded when first opened) */
export const [membersOpen, setMembersOpen] = createSignal(false);
/** some channel counts something (unread messages, mentions) */
const has = (counts: Record<string, number>) => Object.values(counts).some(Boolean);

export function TopBar() {
  const app = useApp();
  return (
    <header class="topbar">
      <button
        type="button"
        class="icon-btn menu-btn"
        aria-label="Circles and channels"
        onClick={() => app.setSidebarOpen(!app.sidebarOpen())}
      >
        <span class="burger" />
        <i
          class="menu-dot"
          classList={{ on: has(app.state().unread), at: has(app.state().mentioned) }}
          data-testid="menu-dot"
        />
      </button>
      <div class="topbar-title">
        <h1 data-testid="channel-title">{app.title()}</h1>
        <span class="topbar-circle">{app.circle()?.name || shortId(app.state().circleId ?? "")}</span>
        <Show when={app.channel() && app.channel()!.accessMode !== "public"}>
          <span class="pill">{app.channel()!.accessMode === "key" ? "key" : "invite only"}</span>
        </Show>
      </div>
      <nav class="topbar-actions">
        <button type="button" class="ghost" title="Invite code (F2)" onClick={() => app.openModal("invite")}>
          Invite
        </button>
        <button
          type="button"
          class="ghost"
          title="Members"
          data-testid="members-toggle"
          aria-pressed={membersOpen()}
          onClick={() => setMembersOpen(!membersOpen())}
        >
          Members
        </button>
        <button
          type="button"
          class="ghost ico ico-pin"
          title="Pinned"
          aria-label="Pinned messages"
          onClick={() => app.openModal("pins")}
        />
        <button
          type="button"
          class="ghost ico ico-bell"
          title="Notifications"
          aria-label="Notifications"
          data-testid="notify-open"
          onClick={() => app.openModal("notify")}
        />
        <button type="button" class="ghost" title="Settings (F3)" onClick={() => app.openModal("settings")}>
          Settings
        </button>
        <button type="button" class="ghost hide-narrow" title="Calls (F4)" onClick={() => app.toggleCallPanel()}>
          Call
        </button>
        <button type="button" class="ghost" title="Help (F1)" aria-label="Help" onClick={() => app.openModal("help")}>
          ?
        </button>
      </nav>
    </header>
  );
}
