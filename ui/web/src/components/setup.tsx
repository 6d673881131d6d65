// First-run setup (display name, then create a circle or join one by invite code; the relay
// URL too in relay mode) and the same form, shorter, for "new circle or join" later on.
import { Show, createSignal } from "solid-js";
import { pressKey } from "../../../shared/keys.ts";
import { useApp } from "../app-store.ts";
import { Field, FormEnd } from "./form.tsx";

export function Setup(_p: { firstRun?: boolean }) {
  const app = useApp();
  return (
    <main class="setup" data-testid="setup">
      <div class="setup-card">
        <div class="setup-brand">
          <img src="/icon.svg" alt="" width="48" height="48" />
          <div>
            <h1>Welcome to felund</h1>
            <p class="muted">
              Private group chat between your own devices and friends, without a company in the middle.
            </p>
          </div>
        </div>
        <SetupForm firstRun />
        <p class="muted small setup-foot">
          {app.mode === "local"
            ? "You are using the web UI of the felund node running on this computer."
            : "This browser is its own felund peer: your keys and history stay in this browser and sync through the relay."}
        </p>
      </div>
    </main>
  );
}

export function SetupForm(p: { firstRun?: boolean; onDone?: () => void }) {
  const app = useApp();
  const node = () => app.state().app!.node;
  const [how, setHow] = createSignal<"create" | "join">("create");
  const [name, setName] = createSignal(node().displayName === "anon" ? "" : node().displayName);
  const [relay, setRelay] = createSignal(node().relayBase);
  const [circleName, setCircleName] = createSignal("");
  const [legacy, setLegacy] = createSignal(false);
  const [code, setCode] = createSignal("");
  const [error, setError] = createSignal("");
  const [busy, setBusy] = createSignal(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError("");
    if (how() === "join" && !code().trim()) return setError("paste the invite code you were given");
    setBusy(true);
    try {
      const patch: { displayName?: string; relayBase?: string } = {};
      if (p.firstRun && name().trim() && name().trim() !== node().displayName) patch.displayName = name().trim();
      if (p.firstRun && app.mode === "relay" && relay().trim() !== node().relayBase) patch.relayBase = relay().trim();
      if (Object.keys(patch).length) await app.backend.updateSettings(patch);
      const circleId =
        how() === "create"
          ? (await app.backend.createCircle(circleName().trim(), { legacy: legacy() })).circleId
          : (await app.backend.joinCircle(code().trim())).circleId;
      await app.core.refresh();
      await app.select(circleId);
      app.notice(
        how() === "create"
          ? `circle created: ${pressKey("F2")} for its invite code`
          : "joined: messages arrive as peers are reached",
      );
      p.onDone?.();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form" onSubmit={submit} data-testid="setup-form">
      <Show when={p.firstRun}>
        <Field
          label="Your display name"
          name="displayName"
          maxLength={40}
          placeholder="how others see you"
          value={name()}
          onInput={setName}
          autofocus
        />
      </Show>
      <div class="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={how() === "create"}
          classList={{ on: how() === "create" }}
          onClick={() => setHow("create")}
        >
          Create a circle
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={how() === "join"}
          classList={{ on: how() === "join" }}
          onClick={() => setHow("join")}
        >
          Join with a code
        </button>
      </div>
      <Show
        when={how() === "create"}
        fallback={
          <label>
            <span>Invite code</span>
            <textarea
              name="code"
              class="code"
              rows={3}
              placeholder="felund2.… or felund1.…"
              value={code()}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
          </label>
        }
      >
        <Field
          label="Circle name"
          name="circleName"
          maxLength={40}
          placeholder="e.g. family"
          value={circleName()}
          onInput={setCircleName}
        />
        <label
          class="check"
          title="Original clients cannot join v2-only circles. A compatible circle uses felund1. codes (no expiry, no use limit) and its messages also travel in the original format."
        >
          <input
            type="checkbox"
            name="legacy"
            checked={legacy()}
            onChange={(e) => setLegacy(e.currentTarget.checked)}
          />
          <span>Compatible with original felund clients</span>
        </label>
      </Show>
      <Show when={p.firstRun && app.mode === "relay"}>
        <Field
          label="Relay URL"
          name="relayBase"
          type="url"
          value={relay()}
          onInput={setRelay}
          hint="Where this browser meets the others. The relay only sees encrypted messages."
        />
      </Show>
      <FormEnd
        error={error()}
        submit={how() === "create" ? "Create circle" : "Join circle"}
        busy={busy()}
        onCancel={p.onDone && (() => app.closeModal())}
      />
    </form>
  );
}
