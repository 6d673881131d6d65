// The owner's invites in the F2 panel: id, created, expires, uses/max, state, and a Revoke
// button per invite (through the backend: the node's local API, or the relay-only browser's
// own store). A kick revokes them all; the owner then hands out the new code shown above.
import { For, Show, createSignal } from "solid-js";
import { fetched } from "./fetched.ts";
import { codeInviteId, inviteCells, INVITES_HELP } from "../../../shared/invites.ts";
import type { InviteView } from "../../../shared/types.ts";
import { useApp } from "../app-store.ts";

export function InviteList(props: { circleId: string; code: string }) {
  const app = useApp();
  // (listed again for each code the dialog shows: a new one is a new row)
  const invites = fetched(
    () => ({ id: props.circleId, code: props.code }),
    (k) => app.backend.listInvites!(k.id),
  );
  const [status, setStatus] = createSignal<{ text: string; error: boolean } | null>(null);
  async function revoke(v: InviteView) {
    try {
      await app.backend.revokeInvite!(props.circleId, v.inviteId);
      const own = v.inviteId === codeInviteId(props.code);
      setStatus({
        text: `revoked ${v.inviteId.slice(0, 12)}: its code admits no one now${own ? " (reopen this panel for a new code)" : ""}`,
        error: false,
      });
    } catch (e) {
      setStatus({ text: (e as Error).message, error: true });
    }
    invites.refetch();
  }
  return (
    <div class="invite-list" data-testid="invite-list">
      <h3>Invites of this circle</h3>
      <Show
        when={!invites.error}
        fallback={<p class="error-text">Could not list the invites: {(invites.error as Error)?.message}</p>}
      >
        <table class="cmd-table">
          <thead>
            <tr>
              <th>Invite</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Uses</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For each={invites() ?? []}>
              {(v) => {
                const c = inviteCells(v);
                return (
                  <tr
                    data-testid="invite-row"
                    data-invite={v.inviteId}
                    data-state={v.state}
                    classList={{ muted: v.state !== "live" }}
                  >
                    <td>
                      <code>{c.id}</code>
                      {v.inviteId === codeInviteId(props.code) ? <span class="muted small"> (this code)</span> : null}
                    </td>
                    <td>{c.created}</td>
                    <td>{c.expires}</td>
                    <td>{c.uses}</td>
                    <td>{c.state}</td>
                    <td>
                      <button
                        type="button"
                        class="ghost"
                        disabled={v.state === "revoked"}
                        onClick={() => void revoke(v)}
                        data-testid="invite-revoke"
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                );
              }}
            </For>
          </tbody>
        </table>
      </Show>
      <Show when={status()}>
        {(s) => (
          <p class={s().error ? "error-text" : "muted small"} data-testid="invite-status">
            {s().text}
          </p>
        )}
      </Show>
      <p class="muted small">{INVITES_HELP}</p>
    </div>
  );
}
