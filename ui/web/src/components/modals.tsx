// The panels behind the function keys (F1 help, F2 invite, F3 settings; F4, the call panel,
// is docked: calls/call-panel.tsx) and the small forms for a new channel or circle. Escape
// or a click outside closes them.
import { For, Match, Show, Switch, createResource, createSignal } from "solid-js";
import { COMMANDS } from "../../../shared/commands.ts";
import { shortId } from "../../../shared/format.ts";
import { useApp } from "../app-store.ts";
import { Modal } from "./modal.tsx";
import { InviteList } from "./invite-list.tsx";
import { NewChannel } from "./new-channel.tsx";
import { LEGACY_CODE_NOTE } from "../../../shared/invites.ts";
import { Settings } from "./settings.tsx";
import { SetupForm } from "./setup.tsx";

export function Modals() {
  const app = useApp();
  return (
    <Show when={app.modal()}>
      {(m) => (
        <Switch>
          <Match when={m().name === "help"}>
            <Help />
          </Match>
          <Match when={m().name === "invite"}>
            <Invite />
          </Match>
          <Match when={m().name === "settings"}>
            <Settings />
          </Match>
          <Match when={m().name === "new-channel"}>
            <NewChannel />
          </Match>
          <Match when={m().name === "new-circle"}>
            <Modal title="New circle or join" testid="new-circle-modal">
              <SetupForm onDone={() => app.closeModal()} />
            </Modal>
          </Match>
        </Switch>
      )}
    </Show>
  );
}

const KEYS: [string, string][] = [
  ["F1", "this help"],
  ["F2", "invite code of the active circle, and its invites (revoke)"],
  ["F3", "settings"],
  ["F4", "calls"],
  ["Esc", "close a panel, back to the input"],
  ["Enter", "send"],
  ["Shift+Enter", "new line"],
  ["Tab", "complete @name or /command"],
  ["↑ ↓", "choose a completion"],
];

function Help() {
  return (
    <Modal title="Help" testid="help-modal" wide>
      <p class="muted">
        Type a message and press Enter, or a command starting with <code>/</code>. <code>{/* text */}</code> sends a
        line that starts with a slash.
      </p>
      <table class="cmd-table">
        <tbody>
          <For each={COMMANDS}>
            {(c) => (
              <tr>
                <td>
                  <code>/{c.name}</code> <span class="muted">{c.args}</span>
                </td>
                <td>{c.summary}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <h3>Keys</h3>
      <table class="cmd-table keys">
        <tbody>
          <For each={KEYS}>
            {([k, v]) => (
              <tr>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{v}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <p class="muted small">Formatting: **bold**, *italic*, `code`, links, @name mentions.</p>
    </Modal>
  );
}

function Invite() {
  const app = useApp();
  const c = app.circle();
  const [code] = createResource(
    () => c?.circleId,
    (id) => app.backend.inviteCode(id),
  );
  const [copied, setCopied] = createSignal(false);
  let ta: HTMLTextAreaElement | undefined;
  async function copy() {
    const text = code() ?? "";
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      ta?.select();
      document.execCommand("copy");
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  }
  return (
    <Modal title={`Invite to ${c?.name || shortId(c?.circleId ?? "")}`} testid="invite-modal" wide>
      <Show when={c} fallback={<p>No active circle: create or join one first.</p>}>
        <p>
          Anyone with this code can read and write in this circle. Share it only with people you trust, over a private
          channel.
        </p>
        <Show
          when={!code.error}
          fallback={<p class="error-text">Could not get the code: {(code.error as Error)?.message}</p>}
        >
          <textarea
            ref={ta}
            class="code"
            readonly
            rows={4}
            value={code() ?? "…"}
            data-testid="invite-code"
            onFocus={(e) => e.currentTarget.select()}
          />
          <div class="row end">
            <span class="muted small">
              They paste it in felund with <code>/join</code> or on the setup screen.
            </span>
            <button type="button" class="primary" onClick={copy} disabled={!code()}>
              {copied() ? "Copied ✓" : "Copy code"}
            </button>
          </div>
          <Show when={c!.owned && code()?.startsWith("felund1.")}>
            <p class="muted small" data-testid="legacy-code-note">
              {LEGACY_CODE_NOTE}
            </p>
          </Show>
          <Show when={c!.owned && app.backend.listInvites && code()?.startsWith("felund2.") && code()}>
            {(k) => <InviteList circleId={c!.circleId} code={k()} />}
          </Show>
        </Show>
      </Show>
    </Modal>
  );
}
