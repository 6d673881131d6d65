// A locked channel (a key or invite channel this user has not joined): one line about the
// messages it holds instead of their unreadable bodies, and the way in where the input would
// be: "Join with key" opens the key prompt; an invite channel asks its owner. Loaded on use.
import { Show, createSignal } from "solid-js";
import { whoCanJoin } from "../../../shared/access-modes.ts";
import { lockedText } from "../../../shared/locked.ts";
import { useApp } from "../app-store.ts";

export function Locked() {
  const app = useApp();
  const ch = () => app.channel()!;
  const [prompt, setPrompt] = createSignal(false);
  const [key, setKey] = createSignal("");
  const [info, setInfo] = createSignal({ text: "", error: false });
  let keyInput: HTMLInputElement | undefined;

  async function join(e?: Event) {
    e?.preventDefault();
    const circleId = app.state().circleId!;
    const name = ch().channelId;
    if (ch().accessMode === "key" && !key()) return setInfo({ text: "type the channel's key", error: true });
    try {
      await app.backend.joinChannel(circleId, name, key() || undefined);
      await app.core.refresh();
      if (app.channel()?.joined) await app.core.loadLatest(circleId, name, true);
      else setInfo({ text: `asked to join #${name}; its owner must approve`, error: false });
    } catch (err) {
      setInfo({ text: (err as Error).message, error: true });
    }
  }

  return (
    <>
      <div class="log locked" data-testid="locked">
        <p class="locked-line">
          {lockedText(ch(), app.messages().filter((m) => !m.event).length, app.state().hasMore[app.key()])}
        </p>
        <p class="muted">
          #{ch().channelId} is for {whoCanJoin(ch().accessMode)}
          {ch().accessMode === "key" ? ": ask a member for its key." : "."}
        </p>
      </div>
      <div class="inputbar locked-bar">
        <Show when={info().text}>
          <div class="input-note" classList={{ error: info().error }} role="status" data-testid="input-note">
            {info().text}
          </div>
        </Show>
        <Show
          when={ch().accessMode === "key"}
          fallback={
            <button type="button" class="primary" onClick={() => join()}>
              Ask to join
            </button>
          }
        >
          <Show
            when={prompt()}
            fallback={
              <button
                type="button"
                class="primary"
                data-testid="join-with-key"
                onClick={() => {
                  setPrompt(true);
                  keyInput?.focus();
                }}
              >
                Join with key
              </button>
            }
          >
            <form class="input-wrap" onSubmit={join}>
              <input
                ref={(el) => {
                  keyInput = el;
                  queueMicrotask(() => el.focus());
                }}
                name="channel-key"
                type="password"
                placeholder={`Key of #${ch().channelId}`}
                aria-label="Channel key"
                autocomplete="off"
                value={key()}
                onInput={(e) => setKey(e.currentTarget.value)}
              />
              <button type="submit" class="send">
                Join
              </button>
            </form>
          </Show>
        </Show>
      </div>
    </>
  );
}
