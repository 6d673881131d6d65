// The input bar: an auto-growing textarea (Enter sends, Shift+Enter breaks the line) with
// completion of @names, /commands and :emoji: shortcodes (Tab, or Enter on a suggestion;
// arrows choose), and an emoji picker (its chunk loads at the first click).
// A message stays in it until the backend took it, and stays with the reason beside it when
// refused (over the wire's limit: a counter shows from 90%) or failed; what is typed is kept
// per channel in localStorage (a draft), so a reload or a channel switch does not lose it.
import { Show, createEffect, createMemo, createSignal, on, onMount } from "solid-js";
import { messageText } from "../../../shared/line.ts";
import { textBudget } from "../../../shared/text-limit.ts";
import { useApp } from "../app-store.ts";
import { loadBody } from "./message-log.tsx";

const MAX_HEIGHT = 200;

export function InputBar() {
  const app = useApp();
  let ta!: HTMLTextAreaElement;
  const [value, setValue] = createSignal("");
  const [sel, setSel] = createSignal(0);
  const [dismissed, setDismissed] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal("");
  const budget = createMemo(() => textBudget(messageText(value()) ?? ""));
  // the draft of this channel, per node (two nodes' pages share a browser's storage)
  // a memo: the draft is read back when the channel changes, not at every state change (a page of history)
  const draftKey = createMemo(() => `felund.draft.${app.state().app?.node.nodeId}/${app.key()}`);
  /** keep `v` as the draft of `k` ("" drops it), or read it back (no `v`) */
  const keep = (k: string, v?: string) => {
    try {
      if (v === undefined) return localStorage.getItem(k) ?? "";
      v ? localStorage.setItem(k, v) : localStorage.removeItem(k);
    } catch {
      /* storage full or off: the text is still in the box */
    }
    return "";
  };

  // completion (@names, /commands, :emoji:): suggest.tsx, a chunk loaded at the first word it completes
  const [sug, setSug] = createSignal<typeof import("./suggest.tsx")>();
  const suggestions = createMemo(() => {
    const v = value();
    if (!v || v === dismissed() || (!v.startsWith("/") && !/(^|\s)(@|:[\w+-]{2})/.test(v))) return [];
    const s = sug();
    if (!s) void import("./suggest.tsx").then((m) => setSug(() => m)); // (this memo runs again then)
    return s ? s.suggest(app, v) : [];
  });

  const grow = () => {
    ta.style.height = "auto";
    ta.style.height = Math.min(ta.scrollHeight, MAX_HEIGHT) + "px";
  };
  const set = (v: string) => {
    setValue(v);
    ta.value = v;
    setSel(0);
    grow();
    keep(draftKey(), v);
  };
  // another channel: its own draft (the one left was kept as it was typed)
  createEffect(
    on(draftKey, (k) => {
      set(keep(k));
      setError("");
    }),
  );
  const accept = (i: number) => {
    const s = suggestions()[i];
    if (!s) return;
    set(value().slice(0, value().length - s.replace.length) + s.with);
    ta.focus();
  };

  async function send() {
    const line = value();
    if (!line.trim() || busy()) return;
    const msg = messageText(line) !== null;
    const k = draftKey();
    if (!msg) {
      // a command leaves the box at once, as in the terminal, and the next line can follow it
      set("");
      setError("");
      ta.focus();
      return void app.submit(line);
    }
    setBusy(true);
    try {
      const why = await app.submit(line);
      setError(why ?? "");
      // sent: out of the box and its draft (what was typed since stays; a channel left meanwhile loses its draft)
      if (!why) {
        if (k !== draftKey()) keep(k, "");
        else if (value() === line) set("");
      }
    } finally {
      setBusy(false);
      ta.focus();
    }
  }

  const onKey = (e: KeyboardEvent) => {
    const n = suggestions().length;
    if (n && (e.key === "Tab" || (e.key === "Enter" && !e.shiftKey))) {
      e.preventDefault();
      return accept(sel());
    }
    if (n && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      return setSel((sel() + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
    }
    if (n && e.key === "Escape") {
      e.stopPropagation();
      return setDismissed(value());
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
    // ↑ in an empty box edits my last message here (its editor is in the message-body chunk)
    if (e.key === "ArrowUp" && !value() && !(e.altKey || e.ctrlKey || e.metaKey || e.shiftKey))
      void loadBody().then((b) => b.editLast(app));
  };

  // attach button, drop, paste: the sending code is a chunk loaded on the first file
  const files = (f: FileList | null | undefined, e?: Event) =>
    f?.length && (e?.preventDefault(), import("./attach-send.ts").then((m) => m.sendFiles(app, [...f])));

  onMount(() => {
    app.setInput(ta);
    ta.focus();
  });

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: files dropped or pasted anywhere on the input bar are attached (the 📎 button is the accessible way)
    <div
      class="inputbar"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => files(e.dataTransfer?.files, e)}
      onPaste={(e) => files(e.clipboardData?.files, e)}
    >
      <Show when={suggestions().length ? sug() : undefined}>
        {(m) => {
          const List = m().SuggestList;
          return <List items={suggestions()} sel={sel()} accept={accept} />;
        }}
      </Show>
      <Show when={error() || budget().near}>
        <div
          class="input-note"
          classList={{ error: !!error() || budget().over }}
          data-testid="input-note"
          role="status"
        >
          {error() || budget().label}
        </div>
      </Show>
      <div class="input-wrap">
        <textarea
          ref={ta}
          rows={1}
          data-testid="input"
          aria-label="Message"
          placeholder={`Message ${app.title()}`}
          onInput={(e) => {
            setValue(e.currentTarget.value);
            setSel(0);
            grow();
            setError("");
            keep(draftKey(), value());
            // tell the others this user types (a chunk on the first keystroke: ui/shared/typing.ts)
            if (value().trim()) void import("../../../shared/typing.ts").then((t) => t.userTyped(app.core, value()));
          }}
          onKeyDown={onKey}
        />
        <label class="icon-btn ico ico-clip" aria-label="Attach" title="Attach files">
          <input type="file" multiple hidden data-testid="attach" onChange={(e) => files(e.currentTarget.files)} />
        </label>
        <button
          type="button"
          class="icon-btn"
          aria-label="Emoji"
          onClick={() => void import("./emoji-picker.tsx").then((m) => m.togglePicker(ta, set))}
        >
          ☺
        </button>
        <button type="button" class="send" disabled={!value().trim() || busy()} onClick={send} aria-label="Send">
          Send
        </button>
      </div>
    </div>
  );
}
