// F2: the active circle's invite code with a copy button. For the owner of a v2 circle, the
// choice the code is made with (same network or through the relay, lifetime, use limit:
// ui/shared/invite-options.ts), the plain word that the inviter must be online, and the
// circle's invites (invite-list.tsx). The dialog opens on the default choice's code; another
// choice makes a new code.
import { For, Show, createSignal } from "solid-js";
import type { InviteRoute } from "../../../shared/backend.ts";
import { shortId } from "../../../shared/format.ts";
import {
  choiceSummary,
  choosable,
  defaultChoice,
  EXPIRY_CHOICES,
  type InviteChoice,
  inviteRequest,
  inviteRoutes,
  onlineNote,
  ROUTE_HINT,
  routeLabel,
  USES_CHOICES,
  usesLabel,
} from "../../../shared/invite-options.ts";
import { LEGACY_CODE_NOTE } from "../../../shared/invites.ts";
import { useApp } from "../app-store.ts";
import { fetched } from "./fetched.ts";
import { InviteList } from "./invite-list.tsx";
import { Modal } from "./modal.tsx";

export function InviteDialog() {
  const app = useApp();
  const c = app.circle();
  const node = app.state().app?.node;
  const canChoose = choosable(c);
  const routes = inviteRoutes(app.mode, node);
  // what the shown code was made with, and what the form holds now
  const [made, setMade] = createSignal<InviteChoice>(defaultChoice(app.mode, node));
  const [form, setForm] = createSignal<InviteChoice>(made());
  const code = fetched(
    () => (c ? { id: c.circleId, choice: made() } : null),
    (r) => app.backend.inviteCode(r.id, canChoose ? inviteRequest(r.choice, app.mode) : {}),
  );
  const changed = () => JSON.stringify(form()) !== JSON.stringify(made());
  const set = (patch: Partial<InviteChoice>) => setForm({ ...form(), ...patch });
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
        <Show when={canChoose}>
          <form
            class="form invite-options"
            data-testid="invite-options"
            onSubmit={(e) => {
              e.preventDefault();
              setMade(form());
            }}
          >
            <fieldset class="field">
              <legend>Joiners reach you</legend>
              <For each={routes}>
                {(r: InviteRoute) => (
                  <label class="check">
                    <input
                      type="radio"
                      name="route"
                      value={r}
                      checked={form().route === r}
                      onChange={() => set({ route: r })}
                      data-testid={`invite-route-${r}`}
                    />
                    {routeLabel(r, node)}
                  </label>
                )}
              </For>
              <Show when={app.mode === "local" && routes.length === 1}>
                <small class="muted">Set a relay URL in settings (F3) to invite people on other networks.</small>
              </Show>
              <small class="muted">{ROUTE_HINT[form().route]}</small>
            </fieldset>
            <div class="row">
              <label>
                <span>Expires in</span>
                <select
                  name="ttl"
                  data-testid="invite-ttl"
                  onChange={(e) => set({ ttlS: Number(e.currentTarget.value) })}
                >
                  <For each={EXPIRY_CHOICES}>
                    {(x) => (
                      <option value={x.ttlS} selected={x.ttlS === form().ttlS}>
                        {x.label}
                      </option>
                    )}
                  </For>
                </select>
              </label>
              <label>
                <span>Uses</span>
                <select
                  name="uses"
                  data-testid="invite-uses"
                  onChange={(e) => set({ maxUses: Number(e.currentTarget.value) })}
                >
                  <For each={USES_CHOICES}>
                    {(n) => (
                      <option value={n} selected={n === form().maxUses}>
                        {usesLabel(n)}
                      </option>
                    )}
                  </For>
                </select>
              </label>
              <button type="submit" class="ghost" disabled={!changed() || code.loading} data-testid="invite-make">
                Make code
              </button>
            </div>
          </form>
        </Show>
        <Show
          when={!code.error}
          fallback={<p class="error-text">Could not get the code: {(code.error as Error)?.message}</p>}
        >
          <textarea
            ref={ta}
            class="code"
            readonly
            rows={4}
            value={code.loading ? "…" : (code() ?? "…")}
            data-testid="invite-code"
            onFocus={(e) => e.currentTarget.select()}
          />
          <Show when={canChoose && code()?.startsWith("felund2.")}>
            <p class="small" data-testid="invite-summary">
              This code: {choiceSummary(made(), node)}.
              <Show when={changed()}>
                <span class="muted"> (Make code to use the settings above.)</span>
              </Show>
            </p>
          </Show>
          <Show when={code()?.startsWith("felund2.")}>
            <p class="small" data-testid="invite-online-note">
              <strong>{onlineNote(app.mode)}</strong>
            </p>
          </Show>
          <div class="row end">
            <span class="muted small">
              They paste it in felund with <code>/join</code> or on the setup screen.
            </span>
            <button type="button" class="primary" onClick={copy} disabled={!code() || code.loading}>
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
