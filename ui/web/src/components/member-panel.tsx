// The member list (toggled from the top bar): the circle's members from the one membership
// model (src/peer/member-list.ts), each with an online dot, name, path and last seen; docked
// beside the log on wide screens, a drawer from the right on phones. A chunk of its own,
// loaded the first time it opens.
import { For, Show, createSignal, onCleanup, onMount } from "solid-js";
import { shortId } from "../../../shared/format.ts";
import { memberState } from "../../../shared/member-text.ts";
import type { useApp } from "../app-store.ts";

export default function MemberPanel(p: { app: ReturnType<typeof useApp>; close: () => void }) {
  const { app } = p;
  const [now, setNow] = createSignal(Date.now() / 1000);
  const list = () => app.state().members[app.state().circleId ?? ""] ?? [];
  const online = () => list().filter((m) => m.online && !m.you).length;
  /** open (or go back to) the direct-message conversation with a member */
  const message = async (nodeId: string) => {
    const circleId = app.state().circleId!;
    try {
      const d = await app.core.backend.openDm!(circleId, nodeId);
      await (await import("../../../shared/dm-list.ts")).loadDms(app.core, circleId, d);
      await app.select(circleId, d.channelId);
      p.close();
    } catch (e) {
      app.notice((e as Error).message, "error");
    }
  };
  onMount(() => {
    const id = app.state().circleId;
    if (id) void app.core.loadMembers(id);
    // "last seen 5 min ago" moves on while the panel is open
    const t = setInterval(() => setNow(Date.now() / 1000), 30_000);
    onCleanup(() => clearInterval(t));
  });
  return (
    <aside class="member-panel" data-testid="member-panel" aria-label="Members">
      <header class="member-head">
        <h2>Members</h2>
        <span class="muted" data-testid="member-online">
          {online()} online
        </span>
        <button type="button" class="icon-btn" aria-label="Close members" onClick={() => p.close()}>
          ×
        </button>
      </header>
      <ul class="member-list">
        <For each={list()}>
          {(m) => (
            <li data-testid="member" data-node={m.nodeId} classList={{ online: m.online }}>
              <i class="member-dot" title={m.online ? "online" : "offline"} />
              <span class="member-name">{m.name || app.core.nameOf(m.nodeId)}</span>
              <span class="member-id">{shortId(m.nodeId)}</span>
              <span class="member-state" data-testid="member-state">
                {memberState(m, now())}
              </span>
              <Show when={!m.you && app.core.backend.openDm}>
                <button
                  type="button"
                  class="ghost small"
                  data-testid="dm-member"
                  title="Direct message (only the two of you can read it)"
                  onClick={() => void message(m.nodeId)}
                >
                  Message
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </aside>
  );
}
