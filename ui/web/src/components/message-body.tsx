// A message's body in the log with replies, reactions, edits and deletes (docs/PROTOCOL.md §18,
// issue 16): the quote of a reply (a click jumps to the message, loading history back to it),
// the text or its inline editor (Enter saves, Esc cancels), the "edited" mark (a click shows
// every text it had), the tombstone of a deleted message, the reaction chips, and the message's
// actions while it is hovered, tapped or focused. A chunk of its own: message-log.tsx loads it
// at the first message that needs it or the first hover, tap or focus on a message; the input
// bar at ↑ in an empty box (editLast: edit my last message in the channel).
import { For, Show, createSignal, onMount } from "solid-js";
import { formatDateTime } from "../../../shared/format.ts";
import { lastEditable, messageActions, plainInline } from "../../../shared/message-actions.ts";
import { jumpToMessage, refAction } from "../../../shared/ref-commands.ts";
import type { MessageView } from "../../../shared/types.ts";
import { type AppStore, useApp } from "../app-store.ts";
import { Actions } from "./message-actions.tsx";
import { Reactions } from "./reactions.tsx";
import { Rich } from "./rich.tsx";

/** the message whose actions show (one at a time), the one being edited and its unsaved text */
const [active, setActive] = createSignal("");
const [editing, setEditing] = createSignal("");
let editText = "";

// which message shows its actions, decided for the whole log (rows are re-created when a view changes, under a
// pointer that has not moved): the one under the mouse, the one last tapped (touch, pen), the one focused
const msgAt = (t: EventTarget | null) => (t instanceof Element ? t.closest<HTMLElement>(".log [data-msg-id]") : null);
document.addEventListener("pointerover", (e) => {
  const a = msgAt(e.target);
  if (a) setActive(a.dataset.msgId!);
  else if (e.pointerType === "mouse" && !msgAt(document.activeElement)) setActive("");
});
/** the message row that holds the keyboard focus: a row drawn again gets it back */
let focused = "";
document.addEventListener("focusin", (e) => {
  const a = msgAt(e.target);
  if (a) setActive(a.dataset.msgId!);
  focused = a && a === e.target ? a.dataset.msgId! : "";
});
setActive(
  msgAt(document.querySelector(".log [data-msg-id]:hover, .log [data-msg-id]:focus-within"))?.dataset.msgId ?? "",
);

const edit = (m: MessageView) => {
  editText = m.text;
  setEditing(m.msgId);
};

/** ↑ in an empty message box: edit my last message in the open channel (if any). */
export function editLast(app: AppStore): boolean {
  const m = lastEditable(app.core);
  if (m) edit(m);
  return !!m;
}

export function MessageBody(p: { m: MessageView }) {
  const app = useApp();
  const [history, setHistory] = createSignal(false);
  const can = () => (app.state(), messageActions(app.core, p.m));
  const failed = (e: Error) => app.notice(e.message, "error");
  const refocus = (el: HTMLElement) =>
    queueMicrotask(() => {
      if (focused === p.m.msgId && document.activeElement === document.body) el.closest("article")?.focus();
    });
  const jump = (msgId: string) => {
    // the search panel's reveal (scroll to it, mark it): its chunk, on the first jump
    void import("./search-panel.tsx")
      .then((x) => x.revealInLog(app))
      .then(() => jumpToMessage(app.core, { circleId: p.m.circleId, channelId: p.m.channelId, msgId }))
      .catch(failed);
  };
  return (
    <div class="msg-body" ref={refocus}>
      {/* first, so Tab from the focused message reaches them first (on touch screens shown last: styles.css) */}
      <Show when={active() === p.m.msgId && editing() !== p.m.msgId && !p.m.deleted}>
        <Actions app={app} m={p.m} can={can()} edit={() => edit(p.m)} />
      </Show>
      <Show when={p.m.reply}>
        {(r) => (
          <button
            type="button"
            class="quote"
            data-testid="quote"
            title="Show the message"
            onClick={() => jump(r().msgId)}
          >
            <span class="quote-author">{r().author}</span>{" "}
            <span class="quote-line">{r().deleted ? "message deleted" : plainInline(r().line)}</span>
          </button>
        )}
      </Show>
      <Show
        when={!p.m.deleted}
        fallback={
          <div class="msg-text tombstone" data-testid="tombstone">
            message deleted
          </div>
        }
      >
        <Show
          when={editing() === p.m.msgId}
          fallback={
            <div class="msg-text">
              <Rich text={p.m.text} me={app.me()} names={app.names()} />
            </div>
          }
        >
          <Editor app={app} m={p.m} />
        </Show>
        <Show when={p.m.edited}>
          {(e) => (
            <>
              <button
                type="button"
                class="edited"
                data-testid="edited"
                aria-expanded={history()}
                title={`edited ${formatDateTime(e().ts)}: show every text it had`}
                onClick={() => setHistory(!history())}
              >
                (edited)
              </button>
              <Show when={history()}>
                <ol class="edit-history" data-testid="edit-history">
                  <For each={e().history}>
                    {(h, i) => (
                      <li>
                        <span class="muted">
                          {i() ? `edit ${i()}` : "original"} · {formatDateTime(h.ts)}
                        </span>{" "}
                        {h.text}
                      </li>
                    )}
                  </For>
                </ol>
              </Show>
            </>
          )}
        </Show>
      </Show>
      <Reactions app={app} m={p.m} canReact={can().react} />
    </div>
  );
}

/** The inline editor of my message: Enter saves (an edit for everyone), Esc cancels, Shift+Enter breaks the line. */
function Editor(p: { app: AppStore; m: MessageView }) {
  let ta!: HTMLTextAreaElement;
  const [busy, setBusy] = createSignal(false);
  const done = () => {
    setEditing("");
    p.app.focusInput();
  };
  const grow = () => {
    ta.style.height = "auto";
    ta.style.height = `${Math.min(ta.scrollHeight, 240)}px`;
  };
  async function save() {
    const text = ta.value;
    if (text === p.m.text) return done();
    setBusy(true);
    try {
      await refAction(p.app.core, p.m, { op: "edit", text });
      done();
    } catch (e) {
      p.app.notice((e as Error).message, "error");
      setBusy(false);
    }
  }
  onMount(() => {
    // (a view that changed while editing, a reaction say, keeps what was typed)
    ta.value = editText;
    grow();
    ta.focus();
    ta.setSelectionRange(ta.value.length, ta.value.length);
    ta.scrollIntoView({ block: "nearest" });
  });
  return (
    <div class="msg-edit">
      <textarea
        ref={ta}
        rows={1}
        data-testid="edit-input"
        aria-label="Edit message"
        disabled={busy()}
        onInput={() => {
          editText = ta.value;
          grow();
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void save();
          } else if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            done();
          }
        }}
      />
      <div class="small muted">Enter to save · Esc to cancel</div>
    </div>
  );
}
