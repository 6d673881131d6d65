// The pieces every dialog form repeats: a labelled text field, and the end of the form (the
// error line, an alert so screen readers announce it, and the Cancel and submit buttons).
import { type JSX, Show } from "solid-js";

/** A labelled one-line text input; `hint` is the small muted line under it. */
export function Field(p: {
  label: string;
  name: string;
  value: string;
  onInput: (value: string) => void;
  type?: string;
  maxLength?: number;
  placeholder?: string;
  autofocus?: boolean;
  hint?: JSX.Element;
}) {
  return (
    <label>
      <span>{p.label}</span>
      <input
        name={p.name}
        type={p.type}
        maxLength={p.maxLength}
        placeholder={p.placeholder}
        value={p.value}
        onInput={(e) => p.onInput(e.currentTarget.value)}
        autofocus={p.autofocus}
      />
      <Show when={p.hint}>
        <small class="muted">{p.hint}</small>
      </Show>
    </label>
  );
}

export function FormEnd(p: { error: string; submit: string; busy?: boolean; onCancel?: () => void }) {
  return (
    <>
      <Show when={p.error}>
        <p class="error-text" role="alert">
          {p.error}
        </p>
      </Show>
      <div class="row end">
        <Show when={p.onCancel}>
          <button type="button" class="ghost" onClick={() => p.onCancel?.()}>
            Cancel
          </button>
        </Show>
        <button type="submit" class="primary" disabled={p.busy}>
          {p.submit}
        </button>
      </div>
    </>
  );
}
