// Circles and their channels, with unread counts and mention marks per channel.
import { For, Show } from "solid-js";
import { onDemand } from "./on-demand.tsx";
import { keyOf } from "../../../shared/chat-store.ts";
import { shortId } from "../../../shared/format.ts";
import { channelLabel } from "../../../shared/safe-text.ts";
import type { ChannelView, CircleView } from "../../../shared/types.ts";
import { useApp } from "../app-store.ts";

// a circle's direct messages (dm-list.tsx): a chunk loaded once one has a conversation to show
const DmList = onDemand(() => import("./dm-list.tsx").then((m) => m.default));

export function Sidebar() {
  const app = useApp();
  return (
    <nav class="sidebar" aria-label="Circles and channels">
      <div class="brand">
        <img src="/icon.svg" alt="" width="22" height="22" />
        <span>felund</span>
        <span class="pill">{app.mode === "local" ? "local node" : "relay"}</span>
      </div>
      <div class="circles" data-testid="sidebar">
        <For each={app.state().app?.circles ?? []}>{(c) => <CircleEntry c={c} />}</For>
      </div>
      <div class="sidebar-foot">
        <button type="button" class="ghost wide" onClick={() => app.openModal("new-circle")}>
          + New circle or join
        </button>
      </div>
    </nav>
  );
}

function CircleEntry(p: { c: CircleView }) {
  const app = useApp();
  const active = () => app.state().circleId === p.c.circleId;
  return (
    <section class="circle" classList={{ active: active() }}>
      <div class="circle-head">
        <button type="button" class="circle-name" title={p.c.circleId} onClick={() => app.select(p.c.circleId)}>
          {p.c.name || shortId(p.c.circleId)}
          <Show when={p.c.owned}>
            <span class="owner" title="you created this circle">
              ★
            </span>
          </Show>
        </button>
        <button
          type="button"
          class="icon-btn small"
          title="New channel"
          aria-label={`New channel in ${p.c.name || shortId(p.c.circleId)}`}
          onClick={async () => {
            if (!active()) await app.select(p.c.circleId);
            app.openModal("new-channel");
          }}
        >
          +
        </button>
      </div>
      <ul>
        <For each={p.c.channels}>{(ch) => <ChannelEntry c={p.c} ch={ch} />}</For>
      </ul>
      <Show when={app.state().dms[p.c.circleId]?.length}>{DmList(p)}</Show>
    </section>
  );
}

function ChannelEntry(p: { c: CircleView; ch: ChannelView }) {
  const app = useApp();
  const k = () => keyOf(p.c.circleId, p.ch.channelId);
  const unread = () => app.state().unread[k()] ?? 0;
  const mentioned = () => app.state().mentioned[k()] ?? 0;
  const active = () => app.key() === k();
  return (
    <li>
      <button
        type="button"
        class="chan"
        classList={{ active: active(), unread: unread() > 0, "not-joined": !p.ch.joined }}
        data-channel={p.ch.channelId}
        onClick={() => app.select(p.c.circleId, p.ch.channelId)}
      >
        <span class="hash">#</span>
        <span class="chan-name">{channelLabel(p.ch.channelId)}</span>
        <Show when={p.ch.accessMode !== "public"}>
          <span class="chan-mode" title={p.ch.accessMode === "key" ? "joined with a key" : "members are approved"}>
            {p.ch.accessMode}
          </span>
        </Show>
        <Show when={unread() > 0}>
          <span class="badge" classList={{ mention: mentioned() > 0 }} data-testid="unread">
            {mentioned() > 0 ? "@ " : ""}
            {unread()}
          </span>
        </Show>
      </button>
    </li>
  );
}
