// The panels behind the function keys (F1 help, F2 invite, F3 settings, F4 calls) and the
// small forms for a new channel or circle. Escape or a click outside closes them.
import { For, Match, Show, Switch, createResource, createSignal, onMount, type JSX } from "solid-js";
import { COMMANDS } from "../../../shared/commands.ts";
import { shortId } from "../../../shared/format.ts";
import type { AccessMode } from "../../../shared/types.ts";
import { useApp } from "../app-store.ts";
import { askNotificationPermission, notificationPermission, notificationsMuted, notificationsSupported, setNotificationsMuted } from "../notify.ts";
import { SetupForm } from "./setup.tsx";

export function Modals() {
  const app = useApp();
  return (
    <Show when={app.modal()}>
      {(m) => (
        <Switch>
          <Match when={m().name === "help"}><Help /></Match>
          <Match when={m().name === "invite"}><Invite /></Match>
          <Match when={m().name === "settings"}><Settings /></Match>
          <Match when={m().name === "calls"}><Calls /></Match>
          <Match when={m().name === "new-channel"}><NewChannel /></Match>
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

function Modal(p: { title: string; testid: string; wide?: boolean; children: JSX.Element }) {
  const app = useApp();
  let box!: HTMLDivElement;
  onMount(() => (box.querySelector<HTMLElement>("[autofocus], input, textarea, select, button.primary") ?? box).focus());
  return (
    <div class="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && app.closeModal()}>
      <div class="modal" classList={{ wide: p.wide }} role="dialog" aria-modal="true" aria-label={p.title} data-testid={p.testid} ref={box} tabIndex={-1}>
        <header class="modal-head">
          <h2>{p.title}</h2>
          <button class="icon-btn" aria-label="Close" title="Close (Esc)" onClick={() => app.closeModal()}>×</button>
        </header>
        <div class="modal-body">{p.children}</div>
      </div>
    </div>
  );
}

const KEYS: [string, string][] = [
  ["F1", "this help"], ["F2", "invite code of the active circle"], ["F3", "settings"], ["F4", "calls"],
  ["Esc", "close a panel, back to the input"], ["Enter", "send"], ["Shift+Enter", "new line"],
  ["Tab", "complete @name or /command"], ["↑ ↓", "choose a completion"],
];

function Help() {
  return (
    <Modal title="Help" testid="help-modal" wide>
      <p class="muted">Type a message and press Enter, or a command starting with <code>/</code>. <code>//text</code> sends a line that starts with a slash.</p>
      <table class="cmd-table">
        <tbody>
          <For each={COMMANDS}>
            {(c) => (
              <tr>
                <td><code>/{c.name}</code> <span class="muted">{c.args}</span></td>
                <td>{c.summary}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <h3>Keys</h3>
      <table class="cmd-table keys">
        <tbody>
          <For each={KEYS}>{([k, v]) => <tr><td><kbd>{k}</kbd></td><td>{v}</td></tr>}</For>
        </tbody>
      </table>
      <p class="muted small">Formatting: **bold**, *italic*, `code`, links, @name mentions.</p>
    </Modal>
  );
}

function Invite() {
  const app = useApp();
  const c = app.circle();
  const [code] = createResource(() => c?.circleId, (id) => app.backend.inviteCode(id));
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
    <Modal title={`Invite to ${c?.name || shortId(c?.circleId ?? "")}`} testid="invite-modal">
      <Show when={c} fallback={<p>No active circle: create or join one first.</p>}>
        <p>Anyone with this code can read and write in this circle. Share it only with people you trust, over a private channel.</p>
        <Show when={!code.error} fallback={<p class="error-text">Could not get the code: {(code.error as Error)?.message}</p>}>
          <textarea ref={ta} class="code" readonly rows={4} value={code() ?? "…"} data-testid="invite-code" onFocus={(e) => e.currentTarget.select()} />
          <div class="row end">
            <span class="muted small">They paste it in felund with <code>/join</code> or on the setup screen.</span>
            <button class="primary" onClick={copy} disabled={!code()}>{copied() ? "Copied ✓" : "Copy code"}</button>
          </div>
        </Show>
      </Show>
    </Modal>
  );
}

function Settings() {
  const app = useApp();
  const node = app.state().app!.node;
  const [name, setName] = createSignal(node.displayName);
  const [relay, setRelay] = createSignal(node.relayBase);
  const [error, setError] = createSignal("");
  const [saving, setSaving] = createSignal(false);
  const [perm, setPerm] = createSignal(notificationPermission());
  const [muted, setMuted] = createSignal(notificationsMuted());

  async function save(e: Event) {
    e.preventDefault();
    setError("");
    const patch: { displayName?: string; relayBase?: string } = {};
    if (name().trim() !== node.displayName) patch.displayName = name().trim();
    if (relay().trim() !== node.relayBase) patch.relayBase = relay().trim();
    setSaving(true);
    try {
      if (patch.displayName !== undefined || patch.relayBase !== undefined) {
        await app.backend.updateSettings(patch);
        await app.core.refresh();
        app.notice("settings saved");
      }
      app.closeModal();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal title="Settings" testid="settings-modal">
      <form class="form" onSubmit={save}>
        <label>
          <span>Display name</span>
          <input name="displayName" maxLength={40} value={name()} onInput={(e) => setName(e.currentTarget.value)} autofocus />
        </label>
        <label>
          <span>Relay URL</span>
          <input name="relayBase" type="url" placeholder="https://relay.example.org" value={relay()} onInput={(e) => setRelay(e.currentTarget.value)} />
          <small class="muted">
            {app.mode === "local"
              ? "Optional. Your node meets browsers and peers behind NAT through this relay."
              : "The relay this browser syncs through. Everyone in a circle must use the same relay."}
          </small>
        </label>
        <div class="field">
          <span>Mention notifications</span>
          <Switch>
            <Match when={perm() === "unsupported"}><small class="muted">Not supported by this browser.</small></Match>
            <Match when={perm() === "denied"}><small class="muted">Blocked for this site in the browser's settings.</small></Match>
            <Match when={perm() === "default"}>
              <button type="button" class="ghost" onClick={async () => setPerm(await askNotificationPermission())}>Allow desktop notifications</button>
            </Match>
            <Match when={perm() === "granted"}>
              <label class="check">
                <input type="checkbox" checked={!muted()} onChange={(e) => { setNotificationsMuted(!e.currentTarget.checked); setMuted(!e.currentTarget.checked); }} />
                Notify me when I am mentioned and this tab is hidden
              </label>
            </Match>
          </Switch>
        </div>
        <dl class="facts">
          <dt>Node id</dt><dd><code>{node.nodeId}</code></dd>
          <Show when={node.listenAddr}><dt>Listening for peers</dt><dd><code>{node.listenAddr}</code></dd></Show>
          <dt>Mode</dt><dd>{app.mode === "local" ? "web UI of the local node" : "relay-only (this browser is the peer)"}</dd>
        </dl>
        <Show when={error()}><p class="error-text" role="alert">{error()}</p></Show>
        <div class="row end">
          <button type="button" class="ghost" onClick={() => app.closeModal()}>Cancel</button>
          <button type="submit" class="primary" disabled={saving()}>Save</button>
        </div>
      </form>
    </Modal>
  );
}

function Calls() {
  return (
    <Modal title="Calls" testid="calls-modal">
      <div class="placeholder">
        <p><strong>Calls are coming.</strong></p>
        <p class="muted">Audio and video calls between circle members will open here.</p>
      </div>
    </Modal>
  );
}

function NewChannel() {
  const app = useApp();
  const [name, setName] = createSignal("");
  const [mode, setMode] = createSignal<AccessMode>("public");
  const [key, setKey] = createSignal("");
  const [error, setError] = createSignal("");
  async function create(e: Event) {
    e.preventDefault();
    const n = name().trim().replace(/^#/, "").toLowerCase();
    if (!n) return setError("give the channel a name");
    if (mode() === "key" && !key()) return setError("a key channel needs a key");
    const c = app.circle();
    if (!c) return setError("no active circle");
    try {
      await app.backend.createChannel(c.circleId, n, mode(), mode() === "key" ? key() : undefined);
      await app.core.refresh();
      app.closeModal();
      await app.select(c.circleId, n);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Modal title={`New channel in ${app.circle()?.name || "this circle"}`} testid="new-channel-modal">
      <form class="form" onSubmit={create}>
        <label>
          <span>Name</span>
          <input name="channel" maxLength={32} placeholder="e.g. random" value={name()} onInput={(e) => setName(e.currentTarget.value)} autofocus />
          <small class="muted">Letters, digits, - and _ (up to 32).</small>
        </label>
        <label>
          <span>Who can join</span>
          <select value={mode()} onChange={(e) => setMode(e.currentTarget.value as AccessMode)}>
            <option value="public">Everyone in the circle</option>
            <option value="key">Anyone with a key</option>
            <option value="invite">Members you approve</option>
          </select>
        </label>
        <Show when={mode() !== "public"}>
          <small class="muted">felund apps honour this; every member's device still stores the channel's messages (v1 circles).</small>
        </Show>
        <Show when={mode() === "key"}>
          <label>
            <span>Key</span>
            <input name="key" value={key()} onInput={(e) => setKey(e.currentTarget.value)} />
          </label>
        </Show>
        <Show when={error()}><p class="error-text" role="alert">{error()}</p></Show>
        <div class="row end">
          <button type="button" class="ghost" onClick={() => app.closeModal()}>Cancel</button>
          <button type="submit" class="primary">Create channel</button>
        </div>
      </form>
    </Modal>
  );
}
