// The "Direct messages" section of a circle in the sidebar (docs/PROTOCOL.md §21): one entry
// per conversation, "@member", with its unread count (a DM counts as a mention). A chunk of its
// own, loaded once the circle has a conversation to show; new ones start from the member list.
import { For, Show } from "solid-js";
import { keyOf } from "../../../shared/chat-store.ts";
import type { CircleView, DmView } from "../../../shared/types.ts";
import { useApp } from "../app-store.ts";

export default function DmList(p: { c: CircleView }) {
  const app = useApp();
  return (
    <div class="dms" data-testid="dm-list">
      <h3 class="dms-head">Direct messages</h3>
      <ul>
        <For each={app.state().dms[p.c.circleId] ?? []}>{(d) => <DmEntry c={p.c} d={d} />}</For>
      </ul>
    </div>
  );
}

function DmEntry(p: { c: CircleView; d: DmView }) {
  const app = useApp();
  const k = () => keyOf(p.c.circleId, p.d.channelId);
  const unread = () => app.state().unread[k()] ?? 0;
  return (
    <li>
      <button
        type="button"
        class="chan"
        classList={{ active: app.key() === k(), unread: unread() > 0 }}
        data-dm={p.d.nodeId}
        onClick={() => app.select(p.c.circleId, p.d.channelId)}
      >
        <span class="hash">@</span>
        <span class="chan-name">{(app.state(), app.core.nameOf(p.d.nodeId, p.c.circleId))}</span>
        <Show when={unread() > 0}>
          <span class="badge mention" data-testid="unread">
            @ {unread()}
          </span>
        </Show>
      </button>
    </li>
  );
}
