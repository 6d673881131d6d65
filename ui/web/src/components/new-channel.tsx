// The "+" next to a circle: name a channel and choose who may join it.
import { For, Show, createSignal } from "solid-js";
import { ACCESS_MODES } from "../../../shared/access-modes.ts";
import type { AccessMode } from "../../../shared/types.ts";
import { useApp } from "../app-store.ts";
import { Field, FormEnd } from "./form.tsx";
import { Modal } from "./modal.tsx";

export function NewChannel() {
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
        <Field
          label="Name"
          name="channel"
          maxLength={32}
          placeholder="e.g. random"
          value={name()}
          onInput={setName}
          autofocus
          hint="Letters, digits, - and _ (up to 32)."
        />
        <label>
          <span>Who can join</span>
          <select value={mode()} onChange={(e) => setMode(e.currentTarget.value as AccessMode)}>
            <For each={ACCESS_MODES}>
              {(m) => (
                <option value={m.mode}>
                  {m.label}: {m.who}
                </option>
              )}
            </For>
          </select>
          <small class="muted" data-testid="mode-help">
            {mode() === "public"
              ? "Everyone in the circle can read and write here, now and later."
              : mode() === "key"
                ? "Anyone who knows the passphrase you set here can join: share it with the people you want in."
                : "Members ask to join; only those you approve can read and write here."}
          </small>
        </label>
        <Show when={mode() !== "public"}>
          <small class="muted">
            felund apps honour this; every member's device still stores the channel's messages (v1 circles).
          </small>
        </Show>
        <Show when={mode() === "key"}>
          <Field label="Key (passphrase)" name="key" value={key()} onInput={setKey} />
        </Show>
        <FormEnd error={error()} submit="Create channel" onCancel={() => app.closeModal()} />
      </form>
    </Modal>
  );
}
