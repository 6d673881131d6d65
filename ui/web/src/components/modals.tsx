// The panels behind the function keys (F1 help, F2 invite, F3 settings; F4, the call panel,
// is docked: calls/call-panel.tsx) and the small forms for a new channel or circle. Escape
// or a click outside closes them.
import { type Component, For, Match, Show, Switch, createSignal, untrack } from "solid-js";
import { COMMANDS } from "../../../shared/commands.ts";
import { useApp } from "../app-store.ts";
import { Modal } from "./modal.tsx";
import { InviteDialog } from "./invite-dialog.tsx";
import { NewChannel } from "./new-channel.tsx";
import { NotifyMenu } from "./notify-menu.tsx";
import { QuickSwitch } from "./quick-switch.tsx";
import { Settings } from "./settings.tsx";
import { SetupForm } from "./setup.tsx";

// the search panel is a chunk of its own (Ctrl+F, /search), loaded the first time it opens
const [SearchPanel, setSearchPanel] = createSignal<Component>();
const loadSearchPanel = () => void import("./search-panel.tsx").then((m) => setSearchPanel(() => m.default));
// the pins panel (the top bar's pin, /pins): a chunk too
const [PinsPanel, setPinsPanel] = createSignal<Component>();
const loadPinsPanel = () => void import("./pins-panel.tsx").then((m) => setPinsPanel(() => m.default));

export function Modals() {
  const app = useApp();
  return (
    <Show when={app.modal()}>
      {(m) => (
        <Switch>
          <Match when={m().name === "notify"}>
            <NotifyMenu />
          </Match>
          <Match when={m().name === "help"}>
            <Help />
          </Match>
          <Match when={m().name === "invite"}>
            <InviteDialog />
          </Match>
          <Match when={m().name === "settings"}>
            <Settings />
          </Match>
          <Match when={m().name === "search"}>
            <Show when={SearchPanel() ?? (loadSearchPanel(), undefined)}>{(P) => untrack(() => P()({}))}</Show>
          </Match>
          <Match when={m().name === "pins"}>
            <Show when={PinsPanel() ?? (loadPinsPanel(), undefined)}>{(P) => untrack(() => P()({}))}</Show>
          </Match>
          <Match when={m().name === "new-channel"}>
            <NewChannel />
          </Match>
          <Match when={m().name === "switcher"}>
            <QuickSwitch />
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
  ["Ctrl+K", "go to a circle or channel by name"],
  ["Alt+↑ Alt+↓", "previous / next channel"],
  ["Ctrl+F", "search the circle's history"],
  ["Esc", "close a panel, back to the input"],
  ["Enter", "send"],
  ["Shift+Enter", "new line"],
  ["Tab", "complete @name, /command or :emoji:"],
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
      <p class="muted small">
        Formatting: **bold**, *italic*, ~~strike~~, `code`, ``` code blocks, &gt; quotes, - and 1. lists, links, @name
        mentions, :shortcode: emoji.
      </p>
    </Modal>
  );
}
