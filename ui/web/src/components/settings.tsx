// F3: display name, relay URL, mention notifications and the call servers (STUN/TURN, kept in
// this browser), plus facts about this peer.
import { Match, Show, Switch, createSignal } from "solid-js";
import { useApp } from "../app-store.ts";
import { Field, FormEnd } from "./form.tsx";
import {
  askNotificationPermission,
  notificationPermission,
  notificationsMuted,
  setNotificationsMuted,
} from "../notify.ts";
import { Modal } from "./modal.tsx";
import { loadIce, saveIce } from "../calls/ice.ts";

export function Settings() {
  const app = useApp();
  const node = app.state().app!.node;
  const [name, setName] = createSignal(node.displayName);
  const [relay, setRelay] = createSignal(node.relayBase);
  const [error, setError] = createSignal("");
  const [saving, setSaving] = createSignal(false);
  const [perm, setPerm] = createSignal(notificationPermission());
  const [muted, setMuted] = createSignal(notificationsMuted());
  const [ice, setIce] = createSignal(loadIce());
  const iceField = (k: keyof ReturnType<typeof loadIce>) => (e: { currentTarget: HTMLInputElement }) =>
    setIce({ ...ice(), [k]: e.currentTarget.value });

  async function save(e: Event) {
    e.preventDefault();
    setError("");
    const patch: { displayName?: string; relayBase?: string } = {};
    if (name().trim() !== node.displayName) patch.displayName = name().trim();
    if (relay().trim() !== node.relayBase) patch.relayBase = relay().trim();
    const iceErr = saveIce(ice());
    if (iceErr) return setError(iceErr);
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
        <Field label="Display name" name="displayName" maxLength={40} value={name()} onInput={setName} autofocus />
        <Field
          label="Relay URL"
          name="relayBase"
          type="url"
          placeholder="https://relay.example.org"
          value={relay()}
          onInput={setRelay}
          hint={
            app.mode === "local"
              ? "Optional. Your node meets browsers and peers behind NAT through this relay."
              : "The relay this browser syncs through. Everyone in a circle must use the same relay."
          }
        />
        <div class="field">
          <span>Mention notifications</span>
          <Switch>
            <Match when={perm() === "unsupported"}>
              <small class="muted">Not supported by this browser.</small>
            </Match>
            <Match when={perm() === "denied"}>
              <small class="muted">Blocked for this site in the browser's settings.</small>
            </Match>
            <Match when={perm() === "default"}>
              <button type="button" class="ghost" onClick={async () => setPerm(await askNotificationPermission())}>
                Allow desktop notifications
              </button>
            </Match>
            <Match when={perm() === "granted"}>
              <label class="check">
                <input
                  type="checkbox"
                  checked={!muted()}
                  onChange={(e) => {
                    setNotificationsMuted(!e.currentTarget.checked);
                    setMuted(!e.currentTarget.checked);
                  }}
                />
                Notify me when I am mentioned and this tab is hidden
              </label>
            </Match>
          </Switch>
        </div>
        <fieldset class="field">
          <legend>
            Call servers <small class="muted">(this browser; none needed on one network)</small>
          </legend>
          <input name="stun" placeholder="stun:stun.example.org:3478" value={ice().stun} onInput={iceField("stun")} />
          <input
            name="turnUrl"
            placeholder="turn:turn.example.org:3478 (optional)"
            value={ice().turnUrl}
            onInput={iceField("turnUrl")}
          />
          <div class="row">
            <input name="turnUser" placeholder="TURN user" value={ice().turnUser} onInput={iceField("turnUser")} />
            <input
              name="turnCredential"
              type="password"
              placeholder="TURN password"
              value={ice().turnCredential}
              onInput={iceField("turnCredential")}
            />
          </div>
        </fieldset>
        <dl class="facts">
          <dt>Node id</dt>
          <dd>
            <code>{node.nodeId}</code>
          </dd>
          <Show when={node.listenAddr}>
            <dt>Listening for peers</dt>
            <dd>
              <code>{node.listenAddr}</code>
            </dd>
          </Show>
          <dt>Mode</dt>
          <dd>{app.mode === "local" ? "web UI of the local node" : "relay-only (this browser is the peer)"}</dd>
        </dl>
        <FormEnd error={error()} submit="Save" busy={saving()} onCancel={() => app.closeModal()} />
      </form>
    </Modal>
  );
}
