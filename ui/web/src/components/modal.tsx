// The dialog frame every panel uses: title, close button, focus on the first field;
// a click on the backdrop (or Escape, handled by the app) closes it.
import { onMount, type JSX } from "solid-js";
import { useApp } from "../app-store.ts";

export function Modal(p: { title: string; testid: string; wide?: boolean; children: JSX.Element }) {
  const app = useApp();
  let box!: HTMLDivElement;
  onMount(() =>
    (box.querySelector<HTMLElement>("[autofocus], input, textarea, select, button.primary") ?? box).focus(),
  );
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a pointer-only backdrop; Escape closes the dialog from the keyboard
    <div class="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && app.closeModal()}>
      <div
        class="modal"
        classList={{ wide: p.wide }}
        role="dialog"
        aria-modal="true"
        aria-label={p.title}
        data-testid={p.testid}
        ref={box}
        tabIndex={-1}
      >
        <header class="modal-head">
          <h2>{p.title}</h2>
          <button
            type="button"
            class="icon-btn"
            aria-label="Close"
            title="Close (Esc)"
            onClick={() => app.closeModal()}
          >
            ×
          </button>
        </header>
        <div class="modal-body">{p.children}</div>
      </div>
    </div>
  );
}
